"""Plan one client's population before any record is written: stages, channels, planted problems, companies, owners.

The plan keeps one byte per person (stage, channel, form, problem code, owner slot) and one integer per
company boundary, so it stays small at a million records. Counts of planted problems are exact:
round(rate x denominator), with the denominator counted on the planned population.
"""
import bisect
from array import array

from . import catalog
from .channels import DISPLAY
from .core import exact_count, split_counts, stream_rng
from .faults import CODE_BYTE, DUPLICATE_CODES, PERSON_CODES
from .profiles import CUSTOMER, LEAD, MQL, OPPORTUNITY, SQL

NO_FORM = 255
# A form whose name contains this word is a demo request: an audit starts the speed-to-lead clock at its submission.
DEMO_FORM_WORD = "demo"
NO_OWNER = 255

# Eligibility of each person-level problem: (allowed stages or None, channel test or None).
_UTM_SOCIAL = ("paid_social_linkedin", "paid_social_facebook", "organic_social_linkedin")
_ELIGIBLE = {
    "utm_source_case_variant": (None, lambda ch: ch.key in _UTM_SOCIAL),
    "utm_source_alias": (None, lambda ch: ch.key in _UTM_SOCIAL),
    "utm_medium_synonym": (None, lambda ch: ch.medium == "cpc"),
    "utm_missing_source": (None, lambda ch: ch.kind == "utm"),
    "utm_missing_medium": (None, lambda ch: ch.source in ("google", "bing", "linkedin", "facebook")),
    "utm_unclassified": (None, lambda ch: ch.kind == "utm"),
    "utm_campaign_naming": (None, lambda ch: ch.kind == "utm"),
    "source_missing": (None, lambda ch: ch.offline_dd1 in ("IMPORT", "API")),
    "source_offline_no_drilldown": (None, lambda ch: ch.offline_dd1 in ("IMPORT", "API", "CRM_UI")),
    "source_overwritten_import": (None, lambda ch: ch.online),
    "source_overwritten_user": (None, lambda ch: ch.online),
    "source_change_explained": (None, lambda ch: ch.offline_dd1 == "IMPORT"),
    "lifecycle_skipped_stage": ((CUSTOMER,), None),
    "lifecycle_backward_move": ((LEAD,), None),
    "lifecycle_set_by_import": ((MQL, SQL, OPPORTUNITY, CUSTOMER), None),
    "lifecycle_missing_entry_date": ((LEAD, SQL, OPPORTUNITY, CUSTOMER), None),
    "lifecycle_stuck": ((MQL, SQL, OPPORTUNITY), None),
    "owner_inactive": ((LEAD,), None),
}
# Minimum reps of the routing cell that gets the unbalanced extra share, where the client has such a cell.
MIN_UNBALANCED_CELL_REPS = 3
_MQL_CODES = ("mql_fails_fit", "first_touch_slow", "mql_unassigned", "channel_without_spend")
TERRITORY_OF_STATE = {
    "WA": "West", "OR": "West", "CA": "West", "CO": "West", "TX": "Central", "IL": "Central", "OH": "Central",
    "MI": "Central", "GA": "South", "NC": "South", "NY": "Northeast", "MA": "Northeast", "ON": "Canada",
    "QC": "Canada", "BY": "Europe", "ENG": "Europe",
}


def surplus_count(rate, base):
    """Return d, the number of extra records to add to base records so that d == round(rate x (base + d))."""
    guess = int(round(rate * base / (1 - rate)))
    for count in range(max(0, guess - 3), guess + 4):
        if exact_count(rate, base + count) == count:
            return count
    return guess


