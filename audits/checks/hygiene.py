"""Hygiene checks on contact fields: missing fit fields, invalid emails and free-mail addresses on leads.

Duplicate checks live in hygiene_duplicates, imported at the end so that they register.
"""
from collections import Counter

from django.db.models import Count, Q

from audits.checks.base import Check, CheckOutcome, FindingData, Remediation, rate, register
from audits.checks.lifecycle import any_of
from audits.checks.lifecycle_mql import with_company_fit
from audits.checks.measures import percent, plural, sample_ids, scoped_sample, severity_for_rate
from audits.free_mail import is_free_mail_domain
from audits.normalize import email_domain, is_valid_email
from portals.models import Contact

# Stages whose contacts are leads that marketing passes to sales.
LEAD_STAGES = ["lead", "marketingqualifiedlead"]
# Stages whose contacts a B2B sales team works, where a company email matters.
B2B_LEAD_STAGES = ["lead", "marketingqualifiedlead", "salesqualifiedlead"]

# Fit fields and the condition that matches a contact without a value (company values count too).
FIT_FIELDS = {
    "company_size": Q(fit_employees__isnull=True),
    "industry": Q(fit_industry__isnull=True),
    "job_title": Q(job_title=""),
}


@register
class MissingFitFields(Check):
    code = "hygiene.missing_fit_fields"
    category = "hygiene"
    title = "Leads and MQLs missing fit fields"
    description = (
        "Counts leads and MQLs (current stage) without a company size, industry or job title, "
        "taking company size and industry from the associated company when the contact has none."
    )
    why_it_matters = (
        "Without company size, industry and job title nobody can tell whether a lead fits, so MQL criteria, "
        "lead scoring and territory routing fall back to guesses."
    )
    thresholds = ("tolerated_rate",)

    def run(self, context):
        leads = with_company_fit(context.scoped(Contact).filter(lifecycle_stage__in=LEAD_STAGES))
        any_missing = any_of(list(FIT_FIELDS.values()))
        counts = leads.aggregate(
            total=Count("pk"),
            any_missing=Count("pk", filter=any_missing),
            **{name: Count("pk", filter=condition) for name, condition in FIT_FIELDS.items()},
        )
        total = counts["total"]
        if not total:
            return CheckOutcome(None, None, 1.0, skipped_reason="No contacts are currently leads or MQLs.")

        tolerated = context.thresholds["tolerated_rate"]
        findings = [
            self._finding(name, counts[name], total, tolerated, leads.filter(FIT_FIELDS[name]))
            for name in FIT_FIELDS
            if rate(counts[name], total) > tolerated
        ]
        share = rate(counts["any_missing"], total)
        return CheckOutcome(share, tolerated, 1.0 - share, findings, metrics=counts)

    def _finding(self, name, count, total, tolerated, missing):
        label = name.replace("_", " ")
        share = rate(count, total)
        return FindingData(
            key=f"missing:{name}",
            severity=severity_for_rate(share, tolerated),
            title=f"{plural(count, 'lead')} without a {label}",
            summary=(
                f"{count} of {total} leads and MQLs ({percent(share)}) have no {label}, "
                "neither on the contact nor on its company, so their fit cannot be judged."
            ),
            measured_value=share,
            threshold=tolerated,
            unit="share of leads and MQLs",
            affected_count=count,
            denominator=total,
            evidence={"field": name, "sample_ids": scoped_sample(missing)},
        )

    def remediation(self, finding):
        return Remediation(
            title="Capture the fit fields of every lead",
            steps=[
                "Add company size, industry and job title to demo and contact forms, or use progressive profiling to ask for them.",
                "Enrich new leads from the email domain with an enrichment tool and write the values to the company.",
                "Make the fields required on imports and on the lead conversion in the CRM.",
            ],
            priority="p2",
            effort="medium",
            expected_impact="MQL criteria and routing rules can judge every lead's fit.",
        )


