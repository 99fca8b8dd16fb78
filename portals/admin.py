from django.contrib import admin
from django.db import models

from accounts.admin_scoping import TenantScopedAdmin

from .models import Client, CsvUpload, Engagement, Portal, SyncRun


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


@admin.register(SyncRun)
class SyncRunAdmin(TenantScopedAdmin):
    list_display = ["pk", "portal", "mode", "status", "attempts", "created_at", "finished_at"]
    list_filter = ["status", "mode"]
    readonly_fields = ["cursor", "progress", "error_object", "error_message", "started_at", "finished_at", "heartbeat_at"]


@admin.register(CsvUpload)
class CsvUploadAdmin(TenantScopedAdmin):
    list_display = ["original_name", "client", "kind", "status", "created_at"]
    list_filter = ["status", "kind"]
