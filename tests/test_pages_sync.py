"""Web pages of portals, sync runs, CSV uploads and synced contacts."""
import socket

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from portals.fakes import HubSpotFake
from portals.models import Contact, CsvUpload, SyncRun
from tests.conftest import login
from tests.factories import PortalFactory
from tests.portals import hubspot_records

HUBSPOT_EXPORT = (
    "Record ID,Email,First Name,Lifecycle Stage,Where did you find us,Favourite colour\n"
    "301,ann@zebra-corp.test,Ann,Lead,Podcast,blue\n"
    "302,bob@zebra-corp.test,Bob,Customer,Webinar,green\n"
)
# "E-Mail Address" is no alias of the email field, so the upload misses a required column until it is mapped.
SALESFORCE_LEADS_EXPORT = "Lead ID,First Name,Last Name,E-Mail Address,Company / Account,Lead Source\n00Q1,Ann,Lee,ann@acme.test,Acme,Web\n"
BAD_DATE_EXPORT = "Record ID,Email,Create Date\n401,ann@zebra-corp.test,2026-01-02 09:00\n402,bob@zebra-corp.test,next tuesday\n"


@pytest.fixture
def consultant(client, world):
    return login(client, world.consultant)


@pytest.fixture
def csv_portal(world):
    return PortalFactory(client=world.client, vendor="csv", account_id="", name="Zebra exports")


def _upload(client, portal, name, content):
    return client.post(f"/portals/{portal.pk}/uploads/new/", {"file": SimpleUploadedFile(name, content.encode(), "text/csv")})


def _failed_run(world, **fields):
    values = {"mode": "full", "status": "failed", "error_object": "contacts", "error_message": "HubSpot answered 503 for contacts."}
    return SyncRun.objects.create(client=world.client, portal=world.portal, **{**values, **fields})


@pytest.mark.django_db
def test_client_detail_shows_sync_buttons(consultant, world):
    response = consultant.get(f"/clients/{world.client.pk}/")
    body = response.content.decode()

    assert response.status_code == 200
    assert f'action="/portals/{world.portal.pk}/sync/"' in body
    assert "Sync now" in body
    assert "Full sync" in body
    assert f"/portals/{world.portal.pk}/syncs/" in body


@pytest.mark.django_db
def test_client_detail_shows_latest_sync_progress(consultant, world):
    SyncRun.objects.create(
        client=world.client, portal=world.portal, status="running",
        progress={"contacts": {"done": 40, "total": 80}, "owners": {"done": 3, "total": 3}},
    )

    body = consultant.get(f"/clients/{world.client.pk}/").content.decode()

    assert "Running" in body
    assert "<progress" in body
    assert "contacts: 40 of 80" in body
    assert "51.8%" in body


@pytest.mark.django_db
def test_client_detail_offers_upload_for_csv_portal(consultant, world, csv_portal):
    body = consultant.get(f"/clients/{world.client.pk}/").content.decode()

    assert f"/portals/{csv_portal.pk}/uploads/new/" in body
    assert f"/portals/{world.portal.pk}/uploads/new/" not in body


