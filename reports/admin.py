from django import forms
from django.contrib import admin

from accounts.admin_scoping import TenantScopedAdmin

from .models import DeliverySchedule, Report, ReportVersion, ShareLink


class ReportVersionInline(admin.TabularInline):
    """Versions are listed read-only: rendering creates them and a published one never changes."""

    model = ReportVersion
    fields = ["number", "rendered_at", "rendered_by", "published_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_view_permission(self, request, obj=None):
        # The report's admin page already checked the organization.
        return True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Report)
class ReportAdmin(TenantScopedAdmin):
    list_display = ["title", "client", "kind", "status", "render_status", "published_at"]
    list_filter = ["status", "kind", "render_status"]
    search_fields = ["title"]
    # Publishing goes through the publish action, which checks the version and the tasks.
    readonly_fields = ["status", "published_version", "published_at", "published_by", "render_status", "render_error"]
    inlines = [ReportVersionInline]

    def has_add_permission(self, request):
        # Reports are created in the app or the API, which check the kind's source run.
        return False


@admin.register(ShareLink)
class ShareLinkAdmin(TenantScopedAdmin):
    list_display = ["pk", "report", "expires_at", "revoked_at", "last_used_at"]
    # Revocation and expiry change only through the share-link service, which enforces their rules.
    readonly_fields = ["client", "report", "token_hash", "password", "created_by", "last_used_at", "expires_at", "revoked_at"]

    def has_add_permission(self, request):
        # Tokens are created by the report page or the API, which show them once.
        return False


class DeliveryScheduleForm(forms.ModelForm):
    class Meta:
        model = DeliverySchedule
        fields = ["client", "recipients", "frequency", "next_run_at", "active"]

    def clean(self):
        cleaned = super().clean()
        client = cleaned.get("client")
        foreign = [recipient for recipient in cleaned.get("recipients") or [] if client and recipient.client_id != client.pk]
        if foreign:
            self.add_error("recipients", "Recipients must be users of the schedule's client.")
        return cleaned


@admin.register(DeliverySchedule)
class DeliveryScheduleAdmin(TenantScopedAdmin):
    form = DeliveryScheduleForm
    list_display = ["client", "frequency", "next_run_at", "active", "last_sent_at"]
    list_filter = ["frequency", "active"]
