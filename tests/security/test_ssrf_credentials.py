"""Vendor connectors must not reach private addresses, and stored credentials must not follow a changed base URL.

The attacks: a private api_base_url saved in the Django admin, a Salesforce `instance_url` inside
the credentials, IPv6 forms of private addresses, and a base URL changed after credentials were stored.
"""
import socket

import pytest
from django.core.exceptions import ValidationError

from portals import services
from portals.models import Portal
from portals.validators import validate_vendor_base_url

from tests.security.conftest import HUBSPOT_TOKEN, admin_post, api_as, pages_as


def test_salesforce_instance_url_stays_public(tenants, listener, settings, django_capture_on_commit_callbacks):
    settings.VENDOR_URL_ALLOW_PRIVATE = False
    eve_api = api_as(tenants.eve)
    credentials = {"access_token": "x", "instance_url": listener.url}

    created = eve_api.post("/api/v1/portals/", {"client": tenants.evil_client.pk, "vendor": "salesforce", "credentials": credentials}, format="json")
    if created.status_code == 201:
        with django_capture_on_commit_callbacks(execute=True):
            eve_api.post(f"/api/v1/portals/{created.json()['id']}/check-connection/")

    assert listener.received == []


def test_connector_rechecks_base_url(tenants, listener, settings):
    settings.VENDOR_URL_ALLOW_PRIVATE = False
    # The stored URL passed validation earlier (a public DNS answer, or the Django admin form);
    # now it points at a loopback address.
    Portal.objects.filter(pk=tenants.northwind_hubspot.pk).update(api_base_url=listener.url)
    portal = Portal.objects.get(pk=tenants.northwind_hubspot.pk)

    services.portal_check_connection(portal=portal)

    assert listener.received == []


def test_base_url_change_keeps_token_home(tenants, listener, django_capture_on_commit_callbacks):
    casey_api = api_as(tenants.casey)
    portal_url = f"/api/v1/portals/{tenants.northwind_hubspot.pk}/"

    casey_api.patch(portal_url, {"api_base_url": listener.url}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        casey_api.post(portal_url + "check-connection/")

    sent = b"".join(listener.received)
    assert HUBSPOT_TOKEN.encode() not in sent


@pytest.mark.parametrize(
    "url",
    [
        "https://[::127.0.0.1]/",
        "https://[::ffff:0:a9fe:a9fe]/",
        "https://[64:ff9b::a9fe:a9fe]/",
        "https://[2002:a9fe:a9fe::]/",
    ],
)
def test_validator_rejects_embedded_private(url, settings):
    settings.VENDOR_URL_ALLOW_PRIVATE = False

    with pytest.raises(ValidationError):
        validate_vendor_base_url(url)


def test_admin_form_validates_base_url(tenants, settings):
    settings.VENDOR_URL_ALLOW_PRIVATE = False
    portal = tenants.northwind_hubspot

    admin_post(
        pages_as(tenants.brightline_admin), f"/admin/portals/portal/{portal.pk}/change/", {"api_base_url": "http://169.254.169.254/latest/"}
    )

    portal.refresh_from_db()
    assert "169.254.169.254" not in portal.api_base_url


def _closed_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


@pytest.mark.django_db(transaction=True)
def test_api_sync_outage_is_not_500(tenants):
    # A transactional test, so that on_commit runs inside the request as it does on the server.
    Portal.objects.filter(pk=tenants.northwind_hubspot.pk).update(api_base_url=f"http://127.0.0.1:{_closed_port()}")
    casey_api = api_as(tenants.casey)
    casey_api.raise_request_exception = False

    response = casey_api.post(f"/api/v1/portals/{tenants.northwind_hubspot.pk}/sync/", {"mode": "full"}, format="json")

    assert response.status_code < 500
