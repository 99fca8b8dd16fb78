"""Django admin scoping: staff users see only their organization's data; superusers see everything."""
from django.contrib import admin

from .tenancy import admin_organization_ids


def _is_organization_admin(user):
    return user.is_active and user.is_staff and user.memberships.filter(role="admin").exists()


class TenantScopedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose rows and foreign-key choices are limited to the staff user's organizations.

    The model's manager must offer `visible_to(user)`. Staff users without an admin membership get no access.
    """

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk__in=self.model.objects.visible_to(request.user).values("pk"))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        self._limit_choices(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        self._limit_choices(db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def _limit_choices(self, db_field, request, kwargs):
        if request.user.is_superuser:
            return
        related = db_field.related_model
        if hasattr(related.objects, "visible_to"):
            kwargs["queryset"] = related.objects.visible_to(request.user)
        elif related._meta.label == "accounts.User":
            kwargs["queryset"] = related.objects.filter(
                memberships__organization_id__in=admin_organization_ids(request.user)
            ).distinct()

    def has_module_permission(self, request):
        return request.user.is_superuser or _is_organization_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None):
        return self.has_module_permission(request)
