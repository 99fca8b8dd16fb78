"""Export kinds, canonical field names and the header aliases of each vendor export.

Aliases are written in normalised form (see ``headers.normalise_header``): case-folded, with
runs of whitespace collapsed to one space. For each field the aliases are listed in priority
order, so when a file has both "Record ID" and "hs_object_id" the first one wins.
"""

from enum import StrEnum


class ExportKind(StrEnum):
    HUBSPOT_CONTACTS = "hubspot_contacts"
    HUBSPOT_COMPANIES = "hubspot_companies"
    SALESFORCE_LEADS = "salesforce_leads"
    SALESFORCE_CONTACTS = "salesforce_contacts"
    PARDOT_PROSPECTS = "pardot_prospects"


KIND_LABELS = {
    ExportKind.HUBSPOT_CONTACTS: "HubSpot contacts",
    ExportKind.HUBSPOT_COMPANIES: "HubSpot companies",
    ExportKind.SALESFORCE_LEADS: "Salesforce leads",
    ExportKind.SALESFORCE_CONTACTS: "Salesforce contacts",
    ExportKind.PARDOT_PROSPECTS: "Pardot prospects",
}

HUBSPOT_KINDS = frozenset({ExportKind.HUBSPOT_CONTACTS, ExportKind.HUBSPOT_COMPANIES})
SALESFORCE_KINDS = frozenset({ExportKind.SALESFORCE_LEADS, ExportKind.SALESFORCE_CONTACTS})
COMPANY_KINDS = frozenset({ExportKind.HUBSPOT_COMPANIES})

# Scalar fields of the contact snapshot, in model order. Rows also carry "stage_dates" and "extra".
CONTACT_FIELDS = (
    "external_id",
    "email",
    "first_name",
    "last_name",
    "job_title",
    "company_name",
    "company_domain",
    "country",
    "state",
    "city",
    "postal_code",
    "phone",
    "industry",
    "employee_count",
    "lifecycle_stage",
    "lead_status",
    "owner_external_id",
    "owner_name",
    "original_source",
    "original_source_drill_down_1",
    "original_source_drill_down_2",
    "latest_source",
    "self_reported_source",
    "created_at",
    "updated_at",
)

# Scalar fields of the company snapshot. Rows also carry "extra".
COMPANY_FIELDS = (
    "external_id",
    "name",
    "domain",
    "industry",
    "employee_count",
    "country",
    "state",
    "city",
    "owner_name",
    "created_at",
    "updated_at",
)

DATE_FIELDS = frozenset({"created_at", "updated_at"})

# Prefix of a column_map target that puts a column into stage_dates, e.g. "stage_dates.lead".
STAGE_DATE_TARGET = "stage_dates."

_CONTACT_COMMON = {
    "email": ("email", "email address", "e-mail"),
    "first_name": ("first name", "firstname"),
    "last_name": ("last name", "lastname"),
    "job_title": ("job title", "jobtitle", "title"),
    "country": ("country/region", "country"),
    "state": ("state/region", "state/province", "state"),
    "city": ("city",),
    "postal_code": ("postal code", "zip/postal code", "zip", "zip code", "postcode"),
    "phone": ("phone number", "phone"),
    "industry": ("industry",),
    "employee_count": ("number of employees", "numemployees", "no. of employees", "employees"),
    "self_reported_source": (
        "how did you hear about us?",
        "how did you hear about us",
        "self-reported source",
        "self reported source",
    ),
}

_HUBSPOT_CONTACTS = {
    **_CONTACT_COMMON,
    "external_id": ("record id", "contact id", "hs_object_id", "vid"),
    "company_name": ("company name", "company", "associated company"),
    "company_domain": ("company domain name", "company domain"),
    "lifecycle_stage": ("lifecycle stage", "lifecyclestage"),
    "lead_status": ("lead status", "hs_lead_status"),
    "owner_external_id": ("hubspot_owner_id", "contact owner id"),
    "owner_name": ("contact owner",),
    "original_source": ("original source", "hs_analytics_source", "original source type"),
    "original_source_drill_down_1": (
        "original source drill-down 1",
        "original source data 1",
        "hs_analytics_source_data_1",
    ),
    "original_source_drill_down_2": (
        "original source drill-down 2",
        "original source data 2",
        "hs_analytics_source_data_2",
    ),
    "latest_source": ("latest source", "hs_latest_source"),
    "created_at": ("create date", "createdate"),
    "updated_at": ("last modified date", "lastmodifieddate"),
}

