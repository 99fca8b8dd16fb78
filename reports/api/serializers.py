from rest_framework import serializers

from accounts.models import ClientUser
from accounts.tenancy import managed_client_ids
from accounts.viewsets import TenantRelatedField
from audits.models import AuditRun, InventoryRun
from portals.models import Client
from reports.kinds import all_kinds
from reports.models import DeliverySchedule, Report, ReportVersion, ShareLink


class ReportSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text="draft or published.")
    published_version_number = serializers.IntegerField(source="published_version.number", read_only=True, allow_null=True)

    class Meta:
        model = Report
        fields = [
            "id", "client", "kind", "title", "summary", "status", "audit_run", "inventory_run", "render_status", "render_error",
            "published_version", "published_version_number", "published_at", "published_by", "created_by", "created_at", "updated_at",
        ]
        read_only_fields = fields


class PublishedReportSerializer(serializers.ModelSerializer):
    """A report as a client user reads it: the title and summary of its published version, never the draft's."""

    title = serializers.CharField(source="published_version.title", read_only=True, allow_null=True)
    summary = serializers.CharField(source="published_version.summary", read_only=True, allow_null=True)
    published_version_number = serializers.IntegerField(source="published_version.number", read_only=True, allow_null=True)

    class Meta:
        model = Report
        fields = ["id", "client", "kind", "title", "summary", "status", "published_version", "published_version_number", "published_at"]
        read_only_fields = fields


class ReportCreateSerializer(serializers.Serializer):
    client = TenantRelatedField(model=Client)
    kind = serializers.CharField(help_text="Code of a report kind: portal_audit or stack_inventory.")
    audit_run = TenantRelatedField(
        model=AuditRun, required=False, allow_null=True,
        help_text="The finished audit run a portal_audit report is built from. Leave empty for other kinds.",
    )
    inventory_run = TenantRelatedField(
        model=InventoryRun, required=False, allow_null=True,
        help_text="The finished stack inventory a stack_inventory report is built from. Leave empty for other kinds.",
    )
    title = serializers.CharField(max_length=300, required=False, allow_blank=True, help_text="Defaults to a title from the kind, client and date.")
    summary = serializers.CharField(required=False, allow_blank=True, help_text="The consultant's executive summary.")

    def validate_kind(self, value):
        if value not in all_kinds():
            raise serializers.ValidationError(f"Unknown report kind {value!r}. Known kinds: {', '.join(all_kinds())}.")
        return value


class ReportPublishSerializer(serializers.Serializer):
    publish_tasks = serializers.BooleanField(
        default=True,
        help_text="Also make the remediation tasks the report lists (its audit run's, or its stack inventory's islands and gaps) "
                  "visible to the client's users.",
    )


class ReportVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportVersion
        fields = ["id", "client", "report", "number", "title", "rendered_at", "rendered_by", "published_at"]
        read_only_fields = fields


class ReportVersionDetailSerializer(ReportVersionSerializer):
    class Meta(ReportVersionSerializer.Meta):
        fields = [*ReportVersionSerializer.Meta.fields, "data"]
        read_only_fields = fields


class ShareLinkSerializer(serializers.ModelSerializer):
    has_password = serializers.BooleanField(read_only=True)

    class Meta:
        model = ShareLink
        fields = ["id", "client", "report", "expires_at", "has_password", "revoked_at", "created_by", "created_at", "last_used_at", "password_locked_until"]
        read_only_fields = fields


class ShareLinkCreateSerializer(serializers.Serializer):
    report = TenantRelatedField(model=Report, help_text="A published report of a client the caller manages.")
    expires_at = serializers.DateTimeField(required=False, help_text="Defaults to 14 days from now; at most 365 days.")
    password = serializers.CharField(required=False, allow_blank=True, write_only=True, help_text="Optional; at least 8 characters.")


class ShareLinkCreatedSerializer(ShareLinkSerializer):
    token = serializers.CharField(read_only=True, help_text="Shown only in this response; only its SHA-256 hash is stored.")
    url = serializers.CharField(read_only=True)

    class Meta(ShareLinkSerializer.Meta):
        fields = [*ShareLinkSerializer.Meta.fields, "token", "url"]
        read_only_fields = fields


class ManagedClientUserField(serializers.PrimaryKeyRelatedField):
    """A client user of a client that the requesting consultant manages."""

    def get_queryset(self):
        request = self.context.get("request")
        return ClientUser.objects.filter(client_id__in=managed_client_ids(getattr(request, "user", None)))


class DeliveryScheduleSerializer(serializers.ModelSerializer):
    client = TenantRelatedField(model=Client)
    recipients = ManagedClientUserField(many=True, help_text="Ids of client users of the schedule's client.")

    class Meta:
        model = DeliverySchedule
        fields = ["id", "client", "recipients", "frequency", "next_run_at", "active", "last_sent_at", "created_by", "created_at", "updated_at"]
        read_only_fields = ["id", "last_sent_at", "created_by", "created_at", "updated_at"]

    def validate(self, attrs):
        client = attrs.get("client") or getattr(self.instance, "client", None)
        if self.instance is not None and "client" in attrs and attrs["client"] != self.instance.client:
            raise serializers.ValidationError({"client": "A schedule cannot move to another client."})
        recipients = attrs.get("recipients")
        if recipients is not None:
            if not recipients:
                raise serializers.ValidationError({"recipients": "Choose at least one recipient."})
            if any(recipient.client_id != client.pk for recipient in recipients):
                raise serializers.ValidationError({"recipients": "Recipients must be users of the schedule's client."})
        return attrs
