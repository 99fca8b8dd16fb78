"""Snapshot tables: the client's CRM and marketing data as last synced, one row per vendor record.

Every row carries `client_id` and its portal and is unique on (portal, external_id), where
external_id is the vendor's record id (or a stable id derived from the record for rows such as
history entries that have none). Sync writes these tables with batched upserts; audits read them
with set-based SQL.
"""
from django.db import models

from accounts.tenancy import ClientScopedQuerySet


class LifecycleStage(models.TextChoices):
    """HubSpot's default lifecycle stage values; other vendors' stages are mapped onto them."""

    SUBSCRIBER = "subscriber", "Subscriber"
    LEAD = "lead", "Lead"
    MQL = "marketingqualifiedlead", "Marketing Qualified Lead"
    SQL = "salesqualifiedlead", "Sales Qualified Lead"
    OPPORTUNITY = "opportunity", "Opportunity"
    CUSTOMER = "customer", "Customer"
    EVANGELIST = "evangelist", "Evangelist"
    OTHER = "other", "Other"


# Funnel order of the stages; evangelist and other sit outside the funnel.
FUNNEL_STAGES = ["subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer"]

# Contact column that stores the date each lifecycle stage was entered.
STAGE_DATE_FIELDS = {
    "subscriber": "became_subscriber_at",
    "lead": "became_lead_at",
    "marketingqualifiedlead": "became_mql_at",
    "salesqualifiedlead": "became_sql_at",
    "opportunity": "became_opportunity_at",
    "customer": "became_customer_at",
    "evangelist": "became_evangelist_at",
    "other": "became_other_at",
}


class SnapshotRecord(models.Model):
    client = models.ForeignKey("portals.Client", on_delete=models.CASCADE, related_name="+")
    portal = models.ForeignKey("portals.Portal", on_delete=models.CASCADE, related_name="+")
    external_id = models.CharField(max_length=100)
    synced_at = models.DateTimeField(auto_now=True)

    objects = ClientScopedQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self._meta.model_name} {self.external_id}"


def _unique_per_portal(name):
    return [models.UniqueConstraint(fields=["portal", "external_id"], name=f"{name}_unique_per_portal")]


class Owner(SnapshotRecord):
    """A CRM user who can own records: HubSpot owner, Salesforce User, Marketo lead owner."""

    email = models.CharField(max_length=254, blank=True)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    is_active = models.BooleanField(default=True)
    team = models.CharField(max_length=200, blank=True)
    territory = models.CharField(max_length=100, blank=True)
    segment = models.CharField(max_length=100, blank=True)
    time_zone = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = _unique_per_portal("owner")


class Company(SnapshotRecord):
    name = models.CharField(max_length=300, blank=True)
    domain = models.CharField(max_length=253, blank=True)
    industry = models.CharField(max_length=200, blank=True)
    employee_count = models.IntegerField(null=True, blank=True)
    annual_revenue = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    country = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=100, blank=True)
    city = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=50, blank=True)
    owner_external_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "companies"
        constraints = _unique_per_portal("company")
        indexes = [models.Index(fields=["client", "domain"], name="company_client_domain")]


