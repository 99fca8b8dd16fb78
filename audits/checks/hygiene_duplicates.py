"""Hygiene checks for duplicate contacts and companies. The matching rules live in audits.dedupe.

The duplicate rate is the share of surplus records: records in clusters minus the number of
clusters, over all records, because merging a cluster of 3 removes 2 records.
"""
from django.db import connection
from django.db.models import FloatField
from django.db.models.functions import Cast, Extract

from audits.checks.base import Check, CheckOutcome, FindingData, Remediation, rate, register
from audits.checks.measures import SAMPLE_SIZE, percent, plural, sample_ids, severity_for_rate
from audits.dedupe import (
    RULE_EMAIL,
    RULE_EMAIL_PLUS_TAG,
    RULE_NAME_COMPANY,
    RULE_NAME_PHONE,
    CompanyRow,
    ContactRow,
    cluster_companies,
    cluster_contacts,
    exact_email_surplus,
    without_cyclic_gc,
)
from portals.models import Company, Contact

# Contact rules in the order they are applied, with the wording findings use for them.
CONTACT_RULES = {
    RULE_EMAIL: "same email after trimming spaces and lower-casing",
    RULE_EMAIL_PLUS_TAG: "same email after also removing a +tag",
    RULE_NAME_COMPANY: "similar name at a similar company",
    RULE_NAME_PHONE: "similar name with the same phone number",
}


def creation_epoch():
    """created_at as seconds since 1970. float8 keeps every microsecond apart until about the year 2100."""
    return Cast(Extract("created_at", "epoch"), FloatField())


def contact_rows(context):
    """Return a ContactRow per contact of the audit, read in one query.

    The creation time only orders survivors, so it is read as epoch seconds: parsing a float is several
    times cheaper than building a datetime, and the order is the same. The rows come from the cursor
    as they are, because none of these columns needs a Django converter. The rows come in primary key
    order because the clusters depend on the order: difflib's ratio can differ with the order of its
    arguments, and each pair passes the earlier record first.
    """
    fields = ("portal_id", "external_id", "email", "first_name", "last_name", "company_name", "phone")
    if connection.vendor != "postgresql":
        # SQLite cannot extract epoch seconds, so the ORM reads datetimes and Python converts them.
        rows = context.scoped(Contact).order_by("pk").values_list(*fields, "created_at")
        return [ContactRow(*row[:-1], row[-1].timestamp() if row[-1] else None) for row in rows]

    columns = context.scoped(Contact).annotate(created_epoch=creation_epoch()).order_by("pk").values_list(*fields, "created_epoch")
    sql, parameters = columns.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, parameters)
        return list(map(ContactRow._make, cursor.fetchall()))


def cluster_evidence(clusters):
    """Return the first SAMPLE_SIZE clusters as evidence rows, with sample ids of their surplus records."""
    groups = [
        {
            "portal_id": cluster.portal_id,
            "ids": cluster.ids[:SAMPLE_SIZE],
            "size": len(cluster.ids),
            "rules": cluster.rules,
            "survivor": cluster.survivor,
        }
        for cluster in clusters[:SAMPLE_SIZE]
    ]
    surplus_ids = [record_id for cluster in clusters for record_id in cluster.ids if record_id != cluster.survivor]
    return {"groups": groups, "sample_ids": sample_ids(surplus_ids)}


@register
class DuplicateContacts(Check):
    code = "hygiene.duplicate_contacts"
    category = "hygiene"
    title = "Duplicate contacts"
    description = (
        "Clusters contacts of one portal by email after trimming and lower-casing (and, when "
        "duplicate_strip_plus_tags is on, after removing a +tag), and by similar name with a similar company "
        "or the same phone number. Measures the share of surplus records."
    )
    why_it_matters = (
        "Duplicates split a person's activity across records, so lead scores, attribution and speed to lead "
        "are wrong, two reps may work the same lead, and the portal bills for extra contacts."
    )
    thresholds = ("duplicate_rate", "duplicate_strip_plus_tags")
    weight = 2.0

    def run(self, context):
        with without_cyclic_gc():
            rows = contact_rows(context)
        if not rows:
            return CheckOutcome(None, None, 1.0, skipped_reason="No contacts were synced.")

        strip_plus_tags = context.thresholds["duplicate_strip_plus_tags"]
        report = cluster_contacts(rows, strip_plus_tags)
        total, surplus = len(rows), report.surplus
        threshold = context.thresholds["duplicate_rate"]
        share = rate(surplus, total)
        metrics = {
            "contacts": total,
            "clusters": len(report.clusters),
            "surplus": surplus,
            "exact_string_surplus": exact_email_surplus(rows),
            "surplus_by_rule": {rule: report.merged_by_rule[rule] for rule in CONTACT_RULES},
            "strip_plus_tags": strip_plus_tags,
            "skipped_blocks": report.skipped_blocks,
        }
        findings = [self._finding(report, total, share, threshold, metrics)] if share > threshold else []
        return CheckOutcome(share, threshold, max(0.0, 1.0 - share), findings, metrics=metrics)

    def _finding(self, report, total, share, threshold, metrics):
        rules = "; ".join(
            f"{CONTACT_RULES[rule]}: {count}" for rule, count in metrics["surplus_by_rule"].items() if count
        )
        plus_note = (
            " The +tag rule is on. Turn off duplicate_strip_plus_tags if the client's mail domains deliver "
            "+tag addresses to separate mailboxes."
            if metrics["strip_plus_tags"] else ""
        )
        return FindingData(
            key="contacts:duplicates",
            severity=severity_for_rate(share, threshold),
            title=f"{percent(share)} of contacts are duplicates ({plural(report.surplus, 'surplus record')})",
            summary=(
                f"{report.surplus} of {total} contacts are extra copies of another contact, in "
                f"{plural(len(report.clusters), 'cluster')}. Surplus records by rule: {rules}.{plus_note}"
            ),
            measured_value=share,
            threshold=threshold,
            unit="share of contacts",
            affected_count=report.surplus,
            denominator=total,
            evidence={**cluster_evidence(report.clusters), "surplus_by_rule": metrics["surplus_by_rule"]},
        )

    def remediation(self, finding):
        return Remediation(
            title="Merge duplicate contacts and stop new ones",
            steps=[
                "Merge the duplicate clusters with a stated survivor rule: the oldest record with the most activity survives.",
                "Lower-case and trim email addresses on every entry path (forms, imports, integrations) before the record is created.",
                "Decide whether +tag addresses are the same person. If they are, match imports on the email without the +tag.",
                "Review the name-based clusters by hand before merging, because two people can share a name at one company.",
            ],
            priority="p2",
            effort="medium",
            expected_impact="One record per person, so activity, attribution and ownership are complete.",
        )


