from datetime import datetime, timezone

import pytest

from audits.checks.base import CheckContext
from audits.checks.lifecycle import DatesOutOfOrder, MissingEntryDates, SkippedStages, StuckInStage
from audits.checks.lifecycle_changes import BackwardMoves, StageSetManually
from audits.checks.lifecycle_mql import MqlCriteria
from audits.thresholds import effective_thresholds
from portals.models import Portal
from portals.models.snapshot import STAGE_DATE_FIELDS
from tests.audits.snapshot_factories import CompanyFactory, ContactFactory, LifecycleChangeFactory, TouchpointFactory
from tests.factories import PortalFactory

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
MQL, SQL = "marketingqualifiedlead", "salesqualifiedlead"


def at(text):
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def context_for(portal, **overrides):
    return CheckContext(
        client_id=portal.client_id, portal_ids=[portal.pk], thresholds=effective_thresholds(overrides), now=NOW
    )


@pytest.fixture
def portal(world):
    """A portal of the client under test with only the rows a test creates."""
    return PortalFactory(client=world.client, name="Zebra audited portal")


def other_portal(world):
    return Portal.objects.get(client=world.other_client)


def dated(**dates):
    """Contact fields for stage dates given by stage name, e.g. dated(lead="2026-01-02 09:00")."""
    return {STAGE_DATE_FIELDS[stage]: at(value) for stage, value in dates.items()}


def build_case_4(portal):
    """The three contacts of the HubSpot export with Became-a dates."""
    ContactFactory(
        portal=portal, external_id="201", lifecycle_stage="customer",
        **dated(lead="2026-01-02 09:00", salesqualifiedlead="2026-01-05 10:00", customer="2026-02-01 12:00"),
    )
    ContactFactory(
        portal=portal, external_id="202", lifecycle_stage=SQL,
        **dated(subscriber="2025-12-01 08:00", lead="2025-12-03 08:00", marketingqualifiedlead="2025-12-10 08:00",
                salesqualifiedlead="2025-12-11 08:00"),
    )
    ContactFactory(
        portal=portal, external_id="203", lifecycle_stage="customer",
        **dated(lead="2026-03-01 09:00", marketingqualifiedlead="2026-03-02 09:00", salesqualifiedlead="2026-03-03 09:00",
                opportunity="2026-03-04 09:00", customer="2026-02-20 09:00"),
    )


ALL_DATES = {
    "subscriber": "2026-01-01 08:00",
    "lead": "2026-01-02 08:00",
    MQL: "2026-01-03 08:00",
    SQL: "2026-01-04 08:00",
    "opportunity": "2026-01-05 08:00",
    "customer": "2026-01-06 08:00",
}


def all_dates_except(stage):
    return dated(**{name: value for name, value in ALL_DATES.items() if name != stage})


# Skipped stages


@pytest.mark.django_db
def test_case_4_skip_counts(world, portal):
    build_case_4(portal)

    outcome = SkippedStages().run(context_for(portal))

    assert outcome.metrics["contacts"] == 3
    assert outcome.metrics["contacts_with_skip"] == 1
    assert outcome.metrics["skips_by_stage"] == {"lead": 0, MQL: 1, SQL: 0, "opportunity": 1}
    assert outcome.measured_value == pytest.approx(1 / 3)


@pytest.mark.django_db
def test_case_4_skip_findings(world, portal):
    build_case_4(portal)

    findings = {finding.key: finding for finding in SkippedStages().run(context_for(portal)).findings}

    assert sorted(findings) == [f"skipped:{MQL}", "skipped:opportunity"]
    assert findings[f"skipped:{MQL}"].affected_count == 1
    assert findings[f"skipped:{MQL}"].denominator == 3
    assert findings[f"skipped:{MQL}"].evidence["sample_ids"] == ["201"]
    assert findings["skipped:opportunity"].evidence["sample_ids"] == ["201"]
    assert findings[f"skipped:{MQL}"].title == "1 contact skipped the MQL stage"


@pytest.mark.django_db
def test_every_stage_skip_counted(world, portal):
    for index, stage in enumerate(["lead", MQL, SQL, "opportunity"]):
        ContactFactory(portal=portal, external_id=str(index + 1), lifecycle_stage="customer", **all_dates_except(stage))
    ContactFactory(portal=portal, external_id="5", lifecycle_stage="customer", **all_dates_except("subscriber"))

    outcome = SkippedStages().run(context_for(portal))

    assert outcome.metrics["skips_by_stage"] == {"lead": 1, MQL: 1, SQL: 1, "opportunity": 1}
    assert outcome.metrics["contacts_with_skip"] == 4
    assert outcome.metrics["contacts"] == 5


