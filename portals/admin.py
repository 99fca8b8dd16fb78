from django.contrib import admin
from django.db import models

from accounts.admin_scoping import TenantScopedAdmin

from .models import Client, Engagement, Portal


@admin.register(Client)
class ClientAdmin(TenantScopedAdmin):
    list_display = ["name", "organization", "industry", "employee_band", "crm_of_record", "created_at"]
    list_filter = ["crm_of_record", "employee_band"]
    search_fields = ["name", "industry"]


@admin.register(Engagement)
class EngagementAdmin(TenantScopedAdmin):
    list_display = ["name", "client", "kind", "status", "start_date", "end_date", "lead_consultant"]
    list_filter = ["kind", "status"]
    search_fields = ["name", "client__name"]


@admin.register(Portal)
class PortalAdmin(TenantScopedAdmin):
    """Portals without their credentials: the encrypted field is excluded from every admin form."""

    list_display = ["__str__", "client", "vendor", "status", "last_synced_at"]
    list_filter = ["vendor", "status"]
    search_fields = ["account_id", "name", "client__name"]
    exclude = ["credentials_encrypted"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = ["status", "status_message", "last_checked_at", "last_synced_at"]
