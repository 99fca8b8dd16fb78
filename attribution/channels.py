"""Channel classification of touchpoints, HubSpot's original source values, and UTM value normalisation.

The channel rules are the GA4 default channel group, restated from Google's help-centre page
"[GA4] Default channel group" (support.google.com/analytics/answer/9756891). The rules run top-down,
the first match wins, and matching ignores letter case. The search, social, shopping and video site
lists that the rules refer to are in data/ga4_source_categories.csv (provenance in the .md beside it).
"""
import csv
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from urllib.parse import urlsplit

DIRECT = "Direct"
CROSS_NETWORK = "Cross-network"
PAID_SHOPPING = "Paid Shopping"
PAID_SEARCH = "Paid Search"
PAID_SOCIAL = "Paid Social"
PAID_VIDEO = "Paid Video"
DISPLAY = "Display"
PAID_OTHER = "Paid Other"
ORGANIC_SHOPPING = "Organic Shopping"
ORGANIC_SOCIAL = "Organic Social"
ORGANIC_VIDEO = "Organic Video"
ORGANIC_SEARCH = "Organic Search"
REFERRAL = "Referral"
EMAIL = "Email"
AFFILIATES = "Affiliates"
AUDIO = "Audio"
SMS = "SMS"
MOBILE_PUSH = "Mobile Push Notifications"
UNASSIGNED = "Unassigned"
# Not a GA4 channel: contacts created offline (imports, API, manual entry), HubSpot's OFFLINE source.
OFFLINE = "Offline"

# GA4 channels in rule order, then Unassigned.
CHANNELS = (
    DIRECT, CROSS_NETWORK, PAID_SHOPPING, PAID_SEARCH, PAID_SOCIAL, PAID_VIDEO, DISPLAY, PAID_OTHER,
    ORGANIC_SHOPPING, ORGANIC_SOCIAL, ORGANIC_VIDEO, ORGANIC_SEARCH, REFERRAL, EMAIL, AFFILIATES, AUDIO,
    SMS, MOBILE_PUSH, UNASSIGNED,
)
# Channels that are bought per click or impression, so they should have media spend.
PAID_CHANNELS = frozenset({CROSS_NETWORK, PAID_SHOPPING, PAID_SEARCH, PAID_SOCIAL, PAID_VIDEO, DISPLAY, PAID_OTHER})

SEARCH = "SOURCE_CATEGORY_SEARCH"
SOCIAL = "SOURCE_CATEGORY_SOCIAL"
SHOPPING = "SOURCE_CATEGORY_SHOPPING"
VIDEO = "SOURCE_CATEGORY_VIDEO"
SOURCE_CATEGORIES_PATH = Path(__file__).resolve().parent / "data" / "ga4_source_categories.csv"

# GA4 placeholder values for a session without campaign parameters or referrer.
DIRECT_SOURCE = "(direct)"
NONE_MEDIUM = "(none)"
NOT_SET = "(not set)"

PAID_MEDIUM = re.compile(r"^(.*cp.*|ppc|retargeting|paid.*)$")
SHOPPING_CAMPAIGN = re.compile(r"^(.*(([^a-df-z]|^)shop|shopping).*)$")
DISPLAY_MEDIUMS = frozenset({"display", "banner", "expandable", "interstitial", "cpm"})
SOCIAL_MEDIUMS = frozenset({"social", "social-network", "social-media", "sm", "social network", "social media"})
EMAIL_WORDS = ("email", "e-mail", "e_mail", "e mail")
EMAIL_MATCHES = ("contains", "exact")

# Ad click ids whose network is known, written "gclid:VALUE" or "gclid=VALUE". fbclid is left out
# because Facebook appends it to organic links as well as to ad clicks.
CLICK_ID_SOURCES = {"gclid": "google", "gbraid": "google", "wbraid": "google", "msclkid": "bing", "li_fat_id": "linkedin"}
_CLICK_ID_PREFIX = re.compile(r"^\s*([a-z_]+)\s*[:=]", re.IGNORECASE)


def _clean(value):
    return str(value).strip().lower() if value is not None else ""


