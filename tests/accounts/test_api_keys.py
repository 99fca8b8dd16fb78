import pytest

from accounts.models import ApiKey
from accounts.services import api_key_create, api_key_revoke, hash_api_key_secret


@pytest.mark.django_db
def test_create_shows_key_once(world, api_client):
    api_client.force_authenticate(world.consultant)

    created = api_client.post("/api/v1/api-keys/", {"name": "zapier"}, format="json")
    listed = api_client.get("/api/v1/api-keys/")

    assert created.status_code == 201
    assert created.json()["key"].startswith("mops_")
    assert "key" not in listed.json()["results"][0]


@pytest.mark.django_db
def test_key_is_stored_hashed(world):
    api_key, plaintext = api_key_create(user=world.consultant, name="ci")

    stored = ApiKey.objects.get(pk=api_key.pk)
    assert plaintext.split("_", 2)[2] not in stored.hashed_secret
    assert stored.hashed_secret == hash_api_key_secret(plaintext.split("_", 2)[2])


@pytest.mark.django_db
def test_key_authenticates_and_records_last_use(world, api_client):
    api_key, plaintext = api_key_create(user=world.consultant, name="ci")

    response = api_client.get("/api/v1/clients/", HTTP_AUTHORIZATION=f"Api-Key {plaintext}")

    assert response.status_code == 200
    assert [row["name"] for row in response.json()["results"]] == ["Zebra Corp"]
    assert ApiKey.objects.get(pk=api_key.pk).last_used_at is not None


@pytest.mark.django_db
def test_revoked_key_is_rejected(world, api_client):
    api_key, plaintext = api_key_create(user=world.consultant, name="ci")
    api_key_revoke(api_key=api_key)

    response = api_client.get("/api/v1/clients/", HTTP_AUTHORIZATION=f"Api-Key {plaintext}")

    assert response.status_code == 401
    assert "Invalid or revoked API key" in response.json()["detail"]


@pytest.mark.django_db
def test_wrong_secret_is_rejected(world, api_client):
    _, plaintext = api_key_create(user=world.consultant, name="ci")
    forged = plaintext[:-4] + "AAAA"

    response = api_client.get("/api/v1/clients/", HTTP_AUTHORIZATION=f"Api-Key {forged}")

    assert response.status_code == 401


@pytest.mark.django_db
def test_delete_revokes_but_keeps_record(world, api_client):
    api_key, _ = api_key_create(user=world.consultant, name="ci")
    api_client.force_authenticate(world.consultant)

    response = api_client.delete(f"/api/v1/api-keys/{api_key.pk}/")

    assert response.status_code == 204
    assert ApiKey.objects.get(pk=api_key.pk).revoked_at is not None


@pytest.mark.django_db
def test_key_of_deactivated_user_is_rejected(world, api_client):
    _, plaintext = api_key_create(user=world.consultant, name="ci")
    world.consultant.is_active = False
    world.consultant.save()

    response = api_client.get("/api/v1/clients/", HTTP_AUTHORIZATION=f"Api-Key {plaintext}")

    assert response.status_code == 401