@pytest.mark.django_db
def test_skip_seen_from_later_date(world, portal):
    ContactFactory(portal=portal, external_id="1", lifecycle_stage="lead", **dated(lead="2026-01-01 08:00", salesqualifiedlead="2026-02-01 08:00"))

    outcome = SkippedStages().run(context_for(portal))

    assert outcome.metrics["skips_by_stage"][MQL] == 1
    assert outcome.metrics["skips_by_stage"]["lead"] == 0


@pytest.mark.django_db
def test_current_stage_without_dates_skips_all_earlier(world, portal):
    ContactFactory(portal=portal, external_id="1", lifecycle_stage="opportunity")

    outcome = SkippedStages().run(context_for(portal))

    assert outcome.metrics["skips_by_stage"] == {"lead": 1, MQL: 1, SQL: 1, "opportunity": 0}


@pytest.mark.django_db
def test_skips_other_client_not_counted(world, portal):
    build_case_4(portal)
    ContactFactory(portal=other_portal(world), external_id="301", lifecycle_stage="customer")

    outcome = SkippedStages().run(context_for(portal))

    assert outcome.metrics["contacts"] == 3
    assert outcome.metrics["contacts_with_skip"] == 1


@pytest.mark.django_db
def test_skips_without_contacts_skipped(world, portal):
    ContactFactory(portal=other_portal(world), lifecycle_stage="customer")
    ContactFactory(portal=portal, lifecycle_stage="")

    outcome = SkippedStages().run(context_for(portal))

    assert outcome.skipped_reason


# Dates out of order


@pytest.mark.django_db
def test_case_4_dates_out_of_order(world, portal):
    build_case_4(portal)

    outcome = DatesOutOfOrder().run(context_for(portal))
    (finding,) = outcome.findings

    assert finding.key == "dates_out_of_order"
    assert finding.affected_count == 1
    assert finding.denominator == 3
    assert finding.evidence["sample_ids"] == ["203"]


@pytest.mark.django_db
def test_case_4_out_of_order_pairs(world, portal):
    build_case_4(portal)

    pairs = DatesOutOfOrder().run(context_for(portal)).metrics["pairs"]

    assert {(pair["earlier_stage"], pair["later_stage"]) for pair in pairs} == {
        ("lead", "customer"), (MQL, "customer"), (SQL, "customer"), ("opportunity", "customer"),
    }
    assert all(pair["count"] == 1 for pair in pairs)


@pytest.mark.django_db
def test_dates_in_order_no_finding(world, portal):
    ContactFactory(portal=portal, lifecycle_stage="customer", **all_dates_except("nothing"))

    outcome = DatesOutOfOrder().run(context_for(portal))

    assert outcome.findings == []
    assert outcome.measured_value == 0.0


@pytest.mark.django_db
def test_dates_out_of_order_skipped_without_contacts(world, portal):
    assert DatesOutOfOrder().run(context_for(portal)).skipped_reason


# Missing entry dates


@pytest.mark.django_db
def test_missing_entry_date_every_stage(world, portal):
    for index, stage in enumerate(STAGE_DATE_FIELDS):
        ContactFactory(portal=portal, external_id=f"{index}1", lifecycle_stage=stage)
        ContactFactory(portal=portal, external_id=f"{index}2", lifecycle_stage=stage, **{STAGE_DATE_FIELDS[stage]: NOW})
    ContactFactory(portal=other_portal(world), lifecycle_stage=MQL)

    outcome = MissingEntryDates().run(context_for(portal))

    assert outcome.metrics["missing_by_stage"] == {stage: 1 for stage in STAGE_DATE_FIELDS}
    assert outcome.metrics["contacts"] == 2 * len(STAGE_DATE_FIELDS)
    assert len(outcome.findings) == len(STAGE_DATE_FIELDS)


@pytest.mark.django_db
def test_missing_entry_date_finding(world, portal):
    ContactFactory(portal=portal, external_id="7", lifecycle_stage=SQL)
    ContactFactory(portal=portal, external_id="8", lifecycle_stage=SQL, became_sql_at=NOW)

    (finding,) = MissingEntryDates().run(context_for(portal)).findings

    assert finding.key == f"missing_date:{SQL}"
    assert finding.affected_count == 1
    assert finding.denominator == 2
    assert finding.measured_value == 0.5
    assert finding.evidence["sample_ids"] == ["7"]


@pytest.mark.django_db
def test_missing_entry_date_skipped_without_stage(world, portal):
    ContactFactory(portal=portal, lifecycle_stage="")

    assert MissingEntryDates().run(context_for(portal)).skipped_reason


# Stuck in stage