@pytest.mark.django_db
def test_sync_now_queues_incremental_run(consultant, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = consultant.post(f"/portals/{world.portal.pk}/sync/", {"mode": "incremental"})

    run = SyncRun.objects.get(portal=world.portal, status="queued")
    assert response.status_code == 302
    assert response["Location"] == f"/syncs/{run.pk}/"
    assert run.mode == "incremental"
    assert run.requested_by == world.consultant
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_full_sync_runs_against_fake_hubspot(consultant, world, django_capture_on_commit_callbacks):
    with HubSpotFake(records=hubspot_records.records()) as fake:
        world.portal.api_base_url = fake.base_url
        world.portal.set_credentials({"access_token": HubSpotFake.DEFAULT_TOKEN})
        world.portal.save()

        with django_capture_on_commit_callbacks(execute=True):
            response = consultant.post(f"/portals/{world.portal.pk}/sync/", {"mode": "full"})

    run = SyncRun.objects.get(portal=world.portal, mode="full", requested_by=world.consultant)
    page = consultant.get(response["Location"])
    assert run.status == "succeeded"
    assert Contact.objects.filter(portal=world.portal).exclude(external_id="zebra-1").count() == 7
    assert "Succeeded" in page.content.decode()
    assert "Refresh" not in page


@pytest.mark.django_db
def test_sync_of_unreachable_portal_shows_failure(consultant, world, django_capture_on_commit_callbacks):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    world.portal.api_base_url = f"http://127.0.0.1:{closed_port}"
    world.portal.set_credentials({"access_token": HubSpotFake.DEFAULT_TOKEN})
    world.portal.save()

    with django_capture_on_commit_callbacks(execute=True):
        response = consultant.post(f"/portals/{world.portal.pk}/sync/", {"mode": "full"})

    run = SyncRun.objects.get(portal=world.portal, requested_by=world.consultant)
    page = consultant.get(response["Location"]).content.decode()
    assert response.status_code == 302
    assert run.status == "failed"
    assert "did not answer" in page
    assert f'action="/syncs/{run.pk}/resume/"' in page


@pytest.mark.django_db
def test_sync_now_while_running_shows_error(consultant, world):
    active = SyncRun.objects.create(client=world.client, portal=world.portal, status="running")

    response = consultant.post(f"/portals/{world.portal.pk}/sync/", {"mode": "incremental"}, follow=True)

    assert response.redirect_chain[-1][0] == f"/syncs/{active.pk}/"
    assert "already has a sync queued or running" in response.content.decode()
    assert SyncRun.objects.filter(portal=world.portal).count() == 2


@pytest.mark.django_db
def test_sync_of_csv_portal_is_rejected(consultant, world, csv_portal):
    response = consultant.post(f"/portals/{csv_portal.pk}/sync/", {"mode": "full"}, follow=True)

    assert "not through an API" in response.content.decode()
    assert not SyncRun.objects.filter(portal=csv_portal).exists()


@pytest.mark.django_db
def test_sync_with_unknown_mode_is_rejected(consultant, world):
    response = consultant.post(f"/portals/{world.portal.pk}/sync/", {"mode": "everything"}, follow=True)

    assert "Choose an incremental or a full sync." in response.content.decode()
    assert SyncRun.objects.filter(portal=world.portal).count() == 1


@pytest.mark.django_db
def test_sync_action_refuses_get(consultant, world):
    assert consultant.get(f"/portals/{world.portal.pk}/sync/").status_code == 405


@pytest.mark.django_db
def test_sync_history_lists_runs(consultant, world):
    failed = _failed_run(world)

    response = consultant.get(f"/portals/{world.portal.pk}/syncs/")
    body = response.content.decode()

    assert response.status_code == 200
    assert f"/syncs/{failed.pk}/" in body
    assert "HubSpot answered 503 for contacts." in body


@pytest.mark.django_db
def test_sync_history_is_paginated(consultant, world):
    SyncRun.objects.bulk_create(
        [SyncRun(client=world.client, portal=world.portal, status="succeeded") for _ in range(30)]
    )

    first = consultant.get(f"/portals/{world.portal.pk}/syncs/").content.decode()
    second = consultant.get(f"/portals/{world.portal.pk}/syncs/?page=2").content.decode()

    assert "Page 1 of 2" in first
    assert "?page=2" in first
    assert "Page 2 of 2" in second


@pytest.mark.django_db
def test_sync_history_empty_state(consultant, world):
    portal = PortalFactory(client=world.client, vendor="marketo", account_id="123-ABC-456")

    body = consultant.get(f"/portals/{portal.pk}/syncs/").content.decode()

    assert "No syncs of this portal yet." in body


@pytest.mark.django_db
def test_running_sync_page_refreshes(consultant, world):
    started = timezone.now() - timezone.timedelta(seconds=75)
    run = SyncRun.objects.create(
        client=world.client, portal=world.portal, status="running", started_at=started,
        progress={"contacts": {"done": 500, "total": None}},
    )

    response = consultant.get(f"/syncs/{run.pk}/")
    body = response.content.decode()

    assert response["Refresh"] == "3"
    assert "contacts" in body
    assert "not reported" in body
    assert "1 min 15 s so far" in body


@pytest.mark.django_db
def test_finished_sync_page_shows_duration(consultant, world):
    started = timezone.now() - timezone.timedelta(minutes=5)
    run = SyncRun.objects.create(
        client=world.client, portal=world.portal, status="succeeded", started_at=started,
        finished_at=started + timezone.timedelta(seconds=42), progress={"contacts": {"done": 10, "total": 10}},
    )

    response = consultant.get(f"/syncs/{run.pk}/")
    body = response.content.decode()

    assert "Refresh" not in response
    assert "42 s" in body
    assert "100.0%" in body


@pytest.mark.django_db
def test_failed_sync_shows_error_and_resume(consultant, world):
    run = _failed_run(world)

    body = consultant.get(f"/syncs/{run.pk}/").content.decode()

    assert "HubSpot answered 503 for contacts." in body
    assert "<dd>contacts</dd>" in body
    assert f'action="/syncs/{run.pk}/resume/"' in body


@pytest.mark.django_db
def test_resume_requeues_failed_sync(consultant, world, django_capture_on_commit_callbacks):
    run = _failed_run(world, cursor={"contacts": "page-3"})

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = consultant.post(f"/syncs/{run.pk}/resume/")

    run.refresh_from_db()
    assert response["Location"] == f"/syncs/{run.pk}/"
    assert run.status == "queued"
    assert run.cursor == {"contacts": "page-3"}
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_resume_of_succeeded_sync_is_rejected(consultant, world):
    run = SyncRun.objects.get(portal=world.portal)

    response = consultant.post(f"/syncs/{run.pk}/resume/", follow=True)

    run.refresh_from_db()
    assert "only failed runs can be resumed" in response.content.decode()
    assert run.status == "succeeded"


@pytest.mark.django_db
def test_resume_of_csv_import_is_rejected(consultant, world, csv_portal):
    run = SyncRun.objects.create(client=world.client, portal=csv_portal, mode="csv", status="failed", error_message="bad file")

    response = consultant.post(f"/syncs/{run.pk}/resume/", follow=True)

    run.refresh_from_db()
    assert "Upload the file again" in response.content.decode()
    assert run.status == "failed"


@pytest.mark.django_db
def test_upload_page_renders_for_csv_portal(consultant, csv_portal):
    response = consultant.get(f"/portals/{csv_portal.pk}/uploads/new/")

    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.content.decode()


@pytest.mark.django_db
def test_upload_page_redirects_api_portal(consultant, world):
    response = consultant.get(f"/portals/{world.portal.pk}/uploads/new/", follow=True)

    assert response.redirect_chain[-1][0] == f"/clients/{world.client.pk}/"
    assert "CSV uploads are for CSV and Pardot portals" in response.content.decode()


@pytest.mark.django_db
def test_upload_opens_column_mapping(consultant, csv_portal):
    response = _upload(consultant, csv_portal, "contacts.csv", HUBSPOT_EXPORT)

    upload = CsvUpload.objects.get(portal=csv_portal)
    page = consultant.get(response["Location"]).content.decode()
    assert response["Location"] == f"/uploads/{upload.pk}/"
    assert upload.kind == "hubspot_contacts"
    assert "HubSpot contacts" in page
    assert "<code>external_id</code>" in page
    assert "<code>lifecycle_stage</code>" in page
    assert 'name="column_4"' in page
    assert 'value="self_reported_source"' in page
    assert 'value="stage_dates.marketingqualifiedlead"' in page
    assert 'value="ignore"' in page


@pytest.mark.django_db
def test_upload_of_unknown_file_shows_error(consultant, csv_portal):
    response = _upload(consultant, csv_portal, "notes.csv", "Colour,Size\nblue,3\n")

    assert response.status_code == 200
    assert "match no supported export" in response.content.decode()
    assert not CsvUpload.objects.filter(portal=csv_portal).exists()


@pytest.mark.django_db
def test_upload_without_file_shows_error(consultant, csv_portal):
    response = consultant.post(f"/portals/{csv_portal.pk}/uploads/new/", {})

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()


@pytest.mark.django_db
def test_import_queues_task_and_opens_sync_run(consultant, csv_portal, django_capture_on_commit_callbacks):
    _upload(consultant, csv_portal, "contacts.csv", HUBSPOT_EXPORT)
    upload = CsvUpload.objects.get(portal=csv_portal)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = consultant.post(f"/uploads/{upload.pk}/", {"column_4": "self_reported_source", "column_5": "ignore"})

    upload.refresh_from_db()
    assert response["Location"] == f"/syncs/{upload.sync_run_id}/"
    assert upload.status == "importing"
    assert upload.column_map == {"Where did you find us": "self_reported_source", "Favourite colour": None}
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_import_writes_mapped_columns(consultant, csv_portal, django_capture_on_commit_callbacks):
    _upload(consultant, csv_portal, "contacts.csv", HUBSPOT_EXPORT)
    upload = CsvUpload.objects.get(portal=csv_portal)

    with django_capture_on_commit_callbacks(execute=True):
        response = consultant.post(f"/uploads/{upload.pk}/", {"column_4": "self_reported_source", "column_5": ""})

    contact = Contact.objects.get(portal=csv_portal, external_id="302")
    page = consultant.get(response["Location"]).content.decode()
    assert contact.self_reported_source == "Webinar"
    assert contact.extra == {"Favourite colour": "green"}
    assert "Succeeded" in page
    assert "contacts.csv" in page


@pytest.mark.django_db
def test_mapping_same_field_twice_shows_error(consultant, csv_portal):
    _upload(consultant, csv_portal, "contacts.csv", HUBSPOT_EXPORT)
    upload = CsvUpload.objects.get(portal=csv_portal)

    response = consultant.post(f"/uploads/{upload.pk}/", {"column_4": "city", "column_5": "city"})

    upload.refresh_from_db()
    assert response.status_code == 200
    assert "is already chosen for the column" in response.content.decode()
    assert upload.status == "uploaded"
    assert upload.sync_run_id is None


@pytest.mark.django_db
def test_missing_required_field_is_listed(consultant, csv_portal):
    _upload(consultant, csv_portal, "leads.csv", SALESFORCE_LEADS_EXPORT)
    upload = CsvUpload.objects.get(portal=csv_portal)

    page = consultant.get(f"/uploads/{upload.pk}/").content.decode()
    response = consultant.post(f"/uploads/{upload.pk}/", {})

    assert "No column was recognised for email." in page
    assert "The import needs a column for email." in response.content.decode()


@pytest.mark.django_db
def test_mapping_required_field_imports(consultant, csv_portal, django_capture_on_commit_callbacks):
    _upload(consultant, csv_portal, "leads.csv", SALESFORCE_LEADS_EXPORT)
    upload = CsvUpload.objects.get(portal=csv_portal)

    with django_capture_on_commit_callbacks(execute=True):
        consultant.post(f"/uploads/{upload.pk}/", {"column_3": "email"})

    assert Contact.objects.get(portal=csv_portal, external_id="00Q1").email == "ann@acme.test"


@pytest.mark.django_db
def test_import_errors_show_row_and_column(consultant, csv_portal):
    _upload(consultant, csv_portal, "dates.csv", BAD_DATE_EXPORT)
    upload = CsvUpload.objects.get(portal=csv_portal)

    response = consultant.post(f"/uploads/{upload.pk}/", {}, follow=True)
    body = response.content.decode()

    upload.refresh_from_db()
    assert response.redirect_chain[-1][0] == f"/uploads/{upload.pk}/"
    assert "<td>3</td><td>Create Date</td>" in body
    assert "next tuesday" in body
    assert upload.status == "failed"
    assert not Contact.objects.filter(portal=csv_portal).exists()


@pytest.mark.django_db
def test_failed_upload_cannot_be_imported_again(consultant, csv_portal):
    _upload(consultant, csv_portal, "dates.csv", BAD_DATE_EXPORT)
    upload = CsvUpload.objects.get(portal=csv_portal)
    consultant.post(f"/uploads/{upload.pk}/", {})

    response = consultant.post(f"/uploads/{upload.pk}/", {}, follow=True)

    assert "Upload the file again to import it." in response.content.decode()
    assert not SyncRun.objects.filter(portal=csv_portal).exists()


@pytest.mark.django_db
def test_contact_list_filters_by_external_id(consultant, world):
    Contact.objects.create(client=world.client, portal=world.portal, external_id="zebra-2", email="cfo@zebra-corp.test")

    body = consultant.get(f"/clients/{world.client.pk}/contacts/?external_id=zebra-2,missing").content.decode()

    assert "cfo@zebra-corp.test" in body
    assert "ceo@zebra-corp.test" not in body


@pytest.mark.django_db
def test_contact_list_empty_filter_state(consultant, world):
    body = consultant.get(f"/clients/{world.client.pk}/contacts/?external_id=missing").content.decode()

    assert "No synced contact matches these filters." in body


@pytest.mark.django_db
def test_contact_detail_renders(consultant, world):
    contact = Contact.objects.get(client=world.client, external_id="zebra-1")

    body = consultant.get(f"/contacts/{contact.pk}/").content.decode()

    assert "ceo@zebra-corp.test" in body
    assert "Lifecycle stage dates" in body


def _detail_paths(world):
    run = SyncRun.objects.get(portal=world.portal)
    upload = CsvUpload.objects.get(portal=world.portal)
    contact = Contact.objects.get(client=world.client, external_id="zebra-1")
    return [
        f"/portals/{world.portal.pk}/syncs/",
        f"/portals/{world.portal.pk}/uploads/new/",
        f"/syncs/{run.pk}/",
        f"/uploads/{upload.pk}/",
        f"/clients/{world.client.pk}/contacts/",
        f"/contacts/{contact.pk}/",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("attacker_name", ["other_org_consultant", "unassigned_consultant"])
def test_other_tenant_gets_404_on_sync_pages(client, world, attacker_name):
    login(client, world.attackers[attacker_name])

    for path in _detail_paths(world):
        assert client.get(path).status_code == 404, path


@pytest.mark.django_db
@pytest.mark.parametrize("attacker_name", ["other_org_consultant", "unassigned_consultant"])
def test_other_tenant_cannot_post_sync_actions(client, world, attacker_name):
    login(client, world.attackers[attacker_name])
    run = _failed_run(world)
    upload = CsvUpload.objects.get(portal=world.portal)

    sync = client.post(f"/portals/{world.portal.pk}/sync/", {"mode": "full"})
    resume = client.post(f"/syncs/{run.pk}/resume/")
    mapping = client.post(f"/uploads/{upload.pk}/", {})

    run.refresh_from_db()
    assert sync.status_code == 404
    assert resume.status_code == 404
    assert mapping.status_code == 404
    assert run.status == "failed"
    assert SyncRun.objects.filter(portal=world.portal).count() == 2
