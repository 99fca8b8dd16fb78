"""Salesforce records (SOQL JSON or Bulk API 2.0 CSV rows) to snapshot rows.

Every value goes through the parsers of `mapping`, because Bulk API CSV rows hold only strings
("true", "250", "") where REST rows hold booleans, numbers and null.
"""
import re
from dataclasses import dataclass
from datetime import date

from portals.models import LifecycleChange, PropertyChange, Touchpoint
from portals.models.snapshot import ChangeSource, LifecycleStage

from .mapping import domain_of, parse_bool, parse_datetime, parse_decimal, parse_int, text


@dataclass(frozen=True)
class ObjectSpec:
    """The SObject behind one connector object and the fields the connector selects.

    `required` fields are always selected, so a field hidden from the integration user fails the
    query with INVALID_FIELD. `optional` fields are selected only when the object's describe lists them.
    `filters` are extra SOQL conditions joined with AND.
    """

    sobject: str
    required: tuple
    optional: tuple = ()
    filters: tuple = ()


# Field values of LeadHistory and ContactHistory rows that the connector reads. Owner changes
# appear under "Owner" (one row with user names, one with ids) and under "OwnerId" in some orgs.
HISTORY_FIELDS = {
    "LeadSource": PropertyChange.Property.LEAD_SOURCE,
    "Status": PropertyChange.Property.LEAD_STATUS,
    "Owner": PropertyChange.Property.OWNER,
    "OwnerId": PropertyChange.Property.OWNER,
}
_HISTORY_FILTER = "Field IN (%s)" % ", ".join("'%s'" % name for name in HISTORY_FIELDS)

OBJECTS = {
    "users": ObjectSpec(
        "User",
        required=("Id", "IsActive"),
        optional=("Email", "FirstName", "LastName", "Department", "TimeZoneSidKey", "Territory__c", "Segment__c"),
    ),
    "accounts": ObjectSpec(
        "Account",
        required=("Id", "Name"),
        optional=(
            "Website", "Industry", "NumberOfEmployees", "AnnualRevenue", "BillingCountry", "BillingState",
            "BillingCity", "Phone", "OwnerId", "CreatedDate", "LastModifiedDate",
        ),
    ),
    "leads": ObjectSpec(
        "Lead",
        required=("Id", "Status", "IsConverted", "LeadSource", "OwnerId", "CreatedDate"),
        optional=(
            "Email", "FirstName", "LastName", "Title", "Company", "Website", "Country", "State", "City", "PostalCode",
            "Phone", "Industry", "NumberOfEmployees", "ConvertedDate", "ConvertedContactId", "ConvertedAccountId",
            "ConvertedOpportunityId", "LastModifiedDate",
        ),
    ),
    "contacts": ObjectSpec(
        "Contact",
        required=("Id", "LeadSource", "OwnerId", "CreatedDate"),
        optional=(
            "AccountId", "Email", "FirstName", "LastName", "Title", "Phone", "MailingCountry", "MailingState",
            "MailingCity", "MailingPostalCode", "LastModifiedDate",
        ),
    ),
    "opportunities": ObjectSpec(
        "Opportunity",
        required=("Id", "StageName", "IsClosed", "IsWon"),
        optional=("Name", "Amount", "CloseDate", "OwnerId", "AccountId", "CampaignId", "LeadSource", "CreatedDate"),
    ),
    "campaigns": ObjectSpec(
        "Campaign",
        required=("Id", "Name"),
        optional=("Type", "Status", "StartDate", "EndDate", "ActualCost", "CurrencyIsoCode"),
    ),
    "campaign_members": ObjectSpec(
        "CampaignMember",
        required=("Id", "CampaignId", "CreatedDate"),
        optional=("LeadId", "ContactId", "Status"),
    ),
    "tasks": ObjectSpec(
        "Task",
        required=("Id", "WhoId", "OwnerId"),
        optional=("TaskSubtype", "CallType", "Subject", "ActivityDate", "CompletedDateTime", "CreatedDate"),
    ),
    "events": ObjectSpec(
        "Event",
        required=("Id", "WhoId", "OwnerId"),
        optional=("Subject", "ActivityDateTime", "StartDateTime", "CreatedDate"),
    ),
    "lead_history": ObjectSpec(
        "LeadHistory",
        required=("Id", "LeadId", "Field", "OldValue", "NewValue", "CreatedDate", "CreatedById"),
        filters=(_HISTORY_FILTER,),
    ),
    "contact_history": ObjectSpec(
        "ContactHistory",
        required=("Id", "ContactId", "Field", "OldValue", "NewValue", "CreatedDate", "CreatedById"),
        filters=(_HISTORY_FILTER,),
    ),
}

