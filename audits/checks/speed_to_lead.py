"""Speed to lead: working minutes from the MQL date (or a demo request) to the first sales activity.

The clock starts at the Became-an-MQL date. A contact without one starts at its first submission of
a demo form, which is a form whose name contains a demo_form_keywords word. It stops at the first touchpoint
marked as a sales activity (a logged call or meeting) at or after the start. Only working hours
count, in the team's time zone (audits.working_hours).
"""
import statistics
from collections import defaultdict

from django.db import connection
from django.db.models import Q

from audits.checks import portable
from audits.checks.base import CheckOutcome, FindingData, Remediation, rate, register
from audits.checks.lead_handling import LeadHandlingCheck, owner_names
from audits.checks.lifecycle import any_of
from audits.checks.measures import percent, plural, sample_ids, severity_for_rate
from audits.working_hours import WorkingHours, epoch_microseconds, local_hours_epoch, working_minutes_epoch
from portals.models import Form, Touchpoint

NO_SOURCE = "(no original source)"
NO_OWNER = "(no owner)"


# One scan of the contacts and one of the touchpoints, joined by hash, replaces one index lookup per
# contact for each correlated subquery. The statement finds the first demo request of each contact,
# the clock start, and the first sales activity at or after it. The touchpoint scan keeps sales
# activities and submissions of forms whose external id is a demo form's, and the EXISTS keeps each
# id to its own portal's form. The two instants come back as microseconds since 1970-01-01 UTC, because
# integers load much faster than timestamptz text and audits.working_hours computes on them as arrays.
LEAD_CLOCK_SQL = """
WITH relevant AS MATERIALIZED (
    SELECT t.portal_id, t.contact_external_id, t.occurred_at, t.is_sales_activity,
           t.kind = %(form_kind)s AND t.form_external_id = ANY(%(demo_form_ids)s) AS maybe_demo_request,
           t.form_external_id
    FROM portals_touchpoint t
    WHERE t.client_id = %(client)s AND t.portal_id = ANY(%(portals)s)
      AND (t.is_sales_activity OR (t.kind = %(form_kind)s AND t.form_external_id = ANY(%(demo_form_ids)s)))
), demo_requests AS (
    SELECT r.portal_id, r.contact_external_id, MIN(r.occurred_at) AS first_request
    FROM relevant r
    WHERE r.maybe_demo_request
      AND EXISTS (SELECT 1 FROM portals_form f WHERE f.portal_id = r.portal_id
                  AND f.external_id = r.form_external_id AND f.id = ANY(%(demo_forms)s))
    GROUP BY r.portal_id, r.contact_external_id
), leads AS MATERIALIZED (
    SELECT c.portal_id, c.external_id, c.owner_external_id, c.original_source,
           COALESCE(c.became_mql_at, d.first_request) AS clock_start
    FROM portals_contact c
    LEFT JOIN demo_requests d ON d.portal_id = c.portal_id AND d.contact_external_id = c.external_id
    WHERE c.client_id = %(client)s AND c.portal_id = ANY(%(portals)s)
      AND COALESCE(c.became_mql_at, d.first_request) <= %(now)s
), first_activities AS (
    SELECT l.portal_id, l.external_id, MIN(r.occurred_at) AS first_activity
    FROM leads l
    JOIN relevant r ON r.portal_id = l.portal_id AND r.contact_external_id = l.external_id
    WHERE r.is_sales_activity AND r.occurred_at >= l.clock_start
    GROUP BY l.portal_id, l.external_id
)
SELECT l.external_id, (EXTRACT(EPOCH FROM l.clock_start) * 1000000)::bigint, l.owner_external_id,
       l.original_source, (EXTRACT(EPOCH FROM a.first_activity) * 1000000)::bigint
FROM leads l
LEFT JOIN first_activities a ON a.portal_id = l.portal_id AND a.external_id = l.external_id
"""


