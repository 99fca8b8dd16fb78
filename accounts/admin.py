from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group

from .admin_scoping import TenantScopedAdmin
from .models import ApiKey, ClientUser, Membership, Organization, User


# Access comes from memberships and client users, not from Django groups.
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Platform users; only superusers manage them here, organization admins use memberships."""

    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff", "date_joined"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password", "full_name"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]

    def get_queryset(self, request):
        # Users span organizations, so staff who are not superusers see none, and an existing id
        # looks the same to them as a missing one.
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.none()


@admin.register(Organization)
class OrganizationAdmin(TenantScopedAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Membership)
class MembershipAdmin(TenantScopedAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email"]
    filter_horizontal = ["assigned_clients"]


@admin.register(ClientUser)
class ClientUserAdmin(TenantScopedAdmin):
    list_display = ["user", "client", "job_title", "created_at"]
    search_fields = ["user__email", "client__name"]

    def has_add_permission(self, request):
        # Client users are created through the API, which always creates a new account; picking an
        # existing account here could turn a consultant into a client user.
        return request.user.is_superuser


@admin.register(ApiKey)
class ApiKeyAdmin(TenantScopedAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["user", "prefix", "hashed_secret", "created_at", "last_used_at", "revoked_at"]
    search_fields = ["name", "prefix", "user__email"]

    def has_add_permission(self, request):
        # Keys are created through the API so that the secret can be shown once.
        return False
