from django.conf import settings
from django.db import models

from accounts.tenancy import ClientQuerySet, ClientScopedQuerySet

from ..crypto import decrypt_credentials, encrypt_credentials
from ..validators import normalize_domain, validate_vendor_base_url


class Client(models.Model):
    """A client company of the consultancy: the tenant boundary for all synced and computed data."""

    class EmployeeBand(models.TextChoices):
        B1_10 = "1-10", "1-10"
        B11_50 = "11-50", "11-50"
        B51_200 = "51-200", "51-200"
        B201_500 = "201-500", "201-500"
        B501_1000 = "501-1000", "501-1,000"
        B1001_5000 = "1001-5000", "1,001-5,000"
        B5001_PLUS = "5001+", "5,001+"

    class RevenueBand(models.TextChoices):
        UNDER_1M = "<1M", "Under $1M"
        R1M_10M = "1M-10M", "$1M-$10M"
        R10M_50M = "10M-50M", "$10M-$50M"
        R50M_250M = "50M-250M", "$50M-$250M"
        R250M_1B = "250M-1B", "$250M-$1B"
        OVER_1B = "1B+", "Over $1B"

    class Crm(models.TextChoices):
        HUBSPOT = "hubspot", "HubSpot"
        SALESFORCE = "salesforce", "Salesforce"
        DYNAMICS = "dynamics", "Microsoft Dynamics 365"
        PIPEDRIVE = "pipedrive", "Pipedrive"
        OTHER = "other", "Other"
        NONE = "none", "None"

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="clients")
    name = models.CharField(max_length=200)
    website_domains = models.JSONField(default=list, blank=True, help_text='Host names, e.g. ["acme.com"].')
    industry = models.CharField(max_length=100, blank=True)
    employee_band = models.CharField(max_length=20, choices=EmployeeBand.choices, blank=True)
    revenue_band = models.CharField(max_length=20, choices=RevenueBand.choices, blank=True)
    crm_of_record = models.CharField(max_length=20, choices=Crm.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClientQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="client_unique_name_per_org"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.website_domains = sorted({normalize_domain(domain) for domain in self.website_domains})
        super().save(*args, **kwargs)


class Engagement(models.Model):
    """A piece of work for a client: an audit, a retainer or an implementation."""

    class Kind(models.TextChoices):
        AUDIT = "audit", "Audit"
        RETAINER = "retainer", "Retainer"
        IMPLEMENTATION = "implementation", "Implementation"

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="engagements")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.AUDIT)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNED)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    lead_consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="led_engagements"
    )
    threshold_overrides = models.JSONField(
        default=dict,
        blank=True,
        help_text='Audit thresholds that differ from the defaults for this engagement, e.g. {"duplicate_rate": 0.05}.',
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClientScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(start_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="engagement_end_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.client}: {self.name}"


class Portal(models.Model):
    """A client's marketing or sales system that we sync from, with its credentials encrypted at rest."""

    class Vendor(models.TextChoices):
        HUBSPOT = "hubspot", "HubSpot"
        SALESFORCE = "salesforce", "Salesforce"
        MARKETO = "marketo", "Marketo"
        PARDOT = "pardot", "Pardot (Account Engagement)"
        CSV = "csv", "CSV exports"

    class Status(models.TextChoices):
        PENDING = "pending", "Not connected yet"
        CONNECTED = "connected", "Connected"
        ERROR = "error", "Connection failed"
        DISABLED = "disabled", "Disabled"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="portals")
    vendor = models.CharField(max_length=20, choices=Vendor.choices)
    name = models.CharField(max_length=200, blank=True)
    account_id = models.CharField(
        max_length=100, blank=True, help_text="The vendor's account id: HubSpot portal id, Salesforce org id, Marketo Munchkin id."
    )
    api_base_url = models.URLField(blank=True, validators=[validate_vendor_base_url], help_text="API host when it is not the vendor's default, e.g. a Marketo instance URL.")
    credentials_encrypted = models.TextField(blank=True, editable=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    status_message = models.CharField(max_length=500, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    sync_state = models.JSONField(
        default=dict, blank=True, editable=False, help_text="High-water marks of the last successful sync, per object."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClientScopedQuerySet.as_manager()

    class Meta:
        ordering = ["client", "vendor", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "vendor", "account_id"],
                condition=~models.Q(account_id=""),
                name="portal_unique_account_per_client",
            ),
        ]

    def __str__(self):
        return f"{self.get_vendor_display()} {self.account_id or self.name}".strip()

    def __repr__(self):
        return f"<Portal id={self.pk} client_id={self.client_id} vendor={self.vendor}>"

    @property
    def has_credentials(self):
        return bool(self.credentials_encrypted)

    def set_credentials(self, credentials):
        self.credentials_encrypted = encrypt_credentials(credentials) if credentials else ""

    def get_credentials(self):
        return decrypt_credentials(self.credentials_encrypted)
