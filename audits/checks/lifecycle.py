"""Lifecycle checks on the contacts' stage and Became-a dates: skipped stages, dates out of order,
missing entry dates and contacts stuck in a stage.

The funnel order is portals.models.snapshot.FUNNEL_STAGES. Subscriber is optional: many contacts
start as a Lead, so a missing Subscriber date is never a skipped stage. Stage changes and MQL
criteria live in lifecycle_changes and lifecycle_mql, imported at the end so that they register.
"""
from datetime import timedelta
from functools import reduce
from operator import or_

from django.db.models import Count, F, Min, Q

from audits.checks.base import Check, CheckOutcome, FindingData, Remediation, rate, register
from audits.checks.measures import percent, plural, scoped_sample, severity_for_rate, stage_label
from portals.models import Contact
from portals.models.snapshot import FUNNEL_STAGES, STAGE_DATE_FIELDS

# Stages that can be skipped: every funnel stage after the optional Subscriber and before the last.
SKIPPABLE_STAGES = FUNNEL_STAGES[1:-1]
# Stages where a contact waits for someone to act. Subscriber, Lead and Customer may last for years.
STUCK_STAGES = ["marketingqualifiedlead", "salesqualifiedlead", "opportunity"]


def any_of(conditions):
    """Combine Q objects with OR. An empty list matches nothing."""
    if not conditions:
        return Q(pk__isnull=True)
    return reduce(or_, conditions)


def date_set(stage):
    return Q(**{f"{STAGE_DATE_FIELDS[stage]}__isnull": False})


def in_funnel():
    """Match contacts whose current stage is a funnel stage or who have any funnel stage date."""
    return Q(lifecycle_stage__in=FUNNEL_STAGES) | any_of([date_set(stage) for stage in FUNNEL_STAGES])


def skipped(stage):
    """Match contacts that reached a stage after `stage` (current stage or a later date) without a date for `stage`."""
    later = FUNNEL_STAGES[FUNNEL_STAGES.index(stage) + 1:]
    reached_later = Q(lifecycle_stage__in=later) | any_of([date_set(later_stage) for later_stage in later])
    return ~date_set(stage) & reached_later


def out_of_order(earlier, later):
    """Match contacts whose `later` stage date is before their `earlier` stage date."""
    return Q(**{f"{STAGE_DATE_FIELDS[later]}__lt": F(STAGE_DATE_FIELDS[earlier])})


def stage_pairs():
    return [(earlier, later) for index, earlier in enumerate(FUNNEL_STAGES) for later in FUNNEL_STAGES[index + 1:]]


class LifecycleCheck(Check):
    category = "lifecycle"
    # Remediation per finding-key prefix (the text before ":").
    remediations = {}

    def remediation(self, finding):
        return self.remediations.get(finding.key.split(":", 1)[0])


