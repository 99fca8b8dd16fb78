"""Build the vendor-neutral record of one person or company from the plan (same index, same record)."""
from . import catalog
from .channels import (
    CAMPAIGN_NAME_VIOLATIONS, MEDIUM_SYNONYMS, SOURCE_ALIASES, SOURCE_CASE_VARIANTS, UNCLASSIFIED_PAIRS,
    drill_downs, hubspot_source,
)
from .core import AS_OF, DAY, HOUR, MINUTE, WINDOW_START, RecordRng, working_slot
from .profiles import CUSTOMER, EVANGELIST, LEAD, MQL, OPPORTUNITY, SQL, SUBSCRIBER
from .touches import quarter_campaign

_NAME_SPACE = len(catalog.COMPANY_HEADS) * len(catalog.COMPANY_MIDS) * len(catalog.COMPANY_TAILS) * len(catalog.COMPANY_QUALIFIERS)
_STEP_GAPS = {SQL: (1 * DAY, 10 * DAY), OPPORTUNITY: (2 * DAY, 20 * DAY), CUSTOMER: (10 * DAY, 60 * DAY), EVANGELIST: (30 * DAY, 120 * DAY)}
PLUS_TAGS = ("events", "news", "webinar", "trial")


def _between(rng, low, high):
    return low + rng.randrange(max(1, high - low))


def record_rng(pop, stream, index):
    """Return the random stream `stream` of pop's client, seeded for record `index`."""
    streams = pop.__dict__.setdefault("_record_rngs", {})
    if stream not in streams:
        streams[stream] = RecordRng(pop.seed, pop.profile.slug, stream)
    return streams[stream].at(index)