# Lead Status (and Marketo lead status or revenue stage) keywords, checked in this order, and the
# lifecycle stage each one means. Order matters: "Closed - Not Converted" must match before
# "converted", and "Sales Qualified Lead" before "lead".
_STAGE_KEYWORDS = (
    (r"\bnot converted\b|\bunqualified\b|\bdisqualified\b|\bjunk\b|\bdead\b", LifecycleStage.OTHER),
    (r"\bevangelist\b|\badvocate\b", LifecycleStage.EVANGELIST),
    (r"\bcustomer\b|\bclosed won\b", LifecycleStage.CUSTOMER),
    (r"\bopportunity\b", LifecycleStage.OPPORTUNITY),
    (r"\bsales qualified\b|\bsql\b|\bsales accepted\b|\bsal\b|\bconverted\b", LifecycleStage.SQL),
    (r"\bmarketing qualified\b|\bmql\b", LifecycleStage.MQL),
    (r"\bsubscriber\b|\bnurture\b", LifecycleStage.SUBSCRIBER),
    (r"\bopen\b|\bworking\b|\bcontacted\b|\bnew\b|\brecycled\b|\blead\b|\bengaged\b|\bknown\b", LifecycleStage.LEAD),
)

# A user whose name or username contains one of these words writes through an integration.
_INTEGRATION_WORDS = re.compile(r"\b(integration|api|connector|sync|data loader|automated process|autoproc)\b", re.IGNORECASE)
# NOTE: "AutomatedProcess" is the UserType of Salesforce's own automation user. Other integration
# users show as "Standard", so the name rule above does most of the detection.
_INTEGRATION_USER_TYPES = {"AutomatedProcess"}

# Campaign Type values (case-insensitive words) that make a campaign member an event or webinar touchpoint.
_WEBINAR_WORDS = ("webinar", "virtual event")
_EVENT_WORDS = ("trade show", "tradeshow", "conference", "event", "seminar", "roadshow", "summit", "meetup")
# NOTE: Touchpoint.Kind has no "other" choice yet. Members of other campaign types are stored with
# this value so that campaign influence is kept.
OTHER_TOUCH_KIND = "other"

_SALESFORCE_ID = re.compile(r"^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$")


def stage_for_status(status):
    """Return the lifecycle stage a lead status or stage name means: "" when empty, "other" when unknown."""
    value = (status or "").strip().lower().replace("_", " ")
    if not value:
        return ""
    for pattern, stage in _STAGE_KEYWORDS:
        if re.search(pattern, value):
            return stage.value
    return LifecycleStage.OTHER.value


def lead_stage(record):
    """Lifecycle stage of a Lead.

    A converted lead became a contact: it is an opportunity when the conversion created one
    (ConvertedOpportunityId), else a sales qualified lead. An unconverted lead takes the stage its
    Lead Status names (see stage_for_status), and "lead" when the status names none.
    """
    if parse_bool(record.get("IsConverted")):
        return LifecycleStage.OPPORTUNITY.value if record.get("ConvertedOpportunityId") else LifecycleStage.SQL.value
    stage = stage_for_status(record.get("Status"))
    return stage or LifecycleStage.LEAD.value


def contact_stage(opportunity_states):
    """Lifecycle stage of a Contact from its opportunities, given as (is_closed, is_won) pairs.

    A contact with a won opportunity is a customer, one with any other opportunity an opportunity.
    A contact without opportunities is a sales qualified lead, because contacts are created by
    converting a lead or by sales entering them.
    """
    if any(is_won for _, is_won in opportunity_states):
        return LifecycleStage.CUSTOMER.value
    if opportunity_states:
        return LifecycleStage.OPPORTUNITY.value
    return LifecycleStage.SQL.value


def is_integration_user(user):
    """True when a User record (Name, FirstName, LastName, Username, UserType) is an integration user."""
    if user.get("UserType") in _INTEGRATION_USER_TYPES:
        return True
    names = " ".join(text(user.get(field)) for field in ("Name", "FirstName", "LastName", "Username"))
    return bool(_INTEGRATION_WORDS.search(names))


def campaign_touch_kind(campaign_type):
    words = (campaign_type or "").lower()
    if any(word in words for word in _WEBINAR_WORDS):
        return Touchpoint.Kind.WEBINAR.value
    if any(word in words for word in _EVENT_WORDS):
        return Touchpoint.Kind.EVENT.value
    return OTHER_TOUCH_KIND


def parse_date(value):
    if value in (None, ""):
        return None
    return date.fromisoformat(str(value)[:10])


