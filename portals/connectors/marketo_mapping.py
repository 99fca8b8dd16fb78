"""Marketo records (REST lead and activity JSON) to snapshot rows."""
import re
from urllib.parse import parse_qs, urlsplit

from portals.models import PropertyChange, Touchpoint
from portals.models.snapshot import ChangeSource

from .mapping import domain_of, parse_datetime, parse_decimal, parse_int, text

# Most Marketo instances sync lead status with Salesforce's Lead Status, so both vendors share
# one status-to-stage rule.
from .salesforce_mapping import parse_date, stage_for_status

# Standard activity type ids, the same in every Marketo instance.
VISIT_WEBPAGE = 1
FILL_OUT_FORM = 2
CLICK_LINK = 3
OPEN_EMAIL = 10
CLICK_EMAIL = 11
NEW_LEAD = 12
CHANGE_DATA_VALUE = 13
CHANGE_REVENUE_STAGE = 101
CHANGE_STATUS_IN_PROGRESSION = 104

# Click Link is a click on a link of a Marketo-tracked web page, so it counts as a page view of the link target.
TOUCH_KINDS = {
    VISIT_WEBPAGE: Touchpoint.Kind.PAGE_VIEW.value,
    FILL_OUT_FORM: Touchpoint.Kind.FORM_SUBMISSION.value,
    CLICK_LINK: Touchpoint.Kind.PAGE_VIEW.value,
    OPEN_EMAIL: Touchpoint.Kind.EMAIL_OPEN.value,
    CLICK_EMAIL: Touchpoint.Kind.EMAIL_CLICK.value,
}

LEAD_FIELDS = (
    "id", "email", "firstName", "lastName", "title", "company", "website", "country", "state", "city", "postalCode",
    "phone", "industry", "numberOfEmployees", "leadSource", "leadStatus", "originalSourceType", "originalSourceInfo",
    "originalReferrer", "acquisitionProgramId", "createdAt", "updatedAt",
)

# Change Data Value attribute names (display or REST name, compared without spaces and case) that
# the audits read, and the property each one is.
CHANGED_FIELDS = {
    "leadstatus": PropertyChange.Property.LEAD_STATUS,
    "leadsource": PropertyChange.Property.LEAD_SOURCE,
    "originalsourcetype": PropertyChange.Property.ORIGINAL_SOURCE_DRILL_DOWN_1,
    "lifecyclestage": PropertyChange.Property.LIFECYCLE_STAGE,
    "leadlifecyclestage": PropertyChange.Property.LIFECYCLE_STAGE,
    "lifecyclestatus": PropertyChange.Property.LIFECYCLE_STAGE,
}
_STAGE_PROPERTIES = {PropertyChange.Property.LEAD_STATUS, PropertyChange.Property.LIFECYCLE_STAGE}

# Program member statuses of Change Status in Progression that are no interaction of the person.
_NOT_ENGAGED_STATUSES = {"not in program", "invited", "no show", "member", "excluded"}

# Words in the "Source", "Reason" and "Api Method Name" attributes of a change, checked in this order.
_CHANGE_SOURCES = (
    (r"\bimport\b|\blist upload\b", ChangeSource.IMPORT),
    (r"\bform\b", ChangeSource.FORM),
    (r"\bapi\b|\bweb service\b", ChangeSource.API),
    (r"\bsalesforce\b|\bsfdc\b|\bsync\b|\bdynamics\b|\bintegration\b", ChangeSource.INTEGRATION),
    (r"\bflow\b|\bsmart campaign\b|\bcampaign\b", ChangeSource.WORKFLOW),
    (r"\bperson detail\b|\blead detail\b|\buser\b|\bmanual\b", ChangeSource.USER),
)

CLICK_ID_PARAMETERS = ("gclid", "fbclid", "li_fat_id", "msclkid")


