"""Lead-handling checks: unassigned MQLs, leads of inactive owners, MQLs rotting in queues and
unbalanced distribution across reps.

Speed to lead lives in speed_to_lead, imported at the end so that it registers. The round-robin
audit of an assignment log is audits.round_robin, because absences are not part of the snapshot.
"""
from datetime import timedelta

from django.db.models import Count, Exists, Min, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from audits.checks.base import Check, CheckOutcome, FindingData, Remediation, rate, register
from audits.checks.measures import percent, plural, scoped_sample, severity_for_rate
from portals.models import Contact, Owner, Touchpoint

MQL = "marketingqualifiedlead"
# Stages of contacts that someone in sales or marketing still works.
OPEN_STAGES = ["lead", MQL, "salesqualifiedlead", "opportunity"]

# A Salesforce queue owns the record: Group ids start with the key prefix 00G (15 or 18 characters).
QUEUE_OWNER = Q(owner_external_id__regex=r"^00G[0-9A-Za-z]{12}([0-9A-Za-z]{3})?$")
# No person owns the record: the owner is empty or a queue.
UNASSIGNED = Q(owner_external_id="") | QUEUE_OWNER


def owner_names(context, owner_ids):
    """Map owner external ids to "First Last" (or the email) for the evidence, in one query."""
    owners = context.scoped(Owner).filter(external_id__in=list(owner_ids))
    names = {}
    for external_id, first_name, last_name, email in owners.values_list("external_id", "first_name", "last_name", "email"):
        names[external_id] = f"{first_name} {last_name}".strip() or email or external_id
    return names


def owner_filter(is_active):
    """Build an Exists() of an Owner row of the contact's portal with the given is_active flag."""
    return Exists(Owner.objects.filter(
        portal_id=OuterRef("portal_id"), external_id=OuterRef("owner_external_id"), is_active=is_active
    ))


class LeadHandlingCheck(Check):
    category = "lead_handling"
    # Remediation per finding-key prefix (the text before ":").
    remediations = {}

    def remediation(self, finding):
        return self.remediations.get(finding.key.split(":", 1)[0])


@register
class UnassignedMqls(LeadHandlingCheck):
    code = "lead_handling.unassigned_mqls"
    title = "MQLs without an owner"
    description = "Counts contacts whose current lifecycle stage is MQL and whose owner is empty or a Salesforce queue."
    why_it_matters = "An MQL with no owner is nobody's task: it waits until someone notices, and most never get a call."
    thresholds = ("tolerated_rate",)
    weight = 2.0
    remediations = {
        "unassigned": Remediation(
            title="Assign every MQL to an owner",
            steps=[
                "Add an assignment step (round robin or territory rules) to the workflow that sets the MQL stage.",
                "Give the routing a fallback owner or queue manager for leads that match no rule.",
                "Assign the listed MQLs now, oldest first.",
            ],
            priority="p1",
            effort="low",
            expected_impact="Every MQL reaches a rep and starts the speed-to-lead clock.",
        ),
    }

    def run(self, context):
        mqls = context.scoped(Contact).filter(lifecycle_stage=MQL)
        counts = mqls.aggregate(
            total=Count("pk"),
            unassigned=Count("pk", filter=UNASSIGNED),
            in_queue=Count("pk", filter=QUEUE_OWNER),
            oldest=Min("became_mql_at", filter=UNASSIGNED),
        )
        total, count = counts["total"], counts["unassigned"]
        if not total:
            return CheckOutcome(None, None, 1.0, skipped_reason="No contacts are currently MQLs.")

        tolerated = context.thresholds["tolerated_rate"]
        share = rate(count, total)
        findings = []
        if share > tolerated:
            findings.append(FindingData(
                key="unassigned:mql",
                severity=severity_for_rate(share, tolerated),
                title=f"{plural(count, 'MQL')} without an owner",
                summary=(
                    f"{count} of {total} current MQLs ({percent(share)}) have no owner or sit in a queue "
                    f"({counts['in_queue']} in a queue), so no rep is asked to follow up."
                ),
                measured_value=share,
                threshold=tolerated,
                unit="share of MQLs",
                affected_count=count,
                denominator=total,
                evidence={
                    "oldest_mql_date": counts["oldest"].isoformat() if counts["oldest"] else None,
                    "in_queue": counts["in_queue"],
                    "sample_ids": scoped_sample(mqls.filter(UNASSIGNED)),
                },
            ))
        metrics = {"mqls": total, "unassigned": count, "in_queue": counts["in_queue"]}
        return CheckOutcome(share, tolerated, 1.0 - share, findings, metrics=metrics)


