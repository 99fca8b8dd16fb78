"""Generate one sample client directory: vendor files, CSV exports and manifest.json."""
import logging
import shutil

from . import catalog
from .channels import CAMPAIGN_NAME_VIOLATIONS, CAMPAIGN_NAMING_REGEX, MEDIUM_SYNONYMS, SOURCE_ALIASES, SOURCE_CASE_VARIANTS, UNCLASSIFIED_PAIRS
from .core import AS_OF, CsvWriter, PlantedLog, exact_count, iso_z, write_json
from .exports import AD_SPEND_HEADER, EXPORT_SINCE, ad_spend_rows
from .faults import KIND_BY_CODE, PERSON_CODES
from .hubspot_portal import PlantedIds, write_hubspot
from .marketo import MarketoWriter
from .plan import Population
from .salesforce_portal import write_salesforce

logger = logging.getLogger(__name__)

AD_SPEND_FILE = "exports/ad_spend.csv"
VENDOR_FILES = {"hubspot": "hubspot/contacts.jsonl", "salesforce": "salesforce/Lead.jsonl",
                "marketo": "marketo/leads.jsonl", "pardot": "exports/pardot_prospects.csv"}
COMPANY_FILES = {"hubspot": "hubspot/companies.jsonl", "salesforce": "salesforce/Account.jsonl"}
OWNER_FILES = {"hubspot": "hubspot/owners.jsonl", "salesforce": "salesforce/User.jsonl"}
DUPLICATE_THRESHOLD = 0.02


def generate_client(profile, root, *, seed, contacts):
    """Write the dataset of one client under root/<slug> and return that directory."""
    client_dir = root / profile.slug
    if (client_dir / "manifest.json").exists():
        shutil.rmtree(client_dir)
    client_dir.mkdir(parents=True, exist_ok=True)
    logger.info("sample client started client=%s contacts=%s seed=%s", profile.slug, contacts, seed)

    pop = Population(profile, seed, contacts)
    portals = {portal["vendor"]: dict(portal, files=[]) for portal in profile.portals}
    crm = "salesforce" if "salesforce" in portals else "hubspot"
    if crm == "hubspot":
        marketo = MarketoWriter(pop, client_dir, PlantedIds()) if "marketo" in portals else None
        files, planted = write_hubspot(pop, client_dir, with_export="csv" in portals, person_hook=marketo)
        portals["hubspot"]["files"] = [name for name in files if name.startswith("hubspot/")]
        portals["csv"]["files"] = [name for name in files if name.startswith("exports/")]
        if marketo is not None:
            planted.ids.update(marketo.planted.ids)
            planted.pairs.update(marketo.planted.pairs)
            planted.events.update(marketo.planted.events)
            portals["marketo"]["files"] = marketo.close()
    else:
        sf_files, pardot_files, planted = write_salesforce(pop, client_dir)
        portals["salesforce"]["files"] = sf_files
        portals["pardot"]["files"] = pardot_files

    spend = CsvWriter(client_dir / AD_SPEND_FILE, AD_SPEND_HEADER)
    for row in ad_spend_rows(pop):
        spend.write(row)
    spend.close()
    portals["csv"]["files"].append(AD_SPEND_FILE)

    manifest = build_manifest(pop, crm, planted, list(portals.values()), client_dir)
    write_json(client_dir / "manifest.json", manifest)
    logger.info("sample client finished client=%s planted=%s", profile.slug, len(manifest["planted"]))
    return client_dir


# The contact property that stores the "how did you hear about us" answer, per CRM. The Salesforce org has no such
# field, so an audit finds no self-reported answers there at all.
SELF_REPORTED_FIELDS = {"hubspot": "how_did_you_hear_about_us", "salesforce": None}


def build_manifest(pop, crm, planted, portals, client_dir):
    profile = pop.profile
    log = PlantedLog()
    for key in sorted(planted.ids, key=_entry_order):
        vendor, _, code = key.rpartition(":")
        _add_entry(log, pop, vendor or crm, code, key, planted)
    return {
        "client": {"slug": profile.slug, "name": profile.name, "industry": profile.industry,
                   "employee_band": profile.employee_band, "revenue_band": profile.revenue_band,
                   "domains": [profile.domain], "crm_of_record": profile.crm_of_record},
        "seed": pop.seed,
        "as_of": iso_z(AS_OF),
        "size": _sizes(client_dir, portals, pop),
        "portals": portals,
        "planted": log.entries,
        "tools": list(profile.tools),
        "rules": {**_rules(pop), "self_reported_field": SELF_REPORTED_FIELDS.get(crm)},
    }


