from django.conf import settings
from django.db import models

from accounts.tenancy import ClientPublishedQuerySet, ClientScopedQuerySet, client_user_client_id


class AuditRun(models.Model):
    """One audit of a client's portals: every registered check, its findings and the health score."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    client = models.ForeignKey("portals.Client", on_delete=models.CASCADE, related_name="audit_runs")
    engagement = models.ForeignKey("portals.Engagement", null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_runs")
    portals = models.ManyToManyField("portals.Portal", related_name="audit_runs")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    thresholds = models.JSONField(default=dict, blank=True, help_text="The thresholds the run used.")
    as_of = models.DateTimeField(
        null=True, blank=True, help_text="The time ages and SLAs are measured at; the run's start when empty."
    )
    checks_total = models.PositiveIntegerField(default=0)
    checks_done = models.PositiveIntegerField(default=0)
    health_score = models.FloatField(null=True, blank=True)
    previous_run = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    error_message = models.TextField(blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ClientScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Audit {self.pk} of {self.client_id} ({self.status})"

    @property
    def percent(self):
        return round(100.0 * self.checks_done / self.checks_total, 1) if self.checks_total else 0.0


class CheckResult(models.Model):
    """The outcome of one check in one run. Unique per run, so a retried check replaces its result."""

    class Status(models.TextChoices):
        PASSED = "passed", "Passed"
        FAILED = "failed", "Found problems"
        SKIPPED = "skipped", "Skipped"
        ERROR = "error", "Error"

    client = models.ForeignKey("portals.Client", on_delete=models.CASCADE, related_name="+")
    audit_run = models.ForeignKey(AuditRun, on_delete=models.CASCADE, related_name="check_results")
    check_code = models.CharField(max_length=100)
    category = models.CharField(max_length=30)
    status = models.CharField(max_length=20, choices=Status.choices)
    measured_value = models.FloatField(null=True, blank=True)
    threshold = models.FloatField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True)
    weight = models.FloatField(default=1.0)
    metrics = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    objects = ClientScopedQuerySet.as_manager()

    class Meta:
        ordering = ["check_code"]
        constraints = [models.UniqueConstraint(fields=["audit_run", "check_code"], name="checkresult_unique_per_run")]


class Finding(models.Model):
    class Severity(models.TextChoices):
        CRITICAL = "critical", "Critical"
        HIGH = "high", "High"
        MEDIUM = "medium", "Medium"
        LOW = "low", "Low"
        INFO = "info", "Info"

    class Change(models.TextChoices):
        NEW = "new", "New"
        UNCHANGED = "unchanged", "Unchanged"
        FIRST_RUN = "first_run", "First run"

    client = models.ForeignKey("portals.Client", on_delete=models.CASCADE, related_name="+")
    audit_run = models.ForeignKey(AuditRun, on_delete=models.CASCADE, related_name="findings")
    check_code = models.CharField(max_length=100)
    category = models.CharField(max_length=30)
    key = models.CharField(max_length=300, help_text="Stable identity of the finding across runs.")
    severity = models.CharField(max_length=20, choices=Severity.choices)
    title = models.CharField(max_length=300)
    summary = models.TextField()
    measured_value = models.FloatField(null=True, blank=True)
    threshold = models.FloatField(null=True, blank=True)
    unit = models.CharField(max_length=100, blank=True)
    affected_count = models.PositiveIntegerField(default=0)
    denominator = models.PositiveIntegerField(null=True, blank=True)
    evidence = models.JSONField(default=dict, blank=True)
    change = models.CharField(max_length=20, choices=Change.choices, default=Change.FIRST_RUN)

    objects = ClientScopedQuerySet.as_manager()

    class Meta:
        ordering = ["audit_run", "check_code", "key"]
        constraints = [models.UniqueConstraint(fields=["audit_run", "check_code", "key"], name="finding_unique_per_run")]
        indexes = [models.Index(fields=["client", "check_code", "key"], name="finding_identity")]

    def __str__(self):
        return self.title


class RemediationTask(models.Model):
    class Priority(models.TextChoices):
        P1 = "p1", "P1 - now"
        P2 = "p2", "P2 - this quarter"
        P3 = "p3", "P3 - later"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        WONT_FIX = "wont_fix", "Won't fix"

    client = models.ForeignKey("portals.Client", on_delete=models.CASCADE, related_name="remediation_tasks")
    finding = models.ForeignKey(Finding, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks")
    check_code = models.CharField(max_length=100, blank=True)
    finding_key = models.CharField(max_length=300, blank=True)
    title = models.CharField(max_length=300)
    steps = models.JSONField(default=list, blank=True)
    priority = models.CharField(max_length=5, choices=Priority.choices, default=Priority.P2)
    effort = models.CharField(max_length=50, blank=True, help_text="Estimate, e.g. 2-4 hours.")
    expected_impact = models.TextField(blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    due_date = models.DateField(null=True, blank=True)
    visible_to_client = models.BooleanField(default=False, help_text="Shown to the client's users once published.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClientPublishedQuerySet.as_manager()

    class Meta:
        ordering = ["priority", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "check_code", "finding_key"],
                condition=~models.Q(finding_key=""),
                name="task_unique_per_finding_identity",
            ),
        ]

    def __str__(self):
        return self.title


class TaskCommentQuerySet(ClientScopedQuerySet):
    def visible_to(self, user):
        """Comments of the tasks the user can see: consultants' clients, or a client user's published tasks."""
        if client_user_client_id(user) is not None:
            return self.filter(task__in=RemediationTask.objects.visible_to(user))
        return super().visible_to(user)


class TaskComment(models.Model):
    client = models.ForeignKey("portals.Client", on_delete=models.CASCADE, related_name="+")
    task = models.ForeignKey(RemediationTask, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TaskCommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]


class CustomTool(models.Model):
    """A tool a consultancy adds to the shipped catalog, in the catalog's entry shape."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="custom_tools")
    slug = models.SlugField(max_length=80)
    entry = models.JSONField(help_text="Catalog entry: name, vendor, category, domain, crm_integrations, fingerprints.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]
        constraints = [models.UniqueConstraint(fields=["organization", "slug"], name="customtool_unique_slug_per_org")]

    def __str__(self):
        return self.slug


class ToolAnswer(models.Model):
    """A questionnaire answer about one tool of a client: in use or not, and whether it feeds the CRM."""

    class Integration(models.TextChoices):
        YES = "yes", "Feeds the CRM"
        ONE_WAY = "one_way", "One-way only"
        NO = "no", "Not connected"
        UNKNOWN = "unknown", "Don't know"

    client = models.ForeignKey("portals.Client", on_delete=models.CASCADE, related_name="tool_answers")
    tool_slug = models.CharField(max_length=80)
    in_use = models.BooleanField(default=True)
    integration = models.CharField(max_length=20, choices=Integration.choices, default=Integration.UNKNOWN)
    notes = models.TextField(blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClientScopedQuerySet.as_manager()

    class Meta:
        ordering = ["tool_slug"]
        constraints = [models.UniqueConstraint(fields=["client", "tool_slug"], name="toolanswer_unique_per_client")]


class WebsitePage(models.Model):
    """A page of the client's website to scan: fetched by the worker, or uploaded when it has no network."""

    client = models.ForeignKey("portals.Client", on_delete=models.CASCADE, related_name="website_pages")
    url = models.URLField(max_length=2000)
    uploaded_html = models.TextField(blank=True, help_text="Saved page source; when empty the worker fetches the URL.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ClientScopedQuerySet.as_manager()

    class Meta:
        ordering = ["url"]


class InventoryRun(models.Model):
    """One stack inventory of a client: each tool found, its classification and the evidence."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    client = models.ForeignKey("portals.Client", on_delete=models.CASCADE, related_name="inventory_runs")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    progress = models.JSONField(default=dict, blank=True, help_text="Steps done of the evidence sources.")
    headline = models.CharField(max_length=300, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    overlaps = models.JSONField(default=list, blank=True)
    missing_categories = models.JSONField(default=list, blank=True)
    scan_results = models.JSONField(default=list, blank=True, help_text="Per page: URL, status or error.")
    stack_svg = models.TextField(blank=True)
    previous_run = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    changes = models.JSONField(default=dict, blank=True, help_text="Status changes since the previous run.")
    error_message = models.TextField(blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ClientScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]


class ToolUsage(models.Model):
    """One tool in one inventory run, with its classification and the evidence behind it."""

    class Status(models.TextChoices):
        INTEGRATED = "integrated", "Integrated"
        PARTIAL = "partially_integrated", "Partially integrated"
        ISLAND = "island", "Island"
        UNKNOWN = "unknown", "Unknown"

    client = models.ForeignKey("portals.Client", on_delete=models.CASCADE, related_name="+")
    inventory_run = models.ForeignKey(InventoryRun, on_delete=models.CASCADE, related_name="tools")
    tool_slug = models.CharField(max_length=80)
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=50)
    status = models.CharField(max_length=30, choices=Status.choices)
    reason = models.CharField(max_length=500)
    evidence = models.JSONField(default=list, blank=True)

    objects = ClientScopedQuerySet.as_manager()

    class Meta:
        ordering = ["category", "name"]
        constraints = [models.UniqueConstraint(fields=["inventory_run", "tool_slug"], name="toolusage_unique_per_run")]