def company_facts(pop, company):
    """Return the attributes of base company `company` (name, domain, industry, size, place, fit, cell)."""
    cache = pop.__dict__.setdefault("_company_cache", {})
    facts = cache.get(company)
    if facts is not None:
        return facts
    if len(cache) > 4096:
        cache.clear()
    if company >= _NAME_SPACE:
        raise ValueError("too many companies for the invented name space (%d)" % _NAME_SPACE)

    rng = record_rng(pop, "company", company)
    code = (company * 7919 + rng_offset(pop)) % _NAME_SPACE
    heads, mids, tails = catalog.COMPANY_HEADS, catalog.COMPANY_MIDS, catalog.COMPANY_TAILS
    qualifier = catalog.COMPANY_QUALIFIERS[code // (len(heads) * len(mids) * len(tails))]
    stem = heads[code % len(heads)] + mids[(code // len(heads)) % len(mids)].lower()
    name = " ".join(part for part in (qualifier, stem, tails[(code // (len(heads) * len(mids))) % len(tails)]) if part)

    low, high = pop.profile.fit_employees
    fit = bool(pop.company_fit[company])
    industry = rng.choice(pop.profile.fit_industries)
    employees = int(low * (high / low) ** rng.random())
    if not fit:
        if rng.random() < 0.5:
            industry = rng.choice(catalog.INDUSTRIES_OTHER)
        elif rng.random() < 0.6:
            employees = rng.randint(2, low - 1)
        else:
            employees = rng.randint(high + 1, high * 3)
    place = rng.choice(catalog.PLACES)
    if employees < 500:
        segment = "SMB"
    elif employees < 2000:
        segment = "Mid-Market"
    else:
        segment = "Enterprise"
    from .plan import TERRITORY_OF_STATE

    facts = {
        "index": company, "name": name, "domain": name.lower().replace(" ", "-") + ".test", "industry": industry,
        "employees": employees, "revenue": employees * rng.randint(80, 400) * 1000, "place": place, "fit": fit,
        "territory": TERRITORY_OF_STATE[place[1]], "segment": segment,
        "created": WINDOW_START - rng.randrange(400 * DAY), "phone": "+1 555-9%02d-%04d" % (company // 10000 % 100, company % 10000),
    }
    cache[company] = facts
    return facts


def rng_offset(pop):
    if "_name_offset" not in pop.__dict__:
        pop._name_offset = RecordRng(pop.seed, pop.profile.slug, "names").base % _NAME_SPACE
    return pop._name_offset


class Person:
    """One person as the sample portals know it; renderers turn it into each vendor's shape."""

    __slots__ = (
        "index", "code", "stage", "company", "first", "last", "email", "phone", "title", "created", "channel",
        "touch", "first_seen", "form", "answer", "source", "dd1", "dd2", "source_history", "stage_history",
        "stage_dates", "mql_at", "owner", "first_activity", "duplicate_of", "updated",
    )


def build_person(pop, index):
    duplicate_of = pop.duplicate_of.get(index)
    original_created = None if duplicate_of is None else build_person(pop, duplicate_of).created
    rng = record_rng(pop, "person", index)
    person = Person()
    person.index = index
    person.code = pop.code_of(index)
    person.stage = pop.stage[index]
    person.channel = pop.channels[pop.channel[index]]
    person.duplicate_of = duplicate_of
    person.owner = pop.owner[index]
    company, position = pop.position_in_company(index)
    person.company = company
    facts = company_facts(pop, company)

    _fill_identity(pop, person, facts, position, rng)
    _fill_timeline(pop, person, rng, original_created)
    _fill_source(pop, person, rng)
    _fill_activity(pop, person, rng)
    person.updated = min(AS_OF - MINUTE, max(_timestamps(person)) + rng.randrange(1, 3 * DAY))
    return person


def _fill_identity(pop, person, facts, position, rng):
    first = catalog.FIRST_NAMES[(pop.company_first_name_offset[person.company] + position) % len(catalog.FIRST_NAMES)]
    original = person.duplicate_of if person.duplicate_of is not None else person.index
    last = catalog.LAST_NAMES[record_rng(pop, "last", original).randrange(len(catalog.LAST_NAMES))]
    person.first, person.last = first, last
    local, domain = "%s.%s" % (first, last), facts["domain"]
    person.email = "%s@%s" % (local, domain)
    person.phone = "+1 555-%03d-%04d" % (original // 10000 % 1000, original % 10000)

    code = person.code
    if code == "duplicate_contacts_email_case":
        person.email = "%s.%s@%s" % (first.capitalize(), last.capitalize(), domain.capitalize())
    elif code == "duplicate_contacts_plus_address":
        person.email = "%s+%s@%s" % (local, rng.choice(PLUS_TAGS), domain)
    elif code == "duplicate_contacts_email_typo":
        person.email = "%s.%s@%s" % (first, _typo(last, rng), domain)
    elif code == "duplicate_contacts_two_emails":
        person.email = "%s.%s@%s" % (last, first, domain)
    if code.startswith("duplicate_contacts") and code != "duplicate_contacts_two_emails":
        person.phone = ""

    fit_title = pop.is_mql(original) and pop.code_of(original) != "mql_fails_fit"
    if code == "mql_fails_fit":
        fit_title = not facts["fit"]
    title_rng = record_rng(pop, "title", original)
    if fit_title or (not pop.is_mql(original) and title_rng.random() < 0.7):
        person.title = title_rng.choice(catalog.TITLES_FIT)
    else:
        person.title = title_rng.choice(catalog.TITLES_UNFIT)


def _typo(word, rng):
    position = rng.randrange(len(word))
    replacement = rng.choice([letter for letter in "aeioumnrst" if letter != word[position]])
    return word[:position] + replacement + word[position + 1:]


def _fill_timeline(pop, person, rng, original_created):
    """Set created, the lifecycle stage history (stage, at, sourceType, sourceId, label, user) and Became-a dates."""
    code, stage, profile = person.code, person.stage, pop.profile
    offset = profile.utc_offset_minutes
    dates = {}
    if person.duplicate_of is not None:
        room = max(2 * HOUR, min(120 * DAY, AS_OF - DAY - original_created))
        dates[LEAD] = original_created + _between(rng, HOUR, room)
    elif code == "lifecycle_skipped_stage":
        dates[CUSTOMER] = WINDOW_START + _between(rng, 220 * DAY, 720 * DAY)
        dates[LEAD] = dates[CUSTOMER] - _between(rng, 20 * DAY, 200 * DAY)
    elif code == "lifecycle_backward_move":
        dates[MQL] = working_slot(AS_OF - _between(rng, 60 * DAY, 400 * DAY), offset, rng)
        dates[SQL] = dates[MQL] + _between(rng, DAY, 10 * DAY)
        dates[LEAD] = dates[MQL] - _between(rng, HOUR, 60 * DAY)
    elif stage >= MQL:
        if stage in (MQL, SQL, OPPORTUNITY):
            stuck = profile.stuck_days * DAY
            age = _between(rng, stuck + 5 * DAY, stuck + 240 * DAY) if code == "lifecycle_stuck" else _between(rng, 2 * DAY, stuck - 8 * DAY)
            dates[stage] = AS_OF - age
        else:
            dates[stage] = WINDOW_START + _between(rng, 300 * DAY, 725 * DAY)
        for later in range(stage, MQL, -1):
            low, high = _STEP_GAPS[later]
            dates[later - 1] = dates[later] - _between(rng, low, high)
        dates[MQL] = working_slot(dates[MQL], offset, rng)
        dates[LEAD] = dates[MQL] - _between(rng, HOUR, 60 * DAY)
    else:
        dates[LEAD] = WINDOW_START + _between(rng, 0, 725 * DAY)

    starts_as_subscriber = stage == SUBSCRIBER or (rng.random() < 0.3 and person.duplicate_of is None)
    if stage == SUBSCRIBER:
        dates = {SUBSCRIBER: dates.pop(LEAD)}
    elif starts_as_subscriber:
        dates[SUBSCRIBER] = dates[LEAD] - _between(rng, DAY, 90 * DAY)
    person.created = min(dates.values())
    person.mql_at = dates.get(MQL)

    history = []
    first_type = "FORM" if person.channel.online else "AUTOMATION_PLATFORM"
    for step, (value, at) in enumerate(sorted(dates.items(), key=lambda item: item[1])):
        history.append(_stage_item(pop, value, at, first_type if step == 0 else "AUTOMATION_PLATFORM", rng))
    if code == "lifecycle_backward_move":
        back_at = dates[SQL] + _between(rng, 5 * DAY, 40 * DAY)
        history.append((LEAD, back_at, "CRM_UI", "", "", ("rep", person.owner)))
    if code == "lifecycle_set_by_import":
        value, at = history[-1][0], history[-1][1]
        history[-1] = (value, at, "IMPORT", "import-%d" % rng.randrange(1000, 9999), "", None)
    if code == "lifecycle_missing_entry_date":
        dates.pop(stage)
    person.stage_history = history
    person.stage_dates = dates


def _stage_item(pop, value, at, source_type, rng):
    integration = pop.profile.extra.get("stage_integration")
    if source_type == "AUTOMATION_PLATFORM" and integration and value == integration[0] and rng.random() < integration[2]:
        return (value, at, "INTEGRATION", "", integration[1], None)
    if source_type == "AUTOMATION_PLATFORM":
        return (value, at, source_type, "enrollmentId:%d" % rng.randrange(100, 999), "", None)
    return (value, at, source_type, "", "", None)


def _fill_source(pop, person, rng):
    channel, code, created = person.channel, person.code, person.created
    person.touch, person.first_seen, person.answer = None, None, ""
    person.form = None if pop.form[person.index] == 255 else pop.form[person.index]
    if channel.online:
        person.first_seen = created - _between(rng, MINUTE, 20 * MINUTE)
        person.touch = _first_touch(channel, code, person.first_seen, rng)
        touch = person.touch
        enum = hubspot_source(touch["source"], touch["medium"], touch["campaign"], touch["referrer"], touch["gclid"])
        dd1, dd2 = drill_downs(enum, touch["source"], touch["medium"], touch["campaign"], touch["referrer"], touch["term"], channel.network)
        history = [(enum, created, "FORM" if person.form is not None else "ANALYTICS", "", "", None)]
    else:
        enum, dd1, dd2 = "OFFLINE", channel.offline_dd1, rng.choice(channel.offline_dd2)
        user = ("marketing", rng.randrange(2)) if channel.offline_dd1 == "CRM_UI" else None
        source_id = {"IMPORT": "import-%d" % rng.randrange(1000, 9999), "API": "contacts-upsert"}.get(channel.offline_dd1, "")
        history = [(enum, created, channel.offline_dd1, source_id, channel.integration_label, user)]

    later = created + _between(rng, 10 * DAY, max(11 * DAY, min(200 * DAY, AS_OF - created - DAY)))
    later = min(later, AS_OF - HOUR)
    if code == "source_missing":
        enum, dd1, dd2, history = "", "", "", []
    elif code == "source_offline_no_drilldown":
        dd1 = dd2 = ""
    elif code == "source_overwritten_import":
        enum, dd1, dd2 = "OFFLINE", "IMPORT", "crm-cleanup-%d.csv" % rng.randrange(1, 9)
        history.append((enum, later, "IMPORT", "import-%d" % rng.randrange(1000, 9999), "", None))
    elif code == "source_overwritten_user":
        enum = rng.choice([value for value in ("DIRECT_TRAFFIC", "REFERRALS", "OFFLINE") if value != enum])
        dd1 = dd2 = ""
        history.append((enum, later, "CRM_UI", "", "", ("marketing", rng.randrange(2))))
    elif code == "source_change_explained":
        person.first_seen = created - _between(rng, 10 * DAY, 200 * DAY)
        person.touch = {"source": "", "medium": "", "campaign": "", "term": "", "referrer": "https://www.google.com/", "gclid": ""}
        enum, dd1, dd2 = "ORGANIC_SEARCH", "unknown keywords (SSL)", "google"
        history.append((enum, later, "ANALYTICS", "", "", None))
    person.source, person.dd1, person.dd2, person.source_history = enum, dd1, dd2, history

    if pop.has_answer(person.index):
        agrees = catalog.HDYHAU_AGREES[enum]
        if code == "self_reported_disagrees":
            person.answer = rng.choice([answer for answer in catalog.HDYHAU_ANSWERS if answer not in agrees])
        else:
            person.answer = rng.choice(agrees)


def _first_touch(channel, code, at, rng):
    source, medium, referrer, term = channel.source, channel.medium, channel.referrer, channel.term
    campaign = quarter_campaign(at, rng.choice(channel.topics)) if channel.kind == "utm" else ""
    gclid = "Cj0KCQ%010d" % rng.randrange(10 ** 10) if channel.gclid else ""
    if code == "utm_source_case_variant":
        source = rng.choice(SOURCE_CASE_VARIANTS[source])
    elif code == "utm_source_alias":
        source = rng.choice(SOURCE_ALIASES[source])
    elif code == "utm_medium_synonym":
        medium = rng.choice(MEDIUM_SYNONYMS[medium])
    elif code == "utm_missing_source":
        source = ""
    elif code == "utm_missing_medium":
        medium = ""
    elif code == "utm_unclassified":
        source, medium = rng.choice(UNCLASSIFIED_PAIRS)
        referrer, gclid, term = "", "", ""
    elif code == "utm_campaign_naming":
        campaign = rng.choice(CAMPAIGN_NAME_VIOLATIONS)
    return {"source": source, "medium": medium, "campaign": campaign, "term": term, "referrer": referrer, "gclid": gclid}


def _fill_activity(pop, person, rng):
    """Set the first sales activity (at, kind) after the MQL date; unassigned MQLs get none."""
    person.first_activity = None
    if person.mql_at is None or person.code == "mql_unassigned":
        return
    if person.code == "first_touch_slow":
        delay = _between(rng, 45 * MINUTE, 180 * MINUTE)
    else:
        delay = _between(rng, 3 * MINUTE, 26 * MINUTE)
    person.first_activity = (person.mql_at + delay, "call" if rng.random() < 0.7 else "meeting")


def _timestamps(person):
    yield person.created
    for item in person.stage_history:
        yield item[1]
    for item in person.source_history:
        yield item[1]
    if person.first_activity:
        yield person.first_activity[0]
