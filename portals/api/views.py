from django.db import transaction
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.tenancy import admin_organization_ids
from accounts.viewsets import TenantScopedModelViewSet
from portals.models import Client, Engagement, Portal
from portals.sync import engine
from portals.views import enqueue_on_commit
from portals.tasks import portal_check_connection_task, sync_run_task

from .serializers import ClientSerializer, EngagementSerializer, PortalSerializer
from .sync_serializers import SyncRunSerializer, SyncStartSerializer


class ClientPermission(permissions.BasePermission):
    """Assigned consultants read and edit a client; only organization admins create or delete one."""

    message = "Only organization admins can create or delete clients."

    def has_permission(self, request, view):
        if view.action in ("create", "destroy"):
            return admin_organization_ids(request.user).exists()
        return True

    def has_object_permission(self, request, view, obj):
        if view.action == "destroy":
            return Client.objects.administered_by(request.user).filter(pk=obj.pk).exists()
        return True


@extend_schema_view(
    list=extend_schema(summary="List clients", description="Clients the caller manages: all of an admin's organization, a consultant's assigned ones."),
    retrieve=extend_schema(summary="Get a client", description="One client the caller manages."),
    create=extend_schema(summary="Create a client", description="Organization admins only."),
    update=extend_schema(summary="Replace a client", description="Edit the client's profile."),
    partial_update=extend_schema(summary="Update a client", description="Edit some fields of the client's profile."),
    destroy=extend_schema(summary="Delete a client", description="Organization admins only; deletes every synced and computed row of the client."),
)
class ClientViewSet(TenantScopedModelViewSet):
    model = Client
    serializer_class = ClientSerializer
    permission_classes = [permissions.IsAuthenticated, ClientPermission]
    filterset_fields = ["organization", "crm_of_record", "industry", "employee_band"]
    search_fields = ["name", "industry"]
    ordering_fields = ["name", "created_at"]


@extend_schema_view(
    list=extend_schema(summary="List engagements", description="Engagements of the clients the caller manages."),
    retrieve=extend_schema(summary="Get an engagement", description="One engagement of a managed client."),
    create=extend_schema(summary="Create an engagement", description="Start an audit, retainer or implementation for a managed client."),
    update=extend_schema(summary="Replace an engagement", description="Edit the engagement, including its audit threshold overrides."),
    partial_update=extend_schema(summary="Update an engagement", description="Edit some fields of the engagement."),
    destroy=extend_schema(summary="Delete an engagement", description="Delete the engagement."),
)
class EngagementViewSet(TenantScopedModelViewSet):
    model = Engagement
    serializer_class = EngagementSerializer
    filterset_fields = ["client", "kind", "status", "lead_consultant"]
    search_fields = ["name"]
    ordering_fields = ["start_date", "end_date", "created_at", "name"]

    def refine_queryset(self, queryset):
        return queryset.select_related("client")


@extend_schema_view(
    list=extend_schema(summary="List portals", description="Connected systems of the clients the caller manages. Credentials are never returned."),
    retrieve=extend_schema(summary="Get a portal", description="One portal; `has_credentials` says whether credentials are stored."),
    create=extend_schema(summary="Connect a portal", description="Register a HubSpot, Salesforce, Marketo, Pardot or CSV portal, with write-only credentials."),
    update=extend_schema(summary="Replace a portal", description="Edit the portal; sending credentials replaces the stored ones."),
    partial_update=extend_schema(summary="Update a portal", description="Edit some fields; sending credentials replaces the stored ones."),
    destroy=extend_schema(summary="Delete a portal", description="Delete the portal and its stored credentials."),
)
class PortalViewSet(TenantScopedModelViewSet):
    model = Portal
    serializer_class = PortalSerializer
    filterset_fields = ["client", "vendor", "status"]
    search_fields = ["name", "account_id"]
    ordering_fields = ["created_at", "last_synced_at", "vendor"]

    def refine_queryset(self, queryset):
        return queryset.select_related("client")

    @extend_schema(
        summary="Test the portal's connection",
        description="Queue a check of the stored credentials against the vendor; poll the portal's `status`.",
        request=None,
        responses={202: PortalSerializer},
    )
    @action(detail=True, methods=["post"], url_path="check-connection")
    def check_connection(self, request, *args, **kwargs):
        portal = self.get_object()
        transaction.on_commit(lambda: portal_check_connection_task.delay(client_id=portal.client_id, portal_id=portal.pk))
        return Response(self.get_serializer(portal).data, status=202)

    @extend_schema(
        summary="Start a sync",
        description="Queue a sync of the portal into the snapshot: incremental by default, full on request. Poll the sync run.",
        request=SyncStartSerializer,
        responses={202: SyncRunSerializer},
    )
    @action(detail=True, methods=["post"])
    def sync(self, request, *args, **kwargs):
        portal = self.get_object()
        serializer = SyncStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if portal.vendor in ("csv", "pardot"):
            raise serializers.ValidationError({"detail": f"{portal.get_vendor_display()} portals are synced by uploading CSV exports at /api/v1/csv-uploads/."})

        try:
            sync_run = engine.sync_run_create(portal=portal, mode=serializer.validated_data["mode"], requested_by=request.user)
        except engine.SyncAlreadyRunning as error:
            raise serializers.ValidationError({"detail": str(error)}) from error

        enqueue_on_commit(sync_run_task, client_id=sync_run.client_id, sync_run_id=sync_run.pk)
        return Response(SyncRunSerializer(sync_run).data, status=202)