@register
class SkippedStages(LifecycleCheck):
    code = "lifecycle.skipped_stages"
    title = "Lifecycle stages skipped"
    description = (
        "Counts, for each funnel stage from Lead to Opportunity, the contacts that reached a later stage "
        "(current stage or a later Became-a date) without a Became-a date for that stage. Subscriber is optional."
    )
    why_it_matters = (
        "A contact that jumps from Lead to Customer never counts as an MQL or SQL, so conversion rates, "
        "cost per MQL and the funnel report undercount, and nobody can tell whether the stage was skipped or not recorded."
    )
    thresholds = ("tolerated_rate",)
    weight = 2.0
    remediations = {
        "skipped": Remediation(
            title="Set lifecycle stages in funnel order",
            steps=[
                "Add a workflow that sets every earlier lifecycle stage date when a later stage is set, "
                "or gate the later stage on the earlier one.",
                "Stop imports and integrations from writing a later lifecycle stage directly. Map them to Lead and let workflows move the contact.",
                "Backfill the missing Became-a dates from deal and activity history where it shows when the contact qualified.",
            ],
            priority="p2",
            effort="medium",
            expected_impact="Funnel conversion rates and cost per MQL count every contact at every stage.",
        ),
    }

    def run(self, context):
        contacts = context.scoped(Contact).filter(in_funnel())
        counts = contacts.aggregate(
            total=Count("pk"),
            any_skip=Count("pk", filter=any_of([skipped(stage) for stage in SKIPPABLE_STAGES])),
            **{stage: Count("pk", filter=skipped(stage)) for stage in SKIPPABLE_STAGES},
        )
        total = counts["total"]
        if not total:
            return CheckOutcome(None, None, 1.0, skipped_reason="No contacts have a lifecycle stage or a Became-a date.")

        tolerated = context.thresholds["tolerated_rate"]
        findings = [
            self._finding(stage, counts[stage], total, tolerated, contacts)
            for stage in SKIPPABLE_STAGES
            if rate(counts[stage], total) > tolerated
        ]
        share = rate(counts["any_skip"], total)
        return CheckOutcome(
            measured_value=share,
            threshold=tolerated,
            score=1.0 - share,
            findings=findings,
            metrics={
                "contacts": total,
                "contacts_with_skip": counts["any_skip"],
                "skips_by_stage": {stage: counts[stage] for stage in SKIPPABLE_STAGES},
            },
        )

    def _finding(self, stage, count, total, tolerated, contacts):
        label = stage_label(stage)
        share = rate(count, total)
        return FindingData(
            key=f"skipped:{stage}",
            severity=severity_for_rate(share, tolerated),
            title=f"{plural(count, 'contact')} skipped the {label} stage",
            summary=(
                f"{count} of {total} contacts in the funnel ({percent(share)}) reached a later lifecycle stage "
                f"without a Became-a-{label} date. Reports of {label}s and of conversion to the next stage miss them."
            ),
            measured_value=share,
            threshold=tolerated,
            unit="share of contacts",
            affected_count=count,
            denominator=total,
            evidence={"stage": stage, "sample_ids": scoped_sample(contacts.filter(skipped(stage)))},
        )


@register
class DatesOutOfOrder(LifecycleCheck):
    code = "lifecycle.dates_out_of_order"
    title = "Lifecycle stage dates out of order"
    description = (
        "Counts contacts where a later funnel stage's Became-a date is before an earlier stage's date. "
        "These contacts are not counted as skipped stages."
    )
    why_it_matters = (
        "A Customer date before the Lead date means the stage was cleared and set again (a reset and reapply), "
        "so time-in-stage and velocity reports show negative or inflated durations for these contacts."
    )
    thresholds = ("tolerated_rate",)
    remediations = {
        "dates_out_of_order": Remediation(
            title="Stop lifecycle stage resets",
            steps=[
                "Find the workflows, imports or users that clear the lifecycle stage "
                "(the lifecycle history shows the source) and remove that step.",
                "Track recycled contacts with a separate property, such as lead status Recycled, "
                "instead of moving the lifecycle stage backwards.",
                "Correct the Became-a dates of the listed contacts so that each stage date follows the previous one.",
            ],
            priority="p3",
            effort="low",
            expected_impact="Time-in-stage and funnel velocity reports stop showing negative durations.",
        ),
    }

    def run(self, context):
        contacts = context.scoped(Contact).filter(in_funnel())
        pairs = stage_pairs()
        disordered = any_of([out_of_order(earlier, later) for earlier, later in pairs])
        counts = contacts.aggregate(
            total=Count("pk"),
            disordered=Count("pk", filter=disordered),
            **{f"{earlier}_to_{later}": Count("pk", filter=out_of_order(earlier, later)) for earlier, later in pairs},
        )
        total, count = counts["total"], counts["disordered"]
        if not total:
            return CheckOutcome(None, None, 1.0, skipped_reason="No contacts have a lifecycle stage or a Became-a date.")

        tolerated = context.thresholds["tolerated_rate"]
        share = rate(count, total)
        by_pair = [
            {"earlier_stage": earlier, "later_stage": later, "count": counts[f"{earlier}_to_{later}"]}
            for earlier, later in pairs
            if counts[f"{earlier}_to_{later}"]
        ]
        findings = []
        if share > tolerated:
            findings.append(FindingData(
                key="dates_out_of_order",
                severity=severity_for_rate(share, tolerated),
                title=f"{plural(count, 'contact')} with lifecycle stage dates out of order",
                summary=(
                    f"{count} of {total} contacts ({percent(share)}) have a later stage's Became-a date before "
                    "an earlier stage's date, the pattern of a stage that was reset and set again."
                ),
                measured_value=share,
                threshold=tolerated,
                unit="share of contacts",
                affected_count=count,
                denominator=total,
                evidence={"pairs": by_pair, "sample_ids": scoped_sample(contacts.filter(disordered))},
            ))
        return CheckOutcome(share, tolerated, 1.0 - share, findings, metrics={"contacts": total, "out_of_order": count, "pairs": by_pair})


