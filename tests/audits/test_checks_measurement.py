from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from audits.checks.base import CheckContext, all_checks
from audits.checks.measurement import CostPerMql
from audits.thresholds import effective_thresholds
from portals.models import Contact, Portal, Touchpoint
from tests.audits.snapshot_factories import CampaignFactory, ContactFactory, TouchpointFactory

NOW = datetime(2026, 7, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def world(db, world):
    """The shared world without its synced sample contact, so that each snapshot holds only what a test builds."""
    Contact.objects.filter(client=world.client).delete()
    return world


def context_for(world, **overrides):
    return CheckContext(client_id=world.client.pk, portal_ids=[world.portal.pk], thresholds=effective_thresholds(overrides), now=NOW)


def other_portal(world):
    return Portal.objects.get(client=world.other_client)


def at(text):
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def finding(outcome, key):
    matches = [item for item in outcome.findings if item.key == key]
    assert matches, f"no finding {key!r}; keys: {[item.key for item in outcome.findings]}"
    return matches[0]


def spend(portal, channel, start, end, amount, currency="USD"):
    CampaignFactory(portal=portal, channel=channel, period_start=start, period_end=end, spend=Decimal(amount), currency=currency)


def mql(portal, external_id, mql_at, source="", touches=()):
    """An MQL contact with touchpoints given as (time, kind, utm_source, utm_medium, referrer)."""
    ContactFactory(portal=portal, external_id=external_id, became_mql_at=at(mql_at), original_source=source)
    for occurred_at, kind, utm_source, utm_medium, referrer in touches:
        TouchpointFactory(portal=portal, contact_external_id=external_id, occurred_at=at(occurred_at), kind=kind,
                          utm_source=utm_source, utm_medium=utm_medium, referrer=referrer)


PAGE, AD, EMAIL_OPEN = Touchpoint.Kind.PAGE_VIEW, Touchpoint.Kind.AD_CLICK, Touchpoint.Kind.EMAIL_OPEN


def build_spend_and_mqls(portal):
    spend(portal, "Paid Search", date(2026, 1, 1), date(2026, 1, 31), "1000.00")
    spend(portal, "paid search", date(2026, 2, 1), date(2026, 2, 28), "500.00")
    spend(portal, "Paid Social", date(2026, 2, 1), date(2026, 2, 28), "800.00")
    CampaignFactory(portal=portal, channel="Email", spend=None)

    mql(portal, "m1", "2026-01-10 09:00", touches=[("2026-01-02 09:00", AD, "google", "cpc", "")])
    mql(portal, "m2", "2026-01-20 09:00", touches=[("2026-01-03 09:00", PAGE, "google", "cpc", ""),
                                                   ("2026-01-05 09:00", PAGE, "", "", "")])
    mql(portal, "m3", "2026-02-05 09:00", source="PAID_SEARCH")
    mql(portal, "m4", "2026-01-15 09:00", touches=[("2026-01-04 09:00", PAGE, "programmatic", "display", "")])
    mql(portal, "m5", "2026-03-10 09:00", touches=[("2026-03-01 09:00", AD, "google", "cpc", "")])
    mql(portal, "m6", "2026-01-12 09:00", touches=[("2026-01-06 09:00", PAGE, "", "", "https://www.google.com/")])
    mql(portal, "m7", "2026-01-25 09:00", touches=[("2026-01-01 09:00", EMAIL_OPEN, "", "", ""),
                                                   ("2026-01-07 09:00", AD, "linkedin", "paid-social", "")])
    ContactFactory(portal=portal, external_id="lead1", original_source="PAID_SEARCH")


def test_check_registered():
    assert "measurement.cost_per_mql" in all_checks()


def test_mqls_by_channel(world):
    build_spend_and_mqls(world.portal)

    outcome = CostPerMql().run(context_for(world))

    assert outcome.metrics["mqls"] == 7
    assert outcome.metrics["mqls_by_channel"] == {"Paid Search": 4, "Display": 1, "Organic Search": 1, "Paid Social": 1}


def test_cost_per_mql_per_period(world):
    build_spend_and_mqls(world.portal)

    rows = CostPerMql().run(context_for(world)).metrics["cost_per_mql"]

    assert rows == [
        {"channel": "Paid Search", "currency": "USD", "mqls": 2, "spend": 1000.0,
         "period_start": "2026-01-01", "period_end": "2026-01-31", "cost_per_mql": 500.0},
        {"channel": "Paid Search", "currency": "USD", "mqls": 1, "spend": 500.0,
         "period_start": "2026-02-01", "period_end": "2026-02-28", "cost_per_mql": 500.0},
        {"channel": "Paid Social", "currency": "USD", "mqls": 0, "spend": 800.0,
         "period_start": "2026-02-01", "period_end": "2026-02-28", "cost_per_mql": None},
    ]


def test_cost_per_mql_by_channel(world):
    build_spend_and_mqls(world.portal)

    by_channel = CostPerMql().run(context_for(world)).metrics["by_channel"]

    assert by_channel == [
        {"channel": "Paid Search", "currency": "USD", "spend": 1500.0, "mqls": 3, "cost_per_mql": 500.0},
        {"channel": "Paid Social", "currency": "USD", "spend": 800.0, "mqls": 0, "cost_per_mql": None},
    ]


def test_channel_without_spend_row(world):
    build_spend_and_mqls(world.portal)

    result = finding(CostPerMql().run(context_for(world)), "no_spend_row:Display")

    assert result.title == "Display has 1 MQL but no spend row"
    assert result.evidence["sample_ids"] == ["m4"]
    assert CostPerMql().remediation(result).title == "Add spend rows for every paid channel that brings MQLs"


def test_mqls_outside_spend_periods(world):
    build_spend_and_mqls(world.portal)

    outcome = CostPerMql().run(context_for(world))

    search = finding(outcome, "outside_spend_periods:Paid Search")
    assert search.title == "Paid Search has 1 MQL outside its spend periods"
    assert search.affected_count == 1
    assert search.denominator == 4
    assert finding(outcome, "outside_spend_periods:Paid Social").affected_count == 1


def test_spend_without_mqls(world):
    build_spend_and_mqls(world.portal)

    result = finding(CostPerMql().run(context_for(world)), "spend_without_mqls:Paid Social")

    assert result.title == "Paid Social: 800.00 USD spent in 1 period with no MQLs"
    assert result.affected_count == 1


def test_organic_channel_needs_no_spend(world):
    build_spend_and_mqls(world.portal)

    keys = {item.key for item in CostPerMql().run(context_for(world)).findings}

    assert keys == {"no_spend_row:Display", "outside_spend_periods:Paid Search", "outside_spend_periods:Paid Social",
                    "spend_without_mqls:Paid Social"}


def test_measured_share_of_spend_rows_with_mqls(world):
    build_spend_and_mqls(world.portal)

    outcome = CostPerMql().run(context_for(world))

    assert outcome.measured_value == pytest.approx(2 / 3)


def test_no_spend_data(world):
    mql(world.portal, "m1", "2026-01-10 09:00", source="PAID_SEARCH")
    mql(world.portal, "m2", "2026-01-11 09:00", source="ORGANIC_SEARCH")

    outcome = CostPerMql().run(context_for(world))

    result = finding(outcome, "no_spend_data")
    assert result.title == "Cost per MQL cannot be computed: no campaign has spend"
    assert result.affected_count == 2
    assert outcome.score == 0.0
    assert outcome.measured_value is None


def test_spend_without_channel(world):
    spend(world.portal, "", date(2026, 1, 1), date(2026, 1, 31), "100.00")
    mql(world.portal, "m1", "2026-01-10 09:00", source="PAID_SEARCH")

    outcome = CostPerMql().run(context_for(world))

    assert finding(outcome, "spend_without_mqls:(no channel)").affected_count == 1


def test_mql_date_in_team_time_zone(world):
    spend(world.portal, "Paid Search", date(2026, 1, 1), date(2026, 1, 31), "300.00")
    mql(world.portal, "m1", "2026-02-01 03:00", source="PAID_SEARCH")

    utc = CostPerMql().run(context_for(world)).metrics["cost_per_mql"][0]
    phoenix = CostPerMql().run(context_for(world, time_zone="America/Phoenix")).metrics["cost_per_mql"][0]

    assert utc["mqls"] == 0
    assert phoenix["mqls"] == 1
    assert phoenix["cost_per_mql"] == 300.0


def test_other_client_not_counted(world):
    build_spend_and_mqls(world.portal)
    other = other_portal(world)
    spend(other, "Display", date(2026, 1, 1), date(2026, 1, 31), "999.00")
    mql(other, "m4", "2026-01-15 09:00", touches=[("2026-01-04 09:00", PAGE, "programmatic", "display", "")])

    outcome = CostPerMql().run(context_for(world))

    assert outcome.metrics["mqls"] == 7
    assert [row["channel"] for row in outcome.metrics["by_channel"]] == ["Paid Search", "Paid Social"]
    assert finding(outcome, "no_spend_row:Display").affected_count == 1


def test_skipped_without_spend_and_mqls(world):
    ContactFactory(portal=world.portal, external_id="lead1")

    outcome = CostPerMql().run(context_for(world))

    assert outcome.skipped_reason == "No campaign has spend and no contact became an MQL."


def test_skipped_on_unknown_time_zone(world):
    outcome = CostPerMql().run(context_for(world, time_zone="Mars/Olympus"))

    assert "not a known time zone" in outcome.skipped_reason