def lead_clock_rows(context):
    """Return [(contact id, clock start, owner id, original source, first sales activity or None)] in one query.

    Both instants are microseconds since 1970-01-01 UTC.
    """
    if connection.vendor != "postgresql":
        return portable.lead_clock_rows(context)

    keywords = context.thresholds["demo_form_keywords"]
    demo_forms = Form.objects.filter(portal_id__in=context.portal_ids).filter(
        any_of([Q(name__icontains=keyword) for keyword in keywords])
    )
    forms = list(demo_forms.values_list("pk", "external_id"))
    parameters = {
        "client": context.client_id,
        "portals": list(context.portal_ids),
        "form_kind": Touchpoint.Kind.FORM_SUBMISSION.value,
        "demo_forms": [pk for pk, _ in forms],
        "demo_form_ids": sorted({external_id for _, external_id in forms}),
        "now": context.now,
    }
    with connection.cursor() as cursor:
        cursor.execute(LEAD_CLOCK_SQL, parameters)
        return [tuple(row) for row in cursor.fetchall()]


def summarize(minutes, limit):
    """Summarize a list of working minutes: count, median, 90th percentile and count above `limit`."""
    if not minutes:
        return {"count": 0, "median": None, "p90": None, "above_limit": 0}
    p90 = statistics.quantiles(minutes, n=10, method="inclusive")[-1] if len(minutes) > 1 else minutes[0]
    return {
        "count": len(minutes),
        "median": round(statistics.median(minutes), 1),
        "p90": round(p90, 1),
        "above_limit": sum(1 for value in minutes if value > limit),
    }


def summarize_by(keys, minutes, limit):
    """Apply summarize() per key to parallel lists of keys and minutes, keys in sorted order."""
    grouped = defaultdict(list)
    for key, value in zip(keys, minutes):
        grouped[key].append(value)
    return {key: summarize(grouped[key], limit) for key in sorted(grouped, key=str)}


