"""HubSpot CRM v3 shapes: owners, forms, the lifecycle stage property, contacts, companies and deals."""
from .core import AS_OF, DAY, WINDOW_START, iso_z
from .people import company_facts
from .profiles import CUSTOMER, EVANGELIST, LEAD, MQL, OPPORTUNITY, STAGE_LABELS, STAGES

CONTACT_ID_BASE = 1000001
COMPANY_ID_BASE = 5000001
DEAL_ID_BASE = 8000001
OWNER_ID_BASE = 9001
USER_ID_BASE = 501
INACTIVE_SLOTS = (254, 253)
FORM_GUID = "0b5e%04x-7c1d-4e2a-9f00-%012d"
OPEN_DEAL_STAGES = ("appointmentscheduled", "qualifiedtobuy", "presentationscheduled", "decisionmakerboughtin", "contractsent")

_REP_NAMES = ("Riley Stone", "Jordan Vale", "Casey Brook", "Morgan Reed", "Avery Lane", "Quinn Harper", "Parker Wells", "Rowan Ash")
_INACTIVE_NAMES = ("Drew Former", "Sam Departed")
_MARKETING_NAMES = ("Dana Ops", "Lee Campaigns")


def owner_id(slot):
    """Map a plan owner slot to a HubSpot owner id: 0-7 sales reps, 253/254 archived owners."""
    if slot in INACTIVE_SLOTS:
        return str(OWNER_ID_BASE + 100 + INACTIVE_SLOTS.index(slot))
    return str(OWNER_ID_BASE + slot)


def user_id(user):
    kind, number = user
    if kind == "marketing":
        return USER_ID_BASE + 100 + number
    return USER_ID_BASE + number


def owner_name(slot):
    if slot in INACTIVE_SLOTS:
        return _INACTIVE_NAMES[INACTIVE_SLOTS.index(slot)]
    return _REP_NAMES[slot]


def contact_id(index):
    return str(CONTACT_ID_BASE + index)


def company_id(company):
    return str(COMPANY_ID_BASE + company)


def form_id(form):
    return FORM_GUID % (form, form + 1)


def owners(profile):
    """Yield /crm/v3/owners records: sales reps, two archived owners, two marketing users."""
    domain = profile.domain
    created = iso_z(WINDOW_START - 200 * DAY)
    people = [(slot, name, "Sales", False) for slot, name in enumerate(_REP_NAMES)]
    people += [(slot, _INACTIVE_NAMES[k], "Sales", True) for k, slot in enumerate(INACTIVE_SLOTS)]
    for slot, name, team, archived in people:
        first, last = name.split()
        yield {
            "id": owner_id(slot), "email": "%s.%s@%s" % (first.lower(), last.lower(), domain), "firstName": first,
            "lastName": last, "userId": user_id(("rep", slot)) if slot < 100 else USER_ID_BASE + 50 + INACTIVE_SLOTS.index(slot),
            "createdAt": created, "updatedAt": iso_z(AS_OF - 120 * DAY) if archived else created, "archived": archived,
            "teams": [{"id": "77", "name": "%s team" % team, "membership": "PRIMARY"}],
        }
    for number, name in enumerate(_MARKETING_NAMES):
        first, last = name.split()
        yield {
            "id": str(OWNER_ID_BASE + 200 + number), "email": "%s.%s@%s" % (first.lower(), last.lower(), domain),
            "firstName": first, "lastName": last, "userId": user_id(("marketing", number)), "createdAt": created,
            "updatedAt": created, "archived": False, "teams": [{"id": "78", "name": "Marketing team", "membership": "PRIMARY"}],
        }


def forms(profile):
    """Yield /marketing/v3/forms records; a form without how_did_you_hear_about_us is a planted problem."""
    for number, (name, kind, asks_source) in enumerate(profile.forms):
        fields = [_field("email", "Email", "email", True), _field("firstname", "First name", "single_line_text", True),
                  _field("lastname", "Last name", "single_line_text", True), _field("company", "Company name", "single_line_text", False)]
        if kind in ("demo", "contact", "trial"):
            fields.append(_field("jobtitle", "Job title", "single_line_text", False))
        if asks_source:
            fields.append(_field("how_did_you_hear_about_us", "How did you hear about us?", "dropdown", False))
        yield {
            "id": form_id(number), "name": name, "formType": "hubspot", "createdAt": iso_z(WINDOW_START - 90 * DAY),
            "updatedAt": iso_z(WINDOW_START), "archived": False,
            "fieldGroups": [{"groupType": "default_group", "richTextType": "text", "fields": [item]} for item in fields],
        }


def _field(name, label, field_type, required):
    return {"objectTypeId": "0-1", "name": name, "label": label, "fieldType": field_type, "required": required, "hidden": False}


def lifecyclestage_property():
    options = [{"label": label, "value": value, "displayOrder": order, "hidden": False}
               for order, (value, label) in enumerate(zip(STAGES, STAGE_LABELS))]
    options.append({"label": "Other", "value": "other", "displayOrder": len(options), "hidden": False})
    return {"name": "lifecyclestage", "label": "Lifecycle Stage", "type": "enumeration", "fieldType": "radio",
            "groupName": "contactinformation", "options": options, "hasUniqueValue": False, "hidden": False}


def lead_status(person):
    current = person.stage_history[-1][0]
    if current < LEAD:
        return None
    if current == LEAD:
        return "OPEN" if person.first_activity else "NEW"
    if current == MQL:
        return "IN_PROGRESS" if person.first_activity else "NEW"
    return "CONNECTED"