def lead_row(record):
    """A Marketo lead as a Contact row.

    leadSource is the marketing source. originalSourceType is how the record was created (for
    example "List import", "Web form fillout") and originalSourceInfo names the list, form or URL.
    They fill record_source and the two drill-downs, as HubSpot's offline-source drill-downs do.
    """
    get = record.get
    return {
        "external_id": str(get("id")),
        "email": text(get("email"), 254),
        "first_name": text(get("firstName"), 100),
        "last_name": text(get("lastName"), 100),
        "job_title": text(get("title"), 200),
        "company_name": text(get("company"), 300),
        "company_domain": domain_of(get("website")),
        "country": text(get("country"), 100),
        "state": text(get("state"), 100),
        "city": text(get("city"), 100),
        "postal_code": text(get("postalCode"), 20),
        "phone": text(get("phone"), 50),
        "industry": text(get("industry"), 200),
        "employee_count": parse_int(get("numberOfEmployees")),
        "lifecycle_stage": stage_for_status(get("leadStatus")),
        "lead_status": text(get("leadStatus"), 100),
        "original_source": text(get("leadSource"), 100),
        "original_source_drill_down_1": text(get("originalSourceType"), 500),
        "original_source_drill_down_2": text(get("originalSourceInfo"), 500),
        "record_source": text(get("originalSourceType"), 100),
        "created_at": parse_datetime(get("createdAt")),
        "updated_at": parse_datetime(get("updatedAt")),
        "extra": _lead_extra(record),
    }


def _lead_extra(record):
    extra = {}
    for field in ("originalReferrer", "acquisitionProgramId"):
        if record.get(field) not in (None, ""):
            extra[field] = record[field]
    return extra


def attributes_of(activity):
    return {item.get("name"): item.get("value") for item in activity.get("attributes") or [] if item.get("name")}


def activity_external_id(activity):
    return "activity:%s" % (activity.get("id") or activity.get("marketoGUID"))


def touchpoint_row(activity, programs):
    """Map a web, form or e-mail activity, or an event or webinar status change, to a Touchpoint, else None.

    `programs` maps a program id to its record, for Change Status in Progression.
    """
    type_id = activity.get("activityTypeId")
    occurred_at = parse_datetime(activity.get("activityDate"))
    if not activity.get("leadId") or occurred_at is None:
        return None

    attributes = attributes_of(activity)
    if type_id == CHANGE_STATUS_IN_PROGRESSION:
        return _progression_row(activity, attributes, occurred_at, programs)
    kind = TOUCH_KINDS.get(type_id)
    if kind is None:
        return None

    landing_url = _landing_url(type_id, activity, attributes)
    parameters = _query_parameters(landing_url, attributes.get("Query Parameters"))
    row = _touch_base(activity, occurred_at, kind)
    row.update({
        "utm_source": text(_first(parameters, "utm_source"), 200),
        "utm_medium": text(_first(parameters, "utm_medium"), 200),
        "utm_campaign": text(_first(parameters, "utm_campaign"), 300),
        "utm_term": text(_first(parameters, "utm_term"), 300),
        "utm_content": text(_first(parameters, "utm_content"), 300),
        "referrer": text(attributes.get("Referrer URL"), 2000),
        "landing_url": text(landing_url, 2000),
        "click_id": text(next((_first(parameters, name) for name in CLICK_ID_PARAMETERS if _first(parameters, name)), ""), 300),
    })
    if type_id == FILL_OUT_FORM:
        row["form_external_id"] = text(activity.get("primaryAttributeValueId"), 100)
    return row


def _touch_base(activity, occurred_at, kind):
    return {
        "external_id": activity_external_id(activity),
        "contact_external_id": str(activity["leadId"]),
        "occurred_at": occurred_at,
        "kind": kind,
    }


def _landing_url(type_id, activity, attributes):
    if type_id == VISIT_WEBPAGE:
        return attributes.get("Webpage URL") or activity.get("primaryAttributeValue")
    if type_id == FILL_OUT_FORM:
        return attributes.get("Webpage URL") or ""
    if type_id in (CLICK_LINK, CLICK_EMAIL):
        return attributes.get("Link") or (activity.get("primaryAttributeValue") if type_id == CLICK_LINK else "")
    return ""


def _query_parameters(url, query):
    """Parameters of the URL's query string, then of the "Query Parameters" attribute, lower-cased names."""
    parameters = {}
    for source in (urlsplit(text(url)).query, text(query).lstrip("?")):
        for name, values in parse_qs(source).items():
            parameters.setdefault(name.lower(), values)
    return parameters


def _first(parameters, name):
    values = parameters.get(name) or [""]
    return values[0]


