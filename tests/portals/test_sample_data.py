"""Tests of the sample portal generator: determinism, planted records, clean records, exports, scale."""
import csv
import hashlib
import json
import re
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from portals.sample_data import CLIENT_SLUGS, generate
from portals.sample_data.catalog import FIRST_NAMES, LAST_NAMES
from portals.sample_data.core import within_one_edit
from portals.sample_data.exports import HUBSPOT_EXPORT_HEADER

SEED = 41
REPO = Path(__file__).resolve().parents[2]

# GA4 default channel group inputs for the values the sample data uses (subset of Google's source lists).
GA4_SEARCH = {"google", "bing", "duckduckgo"}
GA4_SOCIAL = {"linkedin", "linkedin.com", "facebook", "facebook.com", "fb", "lnkd.in"}
GA4_PAID = re.compile(r"^(.*cp.*|ppc|retargeting|paid.*)$")
STAGE_ORDER = ["subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer", "evangelist"]


def ga4_channel(source, medium):
    """Return the GA4 default channel group of a source/medium pair, or None for Unassigned."""
    source, medium = (source or "").lower(), (medium or "").lower()
    paid = bool(GA4_PAID.match(medium))
    rules = [
        (source in GA4_SEARCH and paid, "Paid Search"), (source in GA4_SOCIAL and paid, "Paid Social"),
        (medium in {"display", "banner", "expandable", "interstitial", "cpm"}, "Display"), (paid, "Paid Other"),
        (source in GA4_SOCIAL or medium in {"social", "social-network", "social-media", "sm"}, "Organic Social"),
        ("video" in medium, "Organic Video"), (source in GA4_SEARCH or medium == "organic", "Organic Search"),
        (medium in {"referral", "app", "link"}, "Referral"),
        (bool(re.search("email|e-mail|e_mail|e mail", source + " " + medium)), "Email"),
    ]
    return next((channel for matched, channel in rules if matched), None)


def read_jsonl(path):
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def parse_time(value):
    value = value.replace("Z", "+00:00")
    if value.endswith("+0000"):
        value = value[:-5] + "+00:00"
    return datetime.fromisoformat(value)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp("sample")
    directories = generate(root, seed=SEED)
    return {directory.name: directory for directory in directories}


def manifest(dataset, slug):
    return json.loads((dataset[slug] / "manifest.json").read_text())


def planted_ids(dataset, slug, vendor=None):
    """Return {code: set of record ids} of one client, optionally for one vendor."""
    result = {}
    for entry in manifest(dataset, slug)["planted"]:
        if vendor is None or entry["vendor"] == vendor:
            result.setdefault(entry["code"], set()).update(entry["record_ids"])
    return result


def file_ids(directory, name, vendor):
    path = directory / name
    if name.endswith(".csv"):
        with open(path, newline="", encoding="utf-8") as handle:
            return {"%s:%s" % (vendor, row[0]) for row in list(csv.reader(handle))[1:]}
    return {"%s:%s" % (vendor, record.get("id", record.get("Id"))) for record in read_jsonl(path)}


def digest_tree(root):
    return {str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(root.rglob("*")) if path.is_file()}


# Determinism and the command line.

def test_same_seed_same_bytes(tmp_path):
    generate(tmp_path / "a", seed=7, contacts=900)
    generate(tmp_path / "b", seed=7, contacts=900)
    first, second = digest_tree(tmp_path / "a"), digest_tree(tmp_path / "b")
    assert len(first) > 30
    assert first == second


def test_other_seed_other_bytes(tmp_path):
    generate(tmp_path / "a", seed=7, contacts=900, clients=["northwind-software"])
    generate(tmp_path / "b", seed=8, contacts=900, clients=["northwind-software"])
    contacts = "northwind-software/hubspot/contacts.jsonl"
    assert digest_tree(tmp_path / "a")[contacts] != digest_tree(tmp_path / "b")[contacts]


def test_cli_writes_one_client(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "portals.sample_data", "--out", str(tmp_path), "--size", "800", "--seed", "3",
         "--client", "summit-services"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "summit-services" / "manifest.json").exists()
    assert not (tmp_path / "northwind-software").exists()