@pytest.mark.django_db
def test_stuck_per_stage(world, portal):
    ContactFactory(portal=portal, external_id="1", lifecycle_stage=MQL, became_mql_at=at("2026-01-01 08:00"))
    ContactFactory(portal=portal, external_id="2", lifecycle_stage=MQL, became_mql_at=at("2026-05-20 08:00"))
    ContactFactory(portal=portal, external_id="3", lifecycle_stage=SQL, became_sql_at=at("2025-12-01 08:00"))
    ContactFactory(portal=portal, external_id="4", lifecycle_stage="opportunity", became_opportunity_at=at("2026-05-01 08:00"))
    ContactFactory(portal=portal, external_id="5", lifecycle_stage="customer", became_customer_at=at("2020-01-01 08:00"))
    ContactFactory(portal=other_portal(world), lifecycle_stage=MQL, became_mql_at=at("2020-01-01 08:00"))

    outcome = StuckInStage().run(context_for(portal))

    assert outcome.metrics["stuck_by_stage"] == {MQL: 1, SQL: 1, "opportunity": 0}
    assert outcome.metrics["contacts"] == 4
    assert sorted(finding.key for finding in outcome.findings) == [f"stuck:{MQL}", f"stuck:{SQL}"]


@pytest.mark.django_db
def test_stuck_threshold_days(world, portal):
    ContactFactory(portal=portal, external_id="4", lifecycle_stage="opportunity", became_opportunity_at=at("2026-05-01 08:00"))

    outcome = StuckInStage().run(context_for(portal, stuck_stage_days=30))
    (finding,) = outcome.findings

    assert finding.key == "stuck:opportunity"
    assert finding.evidence["sample_ids"] == ["4"]
    assert finding.evidence["days"] == 30


@pytest.mark.django_db
def test_stuck_skipped_without_open_stages(world, portal):
    ContactFactory(portal=portal, lifecycle_stage="customer")

    assert StuckInStage().run(context_for(portal)).skipped_reason


# Backward moves


def build_stage_history(portal):
    changes = [
        ("c1", "lead", MQL), ("c1", MQL, SQL),
        ("c2", SQL, "lead"),
        ("c3", "customer", "opportunity"),
        ("c4", "", "lead"),
        ("c5", "evangelist", "lead"),
    ]
    for index, (contact, from_stage, to_stage) in enumerate(changes):
        LifecycleChangeFactory(
            portal=portal, external_id=f"h{index}", contact_external_id=contact, from_stage=from_stage, to_stage=to_stage
        )


@pytest.mark.django_db
def test_backward_moves_counted(world, portal):
    build_stage_history(portal)
    LifecycleChangeFactory(portal=other_portal(world), contact_external_id="c9", from_stage=SQL, to_stage="lead")

    outcome = BackwardMoves().run(context_for(portal))
    (finding,) = outcome.findings

    assert outcome.metrics["contacts_with_history"] == 5
    assert finding.affected_count == 2
    assert finding.evidence["changes"] == 2
    assert finding.evidence["sample_ids"] == ["c2", "c3"]
    assert outcome.measured_value == pytest.approx(2 / 5)


@pytest.mark.django_db
def test_backward_move_pairs(world, portal):
    build_stage_history(portal)

    (finding,) = BackwardMoves().run(context_for(portal)).findings
    pairs = {(pair["from_stage"], pair["to_stage"]): pair["count"] for pair in finding.evidence["pairs"]}

    assert pairs == {(SQL, "lead"): 1, ("customer", "opportunity"): 1}


@pytest.mark.django_db
def test_backward_moves_skipped_without_history(world, portal):
    assert BackwardMoves().run(context_for(portal)).skipped_reason


# Stage set by import or by hand


def build_change_sources(portal):
    sources = ["workflow"] * 5 + ["import"] * 3 + ["user"] * 2
    for index, source in enumerate(sources):
        LifecycleChangeFactory(
            portal=portal, external_id=f"s{index}", contact_external_id=f"c{index}", to_stage=MQL if index % 2 else "lead",
            changed_by=source,
        )


@pytest.mark.django_db
def test_manual_changes_share(world, portal):
    build_change_sources(portal)
    LifecycleChangeFactory(portal=other_portal(world), changed_by="import")

    outcome = StageSetManually().run(context_for(portal))
    findings = {finding.key: finding for finding in outcome.findings}

    assert outcome.measured_value == 0.5
    assert findings["changed_by:import"].measured_value == 0.3
    assert findings["changed_by:import"].affected_count == 3
    assert findings["changed_by:user"].measured_value == 0.2
    assert findings["changed_by:import"].denominator == 10