def _progression_row(activity, attributes, occurred_at, programs):
    program_id = activity.get("primaryAttributeValueId")
    kind = program_touch_kind(programs.get(program_id) or programs.get(str(program_id)) or {})
    status = text(attributes.get("New Status")).strip().lower()
    if kind is None or status in _NOT_ENGAGED_STATUSES:
        return None
    row = _touch_base(activity, occurred_at, kind)
    row["campaign_external_id"] = text(program_id, 100)
    return row


def program_touch_kind(program):
    """Return the touchpoint kind of a program's members: webinar or event, else None.

    Marketo's program types are Default, Event, Event with Webinar, Engagement and Email. The
    channel ("Webinar", "Tradeshow", ...) separates a webinar from an in-person event.
    """
    program_type = text(program.get("type")).lower()
    channel = text(program.get("channel")).lower()
    if "webinar" in program_type or "webinar" in channel:
        return Touchpoint.Kind.WEBINAR.value
    if program_type == "event" or any(word in channel for word in ("event", "tradeshow", "trade show", "roadshow", "conference")):
        return Touchpoint.Kind.EVENT.value
    return None


def program_row(record):
    """Map a program to a Campaign. Its period costs add up to the spend, and the first cost period starts it."""
    costs = record.get("costs") or []
    spend = sum(parse_decimal(cost.get("cost")) or 0 for cost in costs) if costs else None
    starts = sorted(parse_date(cost["startDate"]) for cost in costs if cost.get("startDate"))
    return {
        "external_id": str(record["id"]),
        "name": text(record.get("name"), 300),
        "kind": text(record.get("type"), 100),
        "channel": text(record.get("channel"), 100),
        "status": text(record.get("status"), 100),
        "period_start": starts[0] if starts else None,
        "period_end": None,
        "spend": spend,
        "currency": "",
    }


def change_rows(activity):
    """Map a Change Data Value or Change Revenue Stage activity to PropertyChange and LifecycleChange rows.

    Returns (property changes, lifecycle changes). Both are empty for fields the audits do not read.
    """
    occurred_at = parse_datetime(activity.get("activityDate"))
    if not activity.get("leadId") or occurred_at is None:
        return [], []

    attributes = attributes_of(activity)
    if activity.get("activityTypeId") == CHANGE_REVENUE_STAGE:
        prop = PropertyChange.Property.LIFECYCLE_STAGE
        # NOTE: the "New Stage" and "Old Stage" attribute names are not checked against a real response.
        new_value, old_value = attributes.get("New Stage"), attributes.get("Old Stage")
    else:
        prop = CHANGED_FIELDS.get(re.sub(r"\s+", "", text(activity.get("primaryAttributeValue"))).lower())
        new_value, old_value = attributes.get("New Value"), attributes.get("Old Value")
    if prop is None:
        return [], []

    changed_by = change_source(attributes)
    detail = text(attributes.get("Reason") or attributes.get("Source"), 300)
    changes = [_property_change(activity, prop, new_value, occurred_at, changed_by, attributes, detail)]
    lifecycle = []
    if prop in _STAGE_PROPERTIES:
        row = _lifecycle_change(activity, old_value, new_value, occurred_at, changed_by, detail)
        lifecycle = [row] if row else []
    return changes, lifecycle


def change_source(attributes):
    words = " ".join(text(attributes.get(name)) for name in ("Source", "Reason", "Api Method Name")).lower()
    for pattern, source in _CHANGE_SOURCES:
        if re.search(pattern, words):
            return source.value
    return ChangeSource.OTHER.value


def _property_change(activity, prop, value, changed_at, changed_by, attributes, detail):
    return {
        "external_id": activity_external_id(activity),
        "object_type": "contact",
        "record_external_id": str(activity["leadId"]),
        "property": prop.value,
        "value": text(value, 500),
        "changed_at": changed_at,
        "changed_by": changed_by,
        "source_type": text(attributes.get("Source"), 100),
        "source_label": detail,
    }


def _lifecycle_change(activity, old_value, new_value, changed_at, changed_by, detail):
    from_stage = stage_for_status(old_value)
    to_stage = stage_for_status(new_value)
    if not to_stage or to_stage == from_stage:
        return None
    return {
        "external_id": activity_external_id(activity),
        "contact_external_id": str(activity["leadId"]),
        "from_stage": from_stage,
        "to_stage": to_stage,
        "changed_at": changed_at,
        "changed_by": changed_by,
        "source_detail": detail,
    }
