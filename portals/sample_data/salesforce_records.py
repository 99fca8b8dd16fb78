"""Salesforce SOQL record shapes: ids, users, accounts, campaigns, leads, contacts and opportunities."""
import time

from .core import AS_OF, DAY, WINDOW_START, day_string, sf_datetime
from .exports import month_starts
from .people import company_facts
from .profiles import CUSTOMER, EVANGELIST, LEAD, MQL, OPPORTUNITY, SQL, SUBSCRIBER
from .touches import quarter_campaign

API = "/services/data/v62.0/sobjects/%s/%s"
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
INACTIVE_SLOTS = (254, 253)
INTEGRATION_USERS = {"pardot": (90, "B2BMA Integration"), "zoominfo": (91, "ZoomInfo Integration"), "loader": (92, "Data Loader")}
MARKETING_USERS = (93, 94)
EVENT_TOPICS = (("fabtech-expo", "Trade Show"), ("automation-summit", "Conference"))
LEAD_SOURCES = {
    "PAID_SEARCH": "Paid Search", "ORGANIC_SEARCH": "Organic Search", "PAID_SOCIAL": "Paid Social",
    "SOCIAL_MEDIA": "Social Media", "EMAIL_MARKETING": "Email", "REFERRALS": "Referral",
    "OTHER_CAMPAIGNS": "Other Campaigns", "DIRECT_TRAFFIC": "Web Direct",
}
OFFLINE_LEAD_SOURCES = {"IMPORT": "List Import", "API": "Partner API", "CRM_UI": "Sales Generated", "INTEGRATION": "Webinar"}
STATUS_OF_STAGE = {SUBSCRIBER: "Nurture", LEAD: "Open - Not Contacted", MQL: "Marketing Qualified"}
OPEN_STAGES = ("Prospecting", "Qualification", "Proposal/Price Quote", "Negotiation/Review")


def sf_id(prefix, number):
    """Return an 18-character Salesforce id whose last three characters are the case-safe checksum."""
    digits = ""
    while True:
        number, remainder = divmod(number, 62)
        digits = _BASE62[remainder] + digits
        if number == 0:
            break
    body = prefix + "5g0" + digits.rjust(9, "0")
    suffix = ""
    for chunk in range(3):
        flags = sum(1 << bit for bit, char in enumerate(body[chunk * 5:chunk * 5 + 5]) if "A" <= char <= "Z")
        suffix += _SUFFIX[flags]
    return body + suffix


# Queues: "Unassigned Leads" owns MQLs that routing left unassigned, "Nurture" owns subscribers.
QUEUE_ID = sf_id("00G", 1)
NURTURE_QUEUE_ID = sf_id("00G", 2)


def attributes(sobject, record_id):
    return {"type": sobject, "url": API % (sobject, record_id)}


def user_id(number):
    return sf_id("005", number)


def owner_user_number(slot):
    """Map a plan owner slot to a User number: reps 1-45, inactive reps 46 and 47."""
    if slot in INACTIVE_SLOTS:
        return 46 + INACTIVE_SLOTS.index(slot)
    return slot + 1


def owner_of(person):
    if person.owner == 255:
        return QUEUE_ID if person.mql_at is not None else NURTURE_QUEUE_ID
    return user_id(owner_user_number(person.owner))


def users(pop):
    """Yield User records: 45 active reps with Territory__c and Segment__c, inactive reps, integration and marketing users."""
    extra = pop.profile.extra
    created = sf_datetime(WINDOW_START - 300 * DAY)
    for cell, reps in sorted(pop.reps_by_cell.items()):
        for rep in reps:
            yield _user(user_id(rep + 1), "Rep", "%02d" % (rep + 1), True, cell, created, pop.profile.domain)
    for number in range(extra["inactive_reps"]):
        cell = (extra["territories"][number], extra["segments"][number % 3])
        yield _user(user_id(46 + number), "Former", "Rep%d" % (number + 1), False, cell, created, pop.profile.domain)
    for number, name in INTEGRATION_USERS.values():
        first, last = name.rsplit(" ", 1)
        yield _user(user_id(number), first, last, True, (None, None), created, pop.profile.domain)
    for number in MARKETING_USERS:
        yield _user(user_id(number), "Marketing", "Ops%d" % (number - 92), True, (None, None), created, pop.profile.domain)