class Contact(SnapshotRecord):
    """A contact, lead or prospect, with its source and lifecycle properties."""

    email = models.CharField(max_length=254, blank=True)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    job_title = models.CharField(max_length=200, blank=True)
    company_name = models.CharField(max_length=300, blank=True)
    company_domain = models.CharField(max_length=253, blank=True)
    company_external_id = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=100, blank=True)
    city = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    phone = models.CharField(max_length=50, blank=True)
    industry = models.CharField(max_length=200, blank=True)
    employee_count = models.IntegerField(null=True, blank=True)
    lifecycle_stage = models.CharField(max_length=100, blank=True, help_text="Vendor value, e.g. marketingqualifiedlead.")
    lead_status = models.CharField(max_length=100, blank=True)
    owner_external_id = models.CharField(max_length=100, blank=True)
    original_source = models.CharField(max_length=100, blank=True, help_text="e.g. PAID_SEARCH, OFFLINE.")
    original_source_drill_down_1 = models.CharField(max_length=500, blank=True)
    original_source_drill_down_2 = models.CharField(max_length=500, blank=True)
    latest_source = models.CharField(max_length=100, blank=True)
    self_reported_source = models.CharField(max_length=500, blank=True, help_text='"How did you hear about us" answer.')
    record_source = models.CharField(max_length=100, blank=True, help_text="How the record was created: IMPORT, FORM, API, ...")
    first_seen_at = models.DateTimeField(null=True, blank=True, help_text="First tracked website visit.")
    created_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    became_subscriber_at = models.DateTimeField(null=True, blank=True)
    became_lead_at = models.DateTimeField(null=True, blank=True)
    became_mql_at = models.DateTimeField(null=True, blank=True)
    became_sql_at = models.DateTimeField(null=True, blank=True)
    became_opportunity_at = models.DateTimeField(null=True, blank=True)
    became_customer_at = models.DateTimeField(null=True, blank=True)
    became_evangelist_at = models.DateTimeField(null=True, blank=True)
    became_other_at = models.DateTimeField(null=True, blank=True)
    extra = models.JSONField(default=dict, blank=True, help_text="Unmapped vendor properties.")

    class Meta:
        constraints = _unique_per_portal("contact")
        indexes = [
            models.Index(fields=["client", "email"], name="contact_client_email"),
            models.Index(fields=["client", "lifecycle_stage"], name="contact_client_stage"),
        ]


class Deal(SnapshotRecord):
    """A deal (HubSpot) or opportunity (Salesforce), with its associated contacts and company."""

    name = models.CharField(max_length=300, blank=True)
    pipeline = models.CharField(max_length=100, blank=True)
    stage = models.CharField(max_length=100, blank=True)
    amount = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField(null=True, blank=True)
    close_date = models.DateTimeField(null=True, blank=True)
    is_closed = models.BooleanField(default=False)
    is_won = models.BooleanField(default=False)
    owner_external_id = models.CharField(max_length=100, blank=True)
    company_external_id = models.CharField(max_length=100, blank=True)
    contact_external_ids = models.JSONField(default=list, blank=True)
    campaign_external_id = models.CharField(max_length=100, blank=True, help_text="Primary campaign source, where the vendor has one.")
    lead_source = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = _unique_per_portal("deal")


class Touchpoint(SnapshotRecord):
    """One interaction of a contact: a page view, form submission, email, ad click, call, meeting or event."""

    class Kind(models.TextChoices):
        PAGE_VIEW = "page_view", "Page view"
        FORM_SUBMISSION = "form_submission", "Form submission"
        EMAIL_OPEN = "email_open", "Email open"
        EMAIL_CLICK = "email_click", "Email click"
        AD_CLICK = "ad_click", "Ad click"
        MEETING = "meeting", "Meeting"
        CALL = "call", "Call"
        EVENT = "event", "Event or trade show"
        WEBINAR = "webinar", "Webinar"
        CHAT = "chat", "Chat"
        OFFLINE_IMPORT = "offline_import", "Offline import"
        OTHER = "other", "Other campaign response"

    contact_external_id = models.CharField(max_length=100)
    occurred_at = models.DateTimeField()
    kind = models.CharField(max_length=30, choices=Kind.choices)
    utm_source = models.CharField(max_length=200, blank=True)
    utm_medium = models.CharField(max_length=200, blank=True)
    utm_campaign = models.CharField(max_length=300, blank=True)
    utm_term = models.CharField(max_length=300, blank=True)
    utm_content = models.CharField(max_length=300, blank=True)
    referrer = models.CharField(max_length=2000, blank=True)
    landing_url = models.CharField(max_length=2000, blank=True)
    click_id = models.CharField(max_length=300, blank=True, help_text="gclid, fbclid, li_fat_id or msclkid.")
    form_external_id = models.CharField(max_length=100, blank=True)
    campaign_external_id = models.CharField(max_length=100, blank=True)
    owner_external_id = models.CharField(max_length=100, blank=True, help_text="Rep who logged a call or meeting.")
    is_sales_activity = models.BooleanField(default=False)

    class Meta:
        constraints = _unique_per_portal("touchpoint")
        indexes = [
            models.Index(fields=["client", "contact_external_id", "occurred_at"], name="touchpoint_contact_time"),
        ]


