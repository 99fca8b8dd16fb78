"""Django admin scoping: staff users see only their organization's data; superusers see everything."""
from django.contrib import admin

from .tenancy import admin_organization_ids


def administered_rows(queryset, user):
    """Rows of the organizations where the user is an admin: the admin site's scope, narrower than visible_to.

    A consultant of one organization who administers another gets only the organization they administer.
    """
    model = queryset.model
    names = {field.name for field in model._meta.fields}
    organizations = admin_organization_ids(user)
    if model._meta.label == "accounts.Organization":
        return queryset.filter(pk__in=organizations)
    if model._meta.label in ("accounts.ApiKey",):
        return queryset.filter(user=user)
    if "organization" in names:
        return queryset.filter(organization_id__in=organizations)
    if "client" in names:
        return queryset.filter(client__organization_id__in=organizations)
    return queryset.none()


def _is_organization_admin(user):
    return user.is_active and user.is_staff and user.memberships.filter(role="admin").exists()


class SameClientFormMixin:
    """Reject a row whose related objects belong to another client than the row itself.

    The choices are limited to the admin's organizations, which may hold several clients, so a report of one
    client could otherwise point at another client's audit run or stack inventory.
    """

    def clean(self):
        cleaned_data = super().clean()
        client = cleaned_data.get("client") or getattr(self.instance, "client", None)
        if client is None:
            return cleaned_data

        for name, value in list(cleaned_data.items()):
            related_client_id = getattr(value, "client_id", None)
            if name != "client" and related_client_id is not None and related_client_id != client.pk:
                self.add_error(name, f"{value} belongs to another client than {client}. Choose one of {client}'s.")
        return cleaned_data


class TenantScopedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose rows and foreign-key choices are limited to the staff user's organizations.

    The model's manager must offer `visible_to(user)`. Staff users without an admin membership get no access.
    """

    # Fields that never change once a row exists: moving a row to another tenant or owner is refused.
    tenant_fields = ("organization", "client", "user", "portal", "audit_run", "inventory_run", "report")

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (SameClientFormMixin, form), {})

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return administered_rows(queryset, request.user)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and not request.user.is_superuser:
            names = {field.name for field in self.model._meta.fields}
            fields += [name for name in self.tenant_fields if name in names and name not in fields]
        return fields

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
        if related._meta.label == "accounts.User":
            kwargs["queryset"] = related.objects.filter(
                memberships__organization_id__in=admin_organization_ids(request.user)
            ).distinct()
        else:
            kwargs["queryset"] = administered_rows(related.objects.all(), request.user)

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
