"""Tool catalog records: categories, CRM names, and the fingerprints that reveal each tool."""
from dataclasses import dataclass, field

# Category slug -> label. Each shipped catalog file is named after one of these slugs.
CATEGORIES = {
    "crm": "CRM",
    "marketing_automation": "Marketing automation",
    "web_analytics": "Web analytics",
    "tag_management": "Tag management",
    "ad_platform": "Ad platform",
    "social": "Social",
    "chat": "Chat",
    "webinar": "Webinar",
    "events": "Events",
    "enrichment": "Data enrichment",
    "intent": "Intent data",
    "abm": "Account-based marketing",
    "scheduling": "Meeting scheduling",
    "forms": "Forms",
    "cms": "CMS",
    "seo": "SEO",
    "reviews": "Review sites",
    "call_tracking": "Call tracking",
    "cdp": "CDP",
    "data_warehouse": "Data warehouse",
    "reverse_etl": "Reverse ETL",
    "bi": "BI and reporting",
    "video": "Video",
    "integration_platform": "Integration platform",
}

# CRMs whose native integrations the catalog records, with their display names.
CRMS = {
    "hubspot": "HubSpot",
    "salesforce": "Salesforce",
    "dynamics": "Microsoft Dynamics 365",
    "pipedrive": "Pipedrive",
}


@dataclass(frozen=True)
class MetaFingerprint:
    """A <meta> tag: `name` matches the name or property attribute, `content` is a substring ("" = any)."""

    name: str
    content: str = ""


@dataclass(frozen=True)
class ToolEntry:
    """One marketing or sales tool and the evidence that shows a client uses it.

    `scripts` are lower-case substrings of script, pixel, iframe, stylesheet or form URLs, also searched in
    inline script text. `cookies` are exact cookie names, or prefixes when they end with "*".
    `globals` are JavaScript global names. `data_values` are lower-case values that reveal the tool in CRM
    data: utm_source values, integration (connected app) names, and referrer domains (values with a dot).

    NOTE: the shipped fingerprints follow the vendors' install snippets and cookie names but were not checked
    against live pages, because nothing in the project reaches the internet.
    """

    slug: str
    name: str
    vendor: str
    category: str
    domain: str
    crm_integrations: tuple = ()
    scripts: tuple = ()
    cookies: tuple = ()
    globals: tuple = ()
    meta: tuple = ()
    data_values: tuple = ()
    custom: bool = False

    @property
    def category_label(self):
        return CATEGORIES.get(self.category, self.category)

    def has_native_integration(self, crm):
        return crm in self.crm_integrations


@dataclass(frozen=True)
class Catalog:
    """The validated tool catalog: shipped entries followed by an organization's custom entries."""

    entries: tuple
    by_slug: dict = field(repr=False, compare=False, default_factory=dict)

    def __post_init__(self):
        self.by_slug.update({entry.slug: entry for entry in self.entries})

    def __iter__(self):
        return iter(self.entries)

    def __len__(self):
        return len(self.entries)

    def __contains__(self, slug):
        return slug in self.by_slug

    def get(self, slug):
        return self.by_slug.get(slug)

    def in_category(self, category):
        return [entry for entry in self.entries if entry.category == category]
