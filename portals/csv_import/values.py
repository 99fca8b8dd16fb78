"""Normalisation of HubSpot enum values and numbers that exports show as UI labels."""

import re

# HubSpot's default lifecyclestage options, label -> internal value. Portals created or changed
# after the 2022 customisable-stages release can add stages with numeric internal values; the
# caller passes those as ``lifecycle_stage_labels``.
LIFECYCLE_STAGE_LABELS = {
    "subscriber": "subscriber",
    "lead": "lead",
    "marketing qualified lead": "marketingqualifiedlead",
    "sales qualified lead": "salesqualifiedlead",
    "opportunity": "opportunity",
    "customer": "customer",
    "evangelist": "evangelist",
    "other": "other",
}
LIFECYCLE_STAGES = frozenset(LIFECYCLE_STAGE_LABELS.values())

# hs_analytics_source UI labels -> internal enum. "Organic social" replaced the older
# "Social media" label, and both are the SOCIAL_MEDIA value.
ORIGINAL_SOURCE_LABELS = {
    "organic search": "ORGANIC_SEARCH",
    "paid search": "PAID_SEARCH",
    "email marketing": "EMAIL_MARKETING",
    "organic social": "SOCIAL_MEDIA",
    "social media": "SOCIAL_MEDIA",
    "referrals": "REFERRALS",
    "other campaigns": "OTHER_CAMPAIGNS",
    "direct traffic": "DIRECT_TRAFFIC",
    "offline sources": "OFFLINE",
    "paid social": "PAID_SOCIAL",
}
ORIGINAL_SOURCES = frozenset(ORIGINAL_SOURCE_LABELS.values())

_WHITESPACE = re.compile(r"\s+")
_PLAIN_INT = re.compile(r"\d+")
_GROUPED_INT = re.compile(r"\d{1,3}(?:[,.' \u00a0]\d{3})+")
_WHOLE_DECIMAL = re.compile(r"(\d+)[.,]0+")

_BECAME_STAGE = re.compile(r"became an? (.+) date", re.IGNORECASE)
_DATE_ENTERED_STAGE = re.compile(
    r'date entered "?(.+?) \(lifecycle stage pipeline\)"?', re.IGNORECASE
)
_INTERNAL_STAGE_DATE = re.compile(r"hs_lifecyclestage_(.+)_date", re.IGNORECASE)
_INTERNAL_DATE_ENTERED = re.compile(r"hs_v2_date_entered_(.+)", re.IGNORECASE)


def label_key(text):
    """Return the text case-folded with runs of whitespace collapsed, for label lookups."""
    return _WHITESPACE.sub(" ", text).strip().casefold()


def build_stage_labels(custom_labels=None):
    """Return the label -> internal value table, with the portal's custom stages added.

    ``custom_labels`` maps a stage label (e.g. "Recycled") to its internal value
    (e.g. "1378463825"), as read from the lifecyclestage property's options.
    """
    labels = dict(LIFECYCLE_STAGE_LABELS)
    for label, value in (custom_labels or {}).items():
        labels[label_key(label)] = value
    return labels


def normalise_lifecycle_stage(value, stage_labels):
    """Return the internal lifecycle stage for a label or internal value.

    An unknown value is a custom stage and is returned as given.
    """
    key = label_key(value)
    if key in stage_labels:
        return stage_labels[key]
    if key in LIFECYCLE_STAGES:
        return key
    return value


def normalise_original_source(value):
    """Return the hs_analytics_source enum value for a UI label or enum value.

    Values that are neither (newer enum values, another vendor's source) are returned as given.
    """
    key = label_key(value)
    if key in ORIGINAL_SOURCE_LABELS:
        return ORIGINAL_SOURCE_LABELS[key]

    enum_value = key.upper().replace(" ", "_")
    if enum_value in ORIGINAL_SOURCES:
        return enum_value
    return value


def parse_employee_count(value):
    """Return the value as an int, or None when it is not a whole number.

    Accepts "1200", "1,200", "1.200", "1 200" and "1200.0". Ranges such as "25-50" (the
    options of HubSpot's contact property numemployees) return None.
    """
    text = value.strip()
    if _PLAIN_INT.fullmatch(text):
        return int(text)
    if _GROUPED_INT.fullmatch(text):
        return int(re.sub(r"\D", "", text))

    whole = _WHOLE_DECIMAL.fullmatch(text)
    if whole:
        return int(whole.group(1))
    return None


def stage_of_date_column(header, stage_labels):
    """Return the lifecycle stage whose entry date the column holds, or None.

    Recognises "Became a <Stage> Date", 'Date entered "<Stage> (Lifecycle Stage Pipeline)"'
    and the internal names hs_lifecyclestage_<stage>_date and hs_v2_date_entered_<stage>.
    A custom stage label that ``stage_labels`` does not know is returned as written.
    """
    text = _WHITESPACE.sub(" ", header).strip()

    for pattern in (_INTERNAL_STAGE_DATE, _INTERNAL_DATE_ENTERED):
        match = pattern.fullmatch(text)
        if match:
            return match.group(1).lower()

    for pattern in (_BECAME_STAGE, _DATE_ENTERED_STAGE):
        match = pattern.fullmatch(text)
        if match:
            label = match.group(1)
            # The export labels the "other" stage's column "Became an Other Lifecycle Date".
            if label_key(label) == "other lifecycle":
                return "other"
            return normalise_lifecycle_stage(label, stage_labels)
    return None