@register
class DuplicateCompanies(Check):
    code = "hygiene.duplicate_companies"
    category = "hygiene"
    title = "Duplicate companies"
    description = (
        "Groups companies of one portal by domain after removing the scheme, www., path and trailing slash "
        "(groups to merge), and lists companies with similar names after removing legal suffixes "
        "(candidates to review, not merged)."
    )
    why_it_matters = (
        "Duplicate companies split contacts, deals and revenue across records, so account-based reports are "
        "wrong and named-account routing finds several accounts, or none, for one domain."
    )
    thresholds = ("duplicate_rate",)

    def run(self, context):
        # Primary key order, for the reason given in contact_rows.
        columns = context.scoped(Company).order_by("pk").values_list("portal_id", "external_id", "name", "domain", "created_at")
        rows = list(map(CompanyRow._make, columns))
        if not rows:
            return CheckOutcome(None, None, 1.0, skipped_reason="No companies were synced.")

        domain_report, candidate_report = cluster_companies(rows)
        total = len(rows)
        threshold = context.thresholds["duplicate_rate"]
        share = rate(domain_report.surplus, total)
        findings = []
        if share > threshold:
            findings.append(self._domain_finding(domain_report, total, share, threshold))
        if candidate_report.clusters:
            findings.append(self._name_finding(candidate_report, total))

        metrics = {
            "companies": total,
            "domain_groups": len(domain_report.clusters),
            "domain_surplus": domain_report.surplus,
            "name_candidate_groups": len(candidate_report.clusters),
        }
        return CheckOutcome(share, threshold, max(0.0, 1.0 - share), findings, metrics=metrics)

    def _domain_finding(self, report, total, share, threshold):
        return FindingData(
            key="companies:domain",
            severity=severity_for_rate(share, threshold),
            title=f"{percent(share)} of companies are duplicates by domain ({plural(report.surplus, 'surplus record')})",
            summary=(
                f"{report.surplus} of {total} companies share their domain with another company once "
                f"https://, www. and trailing paths are removed, in {plural(len(report.clusters), 'group')}. "
                "These groups can be merged, and the oldest record of each group survives."
            ),
            measured_value=share,
            threshold=threshold,
            unit="share of companies",
            affected_count=report.surplus,
            denominator=total,
            evidence=cluster_evidence(report.clusters),
        )

    def _name_finding(self, report, total):
        records = sum(len(cluster.ids) for cluster in report.clusters)
        return FindingData(
            key="companies:name_candidates",
            severity="low",
            title=f"{plural(len(report.clusters), 'group')} of companies with similar names to review",
            summary=(
                f"{records} of {total} companies have a similar name (ignoring Inc., GmbH, Ltd and other legal "
                "suffixes) but a different domain. They may be one company or separate legal entities, "
                "so review them before merging."
            ),
            measured_value=rate(records, total),
            unit="share of companies",
            affected_count=records,
            denominator=total,
            evidence={**cluster_evidence(report.clusters), "review_only": True},
        )

    def remediation(self, finding):
        if finding.key == "companies:name_candidates":
            return Remediation(
                title="Review companies with similar names",
                steps=[
                    "Check each group: merge it when the companies are one organisation, or record the parent-child relation when they are separate entities.",
                    "Fill in the domain of companies that have none, so that domain matching can find them.",
                ],
                priority="p3",
                effort="low",
                expected_impact="Account reports and routing see one record per organisation.",
            )
        return Remediation(
            title="Merge companies that share a domain",
            steps=[
                "Merge each domain group. The oldest created record survives, ties broken by the lowest record id.",
                "Store the domain normalised (no https://, www. or path) on every entry path, and match on it before creating a company.",
                "Make integrations and imports that create companies through the API look up the normalised domain "
                "first instead of relying on the CRM to deduplicate them.",
            ],
            priority="p2",
            effort="medium",
            expected_impact="One company per domain, so contacts, deals and named-account routing find one account.",
        )