@dataclass(frozen=True)
class ChannelOptions:
    """The rule details where published versions of the GA4 table differ, plus the site's own hosts.

    email_match: "contains" finds email, e-mail, e_mail or "e mail" anywhere in the source or medium,
    so `email_blast` is Email (dbt-ga4 implements it so). "exact" needs the whole value to be one of them.
    NOTE: Google's table writes the Email rule with "=", and which of the two GA4 applies is not verified.
    affiliate_mediums: ("affiliate",) in the current table. An earlier version also had "affiliates".
    referral_mediums: ("referral", "app", "link") in the current table. An earlier version had "referral" only.
    own_domains: hosts of the site itself. A referrer on one of them (or a subdomain) is internal
    navigation and counts as no referrer.
    """

    email_match: str = "contains"
    affiliate_mediums: tuple = ("affiliate",)
    referral_mediums: tuple = ("referral", "app", "link")
    own_domains: tuple = ()

    def __post_init__(self):
        if self.email_match not in EMAIL_MATCHES:
            raise ValueError(f"Invalid email_match {self.email_match!r}: use one of {', '.join(EMAIL_MATCHES)}.")
        for name in ("affiliate_mediums", "referral_mediums", "own_domains"):
            values = {_clean(value) for value in getattr(self, name)} - {""}
            if name == "own_domains":
                values = {value.removeprefix("www.") for value in values}
            object.__setattr__(self, name, tuple(sorted(values)))


@cache
def source_categories():
    """Return {source in lower case: category} from the GA4 site lists. The file is read once per process."""
    with SOURCE_CATEGORIES_PATH.open(newline="", encoding="utf-8") as handle:
        return {row["source"].strip().lower(): row["source_category"] for row in csv.DictReader(handle)}


def classify_channel(utm_source="", utm_medium="", utm_campaign="", referrer="", click_id="", **options):
    """Return the GA4 default channel of one touchpoint. `options` are the fields of ChannelOptions."""
    return classify_channels([(utm_source, utm_medium, utm_campaign, referrer, click_id)], **options)[0]


def classify_channels(rows, *, email_match="contains", affiliate_mediums=("affiliate",),
                      referral_mediums=("referral", "app", "link"), own_domains=()):
    """Classify (utm_source, utm_medium, utm_campaign, referrer, click_id) tuples and return their channels in order.

    Each distinct tuple is classified once, and an LRU cache keeps the results across calls, so a
    column of millions of touchpoints costs one rule evaluation per distinct combination. None counts
    as an empty value.
    """
    options = ChannelOptions(email_match, tuple(affiliate_mediums), tuple(referral_mediums), tuple(own_domains))
    channel_of = {row: _classify_row(tuple(row), options) for row in set(map(tuple, rows))}
    return [channel_of[tuple(row)] for row in rows]


@lru_cache(maxsize=2**17)
def _classify_row(row, options):
    utm_source, utm_medium, utm_campaign, referrer, click_id = (tuple(row) + ("",) * 5)[:5]
    source, medium, campaign = session_source(utm_source, utm_medium, utm_campaign, referrer, click_id, options.own_domains)
    return ga4_channel(source, medium, campaign, options)


def is_tagged(utm_source, utm_medium, utm_campaign):
    """True when a touchpoint carries any campaign parameter, so its UTM values decide the channel."""
    return bool(_clean(utm_source) or _clean(utm_medium) or _clean(utm_campaign))


def session_source(utm_source, utm_medium, utm_campaign, referrer, click_id, own_domains=()):
    """Return the (source, medium, campaign) that GA4 would record for a touchpoint, in lower case.

    UTM values win when any is set, and a missing source or medium is "(not set)". Without UTM values
    an ad click id makes the medium "cpc", a search engine referrer "organic", another referrer
    "referral", and no referrer at all is "(direct)" / "(none)".
    """
    source, medium, campaign = _clean(utm_source), _clean(utm_medium), _clean(utm_campaign)
    if source or medium or campaign:
        return source or NOT_SET, medium or NOT_SET, campaign

    host = referrer_host(referrer)
    if host and any(host == own or host.endswith("." + own) for own in own_domains):
        host = ""
    referrer_name, category = referrer_source(host) if host else ("", None)

    click_source = click_id_source(click_id)
    if click_source is not None:
        return click_source or referrer_name or NOT_SET, "cpc", ""
    if not host:
        return DIRECT_SOURCE, NONE_MEDIUM, ""
    return referrer_name, "organic" if category == SEARCH else "referral", ""