def test_cli_rejects_bad_size(tmp_path):
    result = subprocess.run([sys.executable, "-m", "portals.sample_data", "--out", str(tmp_path), "--size", "big"],
                            cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "invalid size" in result.stderr


def test_unknown_client_rejected(tmp_path):
    with pytest.raises(ValueError, match="unknown client slug"):
        generate(tmp_path, clients=["nope"])


# Manifest and planted records.

def test_small_sizes(dataset):
    assert set(dataset) == set(CLIENT_SLUGS)
    assert manifest(dataset, "northwind-software")["size"]["contacts"] == 2000
    assert manifest(dataset, "northwind-software")["size"]["touchpoints"] >= 15000


@pytest.mark.parametrize("slug", CLIENT_SLUGS)
def test_planted_ids_exist(dataset, slug):
    data = manifest(dataset, slug)
    cache = {}
    for entry in data["planted"]:
        key = (entry["file"], entry["vendor"])
        if key not in cache:
            cache[key] = file_ids(dataset[slug], entry["file"], entry["vendor"])
        missing = set(entry["record_ids"]) - cache[key]
        assert not missing, "%s: %s not in %s" % (entry["code"], sorted(missing)[:3], entry["file"])
        for original, duplicate in entry.get("pairs", []):
            assert original in cache[key]
            assert duplicate in entry["record_ids"]


@pytest.mark.parametrize("slug", CLIENT_SLUGS)
def test_planted_counts_match_rates(dataset, slug):
    for entry in manifest(dataset, slug)["planted"]:
        assert entry["count"] == round(entry["rate"] * entry["denominator_count"]), entry["code"]
        assert entry["count"] == len(entry["record_ids"]) == len(set(entry["record_ids"])), entry["code"]


@pytest.mark.parametrize("slug", CLIENT_SLUGS)
def test_every_family_planted(dataset, slug):
    counts = {entry["code"]: entry["count"] for entry in manifest(dataset, slug)["planted"]}
    for code in ("duplicate_contacts_email_case", "utm_source_case_variant", "source_missing", "mql_fails_fit",
                 "first_touch_slow", "mql_unassigned", "owner_inactive", "channel_without_spend",
                 "duplicate_companies_domain_format", "owner_unbalanced_share"):
        assert counts.get(code, 0) > 0, code


def test_first_touch_events_exist(dataset):
    directory = dataset["northwind-software"]
    events = {"hubspot:event:%s" % record["id"]: record for record in read_jsonl(directory / "hubspot/events.jsonl")}
    for entry in manifest(dataset, "northwind-software")["planted"]:
        for event_id in entry.get("event_ids", []):
            assert event_id in events


def test_tools_listed(dataset):
    statuses = {tool["planted_status"] for tool in manifest(dataset, "northwind-software")["tools"]}
    assert statuses == {"integrated", "partially integrated", "island"}


# HubSpot records: planted problems are present, clean records have none.

@pytest.fixture(scope="module")
def northwind(dataset):
    directory = dataset["northwind-software"]
    contacts = read_jsonl(directory / "hubspot/contacts.jsonl")
    activities = {}
    for name in ("calls", "meetings"):
        for record in read_jsonl(directory / ("hubspot/%s.jsonl" % name)):
            contact = record["associations"]["contacts"]["results"][0]["id"]
            activities.setdefault(contact, []).append(parse_time(record["properties"]["hs_timestamp"]))
    owners = {owner["id"]: owner for owner in read_jsonl(directory / "hubspot/owners.jsonl")}
    companies = {company["id"]: company for company in read_jsonl(directory / "hubspot/companies.jsonl")}
    return {"contacts": contacts, "activities": activities, "owners": owners, "companies": companies,
            "planted": planted_ids(dataset, "northwind-software", "hubspot"), "manifest": manifest(dataset, "northwind-software")}


def clean(data, *codes):
    excluded = set().union(*(data["planted"].get(code, set()) for code in codes))
    return [record for record in data["contacts"] if "hubspot:" + record["id"] not in excluded]


def planted_records(data, code):
    ids = data["planted"][code]
    return [record for record in data["contacts"] if "hubspot:" + record["id"] in ids]


def normalized_email(email):
    local, domain = email.strip().lower().split("@")
    return local.split("+")[0] + "@" + domain


def test_name_lists_disjoint():
    assert not set(FIRST_NAMES) & set(LAST_NAMES)


def test_clean_emails_unique(northwind):
    duplicates = [code for code in northwind["planted"] if code.startswith("duplicate_contacts")]
    emails = [normalized_email(record["properties"]["email"]) for record in clean(northwind, *duplicates)]
    assert len(emails) == len(set(emails))


def test_clean_emails_not_one_typo_apart(northwind):
    duplicates = [code for code in northwind["planted"] if code.startswith("duplicate_contacts")]
    by_domain = {}
    for record in clean(northwind, *duplicates):
        local, domain = record["properties"]["email"].split("@")
        by_domain.setdefault(domain, []).append(local)
    for locals_ in by_domain.values():
        for i, first in enumerate(locals_):
            for second in locals_[i + 1:]:
                assert not within_one_edit(first, second), (first, second)


def test_planted_duplicates_match_originals(northwind):
    by_id = {"hubspot:" + record["id"]: record["properties"] for record in northwind["contacts"]}
    pairs = {entry["code"]: entry["pairs"] for entry in northwind["manifest"]["planted"] if entry["code"].startswith("duplicate_contacts") and entry["vendor"] == "hubspot"}
    for original, duplicate in pairs["duplicate_contacts_email_case"]:
        assert by_id[original]["email"] != by_id[duplicate]["email"]
        assert by_id[original]["email"] == by_id[duplicate]["email"].lower()
    for original, duplicate in pairs["duplicate_contacts_plus_address"]:
        assert normalized_email(by_id[duplicate]["email"]) == by_id[original]["email"]
    for original, duplicate in pairs["duplicate_contacts_email_typo"]:
        assert within_one_edit(by_id[original]["email"], by_id[duplicate]["email"])
        assert by_id[original]["email"] != by_id[duplicate]["email"]
    for original, duplicate in pairs["duplicate_contacts_two_emails"]:
        for key in ("firstname", "lastname", "company", "phone"):
            assert by_id[original][key] == by_id[duplicate][key]


def test_company_duplicates_by_domain(northwind):
    def bare(domain):
        return re.sub(r"^(https?://)?(www\.)?", "", domain).rstrip("/")

    entry = next(item for item in northwind["manifest"]["planted"] if item["code"] == "duplicate_companies_domain_format")
    planted = set(entry["record_ids"])
    clean_domains = [bare(c["properties"]["domain"]) for key, c in northwind["companies"].items() if "hubspot:" + key not in planted]
    assert len(clean_domains) == len(set(clean_domains))
    for original, duplicate in entry["pairs"]:
        first = northwind["companies"][original.split(":")[1]]["properties"]["domain"]
        second = northwind["companies"][duplicate.split(":")[1]]["properties"]["domain"]
        assert first != second
        assert bare(first) == bare(second)


def test_clean_utm_values(northwind):
    canonical = {tuple(pair) for pair in northwind["manifest"]["rules"]["utm_canonical"]}
    naming = re.compile(northwind["manifest"]["rules"]["campaign_naming_regex"])
    utm_codes = [code for code in northwind["planted"] if code.startswith("utm_")] + ["channel_without_spend"]
    checked = 0
    for record in clean(northwind, *utm_codes):
        props = record["properties"]
        if props["utm_source"] is None and props["utm_medium"] is None:
            continue
        checked += 1
        assert (props["utm_source"], props["utm_medium"]) in canonical
        assert naming.match(props["utm_campaign"])
        assert ga4_channel(props["utm_source"], props["utm_medium"]) is not None
    assert checked > 500


def test_clean_event_utm_values(dataset, northwind):
    planted_events = {event for entry in northwind["manifest"]["planted"] for event in entry.get("event_ids", [])}
    naming = re.compile(northwind["manifest"]["rules"]["campaign_naming_regex"])
    checked = 0
    for record in read_jsonl(dataset["northwind-software"] / "hubspot/events.jsonl"):
        props = record["properties"]
        if "hubspot:event:" + record["id"] in planted_events or "hs_utm_source" not in props:
            continue
        checked += 1
        assert props["hs_utm_source"] == props["hs_utm_source"].lower()
        assert ga4_channel(props["hs_utm_source"], props.get("hs_utm_medium")) is not None
        assert naming.match(props["hs_utm_campaign"])
    assert checked > 3000


def test_planted_utm_values(northwind):
    for record in planted_records(northwind, "utm_unclassified"):
        assert ga4_channel(record["properties"]["utm_source"], record["properties"]["utm_medium"]) is None
    for record in planted_records(northwind, "utm_missing_source"):
        assert record["properties"]["utm_source"] is None
    naming = re.compile(northwind["manifest"]["rules"]["campaign_naming_regex"])
    for record in planted_records(northwind, "utm_campaign_naming"):
        assert not naming.match(record["properties"]["utm_campaign"])
    for record in planted_records(northwind, "utm_source_case_variant"):
        assert record["properties"]["utm_source"] != record["properties"]["utm_source"].lower()


def test_clean_original_source(northwind):
    codes = ("source_missing", "source_offline_no_drilldown", "source_overwritten_import", "source_overwritten_user", "source_change_explained")
    for record in clean(northwind, *codes):
        props, history = record["properties"], record["propertiesWithHistory"]["hs_analytics_source"]
        assert props["hs_analytics_source"]
        assert len(history) == 1
        if props["hs_analytics_source"] == "OFFLINE":
            assert props["hs_analytics_source_data_1"]


def test_planted_source_overwrites(northwind):
    for record in planted_records(northwind, "source_overwritten_user"):
        latest = record["propertiesWithHistory"]["hs_analytics_source"][0]
        assert latest["sourceType"] == "CRM_UI"
        assert latest["updatedByUserId"] is not None
    for record in planted_records(northwind, "source_change_explained"):
        props = record["properties"]
        assert parse_time(props["hs_analytics_first_timestamp"]) < parse_time(props["createdate"])


def test_clean_lifecycle(northwind):
    codes = ("lifecycle_skipped_stage", "lifecycle_backward_move", "lifecycle_set_by_import", "lifecycle_missing_entry_date", "lifecycle_stuck")
    as_of = parse_time(northwind["manifest"]["as_of"])
    stuck = timedelta(days=northwind["manifest"]["rules"]["stuck_days"])
    for record in clean(northwind, *codes):
        history = sorted(record["propertiesWithHistory"]["lifecyclestage"], key=lambda item: item["timestamp"])
        orders = [STAGE_ORDER.index(item["value"]) for item in history]
        assert orders == sorted(orders), record["id"]
        assert all(item["sourceType"] != "IMPORT" for item in history)
        current = record["properties"]["lifecyclestage"]
        reached = range(STAGE_ORDER.index("lead"), STAGE_ORDER.index(current) + 1)
        for stage in reached:
            assert record["properties"]["hs_lifecyclestage_%s_date" % STAGE_ORDER[stage]], (record["id"], stage)
        if current in ("marketingqualifiedlead", "salesqualifiedlead", "opportunity"):
            assert as_of - parse_time(record["properties"]["hs_lifecyclestage_%s_date" % current]) < stuck


def test_planted_lifecycle(northwind):
    for record in planted_records(northwind, "lifecycle_skipped_stage"):
        assert record["properties"]["lifecyclestage"] == "customer"
        assert record["properties"]["hs_lifecyclestage_marketingqualifiedlead_date"] is None
    for record in planted_records(northwind, "lifecycle_set_by_import"):
        assert record["propertiesWithHistory"]["lifecyclestage"][0]["sourceType"] == "IMPORT"


def fits(props, criteria):
    employees = int(props["numemployees"])
    title = props["jobtitle"].lower()
    return (criteria["employees_min"] <= employees <= criteria["employees_max"] and props["industry"] in criteria["industries"]
            and any(keyword in title for keyword in criteria["title_keywords"]))


def test_mql_fit(northwind):
    criteria = northwind["manifest"]["rules"]["fit_criteria"]
    mqls = [r for r in clean(northwind, "mql_fails_fit") if r["properties"]["hs_lifecyclestage_marketingqualifiedlead_date"]]
    assert len(mqls) > 300
    for record in mqls:
        assert fits(record["properties"], criteria), record["id"]
    for record in planted_records(northwind, "mql_fails_fit"):
        assert not fits(record["properties"], criteria)


def working_minutes_after(mql, activity):
    """Return the minutes between an MQL date and an activity on the same working day."""
    return (activity - mql).total_seconds() / 60


def test_speed_to_lead(northwind):
    hours = northwind["manifest"]["rules"]["working_hours"]
    sign = -1 if hours["utc_offset"].startswith("-") else 1
    offset = timedelta(hours=sign * int(hours["utc_offset"][1:3]))
    slow = northwind["planted"]["first_touch_slow"]
    unassigned = northwind["planted"]["mql_unassigned"]
    checked = 0
    for record in northwind["contacts"]:
        mql = record["properties"]["hs_lifecyclestage_marketingqualifiedlead_date"]
        if not mql or "hubspot:" + record["id"] in unassigned:
            continue
        mql_at = parse_time(mql)
        local = mql_at + offset
        assert local.weekday() < 5
        assert 9 <= local.hour < 17
        minutes = working_minutes_after(mql_at, min(northwind["activities"][record["id"]]))
        if "hubspot:" + record["id"] in slow:
            assert minutes > 30
        else:
            assert 0 < minutes <= 30
            checked += 1
    assert checked > 300


def test_owners(northwind):
    inactive = northwind["planted"]["owner_inactive"]
    unassigned = northwind["planted"]["mql_unassigned"]
    for record in northwind["contacts"]:
        props = record["properties"]
        key = "hubspot:" + record["id"]
        owner = northwind["owners"].get(props["hubspot_owner_id"])
        if key in inactive:
            assert owner["archived"] is True
        elif key in unassigned:
            assert props["hubspot_owner_id"] is None
        elif props["lifecyclestage"] == "marketingqualifiedlead":
            assert owner is not None and owner["archived"] is False
        elif owner is not None:
            assert owner["archived"] is False


def test_unbalanced_owner_share(northwind):
    entry = next(item for item in northwind["manifest"]["planted"] if item["code"] == "owner_unbalanced_share")
    heavy = entry["record_ids"][0].split(":")[1]
    counts = {}
    for record in northwind["contacts"]:
        owner = record["properties"]["hubspot_owner_id"]
        if owner and not northwind["owners"][owner]["archived"]:
            counts[owner] = counts.get(owner, 0) + 1
    others = [count for owner, count in counts.items() if owner != heavy]
    assert max(others) - min(others) <= 1
    assert counts[heavy] - max(others) >= entry["extra_records"] - 1


def test_self_reported_answers(northwind):
    agrees = northwind["manifest"]["rules"]["self_reported_map"]
    answered = [r for r in northwind["contacts"] if r["properties"]["how_did_you_hear_about_us"]]
    planted = northwind["planted"]["self_reported_disagrees"]
    for record in answered:
        agreed = record["properties"]["how_did_you_hear_about_us"] in agrees[record["properties"]["hs_analytics_source"]]
        assert agreed != ("hubspot:" + record["id"] in planted)


def test_forms_without_hdyhau(dataset, northwind):
    forms = read_jsonl(dataset["northwind-software"] / "hubspot/forms.jsonl")
    missing = {"hubspot:" + form["id"] for form in forms
               if "how_did_you_hear_about_us" not in [f["name"] for group in form["fieldGroups"] for f in group["fields"]]}
    assert missing == northwind["planted"]["form_missing_hdyhau"]


# CSV exports.

def test_hubspot_export_parses(dataset):
    with open(dataset["northwind-software"] / "exports/hubspot-crm-exports-all-contacts-2026-06-30.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0].keys()) == HUBSPOT_EXPORT_HEADER
    for header in ("Record ID", "Lifecycle Stage", "Original Source", "Original Source Drill-Down 1", "Contact Owner",
                   "Became a Marketing Qualified Lead Date"):
        assert header in rows[0]
    assert {row["Lifecycle Stage"] for row in rows} >= {"Lead", "Marketing Qualified Lead", "Customer"}
    assert "Offline sources" in {row["Original Source"] for row in rows}
    assert all(re.match(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$", row["Create Date"]) for row in rows)


def test_ad_spend_leaves_out_display(dataset):
    with open(dataset["northwind-software"] / "exports/ad_spend.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    channels = {row["channel"] for row in rows}
    assert channels == {"Paid Search", "Paid Social"}
    assert list(rows[0]) == ["campaign", "channel", "period_start", "period_end", "spend", "currency"]


def test_pardot_export_parses(dataset):
    with open(dataset["harbor-manufacturing"] / "exports/pardot_prospects.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == manifest(dataset, "harbor-manufacturing")["size"]["contacts"]
    assert rows[0]["CRM Lead FID"].startswith("00Q")


# Salesforce: harbor-manufacturing.

def test_harbor_reps(dataset):
    users = read_jsonl(dataset["harbor-manufacturing"] / "salesforce/User.jsonl")
    reps = [user for user in users if user["IsActive"] and user["Territory__c"]]
    assert len(reps) == 45
    assert len({user["Territory__c"] for user in reps}) == 6
    assert len({user["Segment__c"] for user in reps}) == 3
    assert any(not user["IsActive"] for user in users)


def test_harbor_speed_to_lead(dataset):
    directory = dataset["harbor-manufacturing"]
    planted = planted_ids(dataset, "harbor-manufacturing", "salesforce")
    first = {}
    for task in read_jsonl(directory / "salesforce/Task.jsonl") + read_jsonl(directory / "salesforce/Event.jsonl"):
        at = parse_time(task["CreatedDate"])
        first[task["WhoId"]] = min(at, first.get(task["WhoId"], at))
    users = {user["Id"]: user for user in read_jsonl(directory / "salesforce/User.jsonl")}
    for lead in read_jsonl(directory / "salesforce/Lead.jsonl"):
        key = "salesforce:" + lead["Id"]
        if key in planted["owner_inactive"]:
            assert users[lead["OwnerId"]]["IsActive"] is False
        elif lead["OwnerId"] in users:
            assert users[lead["OwnerId"]]["IsActive"] is True
        if not lead["MQL_Date__c"]:
            continue
        if key in planted["mql_unassigned"]:
            assert lead["OwnerId"].startswith("00G")
            assert lead["Id"] not in first
            continue
        minutes = (first[lead["Id"]] - parse_time(lead["MQL_Date__c"])).total_seconds() / 60
        assert (minutes > 30) == (key in planted["first_touch_slow"])


def test_harbor_missing_touchpoints(dataset):
    directory = dataset["harbor-manufacturing"]
    campaigns = {c["Id"]: c for c in read_jsonl(directory / "salesforce/Campaign.jsonl")}
    members = {(m["CampaignId"], m["ContactId"]) for m in read_jsonl(directory / "salesforce/CampaignMember.jsonl")}
    opportunities = {o["Id"]: o for o in read_jsonl(directory / "salesforce/Opportunity.jsonl")}
    planted = planted_ids(dataset, "harbor-manufacturing")["offline_interaction_missing_touchpoint"]
    found = set()
    for role in read_jsonl(directory / "salesforce/OpportunityContactRole.jsonl"):
        campaign = opportunities[role["OpportunityId"]]["CampaignId"]
        if campaign and campaigns[campaign]["Type"] == "Trade Show" and (campaign, role["ContactId"]) not in members:
            found.add("salesforce:" + role["Id"])
    assert found == planted


# Scale: exact counts at another size, streaming output.

def test_rates_exact_at_other_size(tmp_path):
    directory = generate(tmp_path, seed=5, contacts=7321, clients=["northwind-software"])[0]
    data = json.loads((directory / "manifest.json").read_text())
    assert data["size"]["contacts"] == 7321
    for entry in data["planted"]:
        assert entry["count"] == round(entry["rate"] * entry["denominator_count"]), entry["code"]
