"""HubSpot records (CRM v3 JSON) to snapshot rows."""
from portals.models import Contact, LifecycleChange, PropertyChange
from portals.models.snapshot import STAGE_DATE_FIELDS

from .mapping import (
    change_source,
    domain_of,
    is_self_reported_field,
    parse_bool,
    parse_datetime,
    parse_decimal,
    parse_int,
    text,
)

CONTACT_PROPERTIES = [
    "email", "firstname", "lastname", "jobtitle", "company", "website", "country", "state", "city", "zip", "phone",
    "industry", "numemployees", "lifecyclestage", "hs_lead_status", "hubspot_owner_id", "hs_analytics_source",
    "hs_analytics_source_data_1", "hs_analytics_source_data_2", "hs_latest_source", "how_did_you_hear_about_us",
    "hs_object_source", "hs_analytics_first_timestamp", "createdate", "lastmodifieddate",
    *[f"hs_lifecyclestage_{stage}_date" for stage in STAGE_DATE_FIELDS],
]

# Property history is read for the audited properties, keyed by our property name.
HISTORY_PROPERTIES = {
    "hs_analytics_source": PropertyChange.Property.ORIGINAL_SOURCE,
    "hs_analytics_source_data_1": PropertyChange.Property.ORIGINAL_SOURCE_DRILL_DOWN_1,
    "lifecyclestage": PropertyChange.Property.LIFECYCLE_STAGE,
    "hubspot_owner_id": PropertyChange.Property.OWNER,
}
CONTACT_HISTORY_PROPERTIES = list(HISTORY_PROPERTIES)

COMPANY_PROPERTIES = [
    "name", "domain", "industry", "numberofemployees", "annualrevenue", "country", "state", "city", "phone",
    "hubspot_owner_id", "createdate", "hs_lastmodifieddate",
]
DEAL_PROPERTIES = [
    "dealname", "pipeline", "dealstage", "amount", "createdate", "closedate", "hs_is_closed_won", "hs_is_closed",
    "hubspot_owner_id", "hs_analytics_source",
]
ENGAGEMENT_PROPERTIES = ["hs_timestamp", "hubspot_owner_id", "hs_call_direction", "hs_meeting_outcome", "hs_lastmodifieddate"]

EVENT_KINDS = {
    "e_visited_page": "page_view",
    "e_submitted_form": "form_submission",
    "e_clicked_ad": "ad_click",
    "e_opened_email": "email_open",
    "e_clicked_email": "email_click",
}


def contact_rows(records):
    """Contact rows plus the property-history and lifecycle-change rows of each record."""
    contacts, changes, lifecycle = [], [], []
    for record in records:
        contacts.append(_contact_row(record))
        history = record.get("propertiesWithHistory") or {}
        changes.extend(_property_changes(record["id"], history))
        lifecycle.extend(_lifecycle_changes(record["id"], history.get("lifecyclestage") or []))
    return {Contact: contacts, PropertyChange: changes, LifecycleChange: lifecycle}


def _contact_row(record):
    properties = record.get("properties") or {}
    get = properties.get
    row = {
        "external_id": str(record["id"]),
        "email": text(get("email"), 254),
        "first_name": text(get("firstname"), 100),
        "last_name": text(get("lastname"), 100),
        "job_title": text(get("jobtitle"), 200),
        "company_name": text(get("company"), 300),
        "company_domain": domain_of(get("website")),
        "company_external_id": _first_association(record, "companies"),
        "country": text(get("country"), 100),
        "state": text(get("state"), 100),
        "city": text(get("city"), 100),
        "postal_code": text(get("zip"), 20),
        "phone": text(get("phone"), 50),
        "industry": text(get("industry"), 200),
        "employee_count": parse_int(get("numemployees")),
        "lifecycle_stage": text(get("lifecyclestage"), 100),
        "lead_status": text(get("hs_lead_status"), 100),
        "owner_external_id": text(get("hubspot_owner_id"), 100),
        "original_source": text(get("hs_analytics_source"), 100),
        "original_source_drill_down_1": text(get("hs_analytics_source_data_1"), 500),
        "original_source_drill_down_2": text(get("hs_analytics_source_data_2"), 500),
        "latest_source": text(get("hs_latest_source"), 100),
        "self_reported_source": text(get("how_did_you_hear_about_us"), 500),
        "record_source": text(get("hs_object_source"), 100),
        "first_seen_at": parse_datetime(get("hs_analytics_first_timestamp")),
        "created_at": parse_datetime(get("createdate") or record.get("createdAt")),
        "updated_at": parse_datetime(get("lastmodifieddate") or record.get("updatedAt")),
        "extra": {},
    }
    for stage, field_name in STAGE_DATE_FIELDS.items():
        row[field_name] = parse_datetime(get(f"hs_lifecyclestage_{stage}_date"))
    return row


def _property_changes(record_id, history):
    rows = []
    for hubspot_name, our_name in HISTORY_PROPERTIES.items():
        for item in history.get(hubspot_name) or []:
            changed_at = parse_datetime(item.get("timestamp"))
            if changed_at is None:
                continue
            rows.append({
                "external_id": f"{record_id}:{hubspot_name}:{int(changed_at.timestamp() * 1000)}",
                "object_type": "contact",
                "record_external_id": str(record_id),
                "property": our_name,
                "value": text(item.get("value"), 500),
                "changed_at": changed_at,
                "changed_by": change_source(item.get("sourceType")),
                "source_type": text(item.get("sourceType"), 100),
                "source_label": text(item.get("sourceLabel") or item.get("sourceId"), 300),
                "user_external_id": text(item.get("updatedByUserId"), 100),
            })
    return rows


