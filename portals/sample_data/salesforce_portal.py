"""Write the Salesforce objects and the Pardot files of one client in one streaming pass over its persons."""
import logging
import time

from . import salesforce_records as sf
from .core import AS_OF, DAY, MINUTE, CsvWriter, JsonlWriter, RecordRng, day_string, export_datetime, sf_datetime
from .exports import PARDOT_EXPORT_HEADER, record_paid_mql
from .faults import UTM_CODES
from .hubspot_portal import PlantedIds
from .people import build_person, company_facts
from .profiles import OPPORTUNITY, SQL
from .touches import person_touches, quarter_campaign, sales_activities

logger = logging.getLogger(__name__)

OBJECTS = ("Lead", "Contact", "Account", "Opportunity", "OpportunityContactRole", "User", "Campaign", "CampaignMember",
           "LeadHistory", "ContactHistory", "Task", "Event")
PERSON_OBJECTS = ("Lead", "Contact", "Opportunity", "OpportunityContactRole", "CampaignMember", "LeadHistory",
                  "ContactHistory", "Task", "Event")
PARDOT_EXPORT_FILE = "exports/pardot_prospects.csv"
PARDOT_VISITS_FILE = "pardot/visits.jsonl"
# The same visits as a CSV export whose header is the v5 Visit field names, for the CSV importer.
PARDOT_VISITS_EXPORT_FILE = "exports/pardot_visits.csv"
PARDOT_VISIT_FIELDS = (
    "id", "visitorId", "prospectId", "visitorPageViewCount", "firstVisitorPageViewAt", "lastVisitorPageViewAt",
    "durationInSeconds", "campaignParameter", "mediumParameter", "sourceParameter", "contentParameter", "termParameter",
    "createdAt", "updatedAt",
)
PROSPECT_ID_BASE = 40000001
VISIT_ID_BASE = 70000001
_REFERRER_TYPES = {"google": "Google Natural Search", "bing": "Bing Natural Search"}


def pardot_time(seconds):
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(seconds))


def sf_file(sobject):
    return "salesforce/%s.jsonl" % sobject


class _Pass:
    """State of one writing pass: writers, counters, the campaign catalog and the planted ids."""

    def __init__(self, pop, client_dir):
        self.pop = pop
        self.writers = {name: JsonlWriter(client_dir / sf_file(name)) for name in PERSON_OBJECTS}
        self.visits = JsonlWriter(client_dir / PARDOT_VISITS_FILE)
        self.visits_export = CsvWriter(client_dir / PARDOT_VISITS_EXPORT_FILE, PARDOT_VISIT_FIELDS)
        self.prospects = CsvWriter(client_dir / PARDOT_EXPORT_FILE, PARDOT_EXPORT_HEADER)
        self.catalog = sf.campaign_catalog(pop)
        self.event_campaigns = [name for name, entry in self.catalog.items() if entry[1] == "Trade Show"]
        self.planted = PlantedIds()
        self.counts = {}

    def next_id(self, prefix):
        self.counts[prefix] = self.counts.get(prefix, 0) + 1
        return sf.sf_id(prefix, self.counts[prefix])

    def write(self, sobject, record):
        self.writers[sobject].write(record)

    def close(self):
        for writer in self.writers.values():
            writer.close()
        self.visits.close()
        self.visits_export.close()
        self.prospects.close()


def write_salesforce(pop, client_dir):
    """Write Salesforce and Pardot files of pop into client_dir; return (salesforce files, pardot files, PlantedIds)."""
    logger.info("salesforce portal started client=%s leads=%s", pop.profile.slug, pop.n)
    state = _Pass(pop, client_dir)
    touch_rngs = RecordRng(pop.seed, pop.profile.slug, "touches")
    for index in range(pop.n):
        _write_person(state, build_person(pop, index), touch_rngs.at(index))
    state.close()
    _write_static(pop, client_dir, state)
    logger.info("salesforce portal finished client=%s leads=%s", pop.profile.slug, pop.n)
    return [sf_file(name) for name in OBJECTS], [PARDOT_EXPORT_FILE, PARDOT_VISITS_FILE, PARDOT_VISITS_EXPORT_FILE], state.planted


