"""Syncing a HubSpot portal through the official client against the local fake HubSpot server."""
import pytest

from portals.fakes import HubSpotFake
from portals.models import Contact, LifecycleChange, Owner, Portal, PropertyChange, SyncRun, Touchpoint
from portals.sync import engine
from tests.factories import PortalFactory
from tests.portals import hubspot_records

TOKEN = HubSpotFake.DEFAULT_TOKEN


@pytest.fixture
def fake():
    with HubSpotFake(records=hubspot_records.records()) as server:
        yield server


@pytest.fixture
def portal(world, fake):
    return PortalFactory(client=world.client, api_base_url=fake.base_url, credentials={"access_token": TOKEN})


def _run(portal, mode=SyncRun.Mode.FULL):
    sync_run = engine.sync_run_create(portal=portal, mode=mode)
    return engine.sync_run_execute(sync_run_id=sync_run.pk)


@pytest.mark.django_db
def test_full_sync_writes_snapshot(portal):
    sync_run = _run(portal)

    assert sync_run.status == SyncRun.Status.SUCCEEDED
    assert Contact.objects.filter(portal=portal).count() == 7
    assert Owner.objects.filter(portal=portal, is_active=False).count() == 1
    assert Touchpoint.objects.get(portal=portal).utm_source == "LinkedIn"


@pytest.mark.django_db
def test_contact_fields_are_mapped(portal):
    _run(portal)

    contact = Contact.objects.get(portal=portal, external_id="100")
    assert contact.client_id == portal.client_id
    assert contact.email == "person100@acme.test"
    assert contact.company_domain == "acme.test"
    assert contact.company_external_id == "500"
    assert contact.employee_count == 250
    assert contact.became_lead_at.isoformat() == "2026-01-02T09:00:00+00:00"


@pytest.mark.django_db
def test_history_becomes_changes(portal):
    _run(portal)

    sources = PropertyChange.objects.filter(portal=portal, property="original_source").order_by("changed_at")
    stages = LifecycleChange.objects.filter(portal=portal).order_by("changed_at")
    assert [(change.value, change.changed_by) for change in sources] == [("OFFLINE", "import"), ("ORGANIC_SEARCH", "integration")]
    assert [(change.from_stage, change.to_stage, change.changed_by) for change in stages] == [
        ("", "lead", "form"),
        ("lead", "marketingqualifiedlead", "workflow"),
    ]


@pytest.mark.django_db
def test_progress_counts_every_object(portal):
    sync_run = _run(portal)

    assert sync_run.progress["contacts"]["done"] == 7
    assert sync_run.progress["owners"]["done"] == 2
    assert sync_run.records_done == 7 + 2 + 1 + 1


@pytest.mark.django_db
def test_sync_twice_is_idempotent(portal):
    _run(portal)
    first = Contact.objects.filter(portal=portal).count(), PropertyChange.objects.filter(portal=portal).count()

    _run(portal)

    assert (Contact.objects.filter(portal=portal).count(), PropertyChange.objects.filter(portal=portal).count()) == first


@pytest.mark.django_db
def test_incremental_reads_only_modified(portal, fake):
    _run(portal)
    contacts = hubspot_records.records()["contacts"]
    contacts[3]["properties"]["lastmodifieddate"] = "2099-01-01T00:00:00.000Z"
    contacts[3]["properties"]["jobtitle"] = "CMO"
    fake.replace_records("contacts", contacts)

    sync_run = _run(portal, mode=SyncRun.Mode.INCREMENTAL)

    assert sync_run.status == SyncRun.Status.SUCCEEDED
    assert sync_run.since is not None
    assert sync_run.progress["contacts"]["done"] == 1
    assert Contact.objects.get(portal=portal, external_id="103").job_title == "CMO"


@pytest.mark.django_db
def test_revoked_token_fails_with_clear_error(world, fake):
    portal = PortalFactory(client=world.client, api_base_url=fake.base_url, credentials={"access_token": "pat-revoked"})

    sync_run = _run(portal)

    portal.refresh_from_db()
    assert sync_run.status == SyncRun.Status.FAILED
    assert sync_run.error_object == "owners"
    assert "HubSpot rejected the access token while reading owners (401" in sync_run.error_message
    assert "create a new private-app token" in sync_run.error_message
    assert portal.status == Portal.Status.ERROR
    assert not Contact.objects.filter(portal=portal).exists()


@pytest.mark.django_db
def test_rate_limit_is_retried(portal, fake):
    fake.faults.set_rate_limit(3, 1.0)

    sync_run = _run(portal)

    assert sync_run.status == SyncRun.Status.SUCCEEDED
    assert any(entry.status == 429 for entry in fake.faults.requests)


@pytest.mark.django_db
def test_outage_keeps_written_pages_and_resumes(portal, fake, settings):
    # given: the fake fails every request after the owners, forms and companies pages
    start = fake.faults.request_count
    fake.faults.fail_requests(*range(start + 6, start + 200), status=503)

    # when
    with pytest.raises(Exception):
        _run(portal)

    # then: the run failed naming the object, kept its pages and cursor, and resumes to the end
    sync_run = SyncRun.objects.get(portal=portal)
    assert sync_run.status == SyncRun.Status.FAILED
    assert "kept answering 503" in sync_run.error_message
    assert Owner.objects.filter(portal=portal).count() == 2
    fake.faults.clear()
    engine.sync_run_requeue(sync_run=sync_run)
    resumed = engine.sync_run_execute(sync_run_id=sync_run.pk)
    assert resumed.status == SyncRun.Status.SUCCEEDED
    assert resumed.attempts == 2
    assert Contact.objects.filter(portal=portal).count() == 7


@pytest.mark.django_db
def test_second_active_run_is_rejected(portal):
    engine.sync_run_create(portal=portal)

    with pytest.raises(engine.SyncAlreadyRunning, match="already has a sync queued or running"):
        engine.sync_run_create(portal=portal)
