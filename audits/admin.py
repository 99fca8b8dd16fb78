from django.contrib import admin

from accounts.admin_scoping import TenantScopedAdmin

from .models import AuditRun, CheckResult, Finding, RemediationTask, TaskComment


@admin.register(AuditRun)
class AuditRunAdmin(TenantScopedAdmin):
    list_display = ["pk", "client", "status", "health_score", "checks_done", "checks_total", "created_at"]
    list_filter = ["status"]
    readonly_fields = ["thresholds", "previous_run", "started_at", "finished_at"]


@admin.register(CheckResult)
class CheckResultAdmin(TenantScopedAdmin):
    list_display = ["check_code", "audit_run", "status", "score", "duration_ms"]
    list_filter = ["status", "category"]


@admin.register(Finding)
class FindingAdmin(TenantScopedAdmin):
    list_display = ["title", "client", "severity", "category", "affected_count", "change"]
    list_filter = ["severity", "category", "change"]
    search_fields = ["title", "check_code"]


@admin.register(RemediationTask)
class RemediationTaskAdmin(TenantScopedAdmin):
    list_display = ["title", "client", "priority", "status", "owner", "due_date", "visible_to_client"]
    list_filter = ["priority", "status", "visible_to_client"]
    search_fields = ["title"]


@admin.register(TaskComment)
class TaskCommentAdmin(TenantScopedAdmin):
    list_display = ["task", "author", "created_at"]
