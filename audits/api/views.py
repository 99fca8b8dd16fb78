from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.tenancy import client_user_client_id
from accounts.viewsets import TenantScopedReadOnlyViewSet, TenantScopedViewSetMixin
from audits import services
from audits.checks.base import all_checks
from audits.models import AuditRun, Finding, RemediationTask, TaskComment
from audits.selectors import audit_run_compare
from audits.tasks import audit_run_task

from .serializers import (
    AuditComparisonSerializer,
    CheckDescriptionSerializer,
    AuditRunCreateSerializer,
    AuditRunSerializer,
    CheckResultSerializer,
    FindingSerializer,
    RemediationTaskSerializer,
    TaskCommentSerializer,
)


@extend_schema_view(
    list=extend_schema(summary="List audit runs", description="Audit runs of the clients the caller manages, newest first."),
    retrieve=extend_schema(summary="Get an audit run", description="Status, progress (checks done of total) and health score."),
    create=extend_schema(
        summary="Start an audit",
        description="Queue an audit of the client's portals with the engagement's thresholds. Poll the run for progress.",
        request=AuditRunCreateSerializer,
        responses={202: AuditRunSerializer},
    ),
)
class AuditRunViewSet(TenantScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    model = AuditRun
    serializer_class = AuditRunSerializer
    filterset_fields = ["client", "engagement", "status"]
    ordering_fields = ["created_at", "health_score"]

    def get_serializer_class(self):
        return AuditRunCreateSerializer if self.action == "create" else AuditRunSerializer

    def create(self, request, *args, **kwargs):
        serializer = AuditRunCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data

        try:
            audit_run = services.audit_run_create(
                client=data["client"],
                engagement=data.get("engagement"),
                portals=data.get("portals") or None,
                requested_by=request.user,
                as_of=data.get("as_of"),
            )
        except (services.AuditInputError, ValueError) as error:
            raise serializers.ValidationError({"detail": str(error)}) from error

        transaction.on_commit(lambda: audit_run_task.delay(client_id=audit_run.client_id, audit_run_id=audit_run.pk))
        return Response(AuditRunSerializer(audit_run).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(summary="List the run's check results", description="One row per check: status, measured value, threshold, score.", responses=CheckResultSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="checks")
    def checks(self, request, *args, **kwargs):
        return Response(CheckResultSerializer(self.get_object().check_results.all(), many=True).data)

    @extend_schema(
        summary="Compare with another run",
        description="Findings that are new, unchanged and resolved since `other` (default: the run's previous run).",
        parameters=[OpenApiParameter("other", int, description="Id of the earlier run to compare with.")],
        responses={200: AuditComparisonSerializer},
    )
    @action(detail=True, methods=["get"], url_path="compare")
    def compare(self, request, *args, **kwargs):
        run = self.get_object()
        other_id = request.query_params.get("other") or run.previous_run_id
        if other_id and not str(other_id).isdigit():
            raise serializers.ValidationError({"other": f'"{other_id}" is not a run id; pass ?other=<run id>.'})
        if not other_id:
            raise serializers.ValidationError({"other": "This run has no previous run; pass ?other=<run id>."})
        other = get_object_or_404(self.get_queryset().filter(client_id=run.client_id), pk=other_id)

        comparison = audit_run_compare(run=run, previous=other)
        return Response({name: FindingSerializer(items, many=True).data for name, items in comparison.items()})


@extend_schema_view(
    list=extend_schema(summary="List findings", description="Filter by audit run, severity, category or check code."),
    retrieve=extend_schema(summary="Get a finding", description="The finding with its evidence: counts and sample record ids."),
)
class FindingViewSet(TenantScopedReadOnlyViewSet):
    model = Finding
    serializer_class = FindingSerializer
    filterset_fields = ["audit_run", "client", "severity", "category", "check_code", "change"]
    ordering_fields = ["severity", "affected_count", "check_code"]


# Statuses a client user may set; "won't fix" is the consultant's decision.
CLIENT_USER_STATUSES = {RemediationTask.Status.OPEN, RemediationTask.Status.IN_PROGRESS, RemediationTask.Status.DONE}


class RemediationTaskPermission(permissions.BasePermission):
    """Client users may read their published tasks and change only their status."""

    message = "Client users can only change the status of a task."

    def has_permission(self, request, view):
        if client_user_client_id(request.user) is None or request.method in permissions.SAFE_METHODS:
            return True
        return view.action in ("partial_update", "comments")

    def has_object_permission(self, request, view, obj):
        if client_user_client_id(request.user) is None or request.method in permissions.SAFE_METHODS:
            return True
        if view.action == "partial_update":
            return set(request.data) <= {"status"} and request.data.get("status") in CLIENT_USER_STATUSES
        return True


@extend_schema_view(
    list=extend_schema(summary="List remediation tasks", description="Tasks of the caller's clients; client users see their published tasks."),
    retrieve=extend_schema(summary="Get a remediation task", description="Steps, priority, effort, owner, status and due date."),
    create=extend_schema(summary="Create a remediation task", description="Add a task by hand; audits create tasks for their findings."),
    update=extend_schema(summary="Replace a remediation task", description="Edit the task."),
    partial_update=extend_schema(summary="Update a remediation task", description="Edit some fields; client users may change only `status`."),
    destroy=extend_schema(summary="Delete a remediation task", description="Delete the task and its comments."),
)
class RemediationTaskViewSet(TenantScopedViewSetMixin, viewsets.ModelViewSet):
    model = RemediationTask
    serializer_class = RemediationTaskSerializer
    permission_classes = [permissions.IsAuthenticated, RemediationTaskPermission]
    filterset_fields = ["client", "status", "priority", "owner", "check_code", "visible_to_client"]
    ordering_fields = ["priority", "due_date", "created_at"]

    @extend_schema(
        summary="List or add comments",
        description="GET lists the task's comments; POST adds one as the caller.",
        request=TaskCommentSerializer,
        responses=TaskCommentSerializer(many=True),
    )
    @action(detail=True, methods=["get", "post"], url_path="comments")
    def comments(self, request, *args, **kwargs):
        task = self.get_object()
        if request.method == "GET":
            return Response(TaskCommentSerializer(TaskComment.objects.visible_to(request.user).filter(task=task), many=True).data)

        serializer = TaskCommentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = serializer.save(task=task, client_id=task.client_id, author=request.user)
        return Response(TaskCommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class CheckRegistryView(viewsets.GenericViewSet):
    """The check registry is code, not tenant data, so it has no queryset of its own."""

    serializer_class = CheckDescriptionSerializer
    pagination_class = None
    filter_backends = []
    queryset = AuditRun.objects.none()

    @extend_schema(
        summary="List the audit checks",
        description="Every registered check with its category, weight in the health score, thresholds and what it measures.",
    )
    def list(self, request, *args, **kwargs):
        return Response([
            {
                "code": code,
                "category": check.category,
                "title": check.title,
                "description": check.description,
                "why_it_matters": check.why_it_matters,
                "thresholds": list(check.thresholds),
                "weight": check.weight,
            }
            for code, check in all_checks().items()
        ])