def owner_row(record):
    return {
        "external_id": str(record["Id"]),
        "email": text(record.get("Email"), 254),
        "first_name": text(record.get("FirstName"), 100),
        "last_name": text(record.get("LastName"), 100),
        "is_active": parse_bool(record.get("IsActive")),
        "team": text(record.get("Department"), 200),
        "territory": text(record.get("Territory__c"), 100),
        "segment": text(record.get("Segment__c"), 100),
        "time_zone": text(record.get("TimeZoneSidKey"), 64),
    }


def company_row(record):
    return {
        "external_id": str(record["Id"]),
        "name": text(record.get("Name"), 300),
        "domain": domain_of(record.get("Website")),
        "industry": text(record.get("Industry"), 200),
        "employee_count": parse_int(record.get("NumberOfEmployees")),
        "annual_revenue": parse_decimal(record.get("AnnualRevenue")),
        "country": text(record.get("BillingCountry"), 100),
        "state": text(record.get("BillingState"), 100),
        "city": text(record.get("BillingCity"), 100),
        "phone": text(record.get("Phone"), 50),
        "owner_external_id": text(record.get("OwnerId"), 100),
        "created_at": parse_datetime(record.get("CreatedDate")),
        "updated_at": parse_datetime(record.get("LastModifiedDate")),
    }


def lead_row(record):
    converted = parse_bool(record.get("IsConverted"))
    extra = {"sobject": "Lead", "is_converted": converted}
    for field in ("ConvertedContactId", "ConvertedOpportunityId"):
        if record.get(field):
            extra[field] = str(record[field])
    return {
        **_person_fields(record, country="Country", state="State", city="City", postal_code="PostalCode"),
        "company_name": text(record.get("Company"), 300),
        "company_domain": domain_of(record.get("Website")),
        "company_external_id": text(record.get("ConvertedAccountId"), 100),
        "industry": text(record.get("Industry"), 200),
        "employee_count": parse_int(record.get("NumberOfEmployees")),
        "lifecycle_stage": lead_stage(record),
        "lead_status": text(record.get("Status"), 100),
        "became_sql_at": parse_datetime(record.get("ConvertedDate")) if converted else None,
        "extra": extra,
    }


def contact_row(record, opportunity_states):
    return {
        **_person_fields(record, country="MailingCountry", state="MailingState", city="MailingCity", postal_code="MailingPostalCode"),
        "company_external_id": text(record.get("AccountId"), 100),
        "lifecycle_stage": contact_stage(opportunity_states),
        "extra": {"sobject": "Contact"},
    }


def _person_fields(record, *, country, state, city, postal_code):
    """Contact fields that Lead and Contact share, with the names of their address fields."""
    return {
        "external_id": str(record["Id"]),
        "email": text(record.get("Email"), 254),
        "first_name": text(record.get("FirstName"), 100),
        "last_name": text(record.get("LastName"), 100),
        "job_title": text(record.get("Title"), 200),
        "country": text(record.get(country), 100),
        "state": text(record.get(state), 100),
        "city": text(record.get(city), 100),
        "postal_code": text(record.get(postal_code), 20),
        "phone": text(record.get("Phone"), 50),
        "owner_external_id": text(record.get("OwnerId"), 100),
        "original_source": text(record.get("LeadSource"), 100),
        "created_at": parse_datetime(record.get("CreatedDate")),
        "updated_at": parse_datetime(record.get("LastModifiedDate")),
    }


def deal_row(record, contact_ids):
    return {
        "external_id": str(record["Id"]),
        "name": text(record.get("Name"), 300),
        "stage": text(record.get("StageName"), 100),
        "amount": parse_decimal(record.get("Amount")),
        "created_at": parse_datetime(record.get("CreatedDate")),
        "close_date": parse_datetime(record.get("CloseDate")),
        "is_closed": parse_bool(record.get("IsClosed")),
        "is_won": parse_bool(record.get("IsWon")),
        "owner_external_id": text(record.get("OwnerId"), 100),
        "company_external_id": text(record.get("AccountId"), 100),
        "contact_external_ids": list(contact_ids),
        "campaign_external_id": text(record.get("CampaignId"), 100),
        "lead_source": text(record.get("LeadSource"), 100),
    }


def campaign_row(record):
    return {
        "external_id": str(record["Id"]),
        "name": text(record.get("Name"), 300),
        "kind": text(record.get("Type"), 100),
        "status": text(record.get("Status"), 100),
        "period_start": parse_date(record.get("StartDate")),
        "period_end": parse_date(record.get("EndDate")),
        "spend": parse_decimal(record.get("ActualCost")),
        "currency": text(record.get("CurrencyIsoCode"), 3),
    }