@register
class MissingEntryDates(LifecycleCheck):
    code = "lifecycle.missing_entry_dates"
    title = "Current lifecycle stage without its entry date"
    description = "Counts, per lifecycle stage, the contacts whose current stage is set but whose Became-a date for it is empty."
    why_it_matters = (
        "Without the entry date a contact drops out of every report by stage date: "
        "MQLs per month, time in stage and speed to lead."
    )
    thresholds = ("tolerated_rate",)
    remediations = {
        "missing_date": Remediation(
            title="Record the entry date of every lifecycle stage",
            steps=[
                "Set lifecycle stages only through the CRM property, so that the vendor records the Became-a date, "
                "and not through integrations that bypass it.",
                "Backfill the empty dates from the lifecycle stage history (the date of the change to the current stage).",
            ],
            priority="p2",
            effort="low",
            expected_impact="Stage-date reports count every contact in its current stage.",
        ),
    }

    def run(self, context):
        contacts = context.scoped(Contact).filter(lifecycle_stage__in=list(STAGE_DATE_FIELDS))
        stages = list(STAGE_DATE_FIELDS)
        counts = contacts.aggregate(
            total=Count("pk"),
            missing=Count("pk", filter=any_of([_missing_date(stage) for stage in stages])),
            **{stage: Count("pk", filter=_missing_date(stage)) for stage in stages},
            **{f"in_{stage}": Count("pk", filter=Q(lifecycle_stage=stage)) for stage in stages},
        )
        total = counts["total"]
        if not total:
            return CheckOutcome(None, None, 1.0, skipped_reason="No contacts have a current lifecycle stage.")

        tolerated = context.thresholds["tolerated_rate"]
        findings = []
        for stage in stages:
            in_stage = counts[f"in_{stage}"]
            share = rate(counts[stage], in_stage)
            if in_stage and share > tolerated:
                findings.append(self._finding(stage, counts[stage], in_stage, tolerated, contacts))

        share = rate(counts["missing"], total)
        return CheckOutcome(
            share, tolerated, 1.0 - share, findings,
            metrics={"contacts": total, "missing": counts["missing"], "missing_by_stage": {stage: counts[stage] for stage in stages}},
        )

    def _finding(self, stage, count, in_stage, tolerated, contacts):
        label = stage_label(stage)
        share = rate(count, in_stage)
        return FindingData(
            key=f"missing_date:{stage}",
            severity=severity_for_rate(share, tolerated),
            title=f"{plural(count, 'contact')} in stage {label} without a Became-a-{label} date",
            summary=(
                f"{count} of {in_stage} contacts whose current lifecycle stage is {label} ({percent(share)}) "
                f"have no Became-a-{label} date, so reports by stage date leave them out."
            ),
            measured_value=share,
            threshold=tolerated,
            unit="share of contacts in the stage",
            affected_count=count,
            denominator=in_stage,
            evidence={"stage": stage, "sample_ids": scoped_sample(contacts.filter(_missing_date(stage)))},
        )


def _missing_date(stage):
    return Q(lifecycle_stage=stage) & ~date_set(stage)


