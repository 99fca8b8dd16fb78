"""Lifecycle check of the MQL definition: MQLs that fail the fit criteria or show no engagement.

An MQL is a contact with a Became-an-MQL date. Company size and industry come from the contact,
or from its associated company when the contact's own value is empty.
"""
from django.db.models import BooleanField, CharField, Count, Exists, ExpressionWrapper, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Lower, NullIf

from audits.checks.base import CheckOutcome, FindingData, Remediation, rate, register
from audits.checks.lifecycle import LifecycleCheck, any_of
from audits.checks.measures import percent, plural, scoped_sample, severity_for_rate
from portals.models import Company, Contact, Touchpoint

FIT_CRITERIA = ("company_size", "industry", "job_title")


def with_company_fit(contacts):
    """Annotate fit_employees and fit_industry (lower case), from the contact or else its associated company."""
    company = Company.objects.filter(portal_id=OuterRef("portal_id"), external_id=OuterRef("company_external_id"))
    company_industry = NullIf(Subquery(company.values("industry")[:1]), Value(""), output_field=CharField())
    return contacts.annotate(
        fit_employees=Coalesce("employee_count", Subquery(company.values("employee_count")[:1])),
        fit_industry=Lower(Coalesce(NullIf("industry", Value("")), company_industry)),
    )


def with_engagement(mqls):
    """Annotate has_engagement: a touchpoint other than a sales activity at or before the MQL date."""
    # client_id lets the database use the (client, contact_external_id, occurred_at) index.
    engagement = Touchpoint.objects.filter(
        client_id=OuterRef("client_id"),
        contact_external_id=OuterRef("external_id"),
        portal_id=OuterRef("portal_id"),
        is_sales_activity=False,
        occurred_at__lte=OuterRef("became_mql_at"),
    )
    return mqls.annotate(has_engagement=Exists(engagement))


def fit_failures(thresholds):
    """Build a Q per fit criterion that matches MQLs whose known value fails it. A criterion not configured matches nothing."""
    minimum, maximum = thresholds["fit_min_employees"], thresholds["fit_max_employees"]
    industries = [industry.lower() for industry in thresholds["fit_industries"]]
    keywords = thresholds["fit_title_keywords"]

    size = any_of(
        ([Q(fit_employees__lt=minimum)] if minimum is not None else [])
        + ([Q(fit_employees__gt=maximum)] if maximum is not None else [])
    )
    industry = Q(fit_industry__isnull=False) & ~Q(fit_industry__in=industries) if industries else any_of([])
    title = ~Q(job_title="") & ~any_of([Q(job_title__icontains=word) for word in keywords]) if keywords else any_of([])
    return {"company_size": size, "industry": industry, "job_title": title}


def unknown_values():
    """Build a Q per fit criterion that matches MQLs with no value to check."""
    return {
        "company_size": Q(fit_employees__isnull=True),
        "industry": Q(fit_industry__isnull=True),
        "job_title": Q(job_title=""),
    }


def criteria_counts(mqls, failures, unknown):
    """Count the MQLs that fail each criterion, any fit criterion, engagement, or either.

    The MQLs are grouped by one flag per criterion and the engagement flag, and the counts are sums
    over the groups. One COUNT ... FILTER per count would repeat the engagement EXISTS (an index lookup
    per MQL) in each filter that names it.
    """
    flags = {f"fails_{name}": condition for name, condition in failures.items()}
    flags.update({f"unknown_{name}": condition for name, condition in unknown.items()})
    annotations = {name: ExpressionWrapper(condition, output_field=BooleanField()) for name, condition in flags.items()}
    groups = mqls.annotate(**annotations).values("has_engagement", *flags).annotate(mqls=Count("pk")).order_by()

    counts = dict.fromkeys(["total", "fails_fit", "no_engagement", "either", *flags], 0)
    for group in groups:
        # A NULL flag is an unknown comparison, which COUNT ... FILTER would not count either.
        fails = any(group[f"fails_{name}"] for name in failures)
        size = group["mqls"]
        counts["total"] += size
        counts["fails_fit"] += size if fails else 0
        counts["no_engagement"] += 0 if group["has_engagement"] else size
        counts["either"] += size if fails or not group["has_engagement"] else 0
        for name in flags:
            counts[name] += size if group[name] else 0
    return counts


