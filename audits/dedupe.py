"""Duplicate matching of contacts and companies over column values, with the rule behind each cluster.

Records match only within one portal: the same person in a client's HubSpot and Salesforce is
one person in two systems, not a duplicate. Fuzzy rules compare records only inside blocks
(same last name and first initial, or same phone number), never every pair of the portal.

Survivor rule of a cluster: the oldest created record survives, ties broken by the lowest
external id.

Similarity is difflib's SequenceMatcher ratio. Inside a block, rapidfuzz finds the candidate values
first: its fuzz.ratio is 2 * LCS / (len(a) + len(b)), and difflib's matching blocks form a common
subsequence, so difflib's ratio never exceeds rapidfuzz's. Every pair that reaches a cutoff under
difflib is a rapidfuzz candidate, and difflib decides each candidate, so the matches are difflib's.
Records are grouped by their normalised values, so the work grows with the distinct values of a
block and the matches, not with the pairs of records.
"""
import gc
import logging
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from difflib import SequenceMatcher
from functools import lru_cache
from typing import NamedTuple

from rapidfuzz import fuzz, process

from audits.normalize import (
    normalize_company_name,
    normalize_domain,
    normalize_email,
    normalize_person_name,
    phone_key,
)

logger = logging.getLogger(__name__)

# Rules that put records into one cluster, as named in findings.
RULE_EMAIL = "email_trim_lower_case"
RULE_EMAIL_PLUS_TAG = "email_plus_tag_stripped"
RULE_NAME_COMPANY = "name_and_company_similar"
RULE_NAME_PHONE = "name_similar_same_phone"
RULE_DOMAIN = "domain_normalised"
RULE_COMPANY_NAME = "company_name_similar"

# difflib SequenceMatcher ratios at which two values count as the same.
NAME_SIMILARITY = 0.9
NAME_SIMILARITY_WITH_PHONE = 0.85
COMPANY_SIMILARITY = 0.9
# Blocks larger than this are split by a second key, or skipped (and counted) if still too large.
# The candidate search of a block grows with the square of its distinct values, and the same limit
# keeps the clusters those of the earlier pair-by-pair matcher.
MAX_BLOCK_SIZE = 500
# rapidfuzz scores are floating-point percentages. The candidate cutoff sits this far below the
# difflib cutoff, so rounding never drops a candidate, and difflib decides each one.
_CANDIDATE_MARGIN = 0.1

_NEWEST = datetime.max.replace(tzinfo=timezone.utc)


@dataclass
class Cluster:
    portal_id: int
    ids: list
    rules: list
    survivor: str

    @property
    def surplus(self):
        return len(self.ids) - 1


@dataclass
class ClusterReport:
    clusters: list = field(default_factory=list)
    # Records merged by each rule, in rule order. Their sum is the surplus of all clusters.
    merged_by_rule: Counter = field(default_factory=Counter)
    skipped_blocks: int = 0

    @property
    def surplus(self):
        return sum(cluster.surplus for cluster in self.clusters)


class ContactRow(NamedTuple):
    """One contact's columns. created_at only orders survivors: a datetime, or a number that orders the same."""

    portal_id: int
    external_id: str
    email: str
    first_name: str
    last_name: str
    company_name: str
    phone: str
    created_at: datetime | None


class CompanyRow(NamedTuple):
    portal_id: int
    external_id: str
    name: str
    domain: str
    created_at: datetime | None


def id_sort_key(external_id):
    """Sort numeric ids by value ("9" before "10") and other ids after them as text."""
    return (0, int(external_id), "") if external_id.isdigit() else (1, 0, external_id)


def survivor_sort_key(row):
    """Order records for survival: oldest created first (no creation date last), then the lowest external id."""
    created_at = row.created_at
    return (created_at is None, _NEWEST if created_at is None else created_at, id_sort_key(row.external_id))


def exact_email_surplus(rows):
    """Count the surplus records whose email string is identical to another record's in the same portal."""
    counts = Counter((row.portal_id, row.email) for row in rows if row.email)
    return sum(count - 1 for count in counts.values())


