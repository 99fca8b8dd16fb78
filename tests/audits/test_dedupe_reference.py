"""The grouped duplicate matcher of audits.dedupe against a pair-by-pair reference on hand-built contacts."""
import random
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from difflib import SequenceMatcher

import pytest

from audits import dedupe
from audits.dedupe import (
    COMPANY_SIMILARITY,
    NAME_SIMILARITY,
    NAME_SIMILARITY_WITH_PHONE,
    RULE_EMAIL,
    RULE_EMAIL_PLUS_TAG,
    RULE_NAME_COMPANY,
    RULE_NAME_PHONE,
    Cluster,
    ContactRow,
    cluster_contacts,
    id_sort_key,
    survivor_sort_key,
)
from audits.normalize import normalize_company_name, normalize_email, normalize_person_name, phone_key

CREATED = datetime(2025, 1, 6, 9, 0, tzinfo=timezone.utc)


class ReferenceMerger:
    """Plain union-find that keeps each merge with its rule, in merge order."""

    def __init__(self, size):
        self.parent = list(range(size))
        self.merges = []

    def find(self, index):
        while self.parent[index] != index:
            index = self.parent[index]
        return index

    def union(self, first, second, rule):
        first_root, second_root = self.find(first), self.find(second)
        if first_root != second_root:
            self.parent[max(first_root, second_root)] = min(first_root, second_root)
            self.merges.append((first, second, rule))


def reference_people(rows):
    people = []
    for row in rows:
        first, last = normalize_person_name(row.first_name), normalize_person_name(row.last_name)
        has_name = bool(first and last)
        people.append({
            "name": f"{first} {last}" if has_name else "",
            "last": last,
            "company": normalize_company_name(row.company_name),
            "name_block": (last, first[0]) if has_name else None,
            "phone": phone_key(row.phone) if has_name else "",
        })
    return people


def reference_rule(first, second):
    """Compare two people with difflib, the first one's values first."""
    name_ratio = SequenceMatcher(None, first["name"], second["name"]).ratio()
    if first["phone"] and first["phone"] == second["phone"] and name_ratio >= NAME_SIMILARITY_WITH_PHONE:
        return RULE_NAME_PHONE
    if first["company"] and second["company"] and name_ratio >= NAME_SIMILARITY:
        if SequenceMatcher(None, first["company"], second["company"]).ratio() >= COMPANY_SIMILARITY:
            return RULE_NAME_COMPANY
    return None


def reference_parts(rows, people, block_key, split_key, max_size):
    """Blocks of record indexes in record order, split by split_key when larger than max_size."""
    blocks = defaultdict(list)
    for index, person in enumerate(people):
        key = block_key(person)
        if key:
            blocks[(rows[index].portal_id, key)].append(index)
    parts = []
    for block in blocks.values():
        if len(block) <= max_size:
            parts.append(block)
            continue
        split = defaultdict(list)
        for index in block:
            split[split_key(people[index])].append(index)
        parts.extend(part for part in split.values() if len(part) <= max_size)
    return [part for part in parts if len(part) > 1]


def reference_clusters(rows, strip_plus_tags, max_size):
    """Return (clusters, merges per rule) from comparing every pair of records inside each block."""
    merger = ReferenceMerger(len(rows))
    email_passes = [(False, RULE_EMAIL)] + ([(True, RULE_EMAIL_PLUS_TAG)] if strip_plus_tags else [])
    for strip, rule in email_passes:
        first_with_email = {}
        for index, row in enumerate(rows):
            email = normalize_email(row.email, strip)
            if email:
                key = (row.portal_id, email)
                if key in first_with_email:
                    merger.union(first_with_email[key], index, rule)
                else:
                    first_with_email[key] = index

    people = reference_people(rows)
    name_parts = reference_parts(rows, people, lambda person: person["name_block"], lambda person: person["company"][:3], max_size)
    phone_parts = reference_parts(rows, people, lambda person: person["phone"], lambda person: person["last"], max_size)
    for part in name_parts + phone_parts:
        for position, first in enumerate(part):
            for second in part[position + 1:]:
                rule = reference_rule(people[first], people[second])
                if rule:
                    merger.union(first, second, rule)

    rules_by_root = defaultdict(dict)
    for first, _, rule in merger.merges:
        rules_by_root[merger.find(first)][rule] = True
    members = defaultdict(list)
    for index, row in enumerate(rows):
        members[merger.find(index)].append(row)
    clusters = []
    for root, group in members.items():
        if len(group) > 1:
            ordered = sorted(group, key=lambda row: id_sort_key(row.external_id))
            clusters.append(Cluster(
                portal_id=group[0].portal_id,
                ids=[row.external_id for row in ordered],
                rules=list(rules_by_root[root]),
                survivor=min(group, key=survivor_sort_key).external_id,
            ))
    clusters.sort(key=lambda cluster: (-len(cluster.ids), cluster.portal_id, id_sort_key(cluster.survivor)))
    return clusters, Counter(rule for _, _, rule in merger.merges)


