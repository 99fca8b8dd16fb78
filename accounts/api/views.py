from django.db import transaction
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.response import Response

from accounts import services
from accounts.models import ApiKey, ClientUser, Membership, Organization
from accounts.viewsets import (
    IsOrganizationAdminForWrites,
    TenantScopedReadOnlyViewSet,
    TenantScopedViewSetMixin,
)

from .serializers import (
    ApiKeyCreatedSerializer,
    ApiKeySerializer,
    ClientUserCreateSerializer,
    ClientUserSerializer,
    MembershipCreateSerializer,
    MembershipSerializer,
    OrganizationSerializer,
)


@extend_schema_view(
    list=extend_schema(summary="List organizations", description="The consultancies the caller is a member of."),
    retrieve=extend_schema(summary="Get an organization", description="One consultancy the caller is a member of."),
)
class OrganizationViewSet(TenantScopedReadOnlyViewSet):
    model = Organization
    serializer_class = OrganizationSerializer
    search_fields = ["name"]
    ordering_fields = ["name", "created_at"]


@extend_schema_view(
    list=extend_schema(
        summary="List memberships",
        description="Consultants and admins of the organizations the caller administers; others see only their own.",
    ),
    retrieve=extend_schema(summary="Get a membership", description="One membership visible to the caller."),
    create=extend_schema(
        summary="Add a consultant or admin",
        description="Organization admins add a member by email; a new email creates the user with the given password.",
        request=MembershipCreateSerializer,
        responses={201: MembershipSerializer},
    ),
    update=extend_schema(summary="Replace a membership", description="Change the role and assigned clients."),
    partial_update=extend_schema(summary="Update a membership", description="Change the role or assigned clients."),
    destroy=extend_schema(summary="Remove a member", description="The user loses access to the organization's clients."),
)
class MembershipViewSet(TenantScopedViewSetMixin, viewsets.ModelViewSet):
    model = Membership
    permission_classes = [permissions.IsAuthenticated, IsOrganizationAdminForWrites]
    serializer_class = MembershipSerializer
    filterset_fields = ["organization", "role"]
    ordering_fields = ["created_at"]

    def refine_queryset(self, queryset):
        queryset = queryset.select_related("user").prefetch_related("assigned_clients")
        if self.request.method not in ("GET", "HEAD", "OPTIONS"):
            queryset = queryset.administered_by(self.request.user)
        return queryset

    def get_serializer_class(self):
        return MembershipCreateSerializer if self.action == "create" else MembershipSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data

        membership = services.membership_create(
            organization=data["organization"],
            email=data["email"],
            role=data["role"],
            password=data.get("password"),
            full_name=data.get("full_name", ""),
            assigned_clients=data.get("assigned_clients", []),
        )
        return Response(MembershipSerializer(membership, context=self.get_serializer_context()).data, status=201)


@extend_schema_view(
    list=extend_schema(summary="List client users", description="Logins of people at the caller's clients (admins only)."),
    retrieve=extend_schema(summary="Get a client user", description="One client user of an administered client."),
    create=extend_schema(
        summary="Create a client user",
        description="Create a login for a person at a client; they see only what is published to that client.",
        request=ClientUserCreateSerializer,
        responses={201: ClientUserSerializer},
    ),
    update=extend_schema(summary="Replace a client user", description="Change the job title."),
    partial_update=extend_schema(summary="Update a client user", description="Change the job title."),
    destroy=extend_schema(summary="Delete a client user", description="Delete the login and its access."),
)
class ClientUserViewSet(TenantScopedViewSetMixin, viewsets.ModelViewSet):
    model = ClientUser
    permission_classes = [permissions.IsAuthenticated, IsOrganizationAdminForWrites]
    filterset_fields = ["client"]
    ordering_fields = ["created_at"]

    def refine_queryset(self, queryset):
        return queryset.select_related("user")

    def get_serializer_class(self):
        return ClientUserCreateSerializer if self.action == "create" else ClientUserSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data

        client_user = services.client_user_create(
            client=data["client"],
            email=data["email"],
            password=data["password"],
            full_name=data.get("full_name", ""),
            job_title=data.get("job_title", ""),
        )
        return Response(ClientUserSerializer(client_user).data, status=201)

    @transaction.atomic
    def perform_destroy(self, instance):
        instance.user.delete()


@extend_schema_view(
    list=extend_schema(summary="List your API keys", description="The caller's own keys; secrets are never shown again."),
    retrieve=extend_schema(summary="Get one of your API keys", description="Metadata of one key of the caller."),
    create=extend_schema(
        summary="Create an API key",
        description="Returns the full key once, in `key`. Store it: only its hash is kept.",
        responses={201: ApiKeyCreatedSerializer},
    ),
    destroy=extend_schema(summary="Revoke an API key", description="The key stops working at once; the record stays."),
)
class ApiKeyViewSet(
    TenantScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    model = ApiKey
    serializer_class = ApiKeySerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)

        api_key, plaintext = services.api_key_create(user=request.user, name=serializer.validated_data["name"])
        api_key.key = plaintext
        return Response(ApiKeyCreatedSerializer(api_key).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.api_key_revoke(api_key=instance)
