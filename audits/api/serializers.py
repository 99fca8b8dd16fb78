from rest_framework import serializers

from accounts.viewsets import ColleagueRelatedField, TenantRelatedField
from audits.models import AuditRun, CheckResult, Finding, RemediationTask, TaskComment
from portals.models import Client, Engagement, Portal


class AuditRunSerializer(serializers.ModelSerializer):
    percent = serializers.FloatField(read_only=True)

    class Meta:
        model = AuditRun
        fields = [
            "id", "client", "engagement", "portals", "status", "checks_total", "checks_done", "percent",
            "health_score", "thresholds", "as_of", "previous_run", "error_message", "created_at", "started_at", "finished_at",
        ]
        read_only_fields = fields


class AuditRunCreateSerializer(serializers.Serializer):
    client = TenantRelatedField(model=Client)
    engagement = TenantRelatedField(model=Engagement, required=False, allow_null=True)
    portals = TenantRelatedField(model=Portal, many=True, required=False, help_text="Defaults to every portal of the client.")
    as_of = serializers.DateTimeField(
        required=False, allow_null=True, help_text="Measure ages and SLAs at this time, e.g. the export date of CSV data."
    )


class CheckResultSerializer(serializers.ModelSerializer):
    class Meta:
        model = CheckResult
        fields = ["check_code", "category", "status", "measured_value", "threshold", "score", "weight", "metrics", "message", "duration_ms"]
        read_only_fields = fields


class FindingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Finding
        fields = [
            "id", "client", "audit_run", "check_code", "category", "key", "severity", "title", "summary",
            "measured_value", "threshold", "unit", "affected_count", "denominator", "evidence", "change",
        ]
        read_only_fields = fields


class RemediationTaskSerializer(serializers.ModelSerializer):
    client = TenantRelatedField(model=Client)
    finding = TenantRelatedField(model=Finding, required=False, allow_null=True)
    owner = ColleagueRelatedField(required=False, allow_null=True)

    class Meta:
        model = RemediationTask
        fields = [
            "id", "client", "finding", "check_code", "title", "steps", "priority", "effort", "expected_impact",
            "owner", "status", "due_date", "visible_to_client", "created_at", "updated_at",
        ]
        read_only_fields = ["id", "check_code", "created_at", "updated_at"]

    def validate_steps(self, value):
        if not isinstance(value, list) or not all(isinstance(step, str) and step.strip() for step in value):
            raise serializers.ValidationError("Steps must be a list of non-empty strings.")
        return value

    def validate(self, attrs):
        client = attrs.get("client") or getattr(self.instance, "client", None)
        finding = attrs.get("finding")
        if finding is not None and finding.client_id != client.pk:
            raise serializers.ValidationError({"finding": "The finding belongs to another client."})
        if self.instance is not None and "client" in attrs and attrs["client"] != self.instance.client:
            raise serializers.ValidationError({"client": "A task cannot move to another client."})
        owner = attrs.get("owner")
        if owner is not None and not owner.memberships.filter(organization_id=client.organization_id).exists():
            raise serializers.ValidationError({"owner": "The owner must be a consultant of the client's organization."})
        return attrs


class TaskCommentSerializer(serializers.ModelSerializer):
    author = serializers.EmailField(source="author.email", read_only=True)

    class Meta:
        model = TaskComment
        fields = ["id", "author", "body", "created_at"]
        read_only_fields = ["id", "author", "created_at"]


class AuditComparisonSerializer(serializers.Serializer):
    new = FindingSerializer(many=True)
    unchanged = FindingSerializer(many=True)
    resolved = FindingSerializer(many=True)


class CheckDescriptionSerializer(serializers.Serializer):
    code = serializers.CharField()
    category = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    why_it_matters = serializers.CharField()
    thresholds = serializers.ListField(child=serializers.CharField())
    weight = serializers.FloatField()
