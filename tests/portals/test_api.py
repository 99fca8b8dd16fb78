import json
import logging

import pytest

from portals.fakes import HubSpotFake
from portals.models import Client, Engagement, Portal


@pytest.mark.django_db
def test_portal_credentials_are_write_only(world, api_client):
    api_client.force_authenticate(world.consultant)

    response = api_client.post(
        "/api/v1/portals/",
        {"client": world.client.pk, "vendor": "hubspot", "account_id": "991", "credentials": {"access_token": "pat-na1-secret"}},
        format="json",
    )
    detail = api_client.get(f"/api/v1/portals/{response.json()['id']}/")

    assert response.status_code == 201
    assert "pat-na1-secret" not in response.content.decode()
    assert "pat-na1-secret" not in detail.content.decode()
    assert detail.json()["has_credentials"] is True


@pytest.mark.django_db
def test_portal_credentials_are_encrypted_at_rest(world):
    raw = Portal.objects.filter(pk=world.portal.pk).values_list("credentials_encrypted", flat=True).get()

    assert "pat-zebra-secret" not in raw
    assert world.portal.get_credentials() == {"access_token": "pat-zebra-secret"}


@pytest.mark.django_db
def test_portal_repr_hides_credentials(world):
    assert "pat-zebra-secret" not in repr(world.portal)
    assert "pat-zebra-secret" not in str(world.portal)


@pytest.mark.django_db
def test_portal_rejects_incomplete_credentials(world, api_client):
    api_client.force_authenticate(world.consultant)

    response = api_client.post(
        "/api/v1/portals/",
        {"client": world.client.pk, "vendor": "marketo", "credentials": {"client_id": "abc"}},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["credentials"] == ["marketo credentials need (client_id, client_secret)."]


@pytest.mark.django_db
def test_portal_rejects_private_base_url_in_production(world, api_client, settings):
    settings.VENDOR_URL_ALLOW_PRIVATE = False
    api_client.force_authenticate(world.consultant)

    response = api_client.post(
        "/api/v1/portals/",
        {"client": world.client.pk, "vendor": "marketo", "api_base_url": "http://127.0.0.1:8080"},
        format="json",
    )

    assert response.status_code == 400
    assert "https" in response.json()["api_base_url"][0]


@pytest.mark.django_db
def test_consultant_cannot_create_engagement_for_unassigned_client(world, api_client):
    api_client.force_authenticate(world.consultant)

    response = api_client.post("/api/v1/engagements/", {"client": world.sibling_client.pk, "name": "x"}, format="json")

    assert response.status_code == 400
    assert "does not exist" in response.json()["client"][0]
    assert not Engagement.objects.filter(client=world.sibling_client).exists()


@pytest.mark.django_db
def test_engagement_rejects_end_before_start(world, api_client):
    api_client.force_authenticate(world.consultant)

    response = api_client.post(
        "/api/v1/engagements/",
        {"client": world.client.pk, "name": "Q1 audit", "start_date": "2026-03-01", "end_date": "2026-02-01"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["end_date"] == ["The end date 2026-02-01 is before the start date 2026-03-01."]


@pytest.mark.django_db
def test_consultant_cannot_create_client(world, api_client):
    api_client.force_authenticate(world.consultant)

    response = api_client.post("/api/v1/clients/", {"name": "New Co"}, format="json")

    assert response.status_code == 403
    assert not Client.objects.filter(name="New Co").exists()


@pytest.mark.django_db
def test_admin_creates_client_with_normalized_domains(world, api_client):
    api_client.force_authenticate(world.admin)

    response = api_client.post(
        "/api/v1/clients/", {"name": "New Co", "website_domains": ["https://www.NewCo.test/", "newco.test"]}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["website_domains"] == ["newco.test"]


@pytest.mark.django_db
def test_client_rejects_invalid_domain(world, api_client):
    api_client.force_authenticate(world.admin)

    response = api_client.post("/api/v1/clients/", {"name": "New Co", "website_domains": ["not a domain"]}, format="json")

    assert response.status_code == 400
    assert '"not a domain" is not a valid domain name' in response.json()["website_domains"][0]


@pytest.mark.django_db
def test_list_is_paginated_and_filterable(world, api_client):
    api_client.force_authenticate(world.admin)

    response = api_client.get("/api/v1/clients/", {"page_size": 1, "ordering": "name"})
    filtered = api_client.get("/api/v1/portals/", {"vendor": "salesforce"})

    assert response.json()["count"] == 2
    assert len(response.json()["results"]) == 1
    assert response.json()["next"] is not None
    assert filtered.json()["count"] == 0


@pytest.mark.django_db
def test_check_connection_calls_vendor(world, api_client, django_capture_on_commit_callbacks):
    api_client.force_authenticate(world.consultant)

    with HubSpotFake(records={"owners": []}) as fake:
        world.portal.api_base_url = fake.base_url
        world.portal.set_credentials({"access_token": HubSpotFake.DEFAULT_TOKEN})
        world.portal.save()
        with django_capture_on_commit_callbacks(execute=True):
            response = api_client.post(f"/api/v1/portals/{world.portal.pk}/check-connection/")
        paths = [entry.path for entry in fake.faults.requests]

    world.portal.refresh_from_db()
    assert response.status_code == 202
    assert world.portal.status == Portal.Status.CONNECTED
    assert "/crm/v3/owners" in paths


@pytest.mark.django_db
def test_check_connection_reports_revoked_token(world, api_client, django_capture_on_commit_callbacks):
    api_client.force_authenticate(world.consultant)

    with HubSpotFake(records={"owners": []}) as fake:
        world.portal.api_base_url = fake.base_url
        world.portal.save()
        with django_capture_on_commit_callbacks(execute=True):
            api_client.post(f"/api/v1/portals/{world.portal.pk}/check-connection/")

    world.portal.refresh_from_db()
    assert world.portal.status == Portal.Status.ERROR
    assert "HubSpot rejected the access token" in world.portal.status_message


@pytest.mark.django_db
def test_credentials_never_reach_logs(world, api_client, caplog):
    api_client.force_authenticate(world.consultant)
    caplog.set_level(logging.DEBUG)

    api_client.patch(
        f"/api/v1/portals/{world.portal.pk}/", json.dumps({"credentials": {"access_token": "pat-rotated"}}), content_type="application/json"
    )

    assert "pat-rotated" not in caplog.text
    assert "pat-zebra-secret" not in caplog.text