@pytest.mark.django_db
def test_manual_changes_threshold(world, portal):
    build_change_sources(portal)

    outcome = StageSetManually().run(context_for(portal, lifecycle_manual_change_rate=0.25))

    assert [finding.key for finding in outcome.findings] == ["changed_by:import"]


@pytest.mark.django_db
def test_manual_changes_skipped_without_history(world, portal):
    assert StageSetManually().run(context_for(portal)).skipped_reason


# MQL criteria


def build_mqls(portal):
    mql_at = at("2026-03-02 10:00")
    fit = {"employee_count": 200, "industry": "Software", "job_title": "Marketing Manager", "became_mql_at": mql_at}
    ContactFactory(portal=portal, external_id="m1", **fit)
    ContactFactory(portal=portal, external_id="m2", **{**fit, "employee_count": 10})
    ContactFactory(portal=portal, external_id="m3", **{**fit, "industry": "Retail"})
    ContactFactory(portal=portal, external_id="m4", **{**fit, "job_title": "Student"})
    CompanyFactory(portal=portal, external_id="co1", employee_count=500, industry="software")
    ContactFactory(portal=portal, external_id="m5", **{**fit, "employee_count": None, "industry": "", "company_external_id": "co1"})
    ContactFactory(portal=portal, external_id="m6", **fit)
    ContactFactory(portal=portal, external_id="m7", **{**fit, "employee_count": None, "job_title": ""})
    ContactFactory(portal=portal, external_id="n1", employee_count=1, job_title="Student")

    TouchpointFactory(portal=portal, contact_external_id="m1", occurred_at=at("2026-03-01 09:00"))
    TouchpointFactory(portal=portal, contact_external_id="m2", occurred_at=at("2026-03-01 09:00"))
    TouchpointFactory(portal=portal, contact_external_id="m4", occurred_at=at("2026-03-03 09:00"))
    TouchpointFactory(portal=portal, contact_external_id="m5", occurred_at=mql_at, kind="form_submission")
    TouchpointFactory(portal=portal, contact_external_id="m6", occurred_at=at("2026-03-01 09:00"), kind="call", is_sales_activity=True)
    TouchpointFactory(portal=portal, contact_external_id="m7", occurred_at=at("2026-03-01 09:00"))


def mql_context(portal):
    return context_for(portal, fit_industries=["Software"], fit_max_employees=1000)


@pytest.mark.django_db
def test_mql_fit_failures(world, portal):
    build_mqls(portal)

    outcome = MqlCriteria().run(mql_context(portal))

    assert outcome.metrics["mqls"] == 7
    assert outcome.metrics["fails_fit"] == 3
    assert outcome.metrics["fails_company_size"] == 1
    assert outcome.metrics["fails_industry"] == 1
    assert outcome.metrics["fails_job_title"] == 1


@pytest.mark.django_db
def test_mql_unknown_fit_values(world, portal):
    build_mqls(portal)

    outcome = MqlCriteria().run(mql_context(portal))

    assert outcome.metrics["unknown_company_size"] == 1
    assert outcome.metrics["unknown_job_title"] == 1
    assert outcome.metrics["unknown_industry"] == 0


@pytest.mark.django_db
def test_mql_without_engagement(world, portal):
    build_mqls(portal)

    outcome = MqlCriteria().run(mql_context(portal))
    findings = {finding.key: finding for finding in outcome.findings}

    assert findings["mql:no_engagement"].affected_count == 3
    assert findings["mql:no_engagement"].evidence["sample_ids"] == ["m3", "m4", "m6"]
    assert findings["mql:fails_fit"].evidence["sample_ids"] == ["m2", "m3", "m4"]
    assert outcome.measured_value == pytest.approx(4 / 7)


@pytest.mark.django_db
def test_mql_max_employees(world, portal):
    ContactFactory(portal=portal, external_id="big", employee_count=5000, became_mql_at=NOW, job_title="CMO")

    outcome = MqlCriteria().run(context_for(portal, fit_max_employees=1000))

    assert outcome.metrics["fails_company_size"] == 1


@pytest.mark.django_db
def test_mql_other_client_not_counted(world, portal):
    build_mqls(portal)
    ContactFactory(portal=other_portal(world), employee_count=1, became_mql_at=NOW)

    assert MqlCriteria().run(mql_context(portal)).metrics["mqls"] == 7


@pytest.mark.django_db
def test_mql_criteria_skipped_without_mqls(world, portal):
    ContactFactory(portal=portal, lifecycle_stage="lead")

    assert MqlCriteria().run(context_for(portal)).skipped_reason


@pytest.mark.django_db
def test_remediation_for_each_finding(world, portal):
    build_case_4(portal)

    for finding in SkippedStages().run(context_for(portal)).findings:
        assert SkippedStages().remediation(finding) is not None
