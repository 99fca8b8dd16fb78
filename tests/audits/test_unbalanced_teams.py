"""The unbalanced-distribution check compares reps within their territory and segment."""
from datetime import datetime, timezone

import pytest

from audits.checks.base import CheckContext
from audits.checks.lead_handling import UnbalancedDistribution
from audits.thresholds import effective_thresholds
from tests.audits.snapshot_factories import ContactFactory, OwnerFactory
from tests.factories import PortalFactory

NOW = datetime(2026, 6, 1, tzinfo=timezone.utc)
# Central Enterprise: o1 owns 6 of 10 MQLs, 1.8 times the team's mean share of 1/3.
# West SMB: o4 and o5 own 9 each, an even split, but 9 of 28 MQLs is 1.6 times the mean share of all 5 reps.
TEAMS = {
    "o1": (6, "Central", "Enterprise"),
    "o2": (2, "Central", "Enterprise"),
    "o3": (2, "Central", "Enterprise"),
    "o4": (9, "West", "SMB"),
    "o5": (9, "West", "SMB"),
}


@pytest.fixture
def portal(world):
    return PortalFactory(client=world.client, name="Zebra Salesforce", vendor="salesforce")


def build(portal, owners, *, with_teams=True):
    for owner_id, (count, territory, segment) in owners.items():
        OwnerFactory(portal=portal, external_id=owner_id, first_name="Rep", last_name=owner_id.upper(),
                     territory=territory if with_teams else "", segment=segment if with_teams else "")
        for index in range(count):
            ContactFactory(portal=portal, external_id=f"{owner_id}-{index}", owner_external_id=owner_id,
                           became_mql_at=datetime(2026, 5, 1, 9, tzinfo=timezone.utc))


def run(portal):
    context = CheckContext(client_id=portal.client_id, portal_ids=[portal.pk], thresholds=effective_thresholds({}), now=NOW)
    return UnbalancedDistribution().run(context)


@pytest.mark.django_db
def test_rep_compared_within_team(portal):
    build(portal, TEAMS)

    outcome = run(portal)

    (finding,) = outcome.findings
    assert finding.key == "unbalanced:o1"
    assert finding.measured_value == pytest.approx(1.8)
    assert (finding.affected_count, finding.denominator) == (6, 10)
    assert finding.title == "Rep O1 owns 60% of MQLs in territory Central, segment Enterprise, 1.8 times the mean share"
    assert (finding.evidence["territory"], finding.evidence["segment"], finding.evidence["team_owners"]) == ("Central", "Enterprise", 3)
    assert outcome.measured_value == pytest.approx(1.8)


@pytest.mark.django_db
def test_team_metrics_listed(portal):
    build(portal, TEAMS)

    outcome = run(portal)

    assert outcome.metrics["teams"] == [
        {"territory": "Central", "segment": "Enterprise", "mqls_by_owner": {"o1": 6, "o2": 2, "o3": 2}},
        {"territory": "West", "segment": "SMB", "mqls_by_owner": {"o4": 9, "o5": 9}},
    ]
    assert outcome.metrics["mqls"] == 28


@pytest.mark.django_db
def test_all_reps_without_teams(portal):
    build(portal, TEAMS, with_teams=False)

    outcome = run(portal)

    assert [finding.key for finding in outcome.findings] == ["unbalanced:o4", "unbalanced:o5"]
    assert outcome.findings[0].measured_value == pytest.approx(9 / 28 * 5)
    assert outcome.findings[0].title == "Rep O4 owns 32% of MQLs, 1.6 times the mean share"


@pytest.mark.django_db
def test_single_rep_teams_skipped(portal):
    build(portal, {"o1": (6, "Central", "Enterprise"), "o4": (2, "West", "SMB")})

    outcome = run(portal)

    assert outcome.findings == []
    assert outcome.skipped_reason == "No team has two active owners with MQLs."


@pytest.mark.django_db
def test_team_of_other_portal_ignored(world, portal):
    build(portal, TEAMS)
    other = PortalFactory(client=world.client, name="Zebra second org", vendor="salesforce")
    # The same owner id in another portal carries another territory; the contact's own portal decides its team.
    OwnerFactory(portal=other, external_id="o1", territory="West", segment="SMB")

    outcome = run(portal)

    assert [finding.key for finding in outcome.findings] == ["unbalanced:o1"]
    assert outcome.metrics["teams"][0]["mqls_by_owner"] == {"o1": 6, "o2": 2, "o3": 2}