def contact(pop, person):
    facts = company_facts(pop, person.company)
    country, state, city, zip_prefix = facts["place"]
    current = person.stage_history[-1][0]
    touch = person.touch or {}
    owner = owner_id(person.owner) if person.owner != 255 else None
    properties = {
        "hs_object_id": contact_id(person.index), "email": person.email, "firstname": person.first.capitalize(),
        "lastname": person.last.capitalize(), "jobtitle": person.title, "company": facts["name"], "website": facts["domain"],
        "country": country, "state": state, "city": city, "zip": "%s%02d" % (zip_prefix, person.index % 100),
        "phone": person.phone or None, "industry": facts["industry"], "numemployees": str(facts["employees"]),
        "lifecyclestage": STAGES[current], "hs_lead_status": lead_status(person), "hubspot_owner_id": owner,
        "hs_analytics_source": person.source or None, "hs_analytics_source_data_1": person.dd1 or None,
        "hs_analytics_source_data_2": person.dd2 or None, "hs_latest_source": person.source or None,
        "how_did_you_hear_about_us": person.answer or None, "createdate": iso_z(person.created),
        "lastmodifieddate": iso_z(person.updated),
        "hs_analytics_first_timestamp": iso_z(person.first_seen) if person.first_seen else None,
        "hs_analytics_first_referrer": touch.get("referrer") or None,
        "utm_source": touch.get("source") or None, "utm_medium": touch.get("medium") or None,
        "utm_campaign": touch.get("campaign") or None,
    }
    for stage, value in enumerate(STAGES):
        at = person.stage_dates.get(stage)
        properties["hs_lifecyclestage_%s_date" % value] = iso_z(at) if at else None
    properties["hs_lifecyclestage_other_date"] = None
    return {
        "id": contact_id(person.index), "properties": properties,
        "propertiesWithHistory": {
            "hs_analytics_source": _history(person.source_history),
            "lifecyclestage": _history([(STAGES[item[0]],) + tuple(item[1:]) for item in person.stage_history]),
            "hubspot_owner_id": _owner_history(person, owner),
        },
        "createdAt": iso_z(person.created), "updatedAt": iso_z(person.updated), "archived": False,
        "associations": {"companies": {"results": [{"id": company_id(person.company), "type": "contact_to_company"}]}},
    }


def _history(items):
    """Return history items newest first, as the CRM v3 API lists them."""
    result = []
    for value, at, source_type, source_id, label, user in sorted(items, key=lambda item: item[1], reverse=True):
        result.append({"value": value, "timestamp": iso_z(at), "sourceType": source_type, "sourceId": source_id or None,
                       "sourceLabel": label or None, "updatedByUserId": user_id(user) if user else None})
    return result


def _owner_history(person, owner):
    if owner is None:
        return []
    lead_at = person.stage_dates.get(LEAD) or person.created
    return [{"value": owner, "timestamp": iso_z(lead_at + 60), "sourceType": "AUTOMATION_PLATFORM",
             "sourceId": "enrollmentId:300", "sourceLabel": None, "updatedByUserId": None}]


def company(pop, company_index):
    """Return a company record; indexes past the base companies are the planted domain-format duplicates."""
    original = pop.company_duplicates.get(company_index, company_index)
    facts = company_facts(pop, original)
    name, domain, created = facts["name"], facts["domain"], facts["created"]
    if original != company_index:
        variant = company_index % 4
        domain = ("www." + domain, "https://" + domain + "/", domain + "/", "https://www." + domain)[variant]
        name = (name + " Inc.", name.upper(), name, name + ", Inc.")[variant]
        created = AS_OF - (company_index % 300 + 5) * DAY
    country, state, city, _ = facts["place"]
    properties = {
        "hs_object_id": company_id(company_index), "name": name, "domain": domain, "website": "https://" + facts["domain"],
        "industry": facts["industry"], "numberofemployees": str(facts["employees"]), "annualrevenue": str(facts["revenue"]),
        "country": country, "state": state, "city": city, "phone": facts["phone"], "createdate": iso_z(created),
        "hs_lastmodifieddate": iso_z(created + DAY),
    }
    return {"id": company_id(company_index), "properties": properties, "createdAt": iso_z(created),
            "updatedAt": iso_z(created + DAY), "archived": False}


def deal(pop, person, deal_number, rng):
    """Return the deal of a person at Opportunity or later, or None."""
    current = person.stage_history[-1][0]
    if current < OPPORTUNITY:
        return None
    won = current in (CUSTOMER, EVANGELIST)
    opened = person.stage_dates.get(OPPORTUNITY) or (person.stage_dates.get(CUSTOMER) or AS_OF - 40 * DAY) - 30 * DAY
    closed = person.stage_dates.get(CUSTOMER) if won else AS_OF + rng.randrange(10, 90) * DAY
    if won and closed is None:
        closed = opened + 30 * DAY
    facts = company_facts(pop, person.company)
    deal_id = str(DEAL_ID_BASE + deal_number)
    properties = {
        "hs_object_id": deal_id, "dealname": "%s - %s" % (facts["name"], pop.profile.topics[deal_number % len(pop.profile.topics)]),
        "pipeline": "default", "dealstage": "closedwon" if won else rng.choice(OPEN_DEAL_STAGES),
        "amount": str(rng.randrange(8, 240) * 500), "createdate": iso_z(opened), "closedate": iso_z(closed),
        "hs_is_closed_won": "true" if won else "false", "hs_is_closed": "true" if won else "false",
        "hubspot_owner_id": owner_id(person.owner) if person.owner != 255 else None,
    }
    return {
        "id": deal_id, "properties": properties, "createdAt": iso_z(opened), "updatedAt": iso_z(min(AS_OF, max(opened, closed))),
        "archived": False,
        "associations": {"contacts": {"results": [{"id": contact_id(person.index), "type": "deal_to_contact"}]},
                         "companies": {"results": [{"id": company_id(person.company), "type": "deal_to_company"}]}},
    }