def contact(external_id, first, last, company="", phone="", email="", portal=1, days=0):
    email = email or f"{first}.{last}.{external_id}@example.com".lower()
    return ContactRow(portal, str(external_id), email, first, last, company, phone, CREATED + timedelta(days=days))


HAND_BUILT = [
    # Typos in the name at one company, written three ways.
    contact(1, "Jonathan", "Smith", "Acme Widgets Inc.", days=3),
    contact(2, "Jonathon", "Smith", "ACME Widgets"),
    contact(3, "Johnathan", "Smith", "Acme Widget Co", days=1),
    # A typo in the last name puts a record into another name block, so it is never compared.
    contact(4, "Jonathan", "Smith", "Globex Corporation"),
    contact(5, "Jonathan", "Smyth", "Globex Corp"),
    contact(6, "Jonathan", "Smith", "Initech"),
    # Same company, different phones and close names: a company match, not a phone match.
    contact(7, "Maria", "Gonzalez", "Umbrella Health", "+1 (555) 010-2000"),
    contact(8, "Mariah", "Gonzalez", "Umbrella Health", "+1 (555) 010-3000"),
    # Same phone, different company: the phone rule decides, with its lower name cutoff.
    contact(9, "Katherine", "Lee", "Soylent", "555-010-4444"),
    contact(10, "Kathrine", "Lee", "Hooli", "(555) 010 4444"),
    contact(11, "Catherine", "Lee", "Vandelay", "5550104444"),
    # Same phone, names too far apart.
    contact(12, "Peter", "Parker", "Daily Bugle", "555-010-7777"),
    contact(13, "Mary", "Watson", "Daily Bugle", "555-010-7777"),
    # Emails: case and spaces, and a plus tag.
    contact(14, "Ana", "Test", email="ana.test@example.com"),
    contact(15, "Ana", "Tester", email=" Ana.Test@Example.com "),
    contact(16, "Ana", "Tast", email="ana.test+events@example.com"),
    # A chain: 17 and 19 share neither company nor phone, 18 shares the company of one and the phone of the other.
    contact(17, "Alexandra", "Whitfield", "Stark Industries", "555-010-1111"),
    contact(18, "Alexandria", "Whitfield", "Stark Industries", "555-010-2222"),
    contact(19, "Alexandrina", "Whitfield", "Oscorp", "555-010-2222"),
    # The same person in another portal is not a duplicate of portal 1's record.
    contact(20, "Jonathan", "Smith", "Acme Widgets", portal=2),
    contact(21, "Jonathon", "Smith", "Acme Widgets", portal=2),
    # Missing names or companies never match on names.
    contact(22, "", "Smith", "Acme Widgets"),
    contact(23, "Jonathan", "", "Acme Widgets"),
    contact(24, "Jonathan", "Smith", ""),
    # Equal creation dates: the lowest id survives ("9" sorts before "10").
    contact(25, "Olivia", "Brown", "Wayne Enterprises", days=5),
    contact(26, "Olvia", "Brown", "Wayne Enterprises", days=5),
]


def product_result(rows, strip_plus_tags):
    report = cluster_contacts(rows, strip_plus_tags=strip_plus_tags)
    return report.clusters, Counter({rule: count for rule, count in report.merged_by_rule.items() if count})


