"""Acquisition channels, UTM conventions and the planted UTM variants.

Clean records use only the canonical lower-case values of a channel table. Every variant below is
used only by records planted with the matching problem, so a consistency check finds exactly those.
"""
import re
from dataclasses import dataclass

# Campaign naming convention of all three sample clients: <year>-q<quarter>-<topic in kebab-case>.
CAMPAIGN_NAMING_REGEX = r"^20\d{2}-q[1-4]-[a-z0-9]+(-[a-z0-9]+)*$"
CAMPAIGN_NAMING = re.compile(CAMPAIGN_NAMING_REGEX)

# Planted variants, keyed by the canonical value they stand for.
SOURCE_CASE_VARIANTS = {"linkedin": ("LinkedIn", "LINKEDIN"), "facebook": ("Facebook", "FACEBOOK")}
SOURCE_ALIASES = {"linkedin": ("linked-in",), "facebook": ("fb", "facebook.com")}
MEDIUM_SYNONYMS = {"cpc": ("ppc", "paid", "paid-search")}
# Source/medium pairs that match no GA4 default channel group rule (GA4 reports them as Unassigned).
UNCLASSIFIED_PAIRS = (("qr-code", "print"), ("flyer", "offline-qr"), ("swag-bag", "merch"))
CAMPAIGN_NAME_VIOLATIONS = ("Spring Promo", "ERP_Demo_Q1", "webinar march", "Retarget-V2_FINAL", "2025 Q4 ebook", "Brand Awareness")

SOCIAL_SOURCES = frozenset({"linkedin", "linkedin.com", "facebook", "facebook.com", "fb", "twitter", "x.com"})
SOCIAL_HOSTS = ("linkedin.com", "facebook.com", "lnkd.in", "t.co")
SEARCH_HOSTS = ("google.", "bing.com", "duckduckgo.com")

OFFLINE_DD1 = ("IMPORT", "API", "CRM_UI", "INTEGRATION")


@dataclass(frozen=True)
class Channel:
    """One way a record is first acquired; kind is utm, search, referral, direct or offline."""

    key: str
    weight: float
    kind: str
    ga4: str
    source: str = ""
    medium: str = ""
    topics: tuple = ()
    referrer: str = ""
    gclid: bool = False
    term: str = ""
    offline_dd1: str = ""
    offline_dd2: tuple = ()
    integration_label: str = ""
    paid: bool = False
    network: str = ""

    @property
    def online(self):
        return self.kind != "offline"


def campaign_name(year, quarter, topic):
    return "%d-q%d-%s" % (year, quarter, topic)


def host_of(url):
    if not url:
        return ""
    rest = url.split("://", 1)[-1]
    return rest.split("/", 1)[0].lower()


def hubspot_source(source, medium, campaign, referrer, gclid):
    """Return the HubSpot original source enum for a first visit, in HubSpot's traffic-source rule order.

    Rules restated from HubSpot's "understand traffic sources" knowledge-base article (2025 version):
    contains-matching on UTM values, first matching rule wins, tagged traffic that matches no word
    becomes OTHER_CAMPAIGNS.
    """
    s, m, c = source.lower(), medium.lower(), campaign.lower()
    host = host_of(referrer)
    social_ref = any(host.endswith(name) for name in SOCIAL_HOSTS)
    tagged = bool(s or m or c)

    if m == "social" and (s in SOCIAL_SOURCES or social_ref):
        return "SOCIAL_MEDIA"
    if gclid:
        return "PAID_SEARCH"
    if (any(word in m for word in ("paid", "ppc", "cpc")) and (s in SOCIAL_SOURCES or social_ref)) or "paidsocial" in s + m:
        return "PAID_SOCIAL"
    if tagged and host.replace("www.", "").startswith("google."):
        return "PAID_SEARCH"
    if any(word in value for value in (s, m, c) for word in ("adword", "ppc", "cpc")):
        return "PAID_SEARCH"
    if any("email" in value for value in (s, m, c)):
        return "EMAIL_MARKETING"
    if tagged:
        return "OTHER_CAMPAIGNS"
    if social_ref:
        return "SOCIAL_MEDIA"
    if any(name in host for name in SEARCH_HOSTS):
        return "ORGANIC_SEARCH"
    if host:
        return "REFERRALS"
    return "DIRECT_TRAFFIC"


def drill_downs(enum, source, medium, campaign, referrer, term, network):
    """Return (drill-down 1, drill-down 2) for an online original source, as HubSpot fills them."""
    if enum == "PAID_SEARCH":
        return campaign, term
    if enum in ("PAID_SOCIAL", "SOCIAL_MEDIA"):
        return network, campaign
    if enum == "EMAIL_MARKETING":
        return campaign, (campaign + " email") if campaign else ""
    if enum == "OTHER_CAMPAIGNS":
        return campaign, source
    if enum == "ORGANIC_SEARCH":
        return "unknown keywords (SSL)", host_of(referrer).replace("www.", "").split(".")[0]
    if enum == "REFERRALS":
        return host_of(referrer), referrer
    return "", ""


def _utm(key, weight, ga4, source, medium, topics, referrer="", gclid=False, term="", paid=False, network=""):
    return Channel(key, weight, "utm", ga4, source, medium, topics, referrer, gclid, term, paid=paid, network=network)


def _offline(key, weight, dd1, dd2=(), label=""):
    return Channel(key, weight, "offline", "Offline", offline_dd1=dd1, offline_dd2=dd2, integration_label=label)


# Display is reserved for the planted "channel with MQLs but no spend row": no clean record uses it.
DISPLAY = _utm("display", 0.0, "Display", "programmatic", "display", ("retargeting",), paid=True)


def standard_channels(topics, integration_label):
    """Return the channel table that all three sample clients share, with client-specific campaign topics."""
    return (
        _utm("paid_search_google", 14, "Paid Search", "google", "cpc", topics, "https://www.google.com/", True, "erp software", True),
        _utm("paid_search_bing", 4, "Paid Search", "bing", "cpc", topics, "https://www.bing.com/", False, "erp vendor", True),
        _utm("paid_social_linkedin", 8, "Paid Social", "linkedin", "paid-social", topics, "https://www.linkedin.com/", paid=True, network="LinkedIn"),
        _utm("paid_social_facebook", 4, "Paid Social", "facebook", "paid-social", topics, "https://www.facebook.com/", paid=True, network="Facebook"),
        _utm("organic_social_linkedin", 6, "Organic Social", "linkedin", "social", topics, "https://www.linkedin.com/", network="LinkedIn"),
        _utm("email_newsletter", 10, "Email", "newsletter", "email", ("newsletter",)),
        Channel("organic_search", 16, "search", "Organic Search", referrer="https://www.google.com/"),
        Channel("organic_search_bing", 3, "search", "Organic Search", referrer="https://www.bing.com/"),
        Channel("referral", 6, "referral", "Referral", referrer="https://reviews.example.com/best-tools"),
        Channel("direct", 9, "direct", "Direct"),
        _offline("offline_import", 10, "IMPORT", ("tradeshow-2026-03.csv", "webinar-attendees-q1.csv", "list-upload-q2.csv")),
        _offline("offline_api", 4, "API", ("contacts-upsert",)),
        _offline("offline_crm_ui", 3, "CRM_UI", ("",)),
        _offline("offline_integration", 3, "INTEGRATION", (integration_label,), integration_label),
    )