@register
class InactiveOwners(LeadHandlingCheck):
    code = "lead_handling.inactive_owners"
    title = "Leads owned by inactive users"
    description = "Counts leads, MQLs, SQLs and opportunities whose owner is a deactivated CRM user."
    why_it_matters = "Leads of a rep who left get no follow-up and no alerts, and they vanish from every active rep's queue."
    thresholds = ("tolerated_rate",)
    remediations = {
        "inactive_owner": Remediation(
            title="Reassign leads of inactive owners",
            steps=[
                "Reassign the listed records to active reps with the same territory or segment.",
                "Add reassignment to the offboarding checklist: before a user is deactivated, move their open records.",
                "Remove inactive users from round-robin and routing rules.",
            ],
            priority="p2",
            effort="low",
            expected_impact="Every open lead has an owner who can act on it.",
        ),
    }

    def run(self, context):
        owned = context.scoped(Contact).filter(lifecycle_stage__in=OPEN_STAGES).exclude(UNASSIGNED)
        owned = owned.annotate(inactive_owner=owner_filter(False), active_owner=owner_filter(True))
        counts = owned.aggregate(
            total=Count("pk"),
            inactive=Count("pk", filter=Q(inactive_owner=True)),
            unknown=Count("pk", filter=Q(inactive_owner=False, active_owner=False)),
        )
        total, count = counts["total"], counts["inactive"]
        if not total:
            return CheckOutcome(None, None, 1.0, skipped_reason="No open leads have an owner.")

        tolerated = context.thresholds["tolerated_rate"]
        share = rate(count, total)
        findings = []
        if share > tolerated:
            inactive = owned.filter(inactive_owner=True)
            per_owner = dict(inactive.values_list("owner_external_id").annotate(count=Count("pk")).order_by())
            names = owner_names(context, per_owner)
            findings.append(FindingData(
                key="inactive_owner:leads",
                severity=severity_for_rate(share, tolerated),
                title=f"{plural(count, 'open lead')} owned by {plural(len(per_owner), 'inactive user')}",
                summary=(
                    f"{count} of {total} owned leads, MQLs, SQLs and opportunities ({percent(share)}) belong to users "
                    "who are deactivated in the CRM, so nobody follows them up."
                ),
                measured_value=share,
                threshold=tolerated,
                unit="share of owned open leads",
                affected_count=count,
                denominator=total,
                evidence={
                    "by_owner": {names.get(owner_id, owner_id): owner_count for owner_id, owner_count in sorted(per_owner.items())},
                    "sample_ids": scoped_sample(inactive),
                },
            ))
        return CheckOutcome(share, tolerated, 1.0 - share, findings, metrics={"owned_open_leads": total, **counts})


