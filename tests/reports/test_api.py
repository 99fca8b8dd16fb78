import pytest
from django.core import mail
from django.utils import timezone

from reports import services
from reports.models import DeliverySchedule, Report, ShareLink
from tests.conftest import login
from tests.factories import ClientUserFactory

pytestmark = pytest.mark.django_db


def ids(response):
    return [row["id"] for row in response.json()["results"]]


def test_client_user_lists_published_only(api_client, published, world, history):
    services.report_create(client=world.client, kind="portal_audit", audit_run=history.previous)
    login(api_client, world.client_user)

    response = api_client.get("/api/v1/reports/")

    assert response.status_code == 200
    assert ids(response) == [published.pk]


def test_other_client_user_lists_nothing(api_client, published, world):
    login(api_client, world.attackers["sibling_client_user"])

    assert ids(api_client.get("/api/v1/reports/")) == []
    assert api_client.get(f"/api/v1/reports/{published.pk}/").status_code == 404


def test_create_render_publish(api_client, world, history, django_capture_on_commit_callbacks):
    login(api_client, world.consultant)

    created = api_client.post("/api/v1/reports/", {"client": world.client.pk, "kind": "portal_audit", "audit_run": history.current.pk}, format="json")
    report_id = created.json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        rendered = api_client.post(f"/api/v1/reports/{report_id}/render/")
    published = api_client.post(f"/api/v1/reports/{report_id}/publish/", {"publish_tasks": False}, format="json")

    assert created.status_code == 201
    assert rendered.status_code == 202
    assert published.status_code == 200
    assert published.json()["status"] == "published"
    assert published.json()["published_version_number"] == 1


def test_create_rejects_other_clients_run(api_client, world, history):
    login(api_client, world.attackers["other_org_admin"])
    before = Report.objects.count()

    response = api_client.post("/api/v1/reports/", {"client": world.client.pk, "kind": "portal_audit", "audit_run": history.current.pk}, format="json")

    assert response.status_code == 400
    assert Report.objects.count() == before


def test_create_rejects_unknown_kind(api_client, world, history):
    login(api_client, world.consultant)

    response = api_client.post("/api/v1/reports/", {"client": world.client.pk, "kind": "nope", "audit_run": history.current.pk}, format="json")

    assert response.status_code == 400
    assert "Unknown report kind" in response.json()["kind"][0]


def test_publish_without_version_conflicts(api_client, report, world):
    login(api_client, world.consultant)

    response = api_client.post(f"/api/v1/reports/{report.pk}/publish/", {}, format="json")

    assert response.status_code == 409


def test_client_user_cannot_render(api_client, published, world):
    login(api_client, world.client_user)

    assert api_client.post(f"/api/v1/reports/{published.pk}/render/").status_code == 403


def test_client_user_downloads_published_version(api_client, published, world):
    login(api_client, world.client_user)

    listed = api_client.get("/api/v1/report-versions/")
    response = api_client.get(f"/api/v1/report-versions/{published.published_version_id}/download/")

    assert ids(listed) == [published.published_version_id]
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:5] == b"%PDF-"


def test_version_detail_has_snapshot(api_client, published, world):
    login(api_client, world.consultant)

    response = api_client.get(f"/api/v1/report-versions/{published.published_version_id}/")

    assert response.json()["data"]["client"]["name"] == "Zebra Corp"
    assert "html" not in response.json()


def test_share_link_create_shows_token_once(api_client, published, world):
    login(api_client, world.consultant)

    created = api_client.post("/api/v1/share-links/", {"report": published.pk, "password": "zebra-secret-42"}, format="json")
    listed = api_client.get("/api/v1/share-links/")

    token = created.json()["token"]
    assert created.status_code == 201
    assert created.json()["url"].endswith(f"/share/{token}/")
    assert created.json()["has_password"] is True
    assert token not in listed.content.decode()


def test_share_link_for_draft_conflicts(api_client, rendered, world):
    login(api_client, world.consultant)

    assert api_client.post("/api/v1/share-links/", {"report": rendered.pk}, format="json").status_code == 409


def test_share_link_revoke(api_client, published, world):
    link, token = services.share_link_create(report=published, created_by=world.consultant)
    login(api_client, world.consultant)

    response = api_client.post(f"/api/v1/share-links/{link.pk}/revoke/")

    assert response.status_code == 200
    assert response.json()["revoked_at"] is not None
    assert api_client.get(f"/share/{token}/").status_code == 404


def test_client_user_sees_no_share_links(api_client, published, world):
    services.share_link_create(report=published, created_by=world.consultant)
    login(api_client, world.client_user)

    assert ids(api_client.get("/api/v1/share-links/")) == []
    assert api_client.post("/api/v1/share-links/", {"report": published.pk}, format="json").status_code == 403
    assert ShareLink.objects.filter(report=published).count() == 1


def test_delivery_schedule_create(api_client, world):
    login(api_client, world.consultant)
    payload = {"client": world.client.pk, "recipients": [world.client_user.client_user.pk], "frequency": "weekly",
               "next_run_at": timezone.now().isoformat()}

    response = api_client.post("/api/v1/delivery-schedules/", payload, format="json")

    schedule = DeliverySchedule.objects.get(pk=response.json()["id"])
    assert response.status_code == 201
    assert schedule.created_by == world.consultant
    assert list(schedule.recipients.all()) == [world.client_user.client_user]


def test_delivery_schedule_rejects_other_clients_user(api_client, world):
    outsider = ClientUserFactory(client=world.sibling_client)
    login(api_client, world.admin)
    payload = {"client": world.client.pk, "recipients": [outsider.pk], "frequency": "weekly", "next_run_at": timezone.now().isoformat()}

    before = DeliverySchedule.objects.count()

    response = api_client.post("/api/v1/delivery-schedules/", payload, format="json")

    assert response.status_code == 400
    assert DeliverySchedule.objects.count() == before


def test_delivery_schedule_rejects_unmanaged_client_user(api_client, world):
    outsider = world.attackers["other_org_client_user"].client_user
    login(api_client, world.consultant)
    payload = {"client": world.client.pk, "recipients": [outsider.pk], "frequency": "weekly", "next_run_at": timezone.now().isoformat()}

    response = api_client.post("/api/v1/delivery-schedules/", payload, format="json")

    assert response.status_code == 400
    assert "recipients" in response.json()


def test_delivery_due_task_sends(published, world):
    from reports.tasks import report_delivery_due_task

    schedule = DeliverySchedule.objects.create(client=world.client, frequency="monthly", next_run_at=timezone.now())
    schedule.recipients.set([world.client_user.client_user])

    assert report_delivery_due_task.delay().get() == 1
    assert len(mail.outbox) == 1
