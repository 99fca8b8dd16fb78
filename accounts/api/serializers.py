from django.contrib.auth.password_validation import validate_password
from rest_framework import serializers

from accounts.models import ApiKey, ClientUser, Membership, Organization, User
from accounts.tenancy import admin_organization_ids
from accounts.viewsets import TenantRelatedField
from portals.models import Client


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "slug", "brand_color", "created_at"]
        read_only_fields = fields


class MembershipSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    full_name = serializers.CharField(source="user.full_name", read_only=True)
    assigned_clients = TenantRelatedField(model=Client, many=True, required=False)

    class Meta:
        model = Membership
        fields = ["id", "organization", "email", "full_name", "role", "assigned_clients", "created_at"]
        read_only_fields = ["id", "organization", "email", "full_name", "created_at"]

    def validate(self, attrs):
        organization = self.instance.organization if self.instance else attrs.get("organization")
        foreign = [c.pk for c in attrs.get("assigned_clients", []) if organization and c.organization_id != organization.pk]
        if foreign:
            raise serializers.ValidationError({"assigned_clients": f"Clients {foreign} belong to another organization."})
        return attrs


class MembershipCreateSerializer(MembershipSerializer):
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.none())
    email = serializers.EmailField()
    full_name = serializers.CharField(required=False, allow_blank=True, default="")
    password = serializers.CharField(write_only=True, required=False, style={"input_type": "password"})

    class Meta(MembershipSerializer.Meta):
        fields = MembershipSerializer.Meta.fields + ["password"]
        read_only_fields = ["id", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["organization"].queryset = Organization.objects.filter(
                id__in=admin_organization_ids(request.user)
            )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        # An existing account is never added by another organization: that would let any admin claim
        # any consultant. The person must be invited by a platform administrator instead.
        if User.objects.filter(email__iexact=attrs["email"]).exists():
            raise serializers.ValidationError(
                {"email": "An account with this email already exists; ask a platform administrator to add it."}
            )
        if not attrs.get("password"):
            raise serializers.ValidationError({"password": "A password is required for a new user."})
        if attrs.get("password"):
            validate_password(attrs["password"])
        return attrs


class ClientUserSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    full_name = serializers.CharField(source="user.full_name", read_only=True)
    is_active = serializers.BooleanField(source="user.is_active", read_only=True)

    class Meta:
        model = ClientUser
        fields = ["id", "client", "email", "full_name", "job_title", "is_active", "created_at"]
        read_only_fields = ["id", "client", "email", "full_name", "is_active", "created_at"]


class ClientUserCreateSerializer(serializers.ModelSerializer):
    client = TenantRelatedField(model=Client, scope="administered_by")
    email = serializers.EmailField()
    full_name = serializers.CharField(required=False, allow_blank=True, default="")
    password = serializers.CharField(write_only=True, style={"input_type": "password"})

    class Meta:
        model = ClientUser
        fields = ["client", "email", "full_name", "job_title", "password"]

    def validate_email(self, value):
        if User.objects.filter(email__iexact=value).exists():
            raise serializers.ValidationError(f"A user with the email {value} already exists.")
        return value

    def validate_password(self, value):
        validate_password(value)
        return value


class ApiKeySerializer(serializers.ModelSerializer):
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiKey
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "revoked_at", "is_active"]
        read_only_fields = ["id", "prefix", "created_at", "last_used_at", "revoked_at", "is_active"]


class ApiKeyCreatedSerializer(ApiKeySerializer):
    key = serializers.CharField(read_only=True, help_text="The full key. It is shown only in this response.")

    class Meta(ApiKeySerializer.Meta):
        fields = ApiKeySerializer.Meta.fields + ["key"]