@register
class SpeedToLead(LeadHandlingCheck):
    code = "lead_handling.speed_to_lead"
    title = "Speed to lead"
    description = (
        "Measures the working minutes from the MQL date (or a demo request) to the first sales activity: median, "
        "90th percentile and the share above speed_to_lead_minutes, by owner, original source and hour of the MQL. "
        "MQLs with no sales activity yet are counted separately once more than speed_to_lead_minutes working minutes "
        "have passed since the MQL date."
    )
    why_it_matters = (
        "A lead that waits hours for a first call has often moved on, so slow follow-up wastes the budget "
        "that generated the MQL."
    )
    thresholds = ("speed_to_lead_minutes", "working_hours_start", "working_hours_end", "working_days", "time_zone",
                  "demo_form_keywords", "tolerated_rate")
    weight = 2.0
    remediations = {
        "speed_to_lead": Remediation(
            title="Contact new MQLs within the speed-to-lead target",
            steps=[
                "Route MQLs to an available rep the moment they qualify, and alert the rep in the tool they watch (CRM task plus chat).",
                "Set a service-level time for first contact and escalate to the team lead when it passes.",
                "Log every first call or meeting in the CRM, so that speed to lead can be measured.",
                "Review the slowest owners and sources in the evidence with the sales manager.",
            ],
            priority="p1",
            effort="medium",
            expected_impact="More MQLs reached while they are still interested, and a higher MQL-to-SQL rate.",
        ),
    }

    def run(self, context):
        rows = lead_clock_rows(context)
        if not rows:
            return CheckOutcome(None, None, 1.0, skipped_reason="No contacts have an MQL date or a demo request.")

        hours = WorkingHours.from_thresholds(context.thresholds)
        limit = context.thresholds["speed_to_lead_minutes"]
        responded = [row for row in rows if row[4] is not None]
        waiting, not_due = self._split_waiting([row for row in rows if row[4] is None], context.now, hours, limit)
        minutes = working_minutes_epoch([row[1] for row in responded], [row[4] for row in responded], hours)
        overall = summarize(minutes, limit)

        names = owner_names(context, {row[2] for row in rows if row[2]})
        breakdowns = {
            "by_owner": summarize_by([names.get(row[2], row[2]) or NO_OWNER for row in responded], minutes, limit),
            "by_source": summarize_by([row[3] or NO_SOURCE for row in responded], minutes, limit),
            "by_hour": summarize_by(local_hours_epoch([row[1] for row in responded], hours), minutes, limit),
        }
        slow_ids = [row[0] for row, value in zip(responded, minutes) if value > limit]

        tolerated = context.thresholds["tolerated_rate"]
        findings = []
        if responded and rate(len(slow_ids), len(responded)) > tolerated:
            findings.append(self._slow_finding(overall, limit, tolerated, breakdowns, slow_ids))
        if rate(len(waiting), len(rows)) > tolerated:
            findings.append(self._waiting_finding(waiting, len(rows), tolerated, names))

        score = 1.0 - rate(len(slow_ids) + len(waiting), len(rows))
        metrics = {"leads": len(rows), "responded": len(responded), "no_activity": len(waiting), "not_due_yet": len(not_due),
                   **overall, **breakdowns}
        return CheckOutcome(overall["median"], limit, score, findings, metrics=metrics)

    def _split_waiting(self, rows, now, hours, limit):
        """Split rows without a sales activity into (overdue, not due yet) by the working minutes elapsed at `now`.

        An MQL that qualified less than speed_to_lead_minutes working minutes before the audit still has time to
        get its first call, so it is not a lead-handling fault yet.
        """
        now_microseconds = int(epoch_microseconds([now])[0])
        elapsed = working_minutes_epoch([row[1] for row in rows], [now_microseconds] * len(rows), hours)
        overdue = [row for row, minutes in zip(rows, elapsed) if minutes > limit]
        not_due = [row for row, minutes in zip(rows, elapsed) if minutes <= limit]
        return overdue, not_due

    def _slow_finding(self, overall, limit, tolerated, breakdowns, slow_ids):
        count, total = overall["above_limit"], overall["count"]
        share = rate(count, total)
        return FindingData(
            key="speed_to_lead:slow",
            severity=severity_for_rate(share, tolerated),
            title=f"{count} of {total} MQLs waited more than {limit} working minutes for sales (median {overall['median']:g})",
            summary=(
                f"{percent(share)} of the MQLs that sales contacted waited more than {limit} working minutes for the first "
                f"call or meeting. Median {overall['median']:g} and 90th percentile {overall['p90']:g} working minutes. "
                "The evidence breaks this down by owner, original source and hour of the MQL."
            ),
            measured_value=share,
            threshold=tolerated,
            unit="share of contacted MQLs",
            affected_count=count,
            denominator=total,
            evidence={"median": overall["median"], "p90": overall["p90"], **breakdowns, "sample_ids": sample_ids(slow_ids)},
        )

    def _waiting_finding(self, waiting, total, tolerated, names):
        share = rate(len(waiting), total)
        by_owner = defaultdict(int)
        for row in waiting:
            by_owner[names.get(row[2], row[2]) or NO_OWNER] += 1
        return FindingData(
            key="speed_to_lead:no_activity",
            severity=severity_for_rate(share, tolerated),
            title=f"{plural(len(waiting), 'MQL')} with no sales activity yet",
            summary=(
                f"{len(waiting)} of {total} MQLs and demo requests ({percent(share)}) have no logged call or meeting "
                "since they qualified, although the speed-to-lead time has passed."
            ),
            measured_value=share,
            threshold=tolerated,
            unit="share of MQLs",
            affected_count=len(waiting),
            denominator=total,
            evidence={"by_owner": dict(sorted(by_owner.items())), "sample_ids": sample_ids(row[0] for row in waiting)},
        )