@register
class MqlCriteria(LifecycleCheck):
    code = "lifecycle.mql_criteria"
    title = "MQLs that fail the fit or engagement criteria"
    description = (
        "Counts MQLs whose company size, industry or job title fails the fit criteria, and MQLs with no "
        "touchpoint (other than a sales activity) at or before the Became-an-MQL date."
    )
    why_it_matters = (
        "An MQL should mean fit plus engagement. MQLs that fail either waste sales time, lower the MQL-to-SQL "
        "rate and make marketing's MQL numbers untrustworthy to sales."
    )
    thresholds = ("fit_min_employees", "fit_max_employees", "fit_industries", "fit_title_keywords", "tolerated_rate")
    weight = 2.0
    remediations = {
        "mql": Remediation(
            title="Define MQL as fit plus engagement",
            steps=[
                "Write down the MQL definition with sales: company size range, industries, job titles, "
                "and the engagement that counts (demo request, pricing page visit, webinar attendance).",
                "Define MQL as fit plus engagement criteria and gate the lifecycle workflow on both.",
                "Remove other paths to MQL (imports, manual edits, form workflows that set the stage directly).",
                "Send the listed MQLs that fail back to nurture with lead status Unqualified or Recycled.",
            ],
            priority="p1",
            effort="medium",
            expected_impact="MQLs that sales accept, and an MQL-to-SQL rate that measures marketing's lead quality.",
        ),
    }

    def run(self, context):
        mqls = with_engagement(with_company_fit(context.scoped(Contact).filter(became_mql_at__isnull=False)))
        failures = fit_failures(context.thresholds)
        unknown = unknown_values()
        fails_fit = any_of(list(failures.values()))
        no_engagement = Q(has_engagement=False)
        counts = criteria_counts(mqls, failures, unknown)
        total = counts["total"]
        if not total:
            return CheckOutcome(None, None, 1.0, skipped_reason="No contacts have a Became-an-MQL date.")

        tolerated = context.thresholds["tolerated_rate"]
        findings = []
        if rate(counts["fails_fit"], total) > tolerated:
            findings.append(self._fit_finding(counts, total, tolerated, context.thresholds, mqls.filter(fails_fit)))
        if rate(counts["no_engagement"], total) > tolerated:
            findings.append(self._engagement_finding(counts["no_engagement"], total, tolerated, mqls.filter(no_engagement)))

        share = rate(counts["either"], total)
        return CheckOutcome(share, tolerated, 1.0 - share, findings, metrics={"mqls": total, **counts})

    def _fit_finding(self, counts, total, tolerated, thresholds, failing):
        count = counts["fails_fit"]
        share = rate(count, total)
        by_criterion = {name: counts[f"fails_{name}"] for name in FIT_CRITERIA}
        return FindingData(
            key="mql:fails_fit",
            severity=severity_for_rate(share, tolerated),
            title=f"{plural(count, 'MQL')} fail the fit criteria",
            summary=(
                f"{count} of {total} MQLs ({percent(share)}) have a company size, industry or job title outside the "
                f"fit criteria (company size {by_criterion['company_size']}, industry {by_criterion['industry']}, "
                f"job title {by_criterion['job_title']}). MQLs with an empty value are not counted here."
            ),
            measured_value=share,
            threshold=tolerated,
            unit="share of MQLs",
            affected_count=count,
            denominator=total,
            evidence={
                "by_criterion": by_criterion,
                "unknown": {name: counts[f"unknown_{name}"] for name in FIT_CRITERIA},
                "criteria": {
                    name: thresholds[name]
                    for name in ("fit_min_employees", "fit_max_employees", "fit_industries", "fit_title_keywords")
                },
                "sample_ids": scoped_sample(failing),
            },
        )

    def _engagement_finding(self, count, total, tolerated, unengaged):
        share = rate(count, total)
        return FindingData(
            key="mql:no_engagement",
            severity=severity_for_rate(share, tolerated),
            title=f"{plural(count, 'MQL')} with no engagement before becoming an MQL",
            summary=(
                f"{count} of {total} MQLs ({percent(share)}) have no page view, form submission, email click or other "
                "touchpoint at or before their MQL date, so they became MQLs on fit or by hand, not on engagement."
            ),
            measured_value=share,
            threshold=tolerated,
            unit="share of MQLs",
            affected_count=count,
            denominator=total,
            evidence={"sample_ids": scoped_sample(unengaged)},
        )
