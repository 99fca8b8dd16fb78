"""Lifecycle checks on the stage history (LifecycleChange rows): backward moves and stages set by hand or import."""
from django.db.models import Case, Count, F, IntegerField, Value, When

from audits.checks.base import CheckOutcome, FindingData, Remediation, rate, register
from audits.checks.lifecycle import LifecycleCheck
from audits.checks.measures import SAMPLE_SIZE, percent, plural, sample_ids, severity_for_rate, stage_label
from portals.models import LifecycleChange
from portals.models.snapshot import FUNNEL_STAGES, ChangeSource

# Change sources that set a stage without a workflow, in the order findings list them.
MANUAL_SOURCES = [ChangeSource.IMPORT, ChangeSource.USER]


def funnel_rank(field_name):
    """Build the position of a stage field's value in FUNNEL_STAGES as an expression, NULL outside the funnel."""
    whens = [When(**{field_name: stage}, then=Value(index)) for index, stage in enumerate(FUNNEL_STAGES)]
    return Case(*whens, default=Value(None), output_field=IntegerField())


def contact_count(changes):
    return changes.values("portal_id", "contact_external_id").distinct().count()


def contact_sample(changes):
    ids = changes.order_by("contact_external_id").values_list("contact_external_id", flat=True).distinct()
    return sample_ids(ids[: SAMPLE_SIZE * 5])


@register
class BackwardMoves(LifecycleCheck):
    code = "lifecycle.backward_moves"
    title = "Lifecycle stage moved backwards"
    description = "Counts lifecycle stage changes to an earlier funnel stage (for example SQL back to Lead) and the contacts they affect."
    why_it_matters = (
        "The lifecycle stage is meant to move only forward. A move back drops the contact out of the later stage's "
        "counts, so reports by current stage and reports by stage date disagree."
    )
    thresholds = ("tolerated_rate",)
    remediations = {
        "backward_moves": Remediation(
            title="Keep the lifecycle stage moving forward only",
            steps=[
                "Find the workflows, imports and users behind the backward changes (the history shows the source) and stop them.",
                "Record disqualified or recycled contacts in lead status (Unqualified, Recycled) and keep the lifecycle stage.",
                "Where a contact really must restart, create a new deal or use a recycle property, not an earlier lifecycle stage.",
            ],
            priority="p2",
            effort="low",
            expected_impact="Stage counts and conversion rates match the contacts' real progress.",
        ),
    }

    def run(self, context):
        changes = context.scoped(LifecycleChange)
        total_contacts = contact_count(changes)
        if not total_contacts:
            return CheckOutcome(None, None, 1.0, skipped_reason="No lifecycle stage history was synced.")

        backward = changes.annotate(from_rank=funnel_rank("from_stage"), to_rank=funnel_rank("to_stage")).filter(
            to_rank__lt=F("from_rank")
        )
        affected = contact_count(backward)
        by_pair = list(
            backward.values("from_stage", "to_stage").annotate(count=Count("pk")).order_by("-count", "from_stage", "to_stage")
        )
        change_count = sum(row["count"] for row in by_pair)

        tolerated = context.thresholds["tolerated_rate"]
        share = rate(affected, total_contacts)
        findings = []
        if share > tolerated:
            findings.append(FindingData(
                key="backward_moves",
                severity=severity_for_rate(share, tolerated),
                title=f"{plural(affected, 'contact')} moved back to an earlier lifecycle stage",
                summary=(
                    f"{affected} of {total_contacts} contacts with stage history ({percent(share)}) were moved back "
                    f"to an earlier funnel stage ({plural(change_count, 'change')}), most often "
                    f"{stage_label(by_pair[0]['from_stage'])} to {stage_label(by_pair[0]['to_stage'])}."
                ),
                measured_value=share,
                threshold=tolerated,
                unit="share of contacts",
                affected_count=affected,
                denominator=total_contacts,
                evidence={"changes": change_count, "pairs": by_pair, "sample_ids": contact_sample(backward)},
            ))
        return CheckOutcome(
            share, tolerated, 1.0 - share, findings,
            metrics={"contacts_with_history": total_contacts, "contacts_moved_back": affected, "backward_changes": change_count},
        )


@register
class StageSetManually(LifecycleCheck):
    code = "lifecycle.stage_set_manually"
    title = "Lifecycle stages set by import or by hand"
    description = (
        "Measures the share of lifecycle stage changes made by an import and by a user, "
        "instead of by a workflow or integration that applies the MQL and SQL criteria. Imports are reported above "
        "lifecycle_import_change_rate (every import by default), changes by hand above lifecycle_manual_change_rate."
    )
    why_it_matters = (
        "A stage set by a list import or by hand skips the MQL criteria and the hand-off to sales, "
        "so MQL counts and speed to lead include contacts that never qualified."
    )
    thresholds = ("lifecycle_import_change_rate", "lifecycle_manual_change_rate")
    remediations = {
        "changed_by": Remediation(
            title="Set lifecycle stages only by workflow",
            steps=[
                "Define MQL as fit plus engagement criteria and gate the lifecycle workflow on both.",
                "Remove the lifecycle stage column from import templates, or import every contact as Lead and let the workflow qualify it.",
                "Restrict editing of the lifecycle stage property to admins, and ask users to change lead status instead.",
            ],
            priority="p2",
            effort="medium",
            expected_impact="Every MQL and SQL meets the agreed criteria and enters the sales hand-off.",
        ),
    }

    def run(self, context):
        changes = context.scoped(LifecycleChange)
        total = changes.count()
        if not total:
            return CheckOutcome(None, None, 1.0, skipped_reason="No lifecycle stage history was synced.")

        counts = dict(changes.values_list("changed_by").annotate(count=Count("pk")).order_by())
        limits = {
            ChangeSource.IMPORT: context.thresholds["lifecycle_import_change_rate"],
            ChangeSource.USER: context.thresholds["lifecycle_manual_change_rate"],
        }
        findings = [
            self._finding(source, counts[source], total, limits[source], changes.filter(changed_by=source))
            for source in MANUAL_SOURCES
            if counts.get(source, 0) and rate(counts[source], total) > limits[source]
        ]
        manual = sum(counts.get(source, 0) for source in MANUAL_SOURCES)
        share = rate(manual, total)
        threshold = limits[ChangeSource.USER]
        return CheckOutcome(
            share, threshold, 1.0 - share, findings,
            metrics={"changes": total, "changes_by_source": counts, "manual_changes": manual},
        )

    def _finding(self, source, count, total, threshold, source_changes):
        share = rate(count, total)
        by_stage = dict(source_changes.values_list("to_stage").annotate(count=Count("pk")).order_by())
        made_by = "an import" if source == ChangeSource.IMPORT else "a user by hand"
        return FindingData(
            key=f"changed_by:{source}",
            severity=severity_for_rate(share, threshold),
            title=f"{plural(count, 'lifecycle stage change')} made by {made_by}",
            summary=(
                f"{count} of {total} lifecycle stage changes ({percent(share)}) were made by {made_by}, not by a workflow. "
                "Stages set this way skip the MQL criteria and the hand-off to sales."
            ),
            measured_value=share,
            threshold=threshold,
            unit="share of lifecycle changes",
            affected_count=count,
            denominator=total,
            evidence={
                "changed_by": str(source),
                "to_stages": by_stage,
                "mql_or_later": sum(count for stage, count in by_stage.items() if stage in FUNNEL_STAGES[2:]),
                "sample_ids": contact_sample(source_changes),
            },
        )