def click_id_source(click_id):
    """Return the ad network of a click id ("" when unknown), or None when it is no ad click id.

    NOTE: an id without a "name:" or "name=" prefix counts as an ad click of an unknown network,
    although an unprefixed fbclid may come from an organic Facebook link.
    """
    value = _clean(click_id)
    if not value:
        return None
    prefix = _CLICK_ID_PREFIX.match(value)
    if not prefix:
        return ""
    name = prefix.group(1)
    if name == "fbclid":
        return None
    return CLICK_ID_SOURCES.get(name, "")


def referrer_host(referrer):
    """Return the lower-case host of a referrer URL or bare host, without "www." and port."""
    value = _clean(referrer)
    if not value:
        return ""
    if "://" not in value:
        value = "//" + value
    try:
        host = urlsplit(value).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def referrer_source(host):
    """Return (source name, category) for a referrer host, as GA4 names the site.

    Tries the host, then each parent domain, then the site's name without its top-level domain
    ("google" for google.co.uk). Hosts on no list keep their own name and get category None.
    """
    categories = source_categories()
    labels = host.split(".")
    candidates = [".".join(labels[index:]) for index in range(len(labels) - 1)]
    candidates.append(_site_name(labels))
    for candidate in candidates:
        if candidate in categories:
            return candidate, categories[candidate]
    return host, None


def _site_name(labels):
    # Second-level public suffixes such as co.uk or com.au push the site name one label further left.
    if len(labels) >= 3 and labels[-2] in ("co", "com", "net", "org", "ac", "gov", "edu", "ne", "or"):
        return labels[-3]
    return labels[-2] if len(labels) >= 2 else labels[0]


def ga4_channel(source, medium, campaign, options=None):
    """Return the first GA4 default channel whose rule matches lower-case source, medium and campaign."""
    options = options or ChannelOptions()
    category = source_categories().get(source)
    paid = bool(PAID_MEDIUM.match(medium))
    shopping = category == SHOPPING or bool(SHOPPING_CAMPAIGN.match(campaign))

    if source == DIRECT_SOURCE and medium in (NOT_SET, NONE_MEDIUM):
        return DIRECT
    if "cross-network" in campaign:
        return CROSS_NETWORK
    if shopping and paid:
        return PAID_SHOPPING
    if paid and category == SEARCH:
        return PAID_SEARCH
    if paid and category == SOCIAL:
        return PAID_SOCIAL
    if paid and category == VIDEO:
        return PAID_VIDEO
    if medium in DISPLAY_MEDIUMS:
        return DISPLAY
    if paid:
        return PAID_OTHER
    if shopping:
        return ORGANIC_SHOPPING
    if category == SOCIAL or medium in SOCIAL_MEDIUMS:
        return ORGANIC_SOCIAL
    if category == VIDEO or "video" in medium:
        return ORGANIC_VIDEO
    if category == SEARCH or medium == "organic":
        return ORGANIC_SEARCH
    if medium in options.referral_mediums:
        return REFERRAL
    if _is_email(source, options) or _is_email(medium, options):
        return EMAIL
    if medium in options.affiliate_mediums:
        return AFFILIATES
    if medium == "audio":
        return AUDIO
    if source == "sms" or medium == "sms":
        return SMS
    if medium.endswith("push") or "mobile" in medium or "notification" in medium or source == "firebase":
        return MOBILE_PUSH
    return UNASSIGNED


def _is_email(value, options):
    if options.email_match == "exact":
        return value in EMAIL_WORDS
    return any(word in value for word in EMAIL_WORDS)


# HubSpot original source enum (hs_analytics_source) mapped to our channel names.
HUBSPOT_SOURCE_CHANNELS = {
    "PAID_SEARCH": PAID_SEARCH,
    "ORGANIC_SEARCH": ORGANIC_SEARCH,
    # SOCIAL_MEDIA is the value behind the "Organic social" label.
    "SOCIAL_MEDIA": ORGANIC_SOCIAL,
    "PAID_SOCIAL": PAID_SOCIAL,
    "EMAIL_MARKETING": EMAIL,
    "REFERRALS": REFERRAL,
    # Tagged traffic that matched none of HubSpot's words. GA4 leaves such traffic Unassigned.
    "OTHER_CAMPAIGNS": UNASSIGNED,
    "DIRECT_TRAFFIC": DIRECT,
    "OFFLINE": OFFLINE,
}
# UI labels that differ from the enum value once upper-cased with underscores ("Offline sources").
_HUBSPOT_SOURCE_LABELS = {"ORGANIC_SOCIAL": "SOCIAL_MEDIA", "OFFLINE_SOURCES": "OFFLINE"}