def _write_person(state, person, rng):
    pop = state.pop
    lead_id = sf.sf_id("00Q", person.index + 1)
    converted = sf.is_converted(person)
    contact_id = sf.sf_id("003", person.index + 1) if converted else None
    state.write("Lead", sf.lead(pop, person, lead_id, contact_id))
    _write_lead_history(state, person, lead_id, rng)
    if converted:
        state.write("Contact", sf.contact(pop, person, contact_id))
        state.write("ContactHistory", _history("ContactHistory", "ContactId", contact_id, "created", None, None,
                                               person.stage_dates.get(SQL) or person.created, sf.owner_of(person), state))

    touches = person_touches(pop, person, rng, mean_later=4)
    record_paid_mql(pop, person, touches)
    _write_visits(state, person, touches)
    _write_sales_activity(state, person, lead_id, contact_id, rng)
    members = _memberships(state, person, touches)
    _write_opportunity(state, person, contact_id, members, rng)
    for name, (status, at) in sorted(members.items()):
        member_id = state.next_id("00v")
        state.write("CampaignMember", {
            "attributes": sf.attributes("CampaignMember", member_id), "Id": member_id, "CampaignId": state.catalog[name][0],
            "LeadId": lead_id, "ContactId": contact_id, "Status": status, "HasResponded": True,
            "FirstRespondedDate": day_string(at), "CreatedDate": sf_datetime(at), "LastModifiedDate": sf_datetime(at),
        })
    _write_prospect(state, person, lead_id, contact_id)

    if person.code:
        record_id = "salesforce:" + lead_id
        state.planted.add(person.code, record_id)
        if person.duplicate_of is not None:
            state.planted.pairs.setdefault(person.code, []).append(["salesforce:" + sf.sf_id("00Q", person.duplicate_of + 1), record_id])
            state.planted.add("pardot:" + person.code, "pardot:%d" % (PROSPECT_ID_BASE + person.index))
            state.planted.pairs.setdefault("pardot:" + person.code, []).append(
                ["pardot:%d" % (PROSPECT_ID_BASE + person.duplicate_of), "pardot:%d" % (PROSPECT_ID_BASE + person.index)])


def _history(sobject, key, parent_id, field, old, new, at, user, state):
    record_id = state.next_id("017")
    return {"attributes": sf.attributes(sobject, record_id), "Id": record_id, key: parent_id, "Field": field,
            "OldValue": old, "NewValue": new, "CreatedDate": sf_datetime(at), "CreatedById": user, "IsDeleted": False}


def _write_lead_history(state, person, lead_id, rng):
    integration = sf.user_id(sf.INTEGRATION_USERS["pardot"][0])
    loader = sf.user_id(sf.INTEGRATION_USERS["loader"][0])
    creator = loader if person.channel.offline_dd1 == "IMPORT" else integration
    rows = [("created", None, None, person.created, creator)]
    if person.owner != 255:
        rows.append(("Owner", None, sf.owner_of(person), person.created + MINUTE, integration))
    previous = sf.STATUS_OF_STAGE.get(person.stage_history[0][0], "Open - Not Contacted")
    for item in person.stage_history[1:]:
        status = "Closed - Converted" if item[0] >= SQL else sf.STATUS_OF_STAGE[item[0]]
        rows.append(("Status", previous, status, item[1], integration))
        previous = status
        if item[0] >= SQL:
            break
    for before, after in zip(person.source_history, person.source_history[1:]):
        if after[2] == "IMPORT":
            user = loader
        elif after[5]:
            user = sf.user_id(sf.MARKETING_USERS[after[5][1]])
        else:
            user = integration
        rows.append(("LeadSource", sf.lead_source(before[0], person.channel.offline_dd1),
                     sf.lead_source(after[0], "IMPORT"), after[1], user))
    if rng.random() < 0.12:
        rows.append(("Title", None, person.title, person.created + DAY, sf.user_id(sf.INTEGRATION_USERS["zoominfo"][0])))
    for field, old, new, at, user in sorted(rows, key=lambda row: row[3]):
        state.write("LeadHistory", _history("LeadHistory", "LeadId", lead_id, field, old, new, at, user, state))


def _write_visits(state, person, touches):
    prospect = PROSPECT_ID_BASE + person.index
    for touch in touches:
        if touch.kind not in ("visit", "email_click", "ad_click"):
            continue
        visit_id = VISIT_ID_BASE + state.visits.count
        visit = {
            "id": visit_id, "visitorId": 60000001 + person.index, "prospectId": prospect, "visitorPageViewCount": 1 + visit_id % 4,
            "firstVisitorPageViewAt": pardot_time(touch.at), "lastVisitorPageViewAt": pardot_time(touch.at + 90),
            "durationInSeconds": 90, "campaignParameter": touch.campaign or None, "mediumParameter": touch.medium or None,
            "sourceParameter": touch.source or None, "contentParameter": None, "termParameter": touch.term or None,
            "createdAt": pardot_time(touch.at), "updatedAt": pardot_time(touch.at + 90),
        }
        state.visits.write(visit)
        state.visits_export.write(["" if visit[name] is None else visit[name] for name in PARDOT_VISIT_FIELDS])
        if touch.first and person.code in UTM_CODES + ("channel_without_spend",):
            state.planted.events.setdefault(person.code, []).append("pardot:visit:%d" % visit_id)


