"""Duplicate matching of contacts and companies over column values, with the rule behind each cluster.

Records match only within one portal: the same person in a client's HubSpot and Salesforce is
one person in two systems, not a duplicate. Fuzzy rules compare records only inside blocks
(same last name and first initial, or same phone number), never every pair of the portal.

Survivor rule of a cluster: the oldest created record survives, ties broken by the lowest
external id.
"""
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from difflib import SequenceMatcher

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
# Blocks larger than this are split by a second key, or skipped (and counted) if still too large,
# because comparing every pair of a block costs its size squared.
MAX_BLOCK_SIZE = 500

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


@dataclass(frozen=True)
class ContactRow:
    portal_id: int
    external_id: str
    email: str
    first_name: str
    last_name: str
    company_name: str
    phone: str
    created_at: datetime | None


@dataclass(frozen=True)
class CompanyRow:
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
    return (row.created_at is None, row.created_at or _NEWEST, id_sort_key(row.external_id))


def exact_email_surplus(rows):
    """Count the surplus records whose email string is identical to another record's in the same portal."""
    counts = Counter((row.portal_id, row.email) for row in rows if row.email)
    return sum(count - 1 for count in counts.values())


def cluster_contacts(rows, strip_plus_tags):
    """Cluster ContactRows by normalised email, then optionally plus-tag-stripped email, then fuzzy name rules."""
    merger = _Merger(len(rows))

    merger.merge_by_key(_email_keys(rows, strip_plus_tags=False), RULE_EMAIL)
    if strip_plus_tags:
        merger.merge_by_key(_email_keys(rows, strip_plus_tags=True), RULE_EMAIL_PLUS_TAG)

    people = [_person(row) for row in rows]

    def compare(first, second):
        return _compare_people(people[first], people[second])

    name_blocks = _blocks(rows, people, lambda person: person["name_block"])
    phone_blocks = _blocks(rows, people, lambda person: person["phone"])
    merger.merge_pairs(name_blocks, compare, split_key=lambda index: people[index]["company"][:3])
    merger.merge_pairs(phone_blocks, compare, split_key=lambda index: people[index]["last"])
    return merger.report(rows)


def cluster_companies(rows):
    """Return (domain groups to merge, name-similarity candidates to review) for CompanyRows.

    Name candidates link companies of different domain groups. They are never merged automatically,
    because two companies with one name may be separate legal entities.
    """
    domains = _Merger(len(rows))
    domains.merge_by_key([(row.portal_id, normalize_domain(row.domain)) for row in rows], RULE_DOMAIN)
    domain_report = domains.report(rows)

    names = [normalize_company_name(row.name) for row in rows]
    candidates = _Merger(len(rows))
    for first, second in domains.merged_pairs():
        candidates.union(first, second, rule=None)
    blocks = _blocks(rows, names, lambda name: name.replace(" ", "")[:3])
    candidates.merge_pairs(
        blocks,
        lambda first, second: _compare_company_names(names[first], names[second]),
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
    return [(row.portal_id, normalize_email(row.email, strip_plus_tags)) for row in rows]


def _person(row):
    first, last = normalize_person_name(row.first_name), normalize_person_name(row.last_name)
    has_name = bool(first and last)
    phone = phone_key(row.phone)
    return {
        "name": f"{first} {last}" if has_name else "",
        "last": last,
        "company": normalize_company_name(row.company_name),
        "name_block": (last, first[0]) if has_name else None,
        "phone": phone if has_name else "",
    }


def _blocks(rows, values, key_of):
    blocks = defaultdict(list)
    for index, value in enumerate(values):
        key = key_of(value)
        if key:
            blocks[(rows[index].portal_id, key)].append(index)
    return [members for members in blocks.values() if len(members) > 1]


def _similarity(first, second):
    if first == second:
        return 1.0
    matcher = SequenceMatcher(None, first, second)
    return matcher.ratio() if matcher.quick_ratio() >= min(NAME_SIMILARITY_WITH_PHONE, COMPANY_SIMILARITY) else 0.0


def _compare_people(first, second):
    name_ratio = _similarity(first["name"], second["name"])
    if first["phone"] and first["phone"] == second["phone"] and name_ratio >= NAME_SIMILARITY_WITH_PHONE:
        return RULE_NAME_PHONE
    if not (first["company"] and second["company"]) or name_ratio < NAME_SIMILARITY:
        return None
    if _similarity(first["company"], second["company"]) >= COMPANY_SIMILARITY:
        return RULE_NAME_COMPANY
    return None


def _compare_company_names(first, second):
    if not (first and second):
        return None
    if _similarity(first.replace(" ", ""), second.replace(" ", "")) >= COMPANY_SIMILARITY:
        return RULE_COMPANY_NAME
    return None


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

    def merge_pairs(self, blocks, compare, split_key=None):
        skipped_before = self.skipped_blocks
        for block in blocks:
            for part in self._fit_block(block, split_key):
                self._merge_block(part, compare)

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

        members = defaultdict(list)
        for index in range(len(rows)):
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

    def _merge_block(self, block, compare):
        for position, first in enumerate(block):
            for second in block[position + 1:]:
                rule = compare(first, second)
                if rule:
                    self.union(first, second, rule)


def _cluster(rows, rules):
    ordered = sorted(rows, key=lambda row: id_sort_key(row.external_id))
    return Cluster(
        portal_id=ordered[0].portal_id,
        ids=[row.external_id for row in ordered],
        rules=rules,
        survivor=min(rows, key=survivor_sort_key).external_id,
    )
