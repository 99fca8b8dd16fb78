from datetime import datetime, timezone

from audits.round_robin import (
    audit_round_robin,
    catch_up_windows,
    is_available,
    leads_to_unavailable_reps,
    simulate_rotation,
)


def at(month, day, hour=9, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=timezone.utc)


REPS = ["A", "B", "C"]
# B is out of office from 2026-05-04 00:00 to 2026-05-08 23:59 (UTC).
ABSENCES = {"B": [(at(5, 4, 0, 0), at(5, 8, 23, 59))]}
# Leads on the same day get increasing hours, so the log order is the time order.
LOG = [
    ("L1", at(5, 4, 9), "A"),
    ("L2", at(5, 4, 10), "B"),
    ("L3", at(5, 5, 9), "C"),
    ("L4", at(5, 5, 10), "A"),
    ("L5", at(5, 6, 9), "B"),
    ("L6", at(5, 7, 9), "C"),
    ("L7", at(5, 11, 9), "A"),
    ("L8", at(5, 11, 10), "B"),
    ("L9", at(5, 11, 11), "B"),
    ("L10", at(5, 12, 9), "C"),
]


def test_leads_to_absent_rep():
    assert leads_to_unavailable_reps(LOG, ABSENCES) == ["L2", "L5"]


def test_absence_bounds_inclusive():
    assert not is_available("B", at(5, 8, 23, 59), ABSENCES)
    assert is_available("B", at(5, 9, 0, 0), ABSENCES)
    assert is_available("A", at(5, 5), ABSENCES)


def test_simulated_rotation_skips_absent_rep():
    audit = audit_round_robin(REPS, ABSENCES, LOG)

    assert audit.simulated == [
        ("L1", "A"), ("L2", "C"), ("L3", "A"), ("L4", "C"), ("L5", "A"),
        ("L6", "C"), ("L7", "A"), ("L8", "B"), ("L9", "C"), ("L10", "A"),
    ]


def test_simulated_rotation_gives_returning_rep_one_of_four():
    audit = audit_round_robin(REPS, ABSENCES, LOG)
    after_return = [rep for lead, rep in audit.simulated if lead in {"L7", "L8", "L9", "L10"}]

    assert after_return.count("B") == 1


def test_catch_up_skew_flagged():
    audit = audit_round_robin(REPS, ABSENCES, LOG)
    (catch_up,) = audit.catch_ups

    assert catch_up.rep == "B"
    assert catch_up.window_leads == ["L7", "L8", "L9", "L10"]
    assert catch_up.rep_leads == ["L8", "L9"]
    assert catch_up.expected_share == 1 / 3
    assert catch_up.policy_count == 1
    assert catch_up.flagged
    assert audit.flagged_catch_ups == [catch_up]


def test_unavailable_leads_in_audit():
    assert audit_round_robin(REPS, ABSENCES, LOG).unavailable_leads == ["L2", "L5"]


def test_policy_log_not_flagged():
    policy_log = [(lead, moment, rep) for (lead, moment, _), (_, rep) in zip(LOG, audit_round_robin(REPS, ABSENCES, LOG).simulated)]

    audit = audit_round_robin(REPS, ABSENCES, policy_log)

    assert audit.unavailable_leads == []
    assert audit.flagged_catch_ups == []


def test_unsorted_log_sorted_by_time():
    audit = audit_round_robin(REPS, ABSENCES, list(reversed(LOG)))

    assert audit.unavailable_leads == ["L2", "L5"]
    assert [lead for lead, _ in audit.simulated][:3] == ["L1", "L2", "L3"]


def test_no_rep_available():
    everyone_away = {rep: [(at(5, 1), at(5, 2))] for rep in REPS}

    assert simulate_rotation(REPS, everyone_away, [("L1", at(5, 1, 12))]) == [("L1", None)]


def test_rotation_continues_after_last_rep():
    assert simulate_rotation(REPS, {}, [("L1", at(5, 1)), ("L2", at(5, 1))], last_rep="B") == [("L1", "C"), ("L2", "A")]


def test_absence_after_last_lead_has_no_window():
    assert catch_up_windows(REPS, {"A": [(at(6, 1), at(6, 2))]}, LOG) == []


def test_window_size_override():
    (catch_up,) = catch_up_windows(REPS, ABSENCES, LOG, window=2)

    assert catch_up.window_leads == ["L7", "L8"]
    assert catch_up.rep_leads == ["L8"]
    assert not catch_up.flagged
