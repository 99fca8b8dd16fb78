"""The three sample clients: profile, stack, planted rates, fit criteria, working hours and tools."""
from dataclasses import dataclass, field

from . import catalog
from .channels import standard_channels

STAGES = ("subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer", "evangelist")
STAGE_LABELS = (
    "Subscriber", "Lead", "Marketing Qualified Lead", "Sales Qualified Lead", "Opportunity", "Customer", "Evangelist",
)
SUBSCRIBER, LEAD, MQL, SQL, OPPORTUNITY, CUSTOMER, EVANGELIST = range(7)

TITLE_KEYWORDS = ("marketing", "revenue", "sales", "growth", "operations", "demand", "engineering", "procurement")


@dataclass(frozen=True)
class ClientProfile:
    slug: str
    name: str
    industry: str
    employee_band: str
    revenue_band: str
    domain: str
    crm_of_record: str
    portals: tuple
    size_share: float
    timezone: str
    utc_offset_minutes: int
    stage_shares: tuple
    contacts_per_company: int
    topics: tuple
    integration_label: str
    fit_industries: tuple
    fit_employees: tuple
    rates: dict
    company_duplicate_rate: float
    unbalanced_rate: float
    forms: tuple
    tools: tuple
    stuck_days: int = 60
    currency: str = "USD"
    extra: dict = field(default_factory=dict)

    @property
    def channels(self):
        return standard_channels(self.topics, self.integration_label)

    def fit_criteria(self):
        return {
            "employees_min": self.fit_employees[0],
            "employees_max": self.fit_employees[1],
            "industries": list(self.fit_industries),
            "title_keywords": list(TITLE_KEYWORDS),
            "rule": "numberofemployees within [employees_min, employees_max] AND industry in industries "
                    "AND job title contains one of title_keywords (case-insensitive)",
        }

    def working_hours(self):
        sign = "-" if self.utc_offset_minutes < 0 else "+"
        minutes = abs(self.utc_offset_minutes)
        return {
            "days": ["Mon", "Tue", "Wed", "Thu", "Fri"],
            "start": "09:00",
            "end": "17:00",
            "timezone": self.timezone,
            "utc_offset": "%s%02d:%02d" % (sign, minutes // 60, minutes % 60),
            "sla_minutes": 30,
            "note": "fixed offset, the zone has no daylight saving time; no holidays",
        }


HUBSPOT_RATES = {
    "duplicate_contacts_email_case": 0.012, "duplicate_contacts_plus_address": 0.008,
    "duplicate_contacts_email_typo": 0.006, "duplicate_contacts_two_emails": 0.006,
    "utm_source_case_variant": 0.010, "utm_source_alias": 0.006, "utm_medium_synonym": 0.008,
    "utm_missing_source": 0.004, "utm_missing_medium": 0.004, "utm_unclassified": 0.005,
    "utm_campaign_naming": 0.008,
    "source_missing": 0.015, "source_offline_no_drilldown": 0.010, "source_overwritten_import": 0.008,
    "source_overwritten_user": 0.005, "source_change_explained": 0.006,
    "lifecycle_skipped_stage": 0.010, "lifecycle_backward_move": 0.006, "lifecycle_set_by_import": 0.006,
    "lifecycle_missing_entry_date": 0.008, "lifecycle_stuck": 0.010,
    "owner_inactive": 0.010,
    "mql_fails_fit": 0.06, "first_touch_slow": 0.08, "mql_unassigned": 0.04, "channel_without_spend": 0.03,
    "self_reported_disagrees": 0.05,
}

SALESFORCE_RATES = {
    "duplicate_contacts_email_case": 0.010, "duplicate_contacts_plus_address": 0.006,
    "duplicate_contacts_email_typo": 0.006, "duplicate_contacts_two_emails": 0.008,
    "utm_source_case_variant": 0.008, "utm_source_alias": 0.005, "utm_medium_synonym": 0.010,
    "utm_missing_source": 0.005, "utm_missing_medium": 0.005, "utm_unclassified": 0.004,
    "utm_campaign_naming": 0.010,
    "source_missing": 0.020, "source_overwritten_import": 0.010, "source_overwritten_user": 0.006,
    "owner_inactive": 0.012,
    "mql_fails_fit": 0.05, "first_touch_slow": 0.10, "mql_unassigned": 0.05, "channel_without_spend": 0.02,
}

FORMS_SOFTWARE = (
    ("Demo request", "demo", True), ("Contact us", "contact", True), ("Free trial signup", "trial", False),
    ("Newsletter signup", "newsletter", False), ("Ebook download: RevOps playbook", "content", True),
    ("Webinar registration", "webinar", True), ("Pricing inquiry", "contact", False), ("Partner referral", "demo", True),
)
FORMS_SERVICES = (
    ("Request a consultation", "demo", True), ("Contact us", "contact", False), ("Newsletter signup", "newsletter", False),
    ("Whitepaper download", "content", True), ("Event registration", "webinar", True), ("Careers interest", "contact", False),
)

NORTHWIND = ClientProfile(
    slug="northwind-software", name="Northwind Software", industry="Computer Software", employee_band="201-500",
    revenue_band="10M-50M", domain="northwind-software.test", crm_of_record="hubspot",
    portals=({"vendor": "hubspot", "account_id": "4410001"}, {"vendor": "csv", "account_id": "northwind-exports"}),
    size_share=1.0, timezone="America/Phoenix", utc_offset_minutes=-420,
    stage_shares=(0.22, 0.34, 0.14, 0.09, 0.08, 0.12, 0.01), contacts_per_company=6,
    topics=("erp-demo", "revops-guide", "trial-push"), integration_label="Zoom",
    fit_industries=catalog.INDUSTRIES_FIT_SOFTWARE, fit_employees=(50, 5000),
    rates=HUBSPOT_RATES, company_duplicate_rate=0.03, unbalanced_rate=0.10, forms=FORMS_SOFTWARE,
    tools=(
        {"name": "Zoom", "category": "webinar", "evidence": "integration",
         "values": ["hs_analytics_source history sourceType INTEGRATION, sourceLabel Zoom"], "planted_status": "integrated"},
        {"name": "Calendly", "category": "scheduling", "evidence": "integration/referrer",
         "values": ["lifecyclestage history sourceType INTEGRATION, sourceLabel Calendly", "hs_referrer https://calendly.com/northwind-sales"],
         "planted_status": "partially integrated"},
        {"name": "ON24", "category": "webinar", "evidence": "utm_source", "values": ["on24"], "planted_status": "island"},
        {"name": "Drift", "category": "chat", "evidence": "referrer", "values": ["https://app.drift.com/"], "planted_status": "island"},
        {"name": "Cvent", "category": "events", "evidence": "utm_source/referrer",
         "values": ["cvent", "https://web.cvent.com/event/"], "planted_status": "island"},
    ),
    extra={
        "stage_integration": (SQL, "Calendly", 0.15),
        "tool_touches": (
            ("on24", "email", "", "webinar"), ("", "", "https://app.drift.com/", ""),
            ("cvent", "referral", "https://web.cvent.com/event/", "user-conference"),
            ("", "", "https://calendly.com/northwind-sales", ""),
        ),
    },
)

HARBOR = ClientProfile(
    slug="harbor-manufacturing", name="Harbor Manufacturing", industry="Industrial Machinery", employee_band="1001-5000",
    revenue_band="250M-1B", domain="harbor-manufacturing.test", crm_of_record="salesforce",
    portals=({"vendor": "salesforce", "account_id": "00D5g000004HARBR"}, {"vendor": "pardot", "account_id": "0Uv5g000000HARBR"},
             {"vendor": "csv", "account_id": "harbor-exports"}),
    size_share=0.75, timezone="America/Bogota", utc_offset_minutes=-300,
    stage_shares=(0.18, 0.38, 0.15, 0.09, 0.08, 0.11, 0.01), contacts_per_company=10,
    topics=("cnc-retrofit", "automation-audit", "spare-parts"), integration_label="Pardot",
    fit_industries=catalog.INDUSTRIES_FIT_MANUFACTURING, fit_employees=(100, 20000),
    rates=SALESFORCE_RATES, company_duplicate_rate=0.025, unbalanced_rate=0.35, forms=(),
    tools=(
        {"name": "Pardot", "category": "marketing automation", "evidence": "integration",
         "values": ["LeadHistory CreatedById of user 'B2BMA Integration'", "CampaignMember rows"], "planted_status": "integrated"},
        {"name": "ZoomInfo", "category": "data enrichment", "evidence": "integration",
         "values": ["LeadHistory Field Title by user 'ZoomInfo Integration'"], "planted_status": "partially integrated"},
        {"name": "Vidyard", "category": "video", "evidence": "utm_source", "values": ["vidyard"], "planted_status": "island"},
        {"name": "Intercom", "category": "chat", "evidence": "utm_source", "values": ["intercom"], "planted_status": "island"},
        {"name": "Swapcard", "category": "events", "evidence": "utm_source", "values": ["swapcard"], "planted_status": "island"},
    ),
    extra={
        "territories": ("West", "Central", "South", "Northeast", "Canada", "Europe"),
        "segments": ("SMB", "Mid-Market", "Enterprise"), "reps": 45, "inactive_reps": 3,
        "missing_touchpoint_rate": 0.08,
        "tool_touches": (
            ("vidyard", "video", "", "product-tour"), ("intercom", "referral", "", "support-chat"),
            ("swapcard", "referral", "https://app.swapcard.com/event/", "fabtech-expo"),
        ),
    },
)

SUMMIT = ClientProfile(
    slug="summit-services", name="Summit Services", industry="Management Consulting", employee_band="501-1000",
    revenue_band="50M-250M", domain="summit-services.test", crm_of_record="hubspot",
    portals=({"vendor": "hubspot", "account_id": "4410003"}, {"vendor": "marketo", "account_id": "512-SUM-803"},
             {"vendor": "csv", "account_id": "summit-exports"}),
    size_share=0.5, timezone="Africa/Johannesburg", utc_offset_minutes=120,
    stage_shares=(0.26, 0.32, 0.13, 0.09, 0.07, 0.12, 0.01), contacts_per_company=8,
    topics=("cloud-audit", "cx-benchmark", "risk-review"), integration_label="Zapier",
    fit_industries=catalog.INDUSTRIES_FIT_SERVICES, fit_employees=(200, 50000),
    rates={**HUBSPOT_RATES, "duplicate_contacts_email_case": 0.02, "source_missing": 0.03, "lifecycle_skipped_stage": 0.02,
           "mql_fails_fit": 0.10, "first_touch_slow": 0.05, "self_reported_disagrees": 0.08},
    company_duplicate_rate=0.04, unbalanced_rate=0.08, forms=FORMS_SERVICES,
    tools=(
        {"name": "Zapier", "category": "integration platform", "evidence": "integration",
         "values": ["hs_analytics_source history sourceType INTEGRATION, sourceLabel Zapier"], "planted_status": "integrated"},
        {"name": "Marketo", "category": "marketing automation", "evidence": "integration",
         "values": ["lifecyclestage history sourceType INTEGRATION, sourceLabel Marketo Sync (MQL step only)"],
         "planted_status": "partially integrated"},
        {"name": "GoToWebinar", "category": "webinar", "evidence": "utm_source", "values": ["gotowebinar"], "planted_status": "island"},
        {"name": "Intercom", "category": "chat", "evidence": "referrer", "values": ["https://intercom.help/summit"], "planted_status": "island"},
        {"name": "Eventbrite", "category": "events", "evidence": "utm_source/referrer",
         "values": ["eventbrite", "https://www.eventbrite.com/e/"], "planted_status": "island"},
    ),
    currency="EUR",
    extra={
        "stage_integration": (MQL, "Marketo Sync", 0.2),
        "tool_touches": (
            ("gotowebinar", "email", "", "webinar"), ("", "", "https://intercom.help/summit", ""),
            ("eventbrite", "referral", "https://www.eventbrite.com/e/", "summit-forum"),
        ),
    },
)

PROFILES = {profile.slug: profile for profile in (NORTHWIND, HARBOR, SUMMIT)}
