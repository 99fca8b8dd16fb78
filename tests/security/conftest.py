"""Fixtures of the attack tests: two consultancies, their clients and users, and a loopback listener.

Part of the suite; the tests reproduce attacks found in a penetration test of the product.
"""
import socket
import threading
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from django.core.files.base import ContentFile
from django.test import Client as PageClient
from rest_framework.test import APIClient

from accounts.models import ClientUser, Membership, Organization, User
from portals.models import Client, Contact, Portal

PASSWORD = "correct-horse-battery-9"
HUBSPOT_TOKEN = "pat-na1-northwind-secret-token"


@dataclass
class Tenants:
    brightline: object
    northwind: object
    harbor: object
    brightline_admin: object
    casey: object
    dana: object
    morgan: object
    northwind_hubspot: object
    northwind_csv: object
    evil: object
    evil_client: object
    eve: object


def make_user(email, *, is_staff=False):
    return User.objects.create_user(email=email, password=PASSWORD, full_name=email.split("@")[0].title(), is_staff=is_staff)


@pytest.fixture
def tenants(db):
    """Brightline (admin, consultant Casey on Northwind only, client users Dana and Morgan) and Evil Partners (staff admin Eve)."""
    brightline = Organization.objects.create(name="Brightline", slug="brightline")
    northwind = Client.objects.create(organization=brightline, name="Northwind", website_domains=["northwind.test"])
    harbor = Client.objects.create(organization=brightline, name="Harbor", website_domains=["harbor.test"])

    brightline_admin = make_user("admin@brightline.test", is_staff=True)
    Membership.objects.create(organization=brightline, user=brightline_admin, role=Membership.Role.ADMIN)
    casey = make_user("casey@brightline.test")
    Membership.objects.create(organization=brightline, user=casey, role=Membership.Role.CONSULTANT).assigned_clients.set([northwind])

    dana = make_user("dana@northwind.test")
    ClientUser.objects.create(user=dana, client=northwind)
    morgan = make_user("morgan@harbor.test")
    ClientUser.objects.create(user=morgan, client=harbor)

    northwind_hubspot = Portal(client=northwind, vendor=Portal.Vendor.HUBSPOT, name="Northwind HubSpot", account_id="4410001")
    northwind_hubspot.set_credentials({"access_token": HUBSPOT_TOKEN})
    northwind_hubspot.save()
    northwind_csv = Portal.objects.create(client=northwind, vendor=Portal.Vendor.CSV, name="Northwind CSV")
    Contact.objects.create(client=northwind, portal=northwind_hubspot, external_id="nw-1", email="ceo@northwind.test")

    evil = Organization.objects.create(name="Evil Partners", slug="evil-partners")
    evil_client = Client.objects.create(organization=evil, name="Evil Client", website_domains=["evil-client.test"])
    eve = make_user("eve@evil.test", is_staff=True)
    Membership.objects.create(organization=evil, user=eve, role=Membership.Role.ADMIN)

    return Tenants(
        brightline=brightline, northwind=northwind, harbor=harbor, brightline_admin=brightline_admin, casey=casey,
        dana=dana, morgan=morgan, northwind_hubspot=northwind_hubspot, northwind_csv=northwind_csv,
        evil=evil, evil_client=evil_client, eve=eve,
    )


def api_as(user):
    client = APIClient()
    client.force_login(user)
    return client


def pages_as(user):
    client = PageClient()
    client.force_login(user)
    return client


class Listener:
    """A TCP listener on 127.0.0.1 that records every connection and the first bytes it receives."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(50)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.received = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            conn.settimeout(1)
            try:
                data = conn.recv(65536)
            except OSError:
                data = b""
            self.received.append(data)
            conn.close()

    def close(self):
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


def tiny_pdf():
    return ContentFile(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")


class _FormFields(HTMLParser):
    """Collect the submitted values of the Django admin add or change form (the form whose id ends in "_form")."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.values = []
        self._in_form = False
        self._done = False
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and not self._done and (attrs.get("id") or "").endswith("_form"):
            self._in_form = True
        if not self._in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.values.append((name, attrs.get("value", "")))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.values.append((self._select, attrs.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = [name, ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.values.append((self._textarea[0], self._textarea[1].lstrip("\n")))
            self._textarea = None
        elif tag == "form" and self._in_form:
            self._in_form, self._done = False, True


def admin_post(page_client, url, changes):
    """Submit a Django admin add or change form as the browser would, with `changes` replacing some fields."""
    parser = _FormFields()
    parser.feed(page_client.get(url).content.decode())
    data = {}
    for name, value in parser.values:
        if name not in changes:
            data.setdefault(name, [])
            data[name].append(value)
    for name, value in changes.items():
        data[name] = value if isinstance(value, list) else [value]
    data["_save"] = ["Save"]
    return page_client.post(url, data)