@pytest.mark.parametrize("strip_plus_tags", [True, False])
def test_hand_built_matches_reference(strip_plus_tags):
    clusters, merged = product_result(HAND_BUILT, strip_plus_tags)
    expected_clusters, expected_merged = reference_clusters(HAND_BUILT, strip_plus_tags, dedupe.MAX_BLOCK_SIZE)

    assert clusters == expected_clusters
    assert merged == expected_merged


def test_hand_built_clusters_found():
    """The hand-built set exercises every rule and the cases above, so the comparison covers them."""
    clusters, _ = product_result(HAND_BUILT, strip_plus_tags=True)
    by_ids = {tuple(cluster.ids): cluster for cluster in clusters}

    assert by_ids[("1", "2", "3")].rules == [RULE_NAME_COMPANY]
    assert by_ids[("1", "2", "3")].survivor == "2"
    assert by_ids[("7", "8")].rules == [RULE_NAME_COMPANY]
    assert by_ids[("9", "10", "11")].rules == [RULE_NAME_PHONE]
    assert by_ids[("14", "15", "16")].rules == [RULE_EMAIL, RULE_EMAIL_PLUS_TAG]
    assert by_ids[("17", "18", "19")].rules == [RULE_NAME_COMPANY, RULE_NAME_PHONE]
    assert by_ids[("20", "21")].portal_id == 2
    assert by_ids[("25", "26")].survivor == "25"
    unmatched = {"4", "5", "6", "12", "13", "22", "23", "24"}
    assert [cluster.ids for cluster in clusters if unmatched & set(cluster.ids)] == []


def test_chain_needs_middle_record():
    without_middle = [row for row in HAND_BUILT if row.external_id != "18"]
    clusters, _ = product_result(without_middle, strip_plus_tags=True)

    assert ["17", "19"] not in [cluster.ids for cluster in clusters]
    assert clusters == reference_clusters(without_middle, True, dedupe.MAX_BLOCK_SIZE)[0]


def generated_contacts(count, seed):
    """Contacts from a small vocabulary with one-letter typos, shared phones and company variants."""
    generator = random.Random(seed)
    firsts = ["Jonathan", "Maria", "Katherine", "Olivia", "Liam", "Noah", "Emma", "Ava"]
    lasts = ["Smith", "Gonzalez", "Lee", "Brown", "Nguyen", "Meyer"]
    companies = ["Acme Widgets", "ACME Widgets Inc.", "Acme Widget", "Globex", "Globex Corp", "Initech", "Hooli", ""]
    phones = ["555-010-1000", "555-010-2000", "(555) 010-1000", "", ""]

    def typo(word):
        if len(word) < 4 or generator.random() < 0.6:
            return word
        position = generator.randrange(1, len(word))
        return word[:position] + generator.choice("aeiouy") + word[position + 1:]

    rows = []
    for number in range(1, count + 1):
        first, last = typo(generator.choice(firsts)), typo(generator.choice(lasts))
        email = generator.choice([f"{first}.{last}@example.com", f"{first}.{last}+{number}@example.com", f"{number}@example.com"])
        rows.append(ContactRow(
            generator.choice([1, 1, 1, 2]), str(number), email, first, last, generator.choice(companies),
            generator.choice(phones), CREATED + timedelta(days=generator.randrange(4)),
        ))
    return rows


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_matches_reference(seed):
    rows = generated_contacts(300, seed)
    clusters, merged = product_result(rows, strip_plus_tags=True)
    expected_clusters, expected_merged = reference_clusters(rows, True, dedupe.MAX_BLOCK_SIZE)

    assert len(clusters) > 10
    assert clusters == expected_clusters
    assert merged == expected_merged


def test_small_blocks_split_like_reference(monkeypatch):
    monkeypatch.setattr("audits.dedupe.MAX_BLOCK_SIZE", 6)
    rows = generated_contacts(300, seed=4)
    clusters, merged = product_result(rows, strip_plus_tags=True)
    expected_clusters, expected_merged = reference_clusters(rows, True, 6)

    assert clusters == expected_clusters
    assert merged == expected_merged