@register
class RottingMqls(LeadHandlingCheck):
    code = "lead_handling.rotting_mqls"
    title = "MQLs rotting in the queue"
    description = (
        "Counts current MQLs that nobody has worked: no call or meeting since the MQL date, which is more than "
        "rotting_days before the audit. An MQL with a first sales activity is being worked, and how fast that came "
        "is the speed-to-lead check's measure."
    )
    why_it_matters = "An MQL left without follow-up for a week has usually lost interest or bought elsewhere."
    thresholds = ("rotting_days", "tolerated_rate")
    weight = 1.5
    remediations = {
        "rotting": Remediation(
            title="Work or recycle MQLs that sit untouched",
            steps=[
                "Create a daily view of MQLs with no activity for longer than the audit's rotting limit and review it in the sales stand-up.",
                "Add a workflow that alerts the owner after 2 working days without activity and reassigns after the limit.",
                "Recycle MQLs that sales will not work back to nurture with lead status Recycled.",
            ],
            priority="p1",
            effort="low",
            expected_impact="MQLs get follow-up while they are still interested.",
        ),
    }

    def run(self, context):
        days = context.thresholds["rotting_days"]
        cutoff = context.now - timedelta(days=days)
        # client_id lets the database use the (client, contact_external_id, occurred_at) index.
        worked = Touchpoint.objects.filter(
            client_id=OuterRef("client_id"),
            contact_external_id=OuterRef("external_id"),
            portal_id=OuterRef("portal_id"),
            is_sales_activity=True,
            occurred_at__gte=OuterRef("became_mql_at"),
            occurred_at__lte=context.now,
        )
        mqls = context.scoped(Contact).filter(lifecycle_stage=MQL, became_mql_at__isnull=False, became_mql_at__lte=context.now)
        mqls = mqls.annotate(worked=Exists(worked))
        rotting_condition = Q(worked=False, became_mql_at__lt=cutoff)
        counts = mqls.aggregate(
            total=Count("pk"),
            rotting=Count("pk", filter=rotting_condition),
            within_limit=Count("pk", filter=Q(worked=False, became_mql_at__gte=cutoff)),
        )
        total, count = counts["total"], counts["rotting"]
        if not total:
            return CheckOutcome(None, None, 1.0, skipped_reason="No current MQLs have an MQL date.")

        tolerated = context.thresholds["tolerated_rate"]
        share = rate(count, total)
        findings = []
        if share > tolerated:
            findings.append(FindingData(
                key="rotting:mql",
                severity=severity_for_rate(share, tolerated),
                title=f"{plural(count, 'MQL')} with no sales activity for more than {days} days",
                summary=(
                    f"{count} of {total} current MQLs ({percent(share)}) qualified more than {days} days ago and have had "
                    "no call or meeting since, so nobody has worked them."
                ),
                measured_value=share,
                threshold=tolerated,
                unit="share of MQLs",
                affected_count=count,
                denominator=total,
                evidence={"days": days, "sample_ids": scoped_sample(mqls.filter(rotting_condition))},
            ))
        return CheckOutcome(share, tolerated, 1.0 - share, findings, metrics={"mqls": total, **counts})


