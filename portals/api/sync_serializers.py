from rest_framework import serializers

from accounts.viewsets import TenantRelatedField
from portals.models import Company, Contact, CsvUpload, Portal, SyncRun


class SyncRunSerializer(serializers.ModelSerializer):
    percent = serializers.FloatField(read_only=True, allow_null=True, help_text="Null while a vendor total is unknown.")
    records_done = serializers.IntegerField(read_only=True)
    duration_seconds = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = SyncRun
        fields = [
            "id", "client", "portal", "mode", "status", "since", "progress", "records_done", "percent", "attempts",
            "error_object", "error_message", "created_at", "started_at", "finished_at", "duration_seconds",
        ]
        read_only_fields = fields


class SyncStartSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(
        choices=[SyncRun.Mode.INCREMENTAL, SyncRun.Mode.FULL],
        default=SyncRun.Mode.INCREMENTAL,
        help_text="incremental reads records modified since the last successful sync; full reads everything.",
    )


class CsvUploadSerializer(serializers.ModelSerializer):
    class Meta:
        model = CsvUpload
        fields = [
            "id", "client", "portal", "original_name", "kind", "headers", "suggested_mapping", "column_map",
            "status", "errors", "metadata", "sync_run", "created_at",
        ]
        read_only_fields = [
            "id", "client", "portal", "original_name", "kind", "headers", "suggested_mapping", "status", "errors",
            "metadata", "sync_run", "created_at",
        ]

    def validate_column_map(self, value):
        from portals.csv_import import COMPANY_FIELDS, CONTACT_FIELDS
        from portals.models.snapshot import STAGE_DATE_FIELDS

        if not isinstance(value, dict):
            raise serializers.ValidationError('The column map must be an object, e.g. {"Where did you find us?": "self_reported_source"}.')
        allowed = set(CONTACT_FIELDS) | set(COMPANY_FIELDS) | {f"stage_dates.{stage}" for stage in STAGE_DATE_FIELDS}
        headers = set(self.instance.headers) if self.instance else set()
        for header, field_name in value.items():
            if header not in headers:
                raise serializers.ValidationError(f'"{header}" is not a column of this file.')
            if field_name is not None and field_name not in allowed:
                raise serializers.ValidationError(f'"{field_name}" is not a known field; choose one of {sorted(allowed)} or null to ignore the column.')
        return value


class CsvUploadCreateSerializer(serializers.Serializer):
    portal = TenantRelatedField(model=Portal)
    file = serializers.FileField(help_text="A HubSpot, Salesforce or Pardot CSV export (UTF-8 or Windows-1252, comma or semicolon).")


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        exclude = ["extra"]
        read_only_fields = [field.name for field in Contact._meta.fields if field.name != "extra"]


class CompanySerializer(serializers.ModelSerializer):
    class Meta:
        model = Company
        fields = "__all__"
        read_only_fields = [field.name for field in Company._meta.fields]