def campaign_member_row(record, campaign_type):
    """Map a campaign membership to a touchpoint of the contact, or of the lead when no contact is set."""
    person_id = record.get("ContactId") or record.get("LeadId")
    occurred_at = parse_datetime(record.get("CreatedDate"))
    if not person_id or occurred_at is None:
        return None
    return {
        "external_id": str(record["Id"]),
        "contact_external_id": str(person_id),
        "occurred_at": occurred_at,
        "kind": campaign_touch_kind(campaign_type),
        "campaign_external_id": text(record.get("CampaignId"), 100),
    }


def task_row(record):
    """Map a logged call to a sales-activity touchpoint. Other tasks (e-mails, to-dos) return None."""
    if not _is_call(record):
        return None
    occurred_at = parse_datetime(record.get("CompletedDateTime") or record.get("ActivityDate") or record.get("CreatedDate"))
    return _activity_row(record, Touchpoint.Kind.CALL.value, occurred_at)


def event_row(record):
    occurred_at = parse_datetime(record.get("ActivityDateTime") or record.get("StartDateTime") or record.get("CreatedDate"))
    return _activity_row(record, Touchpoint.Kind.MEETING.value, occurred_at)


def _is_call(record):
    subtype = text(record.get("TaskSubtype")).lower()
    if subtype:
        return subtype == "call"
    return bool(record.get("CallType")) or text(record.get("Subject")).lower().startswith("call")


def _activity_row(record, kind, occurred_at):
    if not record.get("WhoId") or occurred_at is None:
        return None
    return {
        "external_id": str(record["Id"]),
        "contact_external_id": str(record["WhoId"]),
        "occurred_at": occurred_at,
        "kind": kind,
        "owner_external_id": text(record.get("OwnerId"), 100),
        "is_sales_activity": True,
    }


def history_rows(records, parent_field, users):
    """PropertyChange rows for LeadSource, Status and owner changes, and LifecycleChange rows for Status changes.

    `users` maps a User id to its record, to tell changes by integration users from changes by people.
    Rows are stored with object_type "contact" because leads and contacts share the Contact table.
    """
    changes, lifecycle = [], []
    for record in records:
        prop = HISTORY_FIELDS.get(record.get("Field"))
        changed_at = parse_datetime(record.get("CreatedDate"))
        if prop is None or changed_at is None:
            continue
        if prop == PropertyChange.Property.OWNER and not _is_owner_id(record.get("NewValue")):
            continue

        changed_by, label = _change_author(record.get("CreatedById"), users)
        changes.append(_property_change(record, parent_field, prop, changed_at, changed_by, label))
        if prop == PropertyChange.Property.LEAD_STATUS:
            row = _lifecycle_change(record, parent_field, changed_at, changed_by, label)
            if row:
                lifecycle.append(row)
    return {PropertyChange: changes, LifecycleChange: lifecycle}


def _is_owner_id(value):
    """True for a User (005) or Queue (00G) id, false for the owner's name that the twin history row contains."""
    value = text(value)
    return bool(_SALESFORCE_ID.match(value)) and value[:3] in ("005", "00G")


def _change_author(user_id, users):
    """Return (changed_by, label): "integration" for a change by an integration user, else "user"."""
    user = users.get(user_id) or {}
    label = text(user.get("Name") or " ".join(filter(None, (user.get("FirstName"), user.get("LastName")))), 300)
    if user and is_integration_user(user):
        return ChangeSource.INTEGRATION.value, label
    return ChangeSource.USER.value, label


def _property_change(record, parent_field, prop, changed_at, changed_by, label):
    return {
        "external_id": str(record["Id"]),
        "object_type": "contact",
        "record_external_id": str(record[parent_field]),
        "property": prop.value,
        "value": text(record.get("NewValue"), 500),
        "changed_at": changed_at,
        "changed_by": changed_by,
        "source_type": text(record.get("Field"), 100),
        "source_label": label,
        "user_external_id": text(record.get("CreatedById"), 100),
    }


def _lifecycle_change(record, parent_field, changed_at, changed_by, label):
    from_stage = stage_for_status(record.get("OldValue"))
    to_stage = stage_for_status(record.get("NewValue"))
    if not to_stage or to_stage == from_stage:
        return None
    return {
        "external_id": str(record["Id"]),
        "contact_external_id": str(record[parent_field]),
        "from_stage": from_stage,
        "to_stage": to_stage,
        "changed_at": changed_at,
        "changed_by": changed_by,
        "source_detail": label,
        "user_external_id": text(record.get("CreatedById"), 100),
    }