def _write_sales_activity(state, person, lead_id, contact_id, rng):
    converted_at = person.stage_dates.get(SQL)
    for at, kind in sales_activities(person, rng):
        who = contact_id if contact_id and converted_at and at >= converted_at else lead_id
        owner = sf.owner_of(person)
        if kind == "call":
            record_id = state.next_id("00T")
            state.write("Task", {
                "attributes": sf.attributes("Task", record_id), "Id": record_id, "WhoId": who, "OwnerId": owner,
                "Subject": "Call", "TaskSubtype": "Call", "Status": "Completed", "ActivityDate": day_string(at),
                "CompletedDateTime": sf_datetime(at), "CreatedDate": sf_datetime(at), "LastModifiedDate": sf_datetime(at),
            })
        else:
            record_id = state.next_id("00U")
            state.write("Event", {
                "attributes": sf.attributes("Event", record_id), "Id": record_id, "WhoId": who, "OwnerId": owner,
                "Subject": "Discovery meeting", "StartDateTime": sf_datetime(at), "EndDateTime": sf_datetime(at + 30 * MINUTE),
                "ActivityDateTime": sf_datetime(at), "DurationInMinutes": 30, "CreatedDate": sf_datetime(at),
                "LastModifiedDate": sf_datetime(at),
            })


def _memberships(state, person, touches):
    """Return {campaign name: (status, at)} of the person's campaign memberships."""
    members = {}
    for touch in touches:
        if touch.first and touch.campaign in state.catalog:
            members[touch.campaign] = ("Responded", person.created)
        elif touch.kind == "email_click" and touch.campaign in state.catalog:
            members.setdefault(touch.campaign, ("Clicked", touch.at))
    if person.channel.offline_dd1 == "IMPORT" and person.dd2.startswith("tradeshow"):
        name = quarter_campaign(person.created, "fabtech-expo")
        if name in state.catalog:
            members.setdefault(name, ("Attended", person.created))
    return members


def _write_opportunity(state, person, contact_id, members, rng):
    if person.stage_history[-1][0] < OPPORTUNITY:
        return
    opened = person.stage_dates.get(OPPORTUNITY) or person.created
    event_name = quarter_campaign(opened, "fabtech-expo")
    if event_name not in state.catalog:
        event_name = state.event_campaigns[0]
    missing = person.index in state.pop.missing_touchpoint
    if missing:
        members.pop(event_name, None)
        campaign = event_name
    elif rng.random() < 0.3:
        members.setdefault(event_name, ("Attended", max(person.created, opened - 20 * DAY)))
        campaign = event_name
    else:
        campaign = next((name for name, entry in members.items() if entry[0] == "Responded"), None)
    opportunity_id = state.next_id("006")
    state.write("Opportunity", sf.opportunity(state.pop, person, opportunity_id, state.catalog[campaign][0] if campaign else None, rng))
    role_id = state.next_id("00K")
    state.write("OpportunityContactRole", {
        "attributes": sf.attributes("OpportunityContactRole", role_id), "Id": role_id, "OpportunityId": opportunity_id,
        "ContactId": contact_id, "Role": "Decision Maker", "IsPrimary": True, "CreatedDate": sf_datetime(opened),
    })
    if missing:
        state.planted.add("offline_interaction_missing_touchpoint", "salesforce:" + role_id)


def _write_prospect(state, person, lead_id, contact_id):
    touch = person.touch or {}
    referrer = touch.get("referrer", "")
    engine = referrer.split("//")[-1].split(".")[1] if referrer.count(".") >= 2 else ""
    referrer_type = _REFERRER_TYPES.get(engine, "Referrer") if referrer else ""
    owner = "" if person.owner == 255 else "Rep %02d" % sf.owner_user_number(person.owner)
    state.prospects.write((
        str(PROSPECT_ID_BASE + person.index), person.email, person.first.capitalize(), person.last.capitalize(),
        company_facts(state.pop, person.company)["name"], person.title,
        sf.lead_source(person.source, person.dd1) if person.source else "", touch.get("campaign", ""),
        str(person.index % 90 + 10), "ABCD"[person.index % 4], owner, lead_id, contact_id or "", referrer, referrer_type,
        export_datetime(person.created), export_datetime(person.updated), export_datetime(min(AS_OF - MINUTE, person.updated)),
    ))


def _write_static(pop, client_dir, state):
    accounts = JsonlWriter(client_dir / sf_file("Account"))
    for company in range(pop.company_total):
        accounts.write(sf.account(pop, company))
    accounts.close()
    for duplicate, original in sorted(pop.company_duplicates.items()):
        record_id = "salesforce:" + sf.account_id(duplicate)
        state.planted.add("duplicate_companies_domain_format", record_id)
        state.planted.pairs.setdefault("duplicate_companies_domain_format", []).append(["salesforce:" + sf.account_id(original), record_id])

    users = JsonlWriter(client_dir / sf_file("User"))
    for user in sf.users(pop):
        users.write(user)
    users.close()
    state.planted.add("owner_unbalanced_share", "salesforce:" + sf.user_id(pop.unbalanced_rep + 1))

    campaigns = JsonlWriter(client_dir / sf_file("Campaign"))
    for record in sf.campaigns(pop, state.catalog):
        campaigns.write(record)
    campaigns.close()