@register
class UnbalancedDistribution(LeadHandlingCheck):
    code = "lead_handling.unbalanced_distribution"
    title = "MQLs unevenly distributed across reps"
    description = (
        "Compares each active owner's share of MQLs (contacts with an MQL date) with the mean share of the owners "
        "with MQLs in the same team, and flags owners above rep_balance_max_ratio times that mean. A team is the "
        "owners with the same territory and segment, because round robin shares work within that team. When no "
        "owner has a territory or segment, all owners with MQLs are one team."
    )
    why_it_matters = (
        "An overloaded rep cannot call every MQL quickly while others wait for leads. Uneven routing also "
        "hides rules that send whole segments to one person."
    )
    thresholds = ("rep_balance_max_ratio",)
    remediations = {
        "unbalanced": Remediation(
            title="Balance MQL assignment across reps",
            steps=[
                "Check the routing rules and round robin for rules that send a segment or source to one rep only.",
                "Use weighted round robin when reps have different capacity, and document the weights.",
                "Skip absent reps in the rotation instead of saving leads for their return.",
            ],
            priority="p3",
            effort="low",
            expected_impact="Every rep gets the share of MQLs that routing intends, and response times even out.",
        ),
    }

    def run(self, context):
        # NOTE: all MQLs since the portal started count, so reps who joined recently look underloaded.
        mqls = context.scoped(Contact).filter(became_mql_at__isnull=False).exclude(UNASSIGNED)
        mqls = mqls.filter(~owner_filter(False))
        teams = mqls_by_team(context, mqls)
        per_owner = {owner_id: count for team in teams.values() for owner_id, count in team.items()}
        compared = {key: team for key, team in teams.items() if len(team) >= 2}
        if not compared:
            reason = "Fewer than two active owners have MQLs." if len(teams) <= 1 else "No team has two active owners with MQLs."
            return CheckOutcome(None, None, 1.0, skipped_reason=reason)

        max_ratio = context.thresholds["rep_balance_max_ratio"]
        names = owner_names(context, per_owner)
        findings, highest = [], 0.0
        for key, team in sorted(compared.items()):
            team_total = sum(team.values())
            mean_share = 1 / len(team)
            for owner_id, count in sorted(team.items()):
                ratio = rate(count, team_total) / mean_share
                highest = max(highest, ratio)
                if ratio > max_ratio:
                    findings.append(self._finding(owner_id, key, team, ratio, max_ratio, names, mqls))
        return CheckOutcome(
            highest, max_ratio, min(1.0, max_ratio / highest),
            findings,
            metrics={
                "owners": len(per_owner), "mqls": sum(per_owner.values()), "mqls_by_owner": per_owner,
                "teams": [{"territory": key[0], "segment": key[1], "mqls_by_owner": team} for key, team in sorted(teams.items())],
            },
        )

    def _finding(self, owner_id, team_key, team, ratio, max_ratio, names, mqls):
        name = names.get(owner_id, owner_id)
        count, total, mean_share = team[owner_id], sum(team.values()), 1 / len(team)
        label = team_label(team_key)
        scope = f" in {label}" if label else ""
        return FindingData(
            key=f"unbalanced:{owner_id}",
            severity="medium" if ratio >= 2 * max_ratio else "low",
            title=f"{name} owns {percent(rate(count, total))} of MQLs{scope}, {ratio:.1f} times the mean share",
            summary=(
                f"{name} owns {count} of {total} MQLs{scope} ({percent(rate(count, total))}), while an even split across the "
                f"{len(team)} owners with MQLs{scope} gives each {percent(mean_share)}."
            ),
            measured_value=ratio,
            threshold=max_ratio,
            unit="times the mean share",
            affected_count=count,
            denominator=total,
            evidence={
                "owner_id": owner_id, "owner": name, "territory": team_key[0], "segment": team_key[1],
                "team_owners": len(team), "sample_ids": scoped_sample(mqls.filter(owner_external_id=owner_id)),
            },
        )


def mqls_by_team(context, mqls):
    """Return {(territory, segment): {owner id: MQLs}} in one grouped query.

    The team comes from the owner's Owner row. When no owner with MQLs has a territory or segment, every
    owner is in the team ("", "").
    """
    owner = Owner.objects.filter(client_id=context.client_id, portal_id=OuterRef("portal_id"), external_id=OuterRef("owner_external_id"))
    rows = (
        mqls.annotate(
            territory=Coalesce(Subquery(owner.values("territory")[:1]), Value("")),
            segment=Coalesce(Subquery(owner.values("segment")[:1]), Value("")),
        )
        .values_list("territory", "segment", "owner_external_id")
        .annotate(count=Count("pk"))
        .order_by()
    )
    rows = list(rows)
    if not any(territory or segment for territory, segment, _, _ in rows):
        rows = [("", "", owner_id, count) for _, _, owner_id, count in rows]
    teams = {}
    for territory, segment, owner_id, count in rows:
        team = teams.setdefault((territory, segment), {})
        team[owner_id] = team.get(owner_id, 0) + count
    return teams


def team_label(team_key):
    """Return "territory Central, segment Enterprise" for a team key, or "" for the single team of all owners."""
    territory, segment = team_key
    parts = [f"territory {territory}" if territory else "", f"segment {segment}" if segment else ""]
    return ", ".join(part for part in parts if part)


# Imported for registration: the speed-to-lead check of this category.
from audits.checks import speed_to_lead  # noqa: E402,F401
