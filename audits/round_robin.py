"""Audit of a round-robin assignment log against rep absences.

The policy the log is measured against: the pointer moves to the next available rep after the
last one assigned, and absences are skipped, never repaid. So a rep who returns from an absence
gets the same share as the others from then on, not a catch-up burst of leads.

Times are aware datetimes. An absence (start, end) includes both ends.
"""
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CatchUp:
    """How many leads a rep received right after returning from an absence."""

    rep: str
    returned_at: object
    window_leads: list
    rep_leads: list
    expected_share: float
    policy_count: int

    @property
    def flagged(self):
        """True when the rep got more leads in the window than the rotation policy gives."""
        return len(self.rep_leads) > self.policy_count


@dataclass
class RoundRobinAudit:
    unavailable_leads: list = field(default_factory=list)
    catch_ups: list = field(default_factory=list)
    simulated: list = field(default_factory=list)

    @property
    def flagged_catch_ups(self):
        return [catch_up for catch_up in self.catch_ups if catch_up.flagged]


def is_available(rep, moment, absences):
    """True unless `moment` falls inside one of the rep's absences."""
    return not any(start <= moment <= end for start, end in absences.get(rep, ()))


def simulate_rotation(reps, absences, leads, last_rep=None):
    """Assign `leads` [(lead, time)] under the policy and return [(lead, rep)].

    The rep is None when no rep is available. `last_rep` is the rep who got the lead before the
    first one, and None starts the rotation at the first rep.
    """
    pointer = reps.index(last_rep) if last_rep in reps else -1
    assigned = []
    for lead, moment in leads:
        rep = None
        for step in range(1, len(reps) + 1):
            candidate_index = (pointer + step) % len(reps)
            if is_available(reps[candidate_index], moment, absences):
                rep, pointer = reps[candidate_index], candidate_index
                break
        assigned.append((lead, rep))
    return assigned


def leads_to_unavailable_reps(assignments, absences):
    """Return the leads of the log [(lead, time, rep)] that went to a rep who was absent at that time."""
    return [lead for lead, moment, rep in assignments if not is_available(rep, moment, absences)]


def catch_up_windows(reps, absences, assignments, window=None):
    """Measure each rep's leads in the first `window` assignments after each absence ends.

    `window` defaults to one rotation plus one lead (len(reps) + 1). The policy count replays the
    same leads under the policy, starting after the rep who got the lead before the window.
    """
    window = window or len(reps) + 1
    ordered = sorted(assignments, key=lambda assignment: assignment[1])
    catch_ups = []
    for rep, rep_absences in sorted(absences.items()):
        for _, returned_at in sorted(rep_absences):
            catch_up = _catch_up_after(reps, absences, ordered, rep, returned_at, window)
            if catch_up is not None:
                catch_ups.append(catch_up)
    return catch_ups


def audit_round_robin(reps, absences, assignments, window=None):
    """Audit an assignment log: leads sent to absent reps, catch-up bursts, and the rotation the policy gives.

    `reps` is the rotation order, `absences` maps a rep to [(start, end)], and `assignments` is
    the log [(lead, time, rep)].
    """
    ordered = sorted(assignments, key=lambda assignment: assignment[1])
    leads = [(lead, moment) for lead, moment, _ in ordered]
    return RoundRobinAudit(
        unavailable_leads=leads_to_unavailable_reps(ordered, absences),
        catch_ups=catch_up_windows(reps, absences, ordered, window),
        simulated=simulate_rotation(reps, absences, leads),
    )


def _catch_up_after(reps, absences, ordered, rep, returned_at, window):
    first_after = next((index for index, assignment in enumerate(ordered) if assignment[1] > returned_at), None)
    if first_after is None:
        return None

    window_log = ordered[first_after:first_after + window]
    last_rep = ordered[first_after - 1][2] if first_after > 0 else None
    replay = simulate_rotation(reps, absences, [(lead, moment) for lead, moment, _ in window_log], last_rep)

    available_reps = [candidate for candidate in reps if is_available(candidate, window_log[0][1], absences)]
    return CatchUp(
        rep=rep,
        returned_at=returned_at,
        window_leads=[lead for lead, _, _ in window_log],
        rep_leads=[lead for lead, _, assigned_rep in window_log if assigned_rep == rep],
        expected_share=1 / len(available_reps) if available_reps else 0.0,
        policy_count=sum(1 for _, assigned_rep in replay if assigned_rep == rep),
    )