def _lifecycle_changes(record_id, items):
    """Consecutive lifecycle stage values, oldest first, as from-to changes."""
    ordered = sorted(
        (item for item in items if parse_datetime(item.get("timestamp"))),
        key=lambda item: parse_datetime(item["timestamp"]),
    )
    rows, previous = [], ""
    for item in ordered:
        stage = text(item.get("value"), 100)
        if not stage or stage == previous:
            continue
        changed_at = parse_datetime(item["timestamp"])
        rows.append({
            "external_id": f"{record_id}:{int(changed_at.timestamp() * 1000)}",
            "contact_external_id": str(record_id),
            "from_stage": previous,
            "to_stage": stage,
            "changed_at": changed_at,
            "changed_by": change_source(item.get("sourceType")),
            "source_detail": text(item.get("sourceLabel") or item.get("sourceType"), 300),
            "user_external_id": text(item.get("updatedByUserId"), 100),
        })
        previous = stage
    return rows


def company_row(record):
    get = (record.get("properties") or {}).get
    return {
        "external_id": str(record["id"]),
        "name": text(get("name"), 300),
        "domain": domain_of(get("domain")),
        "industry": text(get("industry"), 200),
        "employee_count": parse_int(get("numberofemployees")),
        "annual_revenue": parse_decimal(get("annualrevenue")),
        "country": text(get("country"), 100),
        "state": text(get("state"), 100),
        "city": text(get("city"), 100),
        "phone": text(get("phone"), 50),
        "owner_external_id": text(get("hubspot_owner_id"), 100),
        "created_at": parse_datetime(get("createdate") or record.get("createdAt")),
        "updated_at": parse_datetime(get("hs_lastmodifieddate") or record.get("updatedAt")),
    }


def deal_row(record):
    get = (record.get("properties") or {}).get
    return {
        "external_id": str(record["id"]),
        "name": text(get("dealname"), 300),
        "pipeline": text(get("pipeline"), 100),
        "stage": text(get("dealstage"), 100),
        "amount": parse_decimal(get("amount")),
        "created_at": parse_datetime(get("createdate") or record.get("createdAt")),
        "close_date": parse_datetime(get("closedate")),
        "is_closed": parse_bool(get("hs_is_closed")),
        "is_won": parse_bool(get("hs_is_closed_won")),
        "owner_external_id": text(get("hubspot_owner_id"), 100),
        "company_external_id": _first_association(record, "companies"),
        "contact_external_ids": _association_ids(record, "contacts"),
        "lead_source": text(get("hs_analytics_source"), 100),
    }


def engagement_row(record, kind):
    """A logged call or meeting as a sales-activity touchpoint of its first associated contact."""
    get = (record.get("properties") or {}).get
    contact_id = _first_association(record, "contacts")
    occurred_at = parse_datetime(get("hs_timestamp") or record.get("createdAt"))
    if not contact_id or occurred_at is None:
        return None
    return {
        "external_id": f"{kind}:{record['id']}",
        "contact_external_id": contact_id,
        "occurred_at": occurred_at,
        "kind": kind,
        "owner_external_id": text(get("hubspot_owner_id"), 100),
        "is_sales_activity": True,
    }


def event_row(record):
    kind = EVENT_KINDS.get(record.get("eventType"))
    occurred_at = parse_datetime(record.get("occurredAt"))
    if kind is None or occurred_at is None or not record.get("objectId"):
        return None
    get = (record.get("properties") or {}).get
    return {
        "external_id": f"event:{record['id']}",
        "contact_external_id": str(record["objectId"]),
        "occurred_at": occurred_at,
        "kind": kind,
        "utm_source": text(get("hs_utm_source"), 200),
        "utm_medium": text(get("hs_utm_medium"), 200),
        "utm_campaign": text(get("hs_utm_campaign"), 300),
        "utm_term": text(get("hs_utm_term"), 300),
        "utm_content": text(get("hs_utm_content"), 300),
        "referrer": text(get("hs_referrer"), 2000),
        "landing_url": text(get("hs_url"), 2000),
        "click_id": text(get("hs_gclid") or get("hs_fbclid"), 300),
        "form_external_id": text(get("hs_form_id"), 100),
    }


def owner_row(record, *, archived):
    teams = record.get("teams") or []
    primary = next((team for team in teams if team.get("membership") == "PRIMARY" or team.get("primary")), teams[0] if teams else {})
    return {
        "external_id": str(record["id"]),
        "email": text(record.get("email"), 254),
        "first_name": text(record.get("firstName"), 100),
        "last_name": text(record.get("lastName"), 100),
        "is_active": not (archived or record.get("archived")),
        "team": text(primary.get("name"), 200),
    }


def form_row(record):
    fields = [
        field
        for group in record.get("fieldGroups") or []
        for field in group.get("fields") or []
    ]
    names = [text(field.get("name"), 200) for field in fields]
    return {
        "external_id": str(record["id"]),
        "name": text(record.get("name"), 300),
        "field_names": names,
        "has_self_reported_field": any(is_self_reported_field(field.get("name", ""), field.get("label", "")) for field in fields),
    }


def _association_ids(record, to_type):
    results = ((record.get("associations") or {}).get(to_type) or {}).get("results") or []
    return [str(item["id"]) for item in results if item.get("id")]


def _first_association(record, to_type):
    ids = _association_ids(record, to_type)
    return ids[0] if ids else ""