@register
class StuckInStage(LifecycleCheck):
    code = "lifecycle.stuck_in_stage"
    title = "Contacts stuck in a lifecycle stage"
    description = (
        "Counts, for MQL, SQL and Opportunity, the contacts whose current stage was entered more than "
        "stuck_stage_days before the audit."
    )
    why_it_matters = (
        "MQLs, SQLs and opportunities are stages where sales must act. Contacts that sit there for months "
        "inflate the pipeline and hide leads that need follow-up or recycling."
    )
    thresholds = ("stuck_stage_days", "tolerated_rate")
    remediations = {
        "stuck": Remediation(
            title="Recycle or close contacts stuck in a stage",
            steps=[
                "Agree a service-level time for each stage with sales (for example 14 days in MQL, 30 in SQL).",
                "Add a workflow that alerts the owner when a contact passes it, and recycles the contact "
                "(lead status Recycled, back to nurture) when the owner does not act.",
                "Review the listed contacts with their owners and move each one forward or recycle it.",
            ],
            priority="p2",
            effort="medium",
            expected_impact="The pipeline shows only contacts that someone is working.",
        ),
    }

    def run(self, context):
        days = context.thresholds["stuck_stage_days"]
        cutoff = context.now - timedelta(days=days)
        contacts = context.scoped(Contact).filter(lifecycle_stage__in=STUCK_STAGES)
        counts = contacts.aggregate(
            total=Count("pk"),
            stuck=Count("pk", filter=any_of([_stuck(stage, cutoff) for stage in STUCK_STAGES])),
            **{stage: Count("pk", filter=_stuck(stage, cutoff)) for stage in STUCK_STAGES},
            **{f"in_{stage}": Count("pk", filter=Q(lifecycle_stage=stage)) for stage in STUCK_STAGES},
            **{f"oldest_{stage}": Min(STAGE_DATE_FIELDS[stage], filter=Q(lifecycle_stage=stage)) for stage in STUCK_STAGES},
        )
        total = counts["total"]
        if not total:
            return CheckOutcome(None, None, 1.0, skipped_reason="No contacts are currently MQLs, SQLs or opportunities.")

        tolerated = context.thresholds["tolerated_rate"]
        findings = []
        for stage in STUCK_STAGES:
            in_stage, count = counts[f"in_{stage}"], counts[stage]
            if in_stage and rate(count, in_stage) > tolerated:
                stuck_contacts = contacts.filter(_stuck(stage, cutoff))
                oldest = counts[f"oldest_{stage}"]
                findings.append(self._finding(stage, count, in_stage, days, tolerated, oldest, stuck_contacts))

        share = rate(counts["stuck"], total)
        return CheckOutcome(
            share, tolerated, 1.0 - share, findings,
            metrics={"contacts": total, "stuck": counts["stuck"], "stuck_by_stage": {stage: counts[stage] for stage in STUCK_STAGES}},
        )

    def _finding(self, stage, count, in_stage, days, tolerated, oldest, stuck_contacts):
        label = stage_label(stage)
        share = rate(count, in_stage)
        return FindingData(
            key=f"stuck:{stage}",
            severity=severity_for_rate(share, tolerated),
            title=f"{plural(count, 'contact')} stuck in stage {label} for more than {days} days",
            summary=(
                f"{count} of {in_stage} contacts whose current stage is {label} ({percent(share)}) "
                f"entered it more than {days} days ago and have not moved since."
            ),
            measured_value=share,
            threshold=tolerated,
            unit="share of contacts in the stage",
            affected_count=count,
            denominator=in_stage,
            evidence={
                "stage": stage,
                "days": days,
                "oldest_entry": oldest.isoformat() if oldest else None,
                "sample_ids": scoped_sample(stuck_contacts),
            },
        )


def _stuck(stage, cutoff):
    return Q(lifecycle_stage=stage, **{f"{STAGE_DATE_FIELDS[stage]}__lt": cutoff})


# Imported for registration: these modules hold the rest of the lifecycle checks.
from audits.checks import lifecycle_changes, lifecycle_mql  # noqa: E402,F401
