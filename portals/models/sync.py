"""Sync runs and CSV uploads: the history, progress and resumable cursor of every sync."""
from django.conf import settings
from django.db import models

from accounts.tenancy import ClientScopedQuerySet


class SyncRun(models.Model):
    """One sync of a portal (or import of an uploaded CSV) into the snapshot tables.

    `cursor` holds, per object, the vendor paging cursor of the last page that was written, so a
    run whose worker died continues from there. `progress` holds per object the records done and,
    where the vendor reports it, the total.
    """

    class Mode(models.TextChoices):
        INCREMENTAL = "incremental", "Incremental"
        FULL = "full", "Full"
        CSV = "csv", "CSV import"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    client = models.ForeignKey("portals.Client", on_delete=models.CASCADE, related_name="sync_runs")
    portal = models.ForeignKey("portals.Portal", on_delete=models.CASCADE, related_name="sync_runs")
    mode = models.CharField(max_length=20, choices=Mode.choices, default=Mode.INCREMENTAL)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    since = models.DateTimeField(null=True, blank=True, help_text="Incremental runs read records modified after this time.")
    cursor = models.JSONField(default=dict, blank=True)
    progress = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    error_object = models.CharField(max_length=100, blank=True)
    error_message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    objects = ClientScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["portal", "-created_at"], name="syncrun_portal_recent")]
        constraints = [
            models.UniqueConstraint(
                fields=["portal"],
                condition=models.Q(status__in=["queued", "running"]),
                name="syncrun_one_active_per_portal",
            ),
        ]

    def __str__(self):
        return f"Sync {self.pk} of portal {self.portal_id} ({self.status})"

    @property
    def duration_seconds(self):
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None

    @property
    def records_done(self):
        return sum(entry.get("done", 0) for entry in self.progress.values())

    @property
    def percent(self):
        """Overall percent done, when the vendor reported a total for every object; else None."""
        totals = [entry.get("total") for entry in self.progress.values()]
        if not totals or any(total is None for total in totals):
            return None
        total = sum(totals)
        return 100.0 if total == 0 else round(100.0 * min(self.records_done, total) / total, 1)


def _upload_path(instance, filename):
    return f"uploads/client_{instance.client_id}/{filename}"


class CsvUpload(models.Model):
    """An uploaded vendor CSV export, with the column mapping the consultant confirmed."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded, waiting for the column mapping"
        IMPORTING = "importing", "Importing"
        IMPORTED = "imported", "Imported"
        FAILED = "failed", "Failed"

    client = models.ForeignKey("portals.Client", on_delete=models.CASCADE, related_name="csv_uploads")
    portal = models.ForeignKey("portals.Portal", on_delete=models.CASCADE, related_name="csv_uploads")
    file = models.FileField(upload_to=_upload_path)
    original_name = models.CharField(max_length=255)
    kind = models.CharField(max_length=40, blank=True, help_text="Export kind recognised from the headers.")
    headers = models.JSONField(default=list, blank=True)
    suggested_mapping = models.JSONField(default=dict, blank=True)
    column_map = models.JSONField(default=dict, blank=True, help_text="Header to field overrides chosen by the user.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.UPLOADED)
    errors = models.JSONField(default=list, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    sync_run = models.ForeignKey(SyncRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ClientScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.original_name
