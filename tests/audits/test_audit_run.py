"""An audit run end to end through the Celery tasks (eager in tests), with every registered check."""
import pytest

from audits.checks.base import all_checks
from audits.models import AuditRun, CheckResult, Finding, RemediationTask
from audits.services import AuditInputError, audit_run_create
from audits.tasks import audit_check_task, audit_run_task
from tests.audits.snapshot_factories import ContactFactory, TouchpointFactory
from tests.factories import ClientFactory


@pytest.fixture
def snapshot(world):
    """A small snapshot with known problems: a case variant of a UTM source and a contact without a source."""
    for number, source in enumerate(["facebook", "Facebook", "linkedin"], start=1):
        ContactFactory(portal=world.portal, external_id=str(number), original_source="PAID_SOCIAL", lifecycle_stage="lead")
        TouchpointFactory(portal=world.portal, external_id=f"t{number}", contact_external_id=str(number), utm_source=source, utm_medium="social")
    ContactFactory(portal=world.portal, external_id="4", original_source="", lifecycle_stage="lead")
    return world


def _audit(world):
    audit_run = audit_run_create(client=world.client, engagement=world.engagement)
    audit_run_task.delay(client_id=world.client.pk, audit_run_id=audit_run.pk)
    audit_run.refresh_from_db()
    return audit_run


@pytest.mark.django_db
def test_audit_runs_every_check(snapshot):
    audit_run = _audit(snapshot)

    assert audit_run.status == AuditRun.Status.SUCCEEDED
    assert audit_run.checks_done == audit_run.checks_total == len(all_checks())
    assert CheckResult.objects.filter(audit_run=audit_run).count() == len(all_checks())
    assert not CheckResult.objects.filter(audit_run=audit_run, status=CheckResult.Status.ERROR).exists()
    assert 0 <= audit_run.health_score <= 100


@pytest.mark.django_db
def test_audit_finds_planted_utm_variant(snapshot):
    audit_run = _audit(snapshot)

    titles = list(Finding.objects.filter(audit_run=audit_run).values_list("title", flat=True))
    assert any("facebook" in title.lower() and "variant" in title.lower() for title in titles), titles


@pytest.mark.django_db
def test_retried_check_does_not_duplicate_findings(snapshot):
    audit_run = _audit(snapshot)
    before = Finding.objects.filter(audit_run=audit_run).count()
    code = Finding.objects.filter(audit_run=audit_run).values_list("check_code", flat=True).first()

    audit_check_task.delay(client_id=snapshot.client.pk, audit_run_id=audit_run.pk, check_code=code)

    audit_run.refresh_from_db()
    assert Finding.objects.filter(audit_run=audit_run).count() == before
    assert audit_run.checks_done == audit_run.checks_total


@pytest.mark.django_db
def test_rerun_marks_findings_unchanged_and_keeps_tasks(snapshot):
    first = _audit(snapshot)
    tasks = RemediationTask.objects.filter(client=snapshot.client).count()

    second = _audit(snapshot)

    assert second.previous_run == first
    assert set(Finding.objects.filter(audit_run=second).values_list("change", flat=True)) == {"unchanged"}
    assert RemediationTask.objects.filter(client=snapshot.client).count() == tasks


@pytest.mark.django_db
def test_rerun_reports_resolved_finding(snapshot):
    from audits.selectors import audit_run_compare
    from portals.models import Touchpoint

    first = _audit(snapshot)
    Touchpoint.objects.filter(portal=snapshot.portal, utm_source="Facebook").update(utm_source="facebook")

    second = _audit(snapshot)

    comparison = audit_run_compare(run=second, previous=first)
    assert any("facebook" in finding.key.lower() for finding in comparison["resolved"])


@pytest.mark.django_db
def test_other_clients_rows_are_not_audited(snapshot):
    other_client = ClientFactory()
    from tests.factories import PortalFactory

    other_portal = PortalFactory(client=other_client)
    TouchpointFactory(portal=other_portal, external_id="x1", contact_external_id="9", utm_source="FACEBOOK", utm_medium="social")

    audit_run = _audit(snapshot)

    evidence = list(Finding.objects.filter(audit_run=audit_run).values_list("evidence", flat=True))
    assert "FACEBOOK" not in str(evidence)


@pytest.mark.django_db
def test_audit_without_portals_is_rejected():
    client = ClientFactory()

    with pytest.raises(AuditInputError, match="has no portals to audit"):
        audit_run_create(client=client)


@pytest.mark.django_db
def test_engagement_overrides_thresholds(snapshot):
    snapshot.engagement.threshold_overrides = {"duplicate_rate": 0.05}
    snapshot.engagement.save()

    audit_run = audit_run_create(client=snapshot.client, engagement=snapshot.engagement)

    assert audit_run.thresholds["duplicate_rate"] == 0.05


@pytest.mark.django_db
def test_unknown_threshold_override_is_rejected(snapshot):
    snapshot.engagement.threshold_overrides = {"duplicate_rat": 0.05}
    snapshot.engagement.save()

    with pytest.raises(ValueError, match="Unknown audit thresholds: duplicate_rat"):
        audit_run_create(client=snapshot.client, engagement=snapshot.engagement)
