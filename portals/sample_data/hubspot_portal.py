"""Write one client's HubSpot portal files in one streaming pass over its persons."""
import logging

from . import hubspot_activity, hubspot_crm
from .core import CsvWriter, JsonlWriter, RecordRng, write_json
from .exports import HUBSPOT_EXPORT_HEADER, hubspot_export_row, record_paid_mql
from .faults import UTM_CODES
from .people import build_person
from .touches import person_touches, sales_activities

logger = logging.getLogger(__name__)

CONTACTS_FILE = "hubspot/contacts.jsonl"
COMPANIES_FILE = "hubspot/companies.jsonl"
OWNERS_FILE = "hubspot/owners.jsonl"
FORMS_FILE = "hubspot/forms.jsonl"
EXPORT_FILE = "exports/hubspot-crm-exports-all-contacts-2026-06-30.csv"


class PlantedIds:
    """Record ids of planted persons per problem code, with the duplicate pairs and first-touch event ids."""

    def __init__(self):
        self.ids = {}
        self.pairs = {}
        self.events = {}

    def add(self, code, record_id):
        self.ids.setdefault(code, []).append(record_id)


def write_hubspot(pop, client_dir, *, with_export, person_hook=None):
    """Write the HubSpot files of pop into client_dir; return (file list, PlantedIds).

    person_hook(person, touches) is called for every person, so that another vendor (Marketo) can be
    written in the same pass.
    """
    logger.info("hubspot portal started client=%s contacts=%s", pop.profile.slug, pop.n)
    planted = PlantedIds()
    writers = {name: JsonlWriter(client_dir / name) for name in (
        CONTACTS_FILE, "hubspot/events.jsonl", "hubspot/calls.jsonl", "hubspot/meetings.jsonl", "hubspot/deals.jsonl")}
    export = CsvWriter(client_dir / EXPORT_FILE, HUBSPOT_EXPORT_HEADER) if with_export else None
    touch_rngs = RecordRng(pop.seed, pop.profile.slug, "touches")
    counters = {"event": 0, "call": 0, "meeting": 0}

    for index in range(pop.n):
        person = build_person(pop, index)
        rng = touch_rngs.at(index)
        writers[CONTACTS_FILE].write(hubspot_crm.contact(pop, person))
        touches = person_touches(pop, person, rng)
        record_paid_mql(pop, person, touches)
        _write_activity(pop, person, touches, rng, writers, counters, planted)
        record = hubspot_crm.deal(pop, person, writers["hubspot/deals.jsonl"].count, rng)
        if record is not None:
            writers["hubspot/deals.jsonl"].write(record)
        if export is not None:
            row = hubspot_export_row(pop, person)
            if row is not None:
                export.write(row)
        if person.code:
            record_id = "hubspot:" + hubspot_crm.contact_id(index)
            planted.add(person.code, record_id)
            if person.duplicate_of is not None:
                planted.pairs.setdefault(person.code, []).append(["hubspot:" + hubspot_crm.contact_id(person.duplicate_of), record_id])
        if person_hook is not None:
            person_hook(person, touches)

    for writer in writers.values():
        writer.close()
    if export is not None:
        export.close()
    files = list(writers) + _write_static(pop, client_dir, planted)
    if export is not None:
        files.append(EXPORT_FILE)
    logger.info("hubspot portal finished client=%s contacts=%s events=%s", pop.profile.slug, pop.n, counters["event"])
    return files, planted


def _write_activity(pop, person, touches, rng, writers, counters, planted):
    for touch in touches:
        counters["event"] += 1
        writers["hubspot/events.jsonl"].write(hubspot_activity.event(counters["event"], person, touch))
        if touch.first and person.code in UTM_CODES + ("channel_without_spend",):
            planted.events.setdefault(person.code, []).append("hubspot:event:%d" % counters["event"])
    for at, kind in sales_activities(person, rng):
        counters[kind] += 1
        writers["hubspot/%ss.jsonl" % kind].write(hubspot_activity.engagement(counters[kind], person, at, kind))


def _write_static(pop, client_dir, planted):
    """Write companies (with planted duplicates), owners, forms and the lifecycle stage property."""
    companies = JsonlWriter(client_dir / COMPANIES_FILE)
    for company in range(pop.company_total):
        companies.write(hubspot_crm.company(pop, company))
    companies.close()
    for duplicate, original in sorted(pop.company_duplicates.items()):
        record_id = "hubspot:" + hubspot_crm.company_id(duplicate)
        planted.add("duplicate_companies_domain_format", record_id)
        planted.pairs.setdefault("duplicate_companies_domain_format", []).append(
            ["hubspot:" + hubspot_crm.company_id(original), record_id])

    owners = JsonlWriter(client_dir / OWNERS_FILE)
    for owner in hubspot_crm.owners(pop.profile):
        owners.write(owner)
    owners.close()
    planted.add("owner_unbalanced_share", "hubspot:" + hubspot_crm.owner_id(pop.unbalanced_rep))

    forms = JsonlWriter(client_dir / FORMS_FILE)
    for form in hubspot_crm.forms(pop.profile):
        forms.write(form)
        if not any(field["name"] == "how_did_you_hear_about_us" for group in form["fieldGroups"] for field in group["fields"]):
            planted.add("form_missing_hdyhau", "hubspot:" + form["id"])
    forms.close()

    write_json(client_dir / "hubspot/lifecyclestage_property.json", hubspot_crm.lifecyclestage_property())
    return [COMPANIES_FILE, OWNERS_FILE, FORMS_FILE, "hubspot/lifecyclestage_property.json"]