class Population:
    def __init__(self, profile, seed, size, *, hubspot_owners=8):
        self.profile = profile
        self.seed = seed
        self.n = size
        self.channels = profile.channels + (DISPLAY,)
        self.display = len(self.channels) - 1
        self.rates = dict(profile.rates)
        self.counts = {}
        self.denominators = {}
        # (GA4 channel, "YYYY-MM") of every MQL whose first touch is paid, in the client's time zone; the portal
        # writers fill it, and the ad spend export writes rows for these months only.
        self.paid_mql_months = set()
        self.spend_channels = frozenset(channel.ga4 for channel in profile.channels if channel.paid and channel.weight > 0)
        rng = stream_rng(seed, profile.slug, "plan")

        self._plan_stages(rng)
        self._plan_channels(rng)
        self._plan_duplicates(rng)
        self._plan_forms(rng)
        self._plan_person_faults(rng)
        self._plan_demo_requests()
        self._plan_mql_faults(rng)
        self._plan_answers(rng)
        self._plan_companies(rng)
        self._plan_owners(rng, hubspot_owners)
        self._plan_missing_touchpoints(rng)

    # Steps of the plan, in order: later steps read what earlier ones decided.

    def _plan_stages(self, rng):
        counts = split_counts(self.n, self.profile.stage_shares)
        stages = bytearray()
        for stage, count in enumerate(counts):
            stages.extend(bytes([stage]) * count)
        order = list(range(self.n))
        rng.shuffle(order)
        self.stage = bytearray(stages[k] for k in order)

    def _plan_channels(self, rng):
        weights = [channel.weight for channel in self.channels]
        self.channel = bytearray(rng.choices(range(len(self.channels)), weights, k=self.n))

    def _plan_duplicates(self, rng):
        self.fault = bytearray(self.n)
        self.original = bytearray(self.n)
        self.duplicate_of = {}
        direct = next(k for k, channel in enumerate(self.channels) if channel.key == "direct")
        low = self.n // 5
        for code in DUPLICATE_CODES:
            count = self._count(code, self.n, "contacts")
            for index in self._sample(rng, range(low, self.n), count, lambda i: True):
                self.fault[index] = CODE_BYTE[code]
                self.stage[index] = LEAD
                if not self.channels[self.channel[index]].online:
                    self.channel[index] = direct
        for index in sorted(self.duplicate_of_candidates()):
            original = self._pick_original(rng)
            self.original[original] = 1
            self.duplicate_of[index] = original

    def duplicate_of_candidates(self):
        return [i for i in range(self.n) if self.fault[i] and PERSON_CODES[self.fault[i] - 1] in DUPLICATE_CODES]

    def _pick_original(self, rng):
        while True:
            index = rng.randrange(self.n)
            if not self.fault[index] and not self.original[index]:
                return index

    def _plan_forms(self, rng):
        self.form = bytearray([NO_FORM]) * self.n
        forms = self.profile.forms
        if not forms:
            return
        for index in range(self.n):
            if self.channels[self.channel[index]].online:
                self.form[index] = rng.randrange(len(forms))

    def _plan_person_faults(self, rng):
        for code, (stages, channel_test) in _ELIGIBLE.items():
            count = self._count(code, self.n, "contacts")

            def eligible(i, stages=stages, channel_test=channel_test):
                if stages is not None and self.stage[i] not in stages:
                    return False
                return channel_test is None or channel_test(self.channels[self.channel[i]])

            for index in self._sample(rng, range(self.n), count, eligible):
                self.fault[index] = CODE_BYTE[code]

    def _plan_demo_requests(self):
        """Move persons that never become an MQL from a demo request form to the next other form.

        A demo request starts the speed-to-lead clock, and only MQLs get sales activity, so a demo request of any
        other person would be a request that sales never answered.
        """
        forms = self.profile.forms
        demo = {number for number, form in enumerate(forms) if DEMO_FORM_WORD in form[0].lower()}
        if not demo or len(demo) == len(forms):
            return
        for index in range(self.n):
            form = self.form[index]
            if form in demo and not self.is_mql(index):
                while form in demo:
                    form = (form + 1) % len(forms)
                self.form[index] = form

    def is_mql(self, index):
        """True when the person has been an MQL: it has a Became-MQL date and an MQL history item."""
        code = self.fault[index]
        if code == CODE_BYTE["lifecycle_backward_move"]:
            return True
        return self.stage[index] >= MQL and code != CODE_BYTE["lifecycle_skipped_stage"]

    def _plan_mql_faults(self, rng):
        mqls = sum(1 for i in range(self.n) if self.is_mql(i))
        for code in _MQL_CODES:
            count = self._count(code, mqls, "mqls")

            def eligible(i, code=code):
                if not self.is_mql(i):
                    return False
                if code == "mql_unassigned":
                    return self.stage[i] == MQL
                if code == "channel_without_spend":
                    return self.form[i] != NO_FORM or (not self.profile.forms and self.channels[self.channel[i]].online)
                return True

            for index in self._sample(rng, range(self.n), count, eligible):
                self.fault[index] = CODE_BYTE[code]
                if code == "channel_without_spend":
                    self.channel[index] = self.display

    def has_answer(self, index):
        """True when the person filled a form with a 'how did you hear about us' field and kept its original source."""
        form = self.form[index]
        if form == NO_FORM or not self.profile.forms[form][2]:
            return False
        return self.fault[index] not in (CODE_BYTE["source_overwritten_import"], CODE_BYTE["source_overwritten_user"])

    def _plan_answers(self, rng):
        answered = sum(1 for i in range(self.n) if self.has_answer(i))
        count = self._count("self_reported_disagrees", answered, "answered")
        for index in self._sample(rng, range(self.n), count, self.has_answer):
            self.fault[index] = CODE_BYTE["self_reported_disagrees"]

    def _plan_companies(self, rng):
        average = self.profile.contacts_per_company
        starts = array("i", [0])
        while starts[-1] < self.n:
            starts.append(min(self.n, starts[-1] + rng.randint(1, 2 * average - 1)))
        self.company_start = starts
        self.company_count = len(starts) - 1

        needs_fit = bytearray(self.company_count)
        fails_fit = CODE_BYTE["mql_fails_fit"]
        for index in range(self.n):
            if index not in self.duplicate_of and self.is_mql(index) and self.fault[index] != fails_fit:
                needs_fit[self.company_of(index)] = 1
        self.company_fit = bytearray(1 if needs_fit[c] or rng.random() < 0.35 else 0 for c in range(self.company_count))
        self.company_first_name_offset = array("H", (rng.randrange(len(catalog.FIRST_NAMES)) for _ in range(self.company_count)))

        self.company_duplicates = {}
        count = surplus_count(self.profile.company_duplicate_rate, self.company_count)
        self.company_total = self.company_count + count
        self.denominators["duplicate_companies_domain_format"] = ("companies", self.company_total)
        for offset, original in enumerate(sorted(rng.sample(range(self.company_count), count))):
            self.company_duplicates[self.company_count + offset] = original

    def company_of(self, index):
        original = self.duplicate_of.get(index)
        if original is not None:
            index = original
        return bisect.bisect_right(self.company_start, index) - 1

    def position_in_company(self, index):
        company = self.company_of(index)
        original = self.duplicate_of.get(index, index)
        return company, original - self.company_start[company]

    def _plan_owners(self, rng, hubspot_owners):
        """Assign an owner slot to every Lead-or-later person; one rep gets the unbalanced extra share."""
        self.owner = bytearray([NO_OWNER]) * self.n
        cells = self.rep_cells(hubspot_owners)
        self.company_cells = [self.company_cell(c) for c in range(self.company_count)] if "reps" in self.profile.extra else None
        self.reps_by_cell = cells
        unassigned, inactive = CODE_BYTE["mql_unassigned"], CODE_BYTE["owner_inactive"]
        owned = {cell: [] for cell in cells}
        for index in range(self.n):
            if self.stage[index] < LEAD and not self.is_mql(index):
                continue
            if self.fault[index] == unassigned:
                continue
            if self.fault[index] == inactive:
                self.owner[index] = NO_OWNER - 1 - rng.randrange(2)
                continue
            owned[self.cell_of(index)].append(index)

        # The audit flags a rep above 1.5 times the mean share of its cell. With two reps a 35 % extra share gives
        # 0.35 + 0.65 / 2 = 67.5 %, only 1.35 times the mean, so the extra share goes to a cell of at least
        # MIN_UNBALANCED_CELL_REPS reps where one exists (0.35 + 0.65 / 3 = 57 %, 1.7 times the mean).
        candidates = [cell for cell in cells if len(cells[cell]) >= MIN_UNBALANCED_CELL_REPS] or list(cells)
        heavy_cell = max(candidates, key=lambda cell: (len(owned[cell]), cell))
        self.unbalanced_rep = cells[heavy_cell][rng.randrange(len(cells[heavy_cell]))]
        extra_count = exact_count(self.profile.unbalanced_rate, len(owned[heavy_cell]))
        self.unbalanced = {"cell": heavy_cell, "assigned": len(owned[heavy_cell]), "extra": extra_count}
        extra = set(rng.sample(range(len(owned[heavy_cell])), extra_count))
        for cell, indexes in owned.items():
            reps = cells[cell]
            turn = 0
            for position, index in enumerate(indexes):
                if cell == heavy_cell and position in extra:
                    self.owner[index] = self.unbalanced_rep
                    continue
                self.owner[index] = reps[turn % len(reps)]
                turn += 1

    def rep_cells(self, hubspot_owners):
        extra = self.profile.extra
        if "reps" not in extra:
            return {("all", "all"): list(range(hubspot_owners))}
        cells = [(territory, segment) for territory in extra["territories"] for segment in extra["segments"]]
        reps = {cell: [] for cell in cells}
        for rep in range(extra["reps"]):
            reps[cells[rep % len(cells)]].append(rep)
        return reps

    def cell_of(self, index):
        if self.company_cells is None:
            return ("all", "all")
        return self.company_cells[self.company_of(index)]

    def company_cell(self, company):
        from .people import company_facts

        facts = company_facts(self, company)
        return facts["territory"], facts["segment"]

    def _plan_missing_touchpoints(self, rng):
        rate = self.profile.extra.get("missing_touchpoint_rate")
        self.missing_touchpoint = set()
        if rate is None:
            return
        with_opportunity = [i for i in range(self.n) if self.stage[i] >= OPPORTUNITY]
        count = self._count("offline_interaction_missing_touchpoint", len(with_opportunity), "opportunity contact roles", rate)
        self.missing_touchpoint = set(rng.sample(with_opportunity, count))

    # Helpers.

    def _count(self, code, denominator, name, rate=None):
        rate = self.rates.get(code, 0.0) if rate is None else rate
        count = exact_count(rate, denominator)
        self.counts[code] = count
        self.denominators[code] = (name, denominator)
        return count

    def _sample(self, rng, candidates, count, eligible):
        """Sample count clean, non-original indexes that pass eligible; raise when too few exist."""
        if count == 0:
            return []
        pool = [i for i in candidates if not self.fault[i] and not self.original[i] and eligible(i)]
        if len(pool) < count:
            raise ValueError("population too small to plant %d records (only %d eligible)" % (count, len(pool)))
        return sorted(rng.sample(pool, count))

    def code_of(self, index):
        code = self.fault[index]
        return PERSON_CODES[code - 1] if code else ""