def _user(record_id, first, last, active, cell, created, domain):
    territory, segment = cell
    return {
        "attributes": attributes("User", record_id), "Id": record_id, "FirstName": first, "LastName": last,
        "Name": "%s %s" % (first, last), "Username": "%s.%s@%s" % (first.lower(), last.lower().replace(" ", ""), domain),
        "Email": "%s.%s@%s" % (first.lower(), last.lower().replace(" ", ""), domain), "IsActive": active,
        "UserType": "Standard", "Territory__c": territory, "Segment__c": segment, "CreatedDate": created,
        "LastModifiedDate": sf_datetime(AS_OF - 90 * DAY) if not active else created,
    }


def account_id(company):
    return sf_id("001", company + 1)


def account(pop, company):
    original = pop.company_duplicates.get(company, company)
    facts = company_facts(pop, original)
    website, name, created = "https://" + facts["domain"], facts["name"], facts["created"]
    if original != company:
        website = ("www." + facts["domain"], "https://www." + facts["domain"] + "/", facts["domain"] + "/", "http://" + facts["domain"])[company % 4]
        name = (name + " Inc.", name.upper(), name, name + ", Inc.")[company % 4]
        created = AS_OF - (company % 300 + 5) * DAY
    country, state, city, _ = facts["place"]
    reps = pop.reps_by_cell[(facts["territory"], facts["segment"])]
    record_id = account_id(company)
    return {
        "attributes": attributes("Account", record_id), "Id": record_id, "Name": name, "Website": website,
        "Industry": facts["industry"], "NumberOfEmployees": facts["employees"], "AnnualRevenue": facts["revenue"],
        "BillingCountry": country, "BillingState": state, "BillingCity": city, "Phone": facts["phone"],
        "OwnerId": user_id(reps[0] + 1), "Territory__c": facts["territory"], "Segment__c": facts["segment"],
        "CreatedDate": sf_datetime(created), "LastModifiedDate": sf_datetime(created + DAY),
    }


def campaign_catalog(pop):
    """Return {campaign name: (Id, Type, start, end)} for every campaign the sample org holds."""
    names = []
    for start, _ in month_starts():
        if time.gmtime(start).tm_mon % 3 != 1:
            continue
        for topic in pop.profile.topics:
            names.append((quarter_campaign(start, topic), "Advertisement", start))
        names.append((quarter_campaign(start, "newsletter"), "Email", start))
        names.append((quarter_campaign(start, "retargeting"), "Advertisement", start))
        for topic, kind in EVENT_TOPICS:
            names.append((quarter_campaign(start, topic), kind, start))
    catalog = {}
    for number, (name, kind, start) in enumerate(names, 1):
        catalog[name] = (sf_id("701", number), kind, start, start + 90 * DAY)
    return catalog


def campaigns(pop, catalog):
    for name, (record_id, kind, start, end) in catalog.items():
        yield {
            "attributes": attributes("Campaign", record_id), "Id": record_id, "Name": name, "Type": kind,
            "Status": "Completed" if end < AS_OF else "In Progress", "IsActive": end >= AS_OF,
            "StartDate": day_string(start), "EndDate": day_string(end), "ParentId": None,
            "CreatedDate": sf_datetime(start - 14 * DAY), "LastModifiedDate": sf_datetime(min(AS_OF, end)),
        }


def lead_source(enum, dd1):
    if enum == "OFFLINE":
        return OFFLINE_LEAD_SOURCES.get(dd1, "List Import")
    return LEAD_SOURCES.get(enum)