# HubSpot's UI label of each enum value.
HUBSPOT_SOURCE_LABELS = {
    "PAID_SEARCH": "Paid search",
    "ORGANIC_SEARCH": "Organic search",
    "SOCIAL_MEDIA": "Organic social",
    "PAID_SOCIAL": "Paid social",
    "EMAIL_MARKETING": "Email marketing",
    "REFERRALS": "Referrals",
    "OTHER_CAMPAIGNS": "Other campaigns",
    "DIRECT_TRAFFIC": "Direct traffic",
    "OFFLINE": "Offline sources",
}


def hubspot_source_enum(value):
    """Return the HubSpot enum value for an enum value or UI label ("Offline sources" -> "OFFLINE")."""
    key = re.sub(r"[\s\-]+", "_", str(value or "").strip().upper())
    return _HUBSPOT_SOURCE_LABELS.get(key, key)


def hubspot_source_channel(value):
    """Return our channel for a HubSpot original source enum value or UI label, or None when blank or unknown.

    Newer portals have further enum values (AI referral categories, for example), and these return None.
    """
    return HUBSPOT_SOURCE_CHANNELS.get(hubspot_source_enum(value))


def hubspot_source_label(value):
    """Return HubSpot's UI label of an original source value. Unknown values come back unchanged, and blank as "(blank)"."""
    return HUBSPOT_SOURCE_LABELS.get(hubspot_source_enum(value), str(value or "").strip() or "(blank)")


# UTM spellings that mean one thing, by canonical value. Spellings are compared in compact form
# (lower case, no spaces, hyphens, underscores or plus signs), so "paid-search" covers "Paid_Search".
UTM_SYNONYMS = {
    "cpc": ("cpc", "ppc", "paid", "paid-search", "paidsearch", "pay-per-click"),
    "social": ("social", "social-media", "social-network", "sm"),
    "email": ("email", "e-mail"),
    "linkedin": ("linkedin", "linkedin.com", "www.linkedin.com", "lnkd.in"),
    "facebook": ("facebook", "fb", "facebook.com", "www.facebook.com", "m.facebook.com", "l.facebook.com", "lm.facebook.com"),
    "instagram": ("instagram", "ig", "instagram.com", "l.instagram.com"),
    "twitter": ("twitter", "twitter.com", "t.co", "x.com"),
    "youtube": ("youtube", "youtube.com", "youtu.be", "m.youtube.com"),
    "google": ("google", "google.com", "www.google.com", "adwords", "google-ads"),
    "bing": ("bing", "bing.com", "www.bing.com"),
}
_UTM_SEPARATORS = re.compile(r"[\s_\-+]+")


def utm_key(value):
    """Return a UTM value trimmed, lower-cased and without separators, so "Linked_In" and "linked-in" compare equal."""
    return _UTM_SEPARATORS.sub("", str(value or "").strip().lower())


_SYNONYM_OF = {utm_key(spelling): canonical for canonical, spellings in UTM_SYNONYMS.items() for spelling in spellings}


def normalize_utm(value):
    """Return the comparison form of a UTM value: its compact form, replaced by the canonical synonym if it has one."""
    key = utm_key(value)
    return _SYNONYM_OF.get(key, key)


def normalize_utms(values):
    """Normalise a column of UTM values. Each distinct value is normalised once."""
    normalised = {value: normalize_utm(value) for value in set(values)}
    return [normalised[value] for value in values]


# Canonical channel names by their compact form, so "paid search" or "Paid_Social" in a spend file match.
_CHANNEL_BY_KEY = {utm_key(name): name for name in (*CHANNELS, OFFLINE)}


def channel_name(value):
    """Return the canonical channel name for a free-text channel label, or the trimmed label if none matches."""
    return _CHANNEL_BY_KEY.get(utm_key(value), str(value or "").strip())