@register
class InvalidEmails(Check):
    code = "hygiene.invalid_emails"
    category = "hygiene"
    title = "Invalid email addresses"
    description = "Counts contacts whose email, after trimming spaces, is not a syntactically valid address."
    why_it_matters = (
        "An invalid address bounces or is never sent, the contact cannot be nurtured, and it cannot be "
        "matched to duplicates or to its company by domain."
    )
    thresholds = ("tolerated_rate",)

    def run(self, context):
        contacts = context.scoped(Contact)
        rows = list(contacts.exclude(email="").values_list("external_id", "email"))
        if not rows:
            return CheckOutcome(None, None, 1.0, skipped_reason="No contacts have an email address.")

        invalid = [(external_id, email) for external_id, email in rows if not is_valid_email(email)]
        total = len(rows)
        tolerated = context.thresholds["tolerated_rate"]
        share = rate(len(invalid), total)
        findings = []
        if share > tolerated:
            findings.append(FindingData(
                key="invalid_emails",
                severity=severity_for_rate(share, tolerated),
                title=f"{plural(len(invalid), 'contact')} with an invalid email address",
                summary=(
                    f"{len(invalid)} of {total} contacts with an email ({percent(share)}) have an address that is "
                    "not valid email syntax, such as a missing @, a space inside or no domain ending."
                ),
                measured_value=share,
                threshold=tolerated,
                unit="share of contacts with an email",
                affected_count=len(invalid),
                denominator=total,
                evidence={
                    "sample_ids": sample_ids(external_id for external_id, _ in invalid),
                    "sample_values": [email for _, email in invalid[:5]],
                },
            ))
        return CheckOutcome(
            share, tolerated, 1.0 - share, findings,
            metrics={"with_email": total, "invalid": len(invalid), "without_email": contacts.filter(email="").count()},
        )

    def remediation(self, finding):
        return Remediation(
            title="Validate email addresses at entry",
            steps=[
                "Validate email syntax on every form and reject the submission with a clear message.",
                "Validate imports before loading them and fix or drop rows with invalid addresses.",
                "Correct the listed addresses where the mistake is obvious (spaces, double @), otherwise archive the contacts.",
            ],
            priority="p3",
            effort="low",
            expected_impact="Every contact can be emailed and matched by domain.",
        )


@register
class FreeMailLeads(Check):
    code = "hygiene.free_mail_leads"
    category = "hygiene"
    title = "Leads with free-mail addresses"
    description = "Counts leads, MQLs and SQLs whose email domain is a free-mail provider (gmail.com, outlook.com, gmx.*, ...)."
    why_it_matters = (
        "For a B2B business a free-mail address hides the lead's company, so domain-based routing, enrichment "
        "and account matching fail and the lead's fit is unknown."
    )
    thresholds = ("tolerated_rate",)

    def run(self, context):
        leads = context.scoped(Contact).filter(lifecycle_stage__in=B2B_LEAD_STAGES).exclude(email="")
        rows = list(leads.values_list("external_id", "email"))
        if not rows:
            return CheckOutcome(None, None, 1.0, skipped_reason="No leads, MQLs or SQLs have an email address.")

        domains = [(external_id, email_domain(email)) for external_id, email in rows]
        free = [(external_id, domain) for external_id, domain in domains if is_free_mail_domain(domain)]
        total = len(rows)
        tolerated = context.thresholds["tolerated_rate"]
        share = rate(len(free), total)
        by_domain = dict(Counter(domain for _, domain in free).most_common(10))
        findings = []
        if share > tolerated:
            findings.append(FindingData(
                key="free_mail",
                severity=severity_for_rate(share, tolerated),
                title=f"{plural(len(free), 'lead')} with a free-mail address",
                summary=(
                    f"{len(free)} of {total} leads, MQLs and SQLs with an email ({percent(share)}) use a free-mail "
                    "domain, so their company cannot be found from the address."
                ),
                measured_value=share,
                threshold=tolerated,
                unit="share of leads with an email",
                affected_count=len(free),
                denominator=total,
                evidence={"by_domain": by_domain, "sample_ids": sample_ids(external_id for external_id, _ in free)},
            ))
        return CheckOutcome(share, tolerated, 1.0 - share, findings, metrics={"leads": total, "free_mail": len(free), "by_domain": by_domain})

    def remediation(self, finding):
        return Remediation(
            title="Ask B2B leads for a company email",
            steps=[
                "Ask for a business email on demo and contact forms, and block free-mail domains there if sales agrees.",
                "Ask free-mail leads for their company name and website, and route them on those fields.",
            ],
            priority="p3",
            effort="low",
            expected_impact="Leads can be matched to their company and routed by account.",
        )


# Imported for registration: the duplicate checks of this category.
from audits.checks import hygiene_duplicates  # noqa: E402,F401