class ChangeSource(models.TextChoices):
    """The origin of a change (workflow, import, user, ...), normalised across vendors."""

    WORKFLOW = "workflow", "Workflow"
    IMPORT = "import", "Import"
    USER = "user", "User"
    INTEGRATION = "integration", "Integration"
    API = "api", "API"
    FORM = "form", "Form"
    ANALYTICS = "analytics", "Analytics"
    OTHER = "other", "Other"


class LifecycleChange(SnapshotRecord):
    contact_external_id = models.CharField(max_length=100)
    from_stage = models.CharField(max_length=100, blank=True)
    to_stage = models.CharField(max_length=100)
    changed_at = models.DateTimeField()
    changed_by = models.CharField(max_length=20, choices=ChangeSource.choices)
    source_detail = models.CharField(max_length=300, blank=True, help_text="Vendor source type, id or label.")
    user_external_id = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = _unique_per_portal("lifecyclechange")
        indexes = [models.Index(fields=["client", "contact_external_id"], name="lifecycle_contact")]


class PropertyChange(SnapshotRecord):
    """One entry of a record's property history for the audited properties."""

    class Property(models.TextChoices):
        ORIGINAL_SOURCE = "original_source", "Original source"
        ORIGINAL_SOURCE_DRILL_DOWN_1 = "original_source_drill_down_1", "Original source drill-down 1"
        LIFECYCLE_STAGE = "lifecycle_stage", "Lifecycle stage"
        OWNER = "owner", "Owner"
        LEAD_SOURCE = "lead_source", "Lead source"
        LEAD_STATUS = "lead_status", "Lead status"
        JOB_TITLE = "job_title", "Job title"

    object_type = models.CharField(max_length=20, default="contact")
    record_external_id = models.CharField(max_length=100)
    property = models.CharField(max_length=40, choices=Property.choices)
    value = models.CharField(max_length=500, blank=True)
    changed_at = models.DateTimeField()
    changed_by = models.CharField(max_length=20, choices=ChangeSource.choices)
    source_type = models.CharField(max_length=100, blank=True, help_text="Vendor value, e.g. IMPORT, CRM_UI.")
    source_label = models.CharField(max_length=300, blank=True)
    user_external_id = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = _unique_per_portal("propertychange")
        indexes = [models.Index(fields=["client", "property", "record_external_id"], name="propertychange_record")]


class ConnectedApp(SnapshotRecord):
    """An app or integration seen writing to the portal, with when its data last arrived."""

    name = models.CharField(max_length=200)
    evidence = models.CharField(max_length=300, blank=True)
    records_written = models.IntegerField(default=0)
    first_seen_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = _unique_per_portal("connectedapp")


class Campaign(SnapshotRecord):
    """A campaign or program, with spend by channel and period where known."""

    name = models.CharField(max_length=300)
    kind = models.CharField(max_length=100, blank=True, help_text="Vendor campaign type, e.g. Trade Show, Webinar.")
    channel = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=100, blank=True)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    spend = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)

    class Meta:
        constraints = _unique_per_portal("campaign")


class Form(SnapshotRecord):
    name = models.CharField(max_length=300)
    field_names = models.JSONField(default=list, blank=True)
    has_self_reported_field = models.BooleanField(default=False, help_text='Asks "how did you hear about us".')

    class Meta:
        constraints = _unique_per_portal("form")
