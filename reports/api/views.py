from django.db import transaction
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.tenancy import client_user_client_id
from accounts.viewsets import TenantScopedModelViewSet, TenantScopedReadOnlyViewSet, TenantScopedViewSetMixin
from reports import services
from reports.models import DeliverySchedule, Report, ReportVersion, ShareLink
from reports.tasks import report_render_task
from reports.views import pdf_response

from .serializers import (
    DeliveryScheduleSerializer,
    ReportCreateSerializer,
    PublishedReportSerializer,
    ReportPublishSerializer,
    ReportSerializer,
    ReportVersionDetailSerializer,
    ReportVersionSerializer,
    ShareLinkCreatedSerializer,
    ShareLinkCreateSerializer,
    ShareLinkSerializer,
)

PDF_RESPONSE = {(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF file.")}


class ConsultantWritesPermission(permissions.BasePermission):
    """Allow client users to read only. Every change is a consultant's."""

    message = "Client users can only read published reports."

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or client_user_client_id(request.user) is None


@extend_schema_view(
    list=extend_schema(summary="List reports", description="Reports of the caller's clients; client users see only their published reports."),
    retrieve=extend_schema(summary="Get a report", description="Status, render status and the published version of one report."),
    create=extend_schema(
        summary="Create a report",
        description=(
            "Create a draft report of a kind from the finished run it is built from: `portal_audit` from an `audit_run`, "
            "`stack_inventory` from an `inventory_run`. Leave the other run empty. Render it, then publish it."
        ),
        request=ReportCreateSerializer,
        responses={201: ReportSerializer},
    ),
)
class ReportViewSet(TenantScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    model = Report
    serializer_class = ReportSerializer
    permission_classes = [permissions.IsAuthenticated, ConsultantWritesPermission]
    filterset_fields = ["client", "kind", "status", "audit_run", "inventory_run"]
    ordering_fields = ["created_at", "published_at"]

    @property
    def search_fields(self):
        # Client users search the published title, so a search cannot probe the draft's title.
        return ["published_version__title"] if self._is_client_user() else ["title"]

    def _is_client_user(self):
        request = getattr(self, "request", None)
        return request is not None and client_user_client_id(request.user) is not None

    def get_serializer_class(self):
        return PublishedReportSerializer if self._is_client_user() else ReportSerializer

    def refine_queryset(self, queryset):
        return queryset.select_related("published_version").defer("published_version__html", "published_version__data")

    def create(self, request, *args, **kwargs):
        serializer = ReportCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        try:
            report = services.report_create(created_by=request.user, **serializer.validated_data)
        except services.ReportInputError as error:
            raise serializers.ValidationError({error.field or "detail": [str(error)]}) from error
        return Response(ReportSerializer(report).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Render a report",
        description="Queue a render into a new version (HTML and PDF). Poll the report until `render_status` is `idle` or `failed`.",
        request=None,
        responses={202: ReportSerializer},
    )
    @action(detail=True, methods=["post"])
    def render(self, request, *args, **kwargs):
        report = services.report_render_request(report=self.get_object())
        transaction.on_commit(
            lambda: report_render_task.delay(client_id=report.client_id, report_id=report.pk, rendered_by_id=request.user.pk)
        )
        return Response(ReportSerializer(report).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Publish a report",
        description="Publish the latest version to the client's users. Returns 409 when there is no new version to publish.",
        request=ReportPublishSerializer,
        responses={200: ReportSerializer, 409: OpenApiResponse(description="No rendered version, or the latest is already published.")},
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, *args, **kwargs):
        report = self.get_object()
        serializer = ReportPublishSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            report = services.report_publish(report=report, published_by=request.user, **serializer.validated_data)
        except services.ReportStateError as error:
            return Response({"detail": str(error)}, status=status.HTTP_409_CONFLICT)
        return Response(ReportSerializer(report).data)


@extend_schema_view(
    list=extend_schema(summary="List report versions", description="Rendered versions; client users see only the published version of each published report."),
    retrieve=extend_schema(summary="Get a report version", description="One version with the data snapshot it was rendered from.", responses=ReportVersionDetailSerializer),
)
class ReportVersionViewSet(TenantScopedReadOnlyViewSet):
    model = ReportVersion
    serializer_class = ReportVersionSerializer
    filterset_fields = ["report", "client"]
    ordering_fields = ["number", "rendered_at"]

    def get_serializer_class(self):
        return ReportVersionDetailSerializer if self.action == "retrieve" else ReportVersionSerializer

    def refine_queryset(self, queryset):
        return queryset.select_related("report")

    @extend_schema(summary="Download a version's PDF", description="The PDF rendered for this version, as an attachment.", responses=PDF_RESPONSE)
    @action(detail=True, methods=["get"])
    def download(self, request, *args, **kwargs):
        version = self.get_object()
        return pdf_response(version.report, version)


@extend_schema_view(
    list=extend_schema(summary="List share links", description="Share links of the caller's clients' reports. Tokens are never shown again."),
    retrieve=extend_schema(summary="Get a share link", description="Expiry, password flag, revocation and last use of one link."),
    create=extend_schema(
        summary="Create a share link",
        description="Create a link to a published report for readers without an account. The response shows the token once.",
        request=ShareLinkCreateSerializer,
        responses={201: ShareLinkCreatedSerializer},
    ),
)
class ShareLinkViewSet(TenantScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    model = ShareLink
    serializer_class = ShareLinkSerializer
    permission_classes = [permissions.IsAuthenticated, ConsultantWritesPermission]
    filterset_fields = ["report", "client"]
    ordering_fields = ["created_at", "expires_at"]

    def create(self, request, *args, **kwargs):
        serializer = ShareLinkCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            link, token = services.share_link_create(
                report=data["report"], created_by=request.user, expires_at=data.get("expires_at"), password=data.get("password", "")
            )
        except services.ReportStateError as error:
            return Response({"detail": str(error)}, status=status.HTTP_409_CONFLICT)
        except services.ReportInputError as error:
            raise serializers.ValidationError({"detail": str(error)}) from error

        link.token = token
        link.url = request.build_absolute_uri(reverse("share-report", args=[token]))
        return Response(ShareLinkCreatedSerializer(link).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Revoke a share link", description="The link returns 404 from now on. Revoking twice changes nothing.", request=None, responses=ShareLinkSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, *args, **kwargs):
        link = services.share_link_revoke(share_link=self.get_object())
        return Response(ShareLinkSerializer(link).data)


@extend_schema_view(
    list=extend_schema(summary="List delivery schedules", description="Scheduled emails of published reports to client users."),
    retrieve=extend_schema(summary="Get a delivery schedule", description="Recipients, frequency, next run and last send of one schedule."),
    create=extend_schema(summary="Create a delivery schedule", description="Email the client's latest published reports (PDFs attached) weekly or monthly to some of its users."),
    update=extend_schema(summary="Replace a delivery schedule", description="Change recipients, frequency, next run or whether it is active."),
    partial_update=extend_schema(summary="Update a delivery schedule", description="Change some fields, e.g. `active` to pause the schedule."),
    destroy=extend_schema(summary="Delete a delivery schedule", description="Stop the emails and delete the schedule."),
)
class DeliveryScheduleViewSet(TenantScopedModelViewSet):
    model = DeliverySchedule
    serializer_class = DeliveryScheduleSerializer
    permission_classes = [permissions.IsAuthenticated, ConsultantWritesPermission]
    filterset_fields = ["client", "frequency", "active"]
    ordering_fields = ["next_run_at", "created_at"]

    def refine_queryset(self, queryset):
        return queryset.prefetch_related("recipients")

    def perform_create(self, serializer):
        serializer.save(created_by=self.request.user)
