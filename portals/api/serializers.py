from rest_framework import serializers

from accounts.models import Organization, User
from accounts.tenancy import admin_organization_ids
from accounts.viewsets import TenantRelatedField
from portals.models import Client, Engagement, Portal
from portals.validators import normalize_domain, validate_domain_list, validate_vendor_base_url

# Credential keys each vendor needs. A portal may be created without credentials and connected later.
REQUIRED_CREDENTIALS = {
    Portal.Vendor.HUBSPOT: [("access_token",), ("client_id", "client_secret", "refresh_token")],
    Portal.Vendor.SALESFORCE: [("username", "password", "security_token"), ("access_token",)],
    Portal.Vendor.MARKETO: [("client_id", "client_secret")],
    Portal.Vendor.PARDOT: [("business_unit_id", "access_token")],
    Portal.Vendor.CSV: [()],
}


class ClientSerializer(serializers.ModelSerializer):
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.none(),
        required=False,
        help_text="Required only when the caller administers more than one organization.",
    )

    class Meta:
        model = Client
        fields = [
            "id",
            "organization",
            "name",
            "website_domains",
            "industry",
            "employee_band",
            "revenue_band",
            "crm_of_record",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        # Uniqueness of the name is checked in validate() once the organization is known.
        validators = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["organization"].queryset = Organization.objects.filter(
                id__in=admin_organization_ids(request.user)
            )

    def validate_website_domains(self, value):
        validate_domain_list(value)
        return sorted({normalize_domain(domain) for domain in value})

    def validate(self, attrs):
        if self.instance is not None:
            if "organization" in attrs and attrs["organization"] != self.instance.organization:
                raise serializers.ValidationError({"organization": "A client cannot move to another organization."})
            return attrs

        if "organization" not in attrs:
            organizations = list(self.fields["organization"].queryset[:2])
            if len(organizations) != 1:
                raise serializers.ValidationError(
                    {"organization": "Choose the organization: you administer none or more than one."}
                )
            attrs["organization"] = organizations[0]

        if Client.objects.filter(organization=attrs["organization"], name__iexact=attrs["name"]).exists():
            raise serializers.ValidationError({"name": f'A client named "{attrs["name"]}" already exists.'})
        return attrs


class EngagementSerializer(serializers.ModelSerializer):
    client = TenantRelatedField(model=Client)

    class Meta:
        model = Engagement
        fields = [
            "id",
            "client",
            "name",
            "kind",
            "status",
            "start_date",
            "end_date",
            "lead_consultant",
            "threshold_overrides",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def get_fields(self):
        fields = super().get_fields()
        fields["lead_consultant"] = serializers.PrimaryKeyRelatedField(
            queryset=_consultants_queryset(self.context), required=False, allow_null=True
        )
        return fields

    def validate_threshold_overrides(self, value):
        from audits.thresholds import effective_thresholds

        if not isinstance(value, dict):
            raise serializers.ValidationError('Threshold overrides must be an object, e.g. {"duplicate_rate": 0.05}.')
        try:
            effective_thresholds(value)
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from error
        return value

    def validate(self, attrs):
        client = attrs.get("client") or getattr(self.instance, "client", None)
        if self.instance is not None and "client" in attrs and attrs["client"] != self.instance.client:
            raise serializers.ValidationError({"client": "An engagement cannot move to another client."})

        consultant = attrs.get("lead_consultant")
        if consultant and not consultant.memberships.filter(organization_id=client.organization_id).exists():
            raise serializers.ValidationError({"lead_consultant": "The lead consultant must be a member of the client's organization."})

        start = attrs.get("start_date", getattr(self.instance, "start_date", None))
        end = attrs.get("end_date", getattr(self.instance, "end_date", None))
        if start and end and end < start:
            raise serializers.ValidationError({"end_date": f"The end date {end} is before the start date {start}."})
        return attrs


def _consultants_queryset(context):
    """Users who share an organization with the requesting user."""
    request = context.get("request")
    if request is None:
        return User.objects.none()
    organizations = Organization.objects.visible_to(request.user).values("id")
    return User.objects.filter(memberships__organization_id__in=organizations).distinct()


class PortalSerializer(serializers.ModelSerializer):
    client = TenantRelatedField(model=Client)
    credentials = serializers.DictField(
        child=serializers.CharField(),
        write_only=True,
        required=False,
        help_text="Vendor credentials, encrypted at rest and never returned. HubSpot: access_token; "
        "Salesforce: username, password, security_token (or access_token); Marketo: client_id, client_secret; "
        "Pardot: business_unit_id, access_token.",
    )
    has_credentials = serializers.BooleanField(read_only=True)

    class Meta:
        model = Portal
        fields = [
            "id",
            "client",
            "vendor",
            "name",
            "account_id",
            "api_base_url",
            "credentials",
            "has_credentials",
            "status",
            "status_message",
            "last_checked_at",
            "last_synced_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "has_credentials",
            "status",
            "status_message",
            "last_checked_at",
            "last_synced_at",
            "created_at",
            "updated_at",
        ]
        # The (client, vendor, account_id) constraint is checked in validate() with a clearer message.
        validators = []

    def validate_api_base_url(self, value):
        if value:
            try:
                validate_vendor_base_url(value)
            except Exception as error:  # django ValidationError carries the message
                raise serializers.ValidationError(getattr(error, "messages", [str(error)])) from error
        return value

    def validate(self, attrs):
        if self.instance is not None:
            for field in ("client", "vendor"):
                if field in attrs and attrs[field] != getattr(self.instance, field):
                    raise serializers.ValidationError({field: f"The {field} of a portal cannot change; create a new portal."})

        vendor = attrs.get("vendor") or self.instance.vendor
        client = attrs.get("client") or self.instance.client
        account_id = attrs.get("account_id", getattr(self.instance, "account_id", ""))
        duplicates = Portal.objects.filter(client=client, vendor=vendor, account_id=account_id).exclude(account_id="")
        if self.instance is not None:
            duplicates = duplicates.exclude(pk=self.instance.pk)
        if duplicates.exists():
            raise serializers.ValidationError({"account_id": f"This client already has a {vendor} portal with account id {account_id}."})

        credentials = attrs.get("credentials")
        base_url_changes = self.instance is not None and "api_base_url" in attrs and attrs["api_base_url"] != self.instance.api_base_url
        if base_url_changes and self.instance.has_credentials and not credentials:
            # Stored credentials are never sent to a host they were not entered for.
            raise serializers.ValidationError({"credentials": "Send the credentials again when you change the API base URL."})
        if credentials and credentials.get("instance_url"):
            try:
                validate_vendor_base_url(credentials["instance_url"])
            except Exception as error:
                raise serializers.ValidationError({"credentials": getattr(error, "messages", [str(error)])}) from error
        if credentials:
            options = REQUIRED_CREDENTIALS[vendor]
            if not any(all(credentials.get(key) for key in option) for option in options):
                expected = " or ".join("(" + ", ".join(option) + ")" for option in options)
                raise serializers.ValidationError({"credentials": f"{vendor} credentials need {expected}."})
        return attrs

    def create(self, validated_data):
        credentials = validated_data.pop("credentials", None)
        portal = Portal(**validated_data)
        portal.set_credentials(credentials)
        portal.save()
        return portal

    def update(self, instance, validated_data):
        credentials = validated_data.pop("credentials", None)
        if credentials is not None:
            instance.set_credentials(credentials)
            instance.status = Portal.Status.PENDING
            instance.status_message = ""
        return super().update(instance, validated_data)
