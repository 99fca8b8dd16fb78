"""Another consultancy's admin must not take over or lock out a consultant of Brightline.

The attacks: adding an existing user to another organization through POST /api/v1/memberships/,
then reassigning an API key to that user or turning them into a client user in the Django admin.
"""
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiKey, ClientUser, Membership, Organization
from accounts.services import api_key_create, api_key_revoke

from tests.security.conftest import admin_post, api_as, make_user, pages_as


def test_membership_create_rejects_other_org_user(tenants):
    response = api_as(tenants.eve).post(
        "/api/v1/memberships/", {"organization": tenants.evil.pk, "email": tenants.casey.email, "role": "consultant"}, format="json"
    )

    assert response.status_code == 400
    assert not Membership.objects.filter(organization=tenants.evil, user=tenants.casey).exists()


def test_membership_create_hides_foreign_user_details(tenants):
    response = api_as(tenants.eve).post(
        "/api/v1/memberships/", {"organization": tenants.evil.pk, "email": tenants.dana.email, "role": "consultant"}, format="json"
    )

    assert "client user" not in response.content.decode()


def test_admin_api_key_user_not_editable(tenants):
    Membership.objects.create(organization=tenants.evil, user=tenants.casey, role=Membership.Role.CONSULTANT)
    api_key, _ = api_key_create(user=tenants.eve, name="eve")
    url = f"/admin/accounts/apikey/{api_key.pk}/change/"

    admin_post(pages_as(tenants.eve), url, {"user": str(tenants.casey.pk)})

    api_key.refresh_from_db()
    assert api_key.user_id == tenants.eve.pk


def test_claimed_key_reads_no_foreign_contacts(tenants):
    eve_api = api_as(tenants.eve)
    eve_api.post("/api/v1/memberships/", {"organization": tenants.evil.pk, "email": tenants.casey.email, "role": "consultant"}, format="json")
    api_key, plaintext = api_key_create(user=tenants.eve, name="eve")
    admin_post(pages_as(tenants.eve), f"/admin/accounts/apikey/{api_key.pk}/change/", {"user": str(tenants.casey.pk)})

    response = APIClient().get("/api/v1/contacts/", HTTP_AUTHORIZATION=f"Api-Key {plaintext}")

    assert "ceo@northwind.test" not in response.content.decode()


def test_admin_client_user_for_foreign_consultant(tenants):
    Membership.objects.create(organization=tenants.evil, user=tenants.casey, role=Membership.Role.CONSULTANT)

    admin_post(
        pages_as(tenants.eve), "/admin/accounts/clientuser/add/",
        {"user": str(tenants.casey.pk), "client": str(tenants.evil_client.pk), "job_title": "x"},
    )

    assert not ClientUser.objects.filter(user=tenants.casey).exists()
    assert pages_as(tenants.casey).get("/clients/").status_code == 200


def _freelancer(tenants):
    """Fred: staff admin of his own consultancy and a consultant of Brightline on Northwind only."""
    fred = make_user("fred@freelance.test", is_staff=True)
    own = Organization.objects.create(name="Fred Freelance", slug="fred-freelance")
    Membership.objects.create(organization=own, user=fred, role=Membership.Role.ADMIN)
    membership = Membership.objects.create(organization=tenants.brightline, user=fred, role=Membership.Role.CONSULTANT)
    membership.assigned_clients.set([tenants.northwind])
    return fred, membership


def test_admin_own_membership_role_fixed(tenants):
    fred, membership = _freelancer(tenants)

    admin_post(pages_as(fred), f"/admin/accounts/membership/{membership.pk}/change/", {"role": "admin"})

    membership.refresh_from_db()
    assert membership.role == Membership.Role.CONSULTANT
    assert tenants.harbor.name not in api_as(fred).get("/api/v1/clients/").content.decode()


def test_admin_consultant_cannot_edit_org(tenants):
    fred, _ = _freelancer(tenants)

    response = pages_as(fred).get(f"/admin/accounts/organization/{tenants.brightline.pk}/change/")

    assert response.status_code in (403, 404, 302)


def test_admin_cannot_unrevoke_api_key(tenants):
    api_key, plaintext = api_key_create(user=tenants.brightline_admin, name="leaked")
    api_key_revoke(api_key=api_key)

    admin_post(
        pages_as(tenants.brightline_admin), f"/admin/accounts/apikey/{api_key.pk}/change/", {"revoked_at_0": "", "revoked_at_1": ""}
    )

    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    assert APIClient().get("/api/v1/clients/", HTTP_AUTHORIZATION=f"Api-Key {plaintext}").status_code == 401


def test_revoked_key_rejected(tenants):
    """Control that passes today: a key revoked through the service is rejected."""
    api_key, plaintext = api_key_create(user=tenants.casey, name="k")
    ApiKey.objects.filter(pk=api_key.pk).update(revoked_at=timezone.now())

    response = APIClient().get("/api/v1/clients/", HTTP_AUTHORIZATION=f"Api-Key {plaintext}")

    assert response.status_code == 401
