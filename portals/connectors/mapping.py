"""Helpers shared by connectors: parsing vendor values and naming what made a change."""
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation

from portals.models.snapshot import ChangeSource
from portals.validators import normalize_domain

# HubSpot property-history sourceType values, and what they mean in our terms.
HUBSPOT_SOURCE_TYPES = {
    "AUTOMATION_PLATFORM": ChangeSource.WORKFLOW,
    "WORKFLOWS": ChangeSource.WORKFLOW,
    "IMPORT": ChangeSource.IMPORT,
    "CRM_UI": ChangeSource.USER,
    "SALES": ChangeSource.USER,
    "MOBILE_IOS": ChangeSource.USER,
    "MOBILE_ANDROID": ChangeSource.USER,
    "INTEGRATION": ChangeSource.INTEGRATION,
    "SALESFORCE": ChangeSource.INTEGRATION,
    "API": ChangeSource.API,
    "FORM": ChangeSource.FORM,
    "ANALYTICS": ChangeSource.ANALYTICS,
}


def change_source(source_type):
    return HUBSPOT_SOURCE_TYPES.get((source_type or "").upper(), ChangeSource.OTHER)


def parse_datetime(value):
    """Parse ISO 8601 (with Z, an offset or none), Salesforce's +0000 form, or epoch milliseconds; None if empty."""
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.isdigit()):
        return datetime.fromtimestamp(int(value) / 1000, tz=timezone.utc)

    text = value.strip().replace("Z", "+00:00")
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = text[:-2] + ":" + text[-2:]
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def parse_int(value):
    if value in (None, ""):
        return None
    try:
        return int(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return None


def parse_decimal(value):
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def parse_bool(value):
    return str(value).strip().lower() in ("true", "1", "yes")


def text(value, max_length=None):
    """Return a vendor value as a string for a CharField: None becomes "", long values are cut."""
    if value is None:
        return ""
    result = str(value)
    return result[:max_length] if max_length else result


def domain_of(value):
    return normalize_domain(value) if value else ""


def is_self_reported_field(name, label=""):
    """True for a form field that asks how the person heard about the company."""
    words = f"{name} {label}".lower().replace("_", " ")
    return any(phrase in words for phrase in ("how did you hear", "hear about", "heard about", "self reported", "referral source"))