# NOTE: the Salesforce report and Pardot export aliases below are the fields' UI labels; they
# have not been checked against a real export file.
_SALESFORCE_COMMON = {
    **_CONTACT_COMMON,
    "lead_status": ("lead status", "status"),
    "original_source": ("lead source",),
    "created_at": ("created date", "create date"),
    "updated_at": ("last modified date",),
}

_SALESFORCE_LEADS = {
    **_SALESFORCE_COMMON,
    "external_id": ("lead id", "id"),
    "company_name": ("company / account", "company", "account name"),
    "owner_external_id": ("lead owner id", "owner id"),
    "owner_name": ("lead owner", "owner name", "owner"),
}

_SALESFORCE_CONTACTS = {
    **_SALESFORCE_COMMON,
    "external_id": ("contact id", "id"),
    "company_name": ("account name", "company / account", "company"),
    "country": ("mailing country", "country"),
    "state": ("mailing state/province", "state/province", "state"),
    "city": ("mailing city", "city"),
    "postal_code": ("mailing zip/postal code", "zip/postal code", "postal code"),
    "owner_external_id": ("contact owner id", "owner id"),
    "owner_name": ("contact owner", "owner name", "owner"),
}

_PARDOT_PROSPECTS = {
    **_CONTACT_COMMON,
    "external_id": ("prospect id", "id"),
    "company_name": ("company",),
    "owner_name": ("assigned to", "assigned user"),
    "original_source": ("source",),
    "created_at": ("created date", "created at"),
    "updated_at": ("updated date", "updated at", "last modified date"),
}

_HUBSPOT_COMPANIES = {
    "external_id": ("record id", "company id", "hs_object_id"),
    "name": ("company name", "name"),
    "domain": ("company domain name", "domain"),
    "industry": ("industry",),
    "employee_count": ("number of employees", "numberofemployees"),
    "country": ("country/region", "country"),
    "state": ("state/region", "state"),
    "city": ("city",),
    "owner_name": ("company owner",),
    "created_at": ("create date", "createdate"),
    "updated_at": ("last modified date", "hs_lastmodifieddate"),
}

ALIASES = {
    ExportKind.HUBSPOT_CONTACTS: _HUBSPOT_CONTACTS,
    ExportKind.HUBSPOT_COMPANIES: _HUBSPOT_COMPANIES,
    ExportKind.SALESFORCE_LEADS: _SALESFORCE_LEADS,
    ExportKind.SALESFORCE_CONTACTS: _SALESFORCE_CONTACTS,
    ExportKind.PARDOT_PROSPECTS: _PARDOT_PROSPECTS,
}

# Column headers that only one vendor's export uses; detect_kind counts them.
HUBSPOT_MARKERS = frozenset(
    {
        "record id",
        "hs_object_id",
        "lifecycle stage",
        "lifecyclestage",
        "create date",
        "createdate",
        "original source",
        "original source drill-down 1",
        "job title",
        "email domain",
        "marketing contact status",
        "associated company",
        "became a lead date",
        "number of form submissions",
    }
)
SALESFORCE_MARKERS = frozenset(
    {
        "lead id",
        "lead source",
        "lead owner",
        "created date",
        "title",
        "company / account",
        "account name",
        "account id",
        "mailing city",
        "mailing country",
        "state/province",
        "zip/postal code",
        "no. of employees",
        "contact owner alias",
        "rating",
    }
)


# Header named in the error for a missing required column, per kind.
REQUIRED_HEADERS = {
    ExportKind.HUBSPOT_CONTACTS: {"external_id": "Record ID", "email": "Email"},
    ExportKind.HUBSPOT_COMPANIES: {"external_id": "Record ID"},
    ExportKind.SALESFORCE_LEADS: {"external_id": "Lead ID", "email": "Email"},
    ExportKind.SALESFORCE_CONTACTS: {"external_id": "Contact ID", "email": "Email"},
    ExportKind.PARDOT_PROSPECTS: {"external_id": "Prospect Id", "email": "Email"},
}


def field_names(kind):
    """Return the scalar canonical fields of the kind's rows, in model order."""
    return COMPANY_FIELDS if kind in COMPANY_KINDS else CONTACT_FIELDS


def required_fields(kind):
    """Return the canonical fields whose column must be present in an export of this kind.

    Every row needs an ``external_id`` value. HubSpot identifies contacts by Record ID and
    allows contacts without an email, so its exports need no Email column. Salesforce and
    Pardot exports must have an email column, but a row may leave it empty.
    """
    kind = ExportKind(kind)
    if kind in COMPANY_KINDS or kind == ExportKind.HUBSPOT_CONTACTS:
        return ("external_id",)
    return ("external_id", "email")
