"""Reports built from a client's audit runs and stack inventories, their rendered versions, share links, scheduled delivery and white-label settings."""
from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F
from django.utils import timezone

from accounts.tenancy import ClientScopedQuerySet, admin_organization_ids, client_user_client_id

HEX_COLOR = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Enter a hex colour such as #1f4e79.")


class ReportQuerySet(ClientScopedQuerySet):
    def visible_to(self, user):
        """Return the reports a user may read: a consultant's clients' reports, or a client user's own published ones."""
        client_id = client_user_client_id(user)
        if client_id is not None:
            return self.filter(client_id=client_id, status=Report.Status.PUBLISHED)
        return super().visible_to(user)


class Report(models.Model):
    """One report of a client, of a kind from the registry in reports.kinds. Its content lives in its versions."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    class RenderStatus(models.TextChoices):
        IDLE = "idle", "Idle"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Rendering"
        FAILED = "failed", "Failed"

    client = models.ForeignKey("portals.Client", on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField(max_length=50, help_text="Code of a report kind in reports.kinds, e.g. portal_audit.")
    title = models.CharField(max_length=300)
    summary = models.TextField(blank=True, help_text="The consultant's own executive summary, shown above the computed one.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    # The run the report is built from. The kind's `source` names which of these fields it reads.
    audit_run = models.ForeignKey("audits.AuditRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports")
    inventory_run = models.ForeignKey(
        "audits.InventoryRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports",
    )
    render_status = models.CharField(max_length=20, choices=RenderStatus.choices, default=RenderStatus.IDLE)
    render_error = models.TextField(blank=True)
    published_version = models.ForeignKey("ReportVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["client", "kind", "status"], name="report_client_kind_status")]

    def __str__(self):
        return self.title

    @property
    def is_published(self):
        return self.status == self.Status.PUBLISHED


class PublishedVersionChanged(Exception):
    """Raised when code tries to change or delete a published report version."""


class ReportVersionQuerySet(ClientScopedQuerySet):
    def visible_to(self, user):
        """Return the versions a user may read: every version for consultants, the published ones of a client user's client."""
        client_id = client_user_client_id(user)
        if client_id is not None:
            return self.filter(
                client_id=client_id,
                report__status=Report.Status.PUBLISHED,
                report__published_version=F("pk"),
            )
        return super().visible_to(user)


def version_pdf_path(version, filename):
    return f"reports/{version.client_id}/{version.report_id}/v{version.number}.pdf"


class ReportVersion(models.Model):
    """One rendering of a report: the HTML, its PDF and the data snapshot both were made from.

    Rendering again creates a new version. Once published, a version is never changed or deleted
    through the model (save() and delete() raise PublishedVersionChanged); deleting its report or
    client still removes it.
    """

    client = models.ForeignKey("portals.Client", on_delete=models.CASCADE, related_name="+")
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    html = models.TextField()
    pdf = models.FileField(upload_to=version_pdf_path, max_length=300)
    data = models.JSONField(default=dict, help_text="The data snapshot the HTML and PDF were rendered from.")
    # Copies of the report's title and summary at render time: client users and share links read these,
    # so edits to the draft stay hidden until a new version is rendered and published.
    title = models.CharField(max_length=300, blank=True)
    summary = models.TextField(blank=True)
    rendered_at = models.DateTimeField(default=timezone.now)
    rendered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)

    objects = ReportVersionQuerySet.as_manager()

    class Meta:
        ordering = ["report", "-number"]
        constraints = [models.UniqueConstraint(fields=["report", "number"], name="reportversion_unique_number")]

    def __str__(self):
        return f"{self.report} v{self.number}"

    def save(self, *args, **kwargs):
        if self.pk and type(self).objects.filter(pk=self.pk, published_at__isnull=False).exists():
            raise PublishedVersionChanged(f"Version {self.number} of report {self.report_id} is published and cannot change. Render a new version.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.published_at is not None:
            raise PublishedVersionChanged(f"Version {self.number} of report {self.report_id} is published and cannot be deleted.")
        return super().delete(*args, **kwargs)


class ShareLink(models.Model):
    """A link that lets anyone holding the token read a published report without an account.

    Only the SHA-256 hash of the token is stored, so the link is shown once when it is created.
    The optional password is stored with Django's password hashers.
    """

    client = models.ForeignKey("portals.Client", on_delete=models.CASCADE, related_name="+")
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="share_links")
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    password = models.CharField(max_length=128, blank=True, help_text="Hashed password; empty when the link has none.")
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    failed_password_attempts = models.PositiveIntegerField(default=0, help_text="Wrong passwords since the last lockout or success.")
    password_locked_until = models.DateTimeField(null=True, blank=True, help_text="Passwords are not checked before this time.")

    objects = ClientScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Share link {self.pk} of {self.report}"

    @property
    def has_password(self):
        return bool(self.password)

    def is_usable(self, now=None):
        """True while the link is neither revoked nor expired."""
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now

    def check_password(self, raw_password):
        return self.has_password and check_password(raw_password, self.password)


class DeliverySchedule(models.Model):
    """A recurring email of the client's latest published reports to some of the client's users."""

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", "Weekly"
        MONTHLY = "monthly", "Monthly"

    client = models.ForeignKey("portals.Client", on_delete=models.CASCADE, related_name="delivery_schedules")
    recipients = models.ManyToManyField("accounts.ClientUser", related_name="delivery_schedules")
    frequency = models.CharField(max_length=20, choices=Frequency.choices, default=Frequency.MONTHLY)
    next_run_at = models.DateTimeField()
    active = models.BooleanField(default=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClientScopedQuerySet.as_manager()

    class Meta:
        ordering = ["next_run_at"]
        indexes = [models.Index(fields=["active", "next_run_at"], name="delivery_due")]

    def __str__(self):
        return f"{self.get_frequency_display()} delivery to {self.client}"


class BrandSettingsQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Organization admins manage the brand of their organizations."""
        return self.filter(organization_id__in=admin_organization_ids(user))


class BrandSettings(models.Model):
    """The white-label look of a consultancy's pages and reports. Without a row, the organization's name and colour apply."""

    organization = models.OneToOneField("accounts.Organization", on_delete=models.CASCADE, related_name="brand_settings")
    display_name = models.CharField(max_length=200, blank=True, help_text="Shown instead of the organization's name.")
    logo = models.FileField(upload_to="brand/", blank=True, max_length=300, help_text="PNG or JPEG, at most 256 KB.")
    primary_color = models.CharField(max_length=7, default="#1f4e79", validators=[HEX_COLOR])
    accent_color = models.CharField(max_length=7, default="#e07a1f", validators=[HEX_COLOR])
    updated_at = models.DateTimeField(auto_now=True)

    objects = BrandSettingsQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "brand settings"

    def __str__(self):
        return self.display_name or str(self.organization)