def is_converted(person):
    return person.stage_history[-1][0] >= SQL


def lead(pop, person, lead_record_id, contact_record_id):
    facts = company_facts(pop, person.company)
    country, state, city, _ = facts["place"]
    touch = person.touch or {}
    current = person.stage_history[-1][0]
    converted = current >= SQL
    status = "Closed - Converted" if converted else STATUS_OF_STAGE.get(current, "Open - Not Contacted")
    if current == LEAD and person.first_activity:
        status = "Working - Contacted"
    original = person.source_history[0] if person.source_history else None
    return {
        "attributes": attributes("Lead", lead_record_id), "Id": lead_record_id, "FirstName": person.first.capitalize(),
        "LastName": person.last.capitalize(), "Email": person.email, "Phone": person.phone or None,
        "Company": facts["name"], "Title": person.title, "Website": facts["domain"], "Industry": facts["industry"],
        "NumberOfEmployees": facts["employees"], "Country": country, "State": state, "City": city,
        "LeadSource": lead_source(person.source, person.dd1) if person.source else None,
        "Original_Lead_Source__c": lead_source(original[0], person.channel.offline_dd1) if original else None,
        "Status": status, "OwnerId": owner_of(person), "IsConverted": converted,
        "ConvertedDate": day_string(person.stage_dates.get(SQL) or person.created) if converted else None,
        "ConvertedContactId": contact_record_id if converted else None,
        "ConvertedAccountId": account_id(person.company) if converted else None, "ConvertedOpportunityId": None,
        "UTM_Source__c": touch.get("source") or None, "UTM_Medium__c": touch.get("medium") or None,
        "UTM_Campaign__c": touch.get("campaign") or None,
        "MQL_Date__c": sf_datetime(person.mql_at) if person.mql_at else None,
        "CreatedDate": sf_datetime(person.created), "LastModifiedDate": sf_datetime(person.updated),
    }


def contact(pop, person, contact_record_id):
    facts = company_facts(pop, person.company)
    converted_at = person.stage_dates.get(SQL) or person.created
    return {
        "attributes": attributes("Contact", contact_record_id), "Id": contact_record_id, "AccountId": account_id(person.company),
        "FirstName": person.first.capitalize(), "LastName": person.last.capitalize(), "Email": person.email,
        "Phone": person.phone or None, "Title": person.title, "MailingCountry": facts["place"][0],
        "LeadSource": lead_source(person.source, person.dd1) if person.source else None, "OwnerId": owner_of(person),
        "MQL_Date__c": sf_datetime(person.mql_at) if person.mql_at else None,
        "CreatedDate": sf_datetime(converted_at), "LastModifiedDate": sf_datetime(max(converted_at, person.updated)),
    }


def opportunity(pop, person, record_id, campaign_id, rng):
    current = person.stage_history[-1][0]
    won = current in (CUSTOMER, EVANGELIST)
    opened = person.stage_dates.get(OPPORTUNITY) or person.created
    closed = person.stage_dates.get(CUSTOMER) if won else AS_OF + rng.randrange(10, 90) * DAY
    facts = company_facts(pop, person.company)
    return {
        "attributes": attributes("Opportunity", record_id), "Id": record_id,
        "Name": "%s - %s" % (facts["name"], rng.choice(pop.profile.topics)), "AccountId": account_id(person.company),
        "StageName": "Closed Won" if won else rng.choice(OPEN_STAGES), "Amount": rng.randrange(20, 600) * 1000,
        "CloseDate": day_string(closed), "IsClosed": won, "IsWon": won, "OwnerId": owner_of(person),
        "CampaignId": campaign_id, "LeadSource": lead_source(person.source, person.dd1) if person.source else None,
        "CreatedDate": sf_datetime(opened), "LastModifiedDate": sf_datetime(min(AS_OF - 60, max(opened, closed))),
    }
