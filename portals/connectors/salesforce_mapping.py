"""Salesforce records (SOQL JSON or Bulk API 2.0 CSV rows) to snapshot rows.

Every value goes through the parsers of `mapping`, because Bulk API CSV rows hold only strings
("true", "250", "") where REST rows hold booleans, numbers and null.
"""
import re
from dataclasses import dataclass
from datetime import date, timedelta

from portals.models import Contact, LifecycleChange, PropertyChange, Touchpoint
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
# LeadSource is the standard field for how a person was acquired, and the connector stores it as the
# contact's original source, so its history is original source history.
HISTORY_FIELDS = {
    "LeadSource": PropertyChange.Property.ORIGINAL_SOURCE,
    "Status": PropertyChange.Property.LEAD_STATUS,
    "Owner": PropertyChange.Property.OWNER,
    "OwnerId": PropertyChange.Property.OWNER,
    # Title changes show which apps enrich people (ZoomInfo, Clearbit), for the stack inventory.
    "Title": PropertyChange.Property.JOB_TITLE,
}
_HISTORY_FILTER = "Field IN (%s)" % ", ".join("'%s'" % name for name in HISTORY_FIELDS)

# Custom fields of Lead and Contact, selected only when the object's describe lists them. MQL_Date__c is
# the Became-an-MQL date. The UTM fields hold the first-touch UTM values of the form that created the record.
# NOTE: orgs name custom fields freely, so an org that uses other names gets no MQL dates or first touches from them.
MQL_DATE_FIELD = "MQL_Date__c"
UTM_FIELDS = {"UTM_Source__c": "utm_source", "UTM_Medium__c": "utm_medium", "UTM_Campaign__c": "utm_campaign"}
PERSON_CUSTOM_FIELDS = (MQL_DATE_FIELD, *UTM_FIELDS)
# Prefix of the external id of a first-touch touchpoint; the person's Contact or Lead id follows it.
FIRST_TOUCH_PREFIX = "first_touch:"

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
            "ConvertedOpportunityId", "LastModifiedDate", *PERSON_CUSTOM_FIELDS,
        ),
    ),
    "contacts": ObjectSpec(
        "Contact",
        required=("Id", "LeadSource", "OwnerId", "CreatedDate"),
        optional=(
            "AccountId", "Email", "FirstName", "LastName", "Title", "Phone", "MailingCountry", "MailingState",
            "MailingCity", "MailingPostalCode", "LastModifiedDate", *PERSON_CUSTOM_FIELDS,
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

# A user whose name or username contains one of these words loads records in bulk, so its changes are imports.
_IMPORT_WORDS = re.compile(r"\b(data ?loader|import|data import wizard)\b", re.IGNORECASE)
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


def is_import_user(user):
    """True when a User record (Name, FirstName, LastName, Username) is a bulk-load user such as Data Loader."""
    return bool(_IMPORT_WORDS.search(_user_names(user)))


def _user_names(user):
    return " ".join(text(user.get(field)) for field in ("Name", "FirstName", "LastName", "Username"))


def is_integration_user(user):
    """True when a User record (Name, FirstName, LastName, Username, UserType) is an integration user."""
    if user.get("UserType") in _INTEGRATION_USER_TYPES:
        return True
    return bool(_INTEGRATION_WORDS.search(_user_names(user)))


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


def lead_rows(records):
    """Map Lead records to Contact rows and first-touch Touchpoint rows.

    A converted lead gets no Contact row, because the contact it was converted to carries the person on.
    Its first-touch UTM values become a touchpoint of that contact.
    """
    contacts, touchpoints = [], []
    for record in records:
        converted = parse_bool(record.get("IsConverted"))
        if not converted:
            contacts.append(lead_row(record))
        person_id = record.get("ConvertedContactId") if converted else record["Id"]
        touchpoint = first_touch_row(record, person_id) if person_id else None
        if touchpoint:
            touchpoints.append(touchpoint)
    return {Contact: contacts, Touchpoint: touchpoints}


def lead_row(record):
    converted = parse_bool(record.get("IsConverted"))
    extra = {"sobject": "Lead", "is_converted": converted}
    for field in ("ConvertedContactId", "ConvertedOpportunityId"):
        if record.get(field):
            extra[field] = str(record[field])
    stage = lead_stage(record)
    created_at = parse_datetime(record.get("CreatedDate"))
    return {
        **_person_fields(record, country="Country", state="State", city="City", postal_code="PostalCode"),
        "company_name": text(record.get("Company"), 300),
        "company_domain": domain_of(record.get("Website")),
        "company_external_id": text(record.get("ConvertedAccountId"), 100),
        "industry": text(record.get("Industry"), 200),
        "employee_count": parse_int(record.get("NumberOfEmployees")),
        "lifecycle_stage": stage,
        "lead_status": text(record.get("Status"), 100),
        # A lead in a nurture status entered the funnel as a subscriber. Every other lead is a lead from its creation.
        "became_subscriber_at": created_at if stage == LifecycleStage.SUBSCRIBER else None,
        "became_lead_at": created_at if stage != LifecycleStage.SUBSCRIBER else None,
        "became_mql_at": parse_datetime(record.get(MQL_DATE_FIELD)),
        "became_sql_at": parse_datetime(record.get("ConvertedDate")) if converted else None,
        "extra": extra,
    }


def contact_row(record, opportunities, converted_lead=None, account=None):
    """Map a Contact record to a Contact row.

    `opportunities` are the contact's opportunities as dicts with is_closed, is_won, created_at and close_date.
    `converted_lead` is the Lead record converted to this contact (Id, CreatedDate, MQL_Date__c), or None.
    The person entered the CRM when that lead was created, so its CreatedDate becomes the contact's
    created_at and Became-a-lead date. The contact's own CreatedDate stays in extra.
    `account` is the contact's Account record (Name, Website), or None.
    """
    stage = contact_stage([(opportunity["is_closed"], opportunity["is_won"]) for opportunity in opportunities])
    converted_lead = converted_lead or {}
    account = account or {}
    lead_created_at = parse_datetime(converted_lead.get("CreatedDate"))
    contact_created_at = parse_datetime(record.get("CreatedDate"))
    extra = {"sobject": "Contact"}
    if converted_lead.get("Id"):
        extra["ConvertedLeadId"] = str(converted_lead["Id"])
        extra["ContactCreatedDate"] = text(record.get("CreatedDate"))
    return {
        **_person_fields(record, country="MailingCountry", state="MailingState", city="MailingCity", postal_code="MailingPostalCode"),
        "company_name": text(account.get("Name"), 300),
        "company_domain": domain_of(account.get("Website")),
        "company_external_id": text(record.get("AccountId"), 100),
        "lifecycle_stage": stage,
        "created_at": min(filter(None, (lead_created_at, contact_created_at)), default=None),
        "became_lead_at": lead_created_at,
        "became_mql_at": parse_datetime(record.get(MQL_DATE_FIELD) or converted_lead.get(MQL_DATE_FIELD)),
        **_contact_stage_dates(record, opportunities),
        "extra": extra,
    }


def _contact_stage_dates(record, opportunities):
    """Became-a-SQL, opportunity and customer dates of a contact.

    A contact is a sales qualified lead from its creation, because converting a lead creates it.
    It became an opportunity when its first opportunity was created, and a customer at the first
    won close date. CloseDate is a day, so it is moved to the opportunity's creation when it falls before it.
    """
    opened = [opportunity["created_at"] for opportunity in opportunities if opportunity["created_at"]]
    won = [
        max(filter(None, (opportunity["close_date"], opportunity["created_at"])))
        for opportunity in opportunities
        if opportunity["is_won"] and (opportunity["close_date"] or opportunity["created_at"])
    ]
    return {
        "became_sql_at": parse_datetime(record.get("CreatedDate")),
        "became_opportunity_at": min(opened) if opened else None,
        "became_customer_at": min(won) if won else None,
    }


def opportunity_facts(record):
    """Return the fields of an Opportunity that a contact's lifecycle stage and stage dates depend on."""
    return {
        "is_closed": parse_bool(record.get("IsClosed")),
        "is_won": parse_bool(record.get("IsWon")),
        "created_at": parse_datetime(record.get("CreatedDate")),
        "close_date": parse_datetime(record.get("CloseDate")),
    }


def first_touch_row(record, person_id):
    """Map the first-touch UTM fields of a Lead or Contact to a form submission at its CreatedDate, or None without UTM values."""
    values = {name: text(record.get(field), 300 if name == "utm_campaign" else 200) for field, name in UTM_FIELDS.items()}
    occurred_at = parse_datetime(record.get("CreatedDate"))
    if not any(values.values()) or occurred_at is None:
        return None
    return {
        "external_id": FIRST_TOUCH_PREFIX + str(person_id),
        "contact_external_id": str(person_id),
        "occurred_at": occurred_at,
        "kind": Touchpoint.Kind.FORM_SUBMISSION.value,
        **values,
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


def task_row(record, person_ids=None):
    """Map a logged call to a sales-activity touchpoint. Other tasks (e-mails, to-dos) return None.

    `person_ids` maps a converted lead's id to its contact's id, so that calls logged on the lead belong to the contact.
    """
    if not _is_call(record):
        return None
    occurred_at = parse_datetime(record.get("CompletedDateTime") or record.get("ActivityDate") or record.get("CreatedDate"))
    return _activity_row(record, Touchpoint.Kind.CALL.value, occurred_at, person_ids or {})


def event_row(record, person_ids=None):
    """Map a meeting to a sales-activity touchpoint, with `person_ids` as in task_row."""
    occurred_at = parse_datetime(record.get("ActivityDateTime") or record.get("StartDateTime") or record.get("CreatedDate"))
    return _activity_row(record, Touchpoint.Kind.MEETING.value, occurred_at, person_ids or {})


def _is_call(record):
    subtype = text(record.get("TaskSubtype")).lower()
    if subtype:
        return subtype == "call"
    return bool(record.get("CallType")) or text(record.get("Subject")).lower().startswith("call")


def _activity_row(record, kind, occurred_at, person_ids):
    who_id = record.get("WhoId")
    if not who_id or occurred_at is None:
        return None
    return {
        "external_id": str(record["Id"]),
        "contact_external_id": str(person_ids.get(who_id, who_id)),
        "occurred_at": occurred_at,
        "kind": kind,
        "owner_external_id": text(record.get("OwnerId"), 100),
        "is_sales_activity": True,
    }


def history_rows(records, parent_field, users, person_ids=None):
    """PropertyChange rows for LeadSource (as original source), Status, owner and Title changes, and LifecycleChange rows for Status changes.

    `users` maps a User id to its record, to tell changes by integration users from changes by people.
    `person_ids` maps a converted lead's id to its contact's id, so that the lead's history belongs to the contact.
    Rows are stored with object_type "contact" because leads and contacts share the Contact table.
    """
    person_ids = person_ids or {}
    changes, lifecycle = [], []
    for record in records:
        prop = HISTORY_FIELDS.get(record.get("Field"))
        changed_at = parse_datetime(record.get("CreatedDate"))
        if prop is None or changed_at is None:
            continue
        if prop == PropertyChange.Property.OWNER and not _is_owner_id(record.get("NewValue")):
            continue

        person_id = str(person_ids.get(record[parent_field], record[parent_field]))
        changed_by, label = _change_author(record.get("CreatedById"), users)
        if prop == PropertyChange.Property.ORIGINAL_SOURCE and text(record.get("OldValue")):
            changes.append(_previous_value(record, person_id, prop, changed_at))
        changes.append(_property_change(record, person_id, prop, changed_at, changed_by, label))
        if prop == PropertyChange.Property.LEAD_STATUS:
            row = _lifecycle_change(record, person_id, changed_at, changed_by, label)
            if row:
                lifecycle.append(row)
    return {PropertyChange: changes, LifecycleChange: lifecycle}


def _previous_value(record, person_id, prop, changed_at):
    """Return a PropertyChange row with a history row's OldValue, just before the change.

    Salesforce history rows hold the old and the new value, while PropertyChange rows hold one value each.
    Without this row, a record's first change would have no earlier value to compare with.
    """
    return {
        "external_id": str(record["Id"]) + ":old",
        "object_type": "contact",
        "record_external_id": person_id,
        "property": prop.value,
        "value": text(record.get("OldValue"), 500),
        "changed_at": changed_at - timedelta(microseconds=1),
        # NOTE: the history row does not say who set the old value.
        "changed_by": ChangeSource.OTHER.value,
        "source_type": text(record.get("Field"), 100),
    }


def _is_owner_id(value):
    """True for a User (005) or Queue (00G) id, false for the owner's name that the twin history row contains."""
    value = text(value)
    return bool(_SALESFORCE_ID.match(value)) and value[:3] in ("005", "00G")


def _change_author(user_id, users):
    """Return (changed_by, label): "import" for a bulk-load user, "integration" for an integration user, else "user"."""
    user = users.get(user_id) or {}
    label = text(user.get("Name") or " ".join(filter(None, (user.get("FirstName"), user.get("LastName")))), 300)
    if user and is_import_user(user):
        return ChangeSource.IMPORT.value, label
    if user and is_integration_user(user):
        return ChangeSource.INTEGRATION.value, label
    return ChangeSource.USER.value, label


def _property_change(record, person_id, prop, changed_at, changed_by, label):
    return {
        "external_id": str(record["Id"]),
        "object_type": "contact",
        "record_external_id": person_id,
        "property": prop.value,
        "value": text(record.get("NewValue"), 500),
        "changed_at": changed_at,
        "changed_by": changed_by,
        "source_type": text(record.get("Field"), 100),
        "source_label": label,
        "user_external_id": text(record.get("CreatedById"), 100),
    }


def _lifecycle_change(record, person_id, changed_at, changed_by, label):
    from_stage = stage_for_status(record.get("OldValue"))
    to_stage = stage_for_status(record.get("NewValue"))
    if not to_stage or to_stage == from_stage:
        return None
    return {
        "external_id": str(record["Id"]),
        "contact_external_id": person_id,
        "from_stage": from_stage,
        "to_stage": to_stage,
        "changed_at": changed_at,
        "changed_by": changed_by,
        "source_detail": label,
        "user_external_id": text(record.get("CreatedById"), 100),
    }