def _entry_order(key):
    vendor, _, code = key.rpartition(":")
    order = PERSON_CODES.index(code) if code in PERSON_CODES else len(PERSON_CODES)
    return (vendor, order, code)


def _add_entry(log, pop, vendor, code, key, planted):
    kind = KIND_BY_CODE[code]
    ids = planted.ids[key]
    extra = {"family": kind.family, "vendor": vendor}
    if code in PERSON_CODES or code == "offline_interaction_missing_touchpoint":
        denominator, count = pop.denominators[code]
        rate = pop.rates.get(code, pop.profile.extra.get("missing_touchpoint_rate"))
        file = "salesforce/OpportunityContactRole.jsonl" if code == "offline_interaction_missing_touchpoint" else VENDOR_FILES[vendor]
    elif code == "duplicate_companies_domain_format":
        denominator, count = pop.denominators[code]
        rate, file = pop.profile.company_duplicate_rate, COMPANY_FILES[vendor]
    elif code == "owner_unbalanced_share":
        reps = pop.reps_by_cell[pop.unbalanced["cell"]]
        denominator, count = "sales owners in the rep's territory and segment", len(reps)
        rate, file = round(1 / len(reps), 6), OWNER_FILES[vendor]
        extra.update(extra_share_rate=pop.profile.unbalanced_rate, assigned_records=pop.unbalanced["assigned"],
                     extra_records=pop.unbalanced["extra"], expected_share=round(1 / len(reps), 4),
                     territory=pop.unbalanced["cell"][0], segment=pop.unbalanced["cell"][1])
    else:
        denominator, count = "forms", len(pop.profile.forms)
        rate, file = round(len(ids) / count, 6), "hubspot/forms.jsonl"
    if exact_count(rate, count) != len(ids):
        raise RuntimeError("planted %s: %d records, expected round(%s x %d)" % (key, len(ids), rate, count))
    if key in planted.pairs:
        extra["pairs"] = planted.pairs[key]
    if key in planted.events:
        extra["event_ids"] = planted.events[key]
    if code == "channel_without_spend":
        extra.update(channel="Display", utm_medium="display", spend_file=AD_SPEND_FILE)
    log.add(code, kind.description, rate, denominator, count, ids, file=file, **extra)


def _rules(pop):
    """Return the thresholds and conventions that decide what counts as a planted problem."""
    profile = pop.profile
    return {
        "fit_criteria": profile.fit_criteria(),
        "working_hours": profile.working_hours(),
        "stuck_days": profile.stuck_days,
        "stuck_stages": ["marketingqualifiedlead", "salesqualifiedlead", "opportunity"],
        "campaign_naming_regex": CAMPAIGN_NAMING_REGEX,
        "campaign_name_violations": list(CAMPAIGN_NAME_VIOLATIONS),
        "utm_source_case_variants": {key: list(value) for key, value in SOURCE_CASE_VARIANTS.items()},
        "utm_source_aliases": {key: list(value) for key, value in SOURCE_ALIASES.items()},
        "utm_medium_synonyms": {key: list(value) for key, value in MEDIUM_SYNONYMS.items()},
        "utm_unclassified_pairs": [list(pair) for pair in UNCLASSIFIED_PAIRS],
        "utm_canonical": sorted({(c.source, c.medium) for c in profile.channels if c.kind == "utm"}),
        "self_reported_map": {key: list(value) for key, value in catalog.HDYHAU_AGREES.items()},
        "hubspot_export_subset": "contacts created on or after %s" % iso_z(EXPORT_SINCE),
        # The client's tolerated share of surplus duplicate records. The planted contact duplicates add up to 3-4 %
        # and the company duplicates to 2.5-4 %, so an audit that applies this rule reports both.
        "duplicate_threshold": DUPLICATE_THRESHOLD,
    }


def _sizes(client_dir, portals, pop):
    sizes = {"contacts": pop.n, "companies": pop.company_total}
    for portal in portals:
        for name in portal["files"]:
            path = client_dir / name
            if name.endswith(".jsonl") or name.endswith(".csv"):
                sizes[name] = _line_count(path) - (1 if name.endswith(".csv") else 0)
    touch_files = ("hubspot/events.jsonl", "hubspot/calls.jsonl", "hubspot/meetings.jsonl", "marketo/activities.jsonl",
                   "pardot/visits.jsonl", "salesforce/CampaignMember.jsonl", "salesforce/Task.jsonl", "salesforce/Event.jsonl")
    sizes["touchpoints"] = sum(sizes.get(name, 0) for name in touch_files)
    return sizes


def _line_count(path):
    count = 0
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            count += block.count(b"\n")
    return count