@contextmanager
def without_cyclic_gc():
    """Pause Python's cyclic garbage collector while clustering builds millions of small acyclic objects.

    Each full collection walks every live object, so at 1,000,000 contacts the collections took about
    a sixth of the check's time (28.9 s with them, 23.9 s without). These objects form no reference
    cycles, so reference counting frees them as usual.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@without_cyclic_gc()
def cluster_contacts(rows, strip_plus_tags):
    """Cluster ContactRows by normalised email, then optionally plus-tag-stripped email, then fuzzy name rules."""
    merger = _Merger(len(rows))

    merger.merge_by_key(_email_keys(rows, strip_plus_tags=False), RULE_EMAIL)
    if strip_plus_tags:
        merger.merge_by_key(_email_keys(rows, strip_plus_tags=True), RULE_EMAIL_PLUS_TAG)

    people = _people(rows)
    similarity = _SimilarityCache()

    def matches(block):
        return _people_matches(block, people, similarity)

    name_blocks = _blocks(rows, people, lambda person: person["name_block"])
    phone_blocks = _blocks(rows, people, lambda person: person["phone"])
    merger.merge_pairs(name_blocks, matches, split_key=lambda index: people[index]["company"][:3])
    merger.merge_pairs(phone_blocks, matches, split_key=lambda index: people[index]["last"])
    return merger.report(rows)


@without_cyclic_gc()
def cluster_companies(rows):
    """Return (domain groups to merge, name-similarity candidates to review) for CompanyRows.

    Name candidates link companies of different domain groups. They are never merged automatically,
    because two companies with one name may be separate legal entities.
    """
    domains = _Merger(len(rows))
    domains.merge_by_key([(row.portal_id, normalize_domain(row.domain)) for row in rows], RULE_DOMAIN)
    domain_report = domains.report(rows)

    names = [normalize_company_name(row.name) for row in rows]
    compact = [name.replace(" ", "") for name in names]
    candidates = _Merger(len(rows))
    for first, second in domains.merged_pairs():
        candidates.union(first, second, rule=None)
    blocks = _blocks(rows, names, lambda name: name.replace(" ", "")[:3])
    similarity = _SimilarityCache()
    candidates.merge_pairs(
        blocks,
        lambda block: _company_name_matches(block, compact, similarity),
        split_key=lambda index: names[index].replace(" ", "")[:6],
    )
    candidate_report = candidates.report(rows, required_rule=RULE_COMPANY_NAME)
    return domain_report, candidate_report


def surviving_company(client_id, domain, portal_ids=None):
    """Return the Company that survives the domain group of `domain` (a domain, URL or email), or None."""
    from portals.models import Company

    host = normalize_domain(domain.rpartition("@")[2] if "@" in (domain or "") else domain)
    if not host:
        return None

    companies = Company.objects.filter(client_id=client_id, domain__icontains=host)
    if portal_ids is not None:
        companies = companies.filter(portal_id__in=portal_ids)
    columns = companies.values_list("portal_id", "external_id", "domain", "created_at")
    rows = [
        CompanyRow(portal_id, external_id, "", raw_domain, created_at)
        for portal_id, external_id, raw_domain, created_at in columns
        if normalize_domain(raw_domain) == host
    ]
    if not rows:
        return None

    survivor = min(rows, key=survivor_sort_key)
    return Company.objects.get(client_id=client_id, portal_id=survivor.portal_id, external_id=survivor.external_id)


def _email_keys(rows, strip_plus_tags):
    keys = [(row[0], (row.email or "").strip().lower()) for row in rows]
    if not strip_plus_tags:
        return keys
    # normalize_email is idempotent, and an address without "+" has no tag to strip.
    return [(portal, normalize_email(email, True)) if "+" in email else (portal, email) for portal, email in keys]


def _person(row, person_name=normalize_person_name, company_name=normalize_company_name):
    first, last = person_name(row.first_name), person_name(row.last_name)
    has_name = bool(first and last)
    return {
        "name": f"{first} {last}" if has_name else "",
        "last": last,
        "company": company_name(row.company_name),
        "name_block": (last, first[0]) if has_name else None,
        "phone": phone_key(row.phone) if has_name else "",
    }


def _people(rows):
    """Return _person of each row, with name and company normalisers that remember each distinct value."""
    person_name = lru_cache(maxsize=None)(normalize_person_name)
    company_name = lru_cache(maxsize=None)(normalize_company_name)
    return [_person(row, person_name, company_name) for row in rows]


def _blocks(rows, values, key_of):
    blocks = defaultdict(list)
    for index, (row, value) in enumerate(zip(rows, values)):
        key = key_of(value)
        if key:
            blocks[(row[0], key)].append(index)
    return [members for members in blocks.values() if len(members) > 1]


def _similarity(first, second):
    if first == second:
        return 1.0
    matcher = SequenceMatcher(None, first, second)
    return matcher.ratio() if matcher.quick_ratio() >= min(NAME_SIMILARITY_WITH_PHONE, COMPANY_SIMILARITY) else 0.0


class _SimilarityCache:
    """difflib ratios of ordered value pairs, each computed once per clustering run.

    difflib's ratio can differ with the order of its arguments, so (a, b) and (b, a) are kept apart.
    """

    def __init__(self):
        self.ratios = {}

    def ratio(self, first, second):
        key = (first, second)
        found = self.ratios.get(key)
        if found is None:
            found = self.ratios[key] = _similarity(first, second)
        return found

    def similar(self, value, choices, cutoff):
        """Return (choice, ratio) for each choice whose difflib ratio with `value` reaches `cutoff`."""
        if len(choices) == 1:
            choice = choices[0]
            ratio = 1.0 if choice == value else self.ratio(value, choice)
            return [(choice, ratio)] if ratio >= cutoff else []
        candidates = process.extract(
            value, choices, scorer=fuzz.ratio, score_cutoff=cutoff * 100 - _CANDIDATE_MARGIN, limit=None
        )
        found = []
        for choice, _, _ in candidates:
            ratio = self.ratio(value, choice)
            if ratio >= cutoff:
                found.append((choice, ratio))
        return found


class _BlockValues:
    """The distinct values of one block with their similar values, looked up once per value."""

    def __init__(self, values, cutoff, similarity):
        self.values = list(dict.fromkeys(value for value in values if value))
        self.cutoff = cutoff
        self.similarity = similarity
        self.found = {}

    def similar(self, value):
        found = self.found.get(value)
        if found is None:
            found = self.found[value] = self.similarity.similar(value, self.values, self.cutoff)
        return found


def _people_matches(block, people, similarity):
    """Return (first, second, rule) for each matching pair of the block, in pair order.

    A pair (first, second) matches by phone when both have the phone key and the names reach
    NAME_SIMILARITY_WITH_PHONE. Otherwise it matches by company when both have a company, the names
    reach NAME_SIMILARITY and the companies COMPANY_SIMILARITY. Each ratio takes the first record's
    value first.
    Pair order is the order of a loop over every pair (first position, then second), so the
    union-find records the same merge for each pair as such a loop would. Company names are compared
    only with the companies of records whose name is similar enough.
    """
    name_cutoff = min(NAME_SIMILARITY, NAME_SIMILARITY_WITH_PHONE)
    names = _BlockValues((people[index]["name"] for index in block), name_cutoff, similarity)
    by_phone, by_company, companies_of_name = defaultdict(list), defaultdict(list), defaultdict(dict)
    for position, index in enumerate(block):
        person = people[index]
        if person["phone"]:
            by_phone[(person["name"], person["phone"])].append(position)
        if person["company"]:
            by_company[(person["name"], person["company"])].append(position)
            companies_of_name[person["name"]][person["company"]] = True
    companies_of_name = {name: list(companies) for name, companies in companies_of_name.items()}
    similar_companies = {}

    found = {}
    for position, index in enumerate(block):
        person = people[index]
        phone, company = person["phone"], person["company"]
        for name, ratio in names.similar(person["name"]):
            if phone and ratio >= NAME_SIMILARITY_WITH_PHONE:
                for later in by_phone.get((name, phone), ()):
                    if later > position:
                        found[(position, later)] = RULE_NAME_PHONE
            if not company or ratio < NAME_SIMILARITY or name not in companies_of_name:
                continue
            key = (company, name)
            if key not in similar_companies:
                similar_companies[key] = similarity.similar(company, companies_of_name[name], COMPANY_SIMILARITY)
            for other_company, _ in similar_companies[key]:
                for later in by_company[(name, other_company)]:
                    if later > position:
                        found.setdefault((position, later), RULE_NAME_COMPANY)
    return [(block[first], block[second], found[(first, second)]) for first, second in sorted(found)]


def _company_name_matches(block, compact, similarity):
    """Return (first, second, rule) pairs that connect the same records as every matching pair of the block.

    Two companies match when both compact names (no spaces) are set and reach COMPANY_SIMILARITY, with
    the earlier record's name first. Name candidates have one rule, so which pairs are merged changes
    neither the clusters nor the merges per rule. The pairs returned chain each group of equal names,
    and link two groups when a pair of their records matches in block order.
    """
    groups = defaultdict(list)
    for index in block:
        if compact[index]:
            groups[compact[index]].append(index)
    names = _BlockValues(groups, COMPANY_SIMILARITY, similarity)

    matches = []
    for members in groups.values():
        matches.extend((members[0], other, RULE_COMPANY_NAME) for other in members[1:])
    position = {index: place for place, index in enumerate(block)}
    for name, members in groups.items():
        first_place = position[members[0]]
        for other, _ in names.similar(name):
            # The ratio takes the earlier record's name first.
            if other != name and first_place < position[groups[other][-1]]:
                matches.append((members[0], groups[other][0], RULE_COMPANY_NAME))
    return matches


class _Merger:
    """Union-find over record indexes that remembers which rule made each merge."""

    def __init__(self, size):
        self.parent = list(range(size))
        self.merges = []
        self.skipped_blocks = 0

    def find(self, index):
        while self.parent[index] != index:
            self.parent[index] = self.parent[self.parent[index]]
            index = self.parent[index]
        return index

    def union(self, first, second, rule):
        first_root, second_root = self.find(first), self.find(second)
        if first_root == second_root:
            return False
        self.parent[max(first_root, second_root)] = min(first_root, second_root)
        self.merges.append((first, second, rule))
        return True

    def merge_by_key(self, keys, rule):
        first_with_key = {}
        for index, key in enumerate(keys):
            if not key[-1]:
                continue
            if key in first_with_key:
                self.union(first_with_key[key], index, rule)
            else:
                first_with_key[key] = index

    def merge_pairs(self, blocks, matches, split_key=None):
        """Union the (first, second, rule) pairs that `matches` returns for each block that fits."""
        skipped_before = self.skipped_blocks
        for block in blocks:
            for part in self._fit_block(block, split_key):
                for first, second, rule in matches(part):
                    self.union(first, second, rule)

        if self.skipped_blocks > skipped_before:
            logger.warning(
                "duplicate blocks skipped blocks=%s max_block_size=%s", self.skipped_blocks - skipped_before, MAX_BLOCK_SIZE
            )

    def merged_pairs(self):
        return [(first, second) for first, second, _ in self.merges]

    def report(self, rows, required_rule=None):
        # Rules per cluster in the order they were applied, each once.
        rules_by_root = defaultdict(dict)
        merged_by_rule = Counter()
        for first, _, rule in self.merges:
            if rule:
                rules_by_root[self.find(first)][rule] = True
                merged_by_rule[rule] += 1

        # A record outside every merge is a cluster of one, so only merged records are grouped.
        members = defaultdict(list)
        for index in sorted({index for first, second, _ in self.merges for index in (first, second)}):
            members[self.find(index)].append(rows[index])
        clusters = [
            _cluster(group, list(rules_by_root[root]))
            for root, group in members.items()
            if len(group) > 1 and (required_rule is None or required_rule in rules_by_root[root])
        ]
        clusters.sort(key=lambda cluster: (-len(cluster.ids), cluster.portal_id, id_sort_key(cluster.survivor)))
        return ClusterReport(clusters=clusters, merged_by_rule=merged_by_rule, skipped_blocks=self.skipped_blocks)

    def _fit_block(self, block, split_key):
        if len(block) <= MAX_BLOCK_SIZE:
            return [block]

        parts = defaultdict(list)
        if split_key is not None:
            for index in block:
                parts[split_key(index)].append(index)
        fitting = [part for part in parts.values() if 1 < len(part) <= MAX_BLOCK_SIZE]
        oversize = [part for part in parts.values() if len(part) > MAX_BLOCK_SIZE] if parts else [block]
        self.skipped_blocks += len(oversize)
        return fitting


def _cluster(rows, rules):
    ordered = sorted(rows, key=lambda row: id_sort_key(row.external_id))
    return Cluster(
        portal_id=ordered[0].portal_id,
        ids=[row.external_id for row in ordered],
        rules=rules,
        survivor=min(rows, key=survivor_sort_key).external_id,
    )
