from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from audits.checks.base import CheckContext
from audits.checks.lead_handling import InactiveOwners, RottingMqls, UnassignedMqls, UnbalancedDistribution
from audits.checks.speed_to_lead import NO_OWNER, NO_SOURCE, SpeedToLead, summarize
from audits.thresholds import effective_thresholds
from audits.working_hours import WorkingHours, working_minutes, working_minutes_many
from portals.models import Portal
from tests.audits.snapshot_factories import ContactFactory, FormFactory, OwnerFactory, TouchpointFactory
from tests.factories import PortalFactory

MQL, SQL = "marketingqualifiedlead", "salesqualifiedlead"
UTC = timezone.utc
OFFICE_UTC = WorkingHours(9, 17, frozenset(range(5)), ZoneInfo("UTC"))


def utc(month, day, hour, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def portal(world):
    """A portal of the client under test with only the rows a test creates."""
    return PortalFactory(client=world.client, name="Zebra audited portal")


def context_for(portal, now, **overrides):
    return CheckContext(client_id=portal.client_id, portal_ids=[portal.pk], thresholds=effective_thresholds(overrides), now=now)


def other_portal(world):
    return Portal.objects.get(client=world.other_client)


# Working minutes


def test_minutes_within_one_day():
    assert working_minutes(utc(5, 11, 10), utc(5, 11, 10, 20), OFFICE_UTC) == 20


def test_minutes_across_weekend():
    # Friday 16:30 to Monday 09:15: 30 minutes on Friday, 15 on Monday.
    assert working_minutes(utc(5, 8, 16, 30), utc(5, 11, 9, 15), OFFICE_UTC) == 45


def test_minutes_across_night():
    assert working_minutes(utc(5, 12, 16, 50), utc(5, 13, 9, 10), OFFICE_UTC) == 20


def test_minutes_outside_hours_zero():
    assert working_minutes(utc(5, 12, 20), utc(5, 13, 8), OFFICE_UTC) == 0


def test_minutes_from_saturday():
    assert working_minutes(utc(5, 9, 11), utc(5, 11, 10), OFFICE_UTC) == 60


def test_minutes_full_week():
    assert working_minutes(utc(5, 11, 9), utc(5, 18, 9), OFFICE_UTC) == 5 * 480


def test_minutes_with_seconds():
    assert working_minutes(utc(5, 11, 9), datetime(2026, 5, 11, 9, 0, 30, tzinfo=UTC), OFFICE_UTC) == 0.5


def test_minutes_in_team_time_zone():
    new_york = WorkingHours(9, 17, frozenset(range(5)), ZoneInfo("America/New_York"))
    # Friday 16:30 EDT (20:30 UTC) to Monday 09:15 EDT (13:15 UTC).
    start, end = utc(5, 8, 20, 30), utc(5, 11, 13, 15)

    assert working_minutes(start, end, new_york) == 45
    assert working_minutes(start, end, OFFICE_UTC) == 255


def test_minutes_across_daylight_saving_change():
    berlin = WorkingHours(9, 17, frozenset(range(5)), ZoneInfo("Europe/Berlin"))
    # Friday 16:00 CET (15:00 UTC) to Monday 10:00 CEST (08:00 UTC); clocks moved on Sunday 2026-03-29.
    assert working_minutes(utc(3, 27, 15), utc(3, 30, 8), berlin) == 120


def test_minutes_end_before_start_negative():
    assert working_minutes(utc(5, 11, 10, 20), utc(5, 11, 10), OFFICE_UTC) == -20


def test_minutes_many():
    starts = [utc(5, 11, 10), utc(5, 8, 16, 30)]
    ends = [utc(5, 11, 10, 20), utc(5, 11, 9, 15)]

    assert working_minutes_many(starts, ends, OFFICE_UTC) == [20, 45]


def test_minutes_many_length_mismatch():
    with pytest.raises(ValueError, match="differ in length"):
        working_minutes_many([utc(5, 11, 10)], [], OFFICE_UTC)


def test_working_hours_invalid():
    with pytest.raises(ValueError, match="start must be before the end"):
        WorkingHours(17, 9, frozenset(range(5)), ZoneInfo("UTC"))
    with pytest.raises(ValueError, match="working days"):
        WorkingHours(9, 17, frozenset({7}), ZoneInfo("UTC"))


def test_working_hours_from_thresholds():
    hours = WorkingHours.from_thresholds(effective_thresholds({"time_zone": "Europe/Berlin", "working_days": [0, 1, 2, 3]}))

    assert hours.days == frozenset({0, 1, 2, 3})
    assert hours.time_zone == ZoneInfo("Europe/Berlin")


def test_summarize_median_and_p90():
    summary = summarize([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], limit=30)

    assert summary["median"] == 55
    assert summary["p90"] == 91
    assert summary["above_limit"] == 7


# Speed to lead

SPEED_NOW = utc(5, 15, 12)


def build_speed_to_lead(portal):
    OwnerFactory(portal=portal, external_id="o1", first_name="Ana", last_name="Rep")
    OwnerFactory(portal=portal, external_id="o2", first_name="Bo", last_name="Rep")
    FormFactory(portal=portal, external_id="f-demo", name="Request a Demo")
    FormFactory(portal=portal, external_id="f-news", name="Newsletter signup")

    def call(contact, when):
        TouchpointFactory(portal=portal, contact_external_id=contact, occurred_at=when, kind="call", is_sales_activity=True)

    ContactFactory(portal=portal, external_id="c1", became_mql_at=utc(5, 11, 10), owner_external_id="o1", original_source="PAID_SEARCH")
    call("c1", utc(5, 11, 10, 10))
    ContactFactory(portal=portal, external_id="c2", became_mql_at=utc(5, 11, 11), owner_external_id="o1", original_source="ORGANIC_SEARCH")
    call("c2", utc(5, 11, 12))
    call("c2", utc(5, 11, 13))
    ContactFactory(portal=portal, external_id="c3", became_mql_at=utc(5, 8, 16, 45), owner_external_id="o2", original_source="PAID_SEARCH")
    TouchpointFactory(portal=portal, contact_external_id="c3", occurred_at=utc(5, 11, 9, 20), kind="meeting", is_sales_activity=True)
    ContactFactory(portal=portal, external_id="c4", became_mql_at=utc(5, 12, 9), owner_external_id="o2")
    TouchpointFactory(portal=portal, contact_external_id="c4", occurred_at=utc(5, 12, 10))

    ContactFactory(portal=portal, external_id="c5")
    TouchpointFactory(portal=portal, contact_external_id="c5", occurred_at=utc(5, 13, 14), kind="form_submission", form_external_id="f-demo")
    call("c5", utc(5, 13, 14, 5))
    ContactFactory(portal=portal, external_id="c6")
    TouchpointFactory(portal=portal, contact_external_id="c6", occurred_at=utc(5, 13, 14), kind="form_submission", form_external_id="f-news")
    call("c6", utc(5, 13, 15))

    ContactFactory(portal=portal, external_id="c7", became_mql_at=utc(5, 11, 10), owner_external_id="o1", original_source="PAID_SEARCH")
    call("c7", utc(5, 11, 9))
    ContactFactory(portal=portal, external_id="c8", became_mql_at=utc(5, 20, 10), owner_external_id="o1")


@pytest.mark.django_db
def test_speed_to_lead_overall(world, portal):
    build_speed_to_lead(portal)

    outcome = SpeedToLead().run(context_for(portal, SPEED_NOW))

    assert outcome.metrics["leads"] == 6
    assert outcome.metrics["responded"] == 4
    assert outcome.metrics["no_activity"] == 2
    assert outcome.measured_value == 22.5
    assert outcome.metrics["p90"] == 52.5
    assert outcome.metrics["above_limit"] == 2
    assert outcome.threshold == 30


@pytest.mark.django_db
def test_speed_to_lead_breakdowns(world, portal):
    build_speed_to_lead(portal)

    metrics = SpeedToLead().run(context_for(portal, SPEED_NOW)).metrics

    assert {owner: row["median"] for owner, row in metrics["by_owner"].items()} == {"Ana Rep": 35, "Bo Rep": 35, NO_OWNER: 5}
    assert metrics["by_owner"]["Ana Rep"]["count"] == 2
    assert {source: row["count"] for source, row in metrics["by_source"].items()} == {"PAID_SEARCH": 2, "ORGANIC_SEARCH": 1, NO_SOURCE: 1}
    assert {hour: row["median"] for hour, row in metrics["by_hour"].items()} == {10: 10, 11: 60, 14: 5, 16: 35}


@pytest.mark.django_db
def test_speed_to_lead_findings(world, portal):
    build_speed_to_lead(portal)

    findings = {finding.key: finding for finding in SpeedToLead().run(context_for(portal, SPEED_NOW)).findings}

    assert findings["speed_to_lead:slow"].affected_count == 2
    assert findings["speed_to_lead:slow"].denominator == 4
    assert findings["speed_to_lead:slow"].evidence["sample_ids"] == ["c2", "c3"]
    assert findings["speed_to_lead:no_activity"].evidence["sample_ids"] == ["c4", "c7"]
    assert findings["speed_to_lead:no_activity"].evidence["by_owner"] == {"Ana Rep": 1, "Bo Rep": 1}


@pytest.mark.django_db
def test_speed_to_lead_team_time_zone(world, portal):
    ContactFactory(portal=portal, external_id="c1", became_mql_at=utc(5, 8, 20, 30))
    TouchpointFactory(portal=portal, contact_external_id="c1", occurred_at=utc(5, 11, 13, 15), kind="call", is_sales_activity=True)

    outcome = SpeedToLead().run(context_for(portal, SPEED_NOW, time_zone="America/New_York"))

    assert outcome.measured_value == 45
    assert list(outcome.metrics["by_hour"]) == [16]


@pytest.mark.django_db
def test_speed_to_lead_other_client_not_counted(world, portal):
    build_speed_to_lead(portal)
    other = other_portal(world)
    ContactFactory(portal=other, external_id="c1", became_mql_at=utc(5, 11, 10))
    TouchpointFactory(portal=other, contact_external_id="c1", occurred_at=utc(5, 14, 10), kind="call", is_sales_activity=True)
    TouchpointFactory(portal=other, contact_external_id="c4", occurred_at=utc(5, 12, 9, 1), kind="call", is_sales_activity=True)

    outcome = SpeedToLead().run(context_for(portal, SPEED_NOW))

    assert outcome.metrics["leads"] == 6
    assert outcome.metrics["no_activity"] == 2
    assert outcome.measured_value == 22.5


@pytest.mark.django_db
def test_speed_to_lead_skipped_without_mqls(world, portal):
    ContactFactory(portal=portal, lifecycle_stage="lead")

    assert SpeedToLead().run(context_for(portal, SPEED_NOW)).skipped_reason


# Unassigned MQLs


@pytest.mark.django_db
def test_unassigned_mqls(world, portal):
    ContactFactory(portal=portal, external_id="1", lifecycle_stage=MQL, became_mql_at=utc(5, 1, 9))
    ContactFactory(portal=portal, external_id="2", lifecycle_stage=MQL, became_mql_at=utc(5, 3, 9))
    ContactFactory(portal=portal, external_id="3", lifecycle_stage=MQL, owner_external_id="o1")
    ContactFactory(portal=portal, external_id="4", lifecycle_stage="lead")
    ContactFactory(portal=portal, external_id="5", lifecycle_stage=MQL, owner_external_id="00G5g0000000001AAA")
    ContactFactory(portal=portal, external_id="6", lifecycle_stage=MQL, owner_external_id="00G5g0000000001")
    ContactFactory(portal=portal, external_id="7", lifecycle_stage=MQL, owner_external_id="0055g0000000001AAA")
    ContactFactory(portal=other_portal(world), lifecycle_stage=MQL)

    (finding,) = UnassignedMqls().run(context_for(portal, SPEED_NOW)).findings

    assert finding.affected_count == 4
    assert finding.denominator == 6
    assert finding.evidence["in_queue"] == 2
    assert finding.evidence["sample_ids"] == ["1", "2", "5", "6"]
    assert finding.evidence["oldest_mql_date"] == "2026-05-01T09:00:00+00:00"


@pytest.mark.django_db
def test_unassigned_mqls_skipped_without_mqls(world, portal):
    ContactFactory(portal=portal, lifecycle_stage="lead")

    assert UnassignedMqls().run(context_for(portal, SPEED_NOW)).skipped_reason


# Inactive owners


@pytest.mark.django_db
def test_leads_of_inactive_owners(world, portal):
    OwnerFactory(portal=portal, external_id="o1", is_active=True)
    OwnerFactory(portal=portal, external_id="o2", first_name="Gone", last_name="Rep", is_active=False)
    ContactFactory(portal=portal, external_id="1", lifecycle_stage="lead", owner_external_id="o2")
    ContactFactory(portal=portal, external_id="2", lifecycle_stage=SQL, owner_external_id="o2")
    ContactFactory(portal=portal, external_id="3", lifecycle_stage="customer", owner_external_id="o2")
    ContactFactory(portal=portal, external_id="4", lifecycle_stage=MQL, owner_external_id="o1")
    ContactFactory(portal=portal, external_id="5", lifecycle_stage="lead", owner_external_id="o9")
    other = other_portal(world)
    OwnerFactory(portal=other, external_id="o1", is_active=False)
    ContactFactory(portal=other, lifecycle_stage="lead", owner_external_id="o1")

    outcome = InactiveOwners().run(context_for(portal, SPEED_NOW))
    (finding,) = outcome.findings

    assert outcome.metrics["total"] == 4
    assert outcome.metrics["inactive"] == 2
    assert outcome.metrics["unknown"] == 1
    assert finding.evidence["by_owner"] == {"Gone Rep": 2}
    assert finding.evidence["sample_ids"] == ["1", "2"]


@pytest.mark.django_db
def test_inactive_owners_skipped_without_owned_leads(world, portal):
    ContactFactory(portal=portal, lifecycle_stage="lead")

    assert InactiveOwners().run(context_for(portal, SPEED_NOW)).skipped_reason


# Rotting MQLs

ROTTING_NOW = utc(5, 20, 12)


@pytest.mark.django_db
def test_rotting_mqls(world, portal):
    def call(contact, when):
        TouchpointFactory(portal=portal, contact_external_id=contact, occurred_at=when, kind="call", is_sales_activity=True)

    ContactFactory(portal=portal, external_id="r1", lifecycle_stage=MQL, became_mql_at=utc(5, 1, 9))
    ContactFactory(portal=portal, external_id="r2", lifecycle_stage=MQL, became_mql_at=utc(5, 1, 9))
    call("r2", utc(5, 2, 9))
    ContactFactory(portal=portal, external_id="r3", lifecycle_stage=MQL, became_mql_at=utc(5, 1, 9))
    call("r3", utc(5, 15, 9))
    ContactFactory(portal=portal, external_id="r4", lifecycle_stage=MQL, became_mql_at=utc(5, 18, 9))
    ContactFactory(portal=portal, external_id="r5", lifecycle_stage=SQL, became_mql_at=utc(5, 1, 9))
    ContactFactory(portal=portal, external_id="r6", lifecycle_stage=MQL, became_mql_at=utc(5, 10, 9))
    call("r6", utc(5, 9, 9))
    ContactFactory(portal=other_portal(world), lifecycle_stage=MQL, became_mql_at=utc(1, 1, 9))

    outcome = RottingMqls().run(context_for(portal, ROTTING_NOW))
    (finding,) = outcome.findings

    assert outcome.metrics["total"] == 5
    assert outcome.metrics["rotting"] == 2
    assert outcome.metrics["within_limit"] == 1
    assert finding.evidence["sample_ids"] == ["r1", "r6"]


@pytest.mark.django_db
def test_rotting_days_threshold(world, portal):
    ContactFactory(portal=portal, external_id="r4", lifecycle_stage=MQL, became_mql_at=utc(5, 18, 9))

    assert RottingMqls().run(context_for(portal, ROTTING_NOW, rotting_days=1)).metrics["rotting"] == 1


@pytest.mark.django_db
def test_rotting_skipped_without_mqls(world, portal):
    assert RottingMqls().run(context_for(portal, ROTTING_NOW)).skipped_reason


# Distribution across reps


def build_distribution(portal, counts):
    for owner_id, (count, is_active) in counts.items():
        OwnerFactory(portal=portal, external_id=owner_id, first_name="Rep", last_name=owner_id.upper(), is_active=is_active)
        for index in range(count):
            ContactFactory(portal=portal, external_id=f"{owner_id}-{index}", owner_external_id=owner_id, became_mql_at=utc(5, 1, 9))


@pytest.mark.django_db
def test_unbalanced_rep(world, portal):
    build_distribution(portal, {"o1": (6, True), "o2": (2, True), "o3": (2, True), "o4": (5, False)})
    ContactFactory(portal=portal, owner_external_id="o2", lifecycle_stage="lead")
    ContactFactory(portal=portal, owner_external_id="00G5g0000000001AAA", became_mql_at=utc(5, 1, 9))
    build_distribution(other_portal(world), {"o2": (9, True)})

    outcome = UnbalancedDistribution().run(context_for(portal, SPEED_NOW))
    (finding,) = outcome.findings

    assert outcome.metrics["mqls_by_owner"] == {"o1": 6, "o2": 2, "o3": 2}
    assert finding.key == "unbalanced:o1"
    assert finding.measured_value == pytest.approx(1.8)
    assert finding.title == "Rep O1 owns 60% of MQLs, 1.8 times the mean share"


@pytest.mark.django_db
def test_balanced_reps_no_finding(world, portal):
    build_distribution(portal, {"o1": (4, True), "o2": (3, True), "o3": (3, True)})

    outcome = UnbalancedDistribution().run(context_for(portal, SPEED_NOW))

    assert outcome.findings == []
    assert outcome.score == 1.0


@pytest.mark.django_db
def test_distribution_skipped_with_one_rep(world, portal):
    build_distribution(portal, {"o1": (4, True)})

    assert UnbalancedDistribution().run(context_for(portal, SPEED_NOW)).skipped_reason


@pytest.mark.django_db
def test_lead_handling_remediations(world, portal):
    build_speed_to_lead(portal)
    check = SpeedToLead()

    for finding in check.run(context_for(portal, SPEED_NOW)).findings:
        assert check.remediation(finding).steps
