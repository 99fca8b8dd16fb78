from django.db import transaction
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.filters import TenantFilterSet
from accounts.viewsets import TenantScopedReadOnlyViewSet, TenantScopedViewSetMixin
from portals.models import Company, Contact, CsvUpload, SyncRun
from portals.sync import csv_service, engine
from portals.views import enqueue_on_commit
from portals.tasks import csv_import_task, sync_run_task

from .sync_serializers import (
    CompanySerializer,
    ContactSerializer,
    CsvUploadCreateSerializer,
    CsvUploadSerializer,
    SyncRunSerializer,
)


@extend_schema_view(
    list=extend_schema(summary="List sync runs", description="Sync and import history of the caller's clients, newest first."),
    retrieve=extend_schema(summary="Get a sync run", description="Progress per object, percent where totals are known, counts, duration and errors."),
)
class SyncRunViewSet(TenantScopedReadOnlyViewSet):
    model = SyncRun
    serializer_class = SyncRunSerializer
    filterset_fields = ["client", "portal", "status", "mode"]
    ordering_fields = ["created_at", "finished_at"]

    @extend_schema(
        summary="Resume a failed sync",
        description="Queue a failed run again; it continues from the last page it wrote.",
        request=None,
        responses={202: SyncRunSerializer},
    )
    @action(detail=True, methods=["post"])
    def resume(self, request, *args, **kwargs):
        sync_run = self.get_object()
        if sync_run.mode == SyncRun.Mode.CSV:
            raise serializers.ValidationError({"detail": "CSV imports are not resumed; upload the file again."})
        try:
            sync_run = engine.sync_run_requeue(sync_run=sync_run)
        except (ValueError, engine.SyncAlreadyRunning) as error:
            raise serializers.ValidationError({"detail": str(error)}) from error

        enqueue_on_commit(sync_run_task, client_id=sync_run.client_id, sync_run_id=sync_run.pk)
        return Response(SyncRunSerializer(sync_run).data, status=status.HTTP_202_ACCEPTED)


@extend_schema_view(
    list=extend_schema(summary="List CSV uploads", description="Uploaded exports with their recognised kind, columns and status."),
    retrieve=extend_schema(summary="Get a CSV upload", description="Headers, the suggested mapping, the chosen column map and any errors."),
    create=extend_schema(
        summary="Upload a CSV export",
        description="Upload a vendor export; the response lists its columns and the suggested mapping to confirm.",
        request={"multipart/form-data": CsvUploadCreateSerializer},
        responses={201: CsvUploadSerializer},
    ),
    partial_update=extend_schema(
        summary="Set the column mapping",
        description='Map unrecognised columns, e.g. {"column_map": {"Where did you find us?": "self_reported_source", "Notes": null}}.',
    ),
)
class CsvUploadViewSet(
    TenantScopedViewSetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    model = CsvUpload
    serializer_class = CsvUploadSerializer
    parser_classes = [parsers.MultiPartParser, parsers.FormParser, parsers.JSONParser]
    filterset_fields = ["client", "portal", "status", "kind"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def create(self, request, *args, **kwargs):
        serializer = CsvUploadCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        try:
            upload = csv_service.csv_upload_create(
                portal=serializer.validated_data["portal"], uploaded_file=serializer.validated_data["file"], uploaded_by=request.user
            )
        except csv_service.CsvUploadError as error:
            raise serializers.ValidationError({"file": str(error)}) from error
        return Response(CsvUploadSerializer(upload).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Validate and import",
        description="Validate the whole file with the column map; on errors nothing is written and they are returned, else the import is queued.",
        request=None,
        responses={202: SyncRunSerializer},
    )
    @action(detail=True, methods=["post"], url_path="import")
    def start_import(self, request, *args, **kwargs):
        upload = self.get_object()
        try:
            sync_run = csv_service.csv_upload_start_import(upload=upload, requested_by=request.user)
        except csv_service.CsvUploadError as error:
            upload.refresh_from_db()
            raise serializers.ValidationError({"detail": str(error), "errors": upload.errors}) from error

        transaction.on_commit(lambda: csv_import_task.delay(client_id=upload.client_id, upload_id=upload.pk))
        return Response(SyncRunSerializer(sync_run).data, status=status.HTTP_202_ACCEPTED)


class SnapshotFilter(TenantFilterSet):
    external_id__in = filters.BaseInFilter(field_name="external_id", help_text="Comma-separated vendor record ids.")


class ContactFilter(SnapshotFilter):
    class Meta:
        model = Contact
        fields = ["client", "portal", "external_id", "lifecycle_stage", "original_source", "owner_external_id"]


class CompanyFilter(SnapshotFilter):
    class Meta:
        model = Company
        fields = ["client", "portal", "external_id", "domain"]


@extend_schema_view(
    list=extend_schema(summary="List synced contacts", description="Snapshot contacts; pass external_id__in to open a finding's evidence."),
    retrieve=extend_schema(summary="Get a synced contact", description="One snapshot contact with its source and lifecycle fields."),
)
class ContactViewSet(TenantScopedReadOnlyViewSet):
    model = Contact
    serializer_class = ContactSerializer
    filterset_class = ContactFilter
    search_fields = ["email", "last_name", "company_name"]
    ordering_fields = ["created_at", "updated_at", "email"]
    ordering = ["id"]


@extend_schema_view(
    list=extend_schema(summary="List synced companies", description="Snapshot companies; pass external_id__in to open a finding's evidence."),
    retrieve=extend_schema(summary="Get a synced company", description="One snapshot company."),
)
class CompanyViewSet(TenantScopedReadOnlyViewSet):
    model = Company
    serializer_class = CompanySerializer
    filterset_class = CompanyFilter
    search_fields = ["name", "domain"]
    ordering_fields = ["created_at", "name"]
    ordering = ["id"]
