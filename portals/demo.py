"""The sample organization, clients and logins that `make run` sets up."""
import logging
from datetime import date

from django.db import transaction

from accounts.models import ClientUser, Membership, Organization, User

from .models import Client, Engagement, Portal

logger = logging.getLogger(__name__)

DEMO_PASSWORD = "demo-pass-2026"

ORGANIZATION = {"slug": "brightline", "name": "Brightline MOPs Partners", "brand_color": "#23527c"}

CONSULTANTS = [
    {"email": "admin@brightline.example", "full_name": "Alex Admin", "role": Membership.Role.ADMIN, "clients": []},
    {
        "email": "casey@brightline.example",
        "full_name": "Casey Consultant",
        "role": Membership.Role.CONSULTANT,
        "clients": ["Northwind Software"],
    },
]

CLIENTS = [
    {
        "name": "Northwind Software",
        "website_domains": ["northwind-software.test"],
        "industry": "Computer Software",
        "employee_band": Client.EmployeeBand.B201_500,
        "revenue_band": Client.RevenueBand.R10M_50M,
        "crm_of_record": Client.Crm.HUBSPOT,
        "portals": [{"vendor": Portal.Vendor.HUBSPOT, "account_id": "4410001", "name": "Northwind HubSpot"}],
        "client_user": {"email": "dana@northwind-software.test", "full_name": "Dana Northwind", "job_title": "VP Marketing"},
    },
    {
        "name": "Harbor Manufacturing",
        "website_domains": ["harbor-manufacturing.test"],
        "industry": "Industrial Machinery",
        "employee_band": Client.EmployeeBand.B1001_5000,
        "revenue_band": Client.RevenueBand.R250M_1B,
        "crm_of_record": Client.Crm.SALESFORCE,
        "portals": [
            {"vendor": Portal.Vendor.SALESFORCE, "account_id": "00D5g000004HARBR", "name": "Harbor Salesforce"},
            {"vendor": Portal.Vendor.PARDOT, "account_id": "0Uv5g000000HARBR", "name": "Harbor Pardot"},
        ],
        "client_user": {"email": "morgan@harbor-manufacturing.test", "full_name": "Morgan Harbor", "job_title": "Marketing Director"},
    },
]


@transaction.atomic
def demo_seed():
    """Create the sample organization, its consultants, clients, engagements, portals and client users.

    Running it again changes nothing: every row is looked up by its natural key first.
    Returns the logins as (role, email, client name or None).
    """
    organization, _ = Organization.objects.get_or_create(slug=ORGANIZATION["slug"], defaults=ORGANIZATION)
    clients = {spec["name"]: _seed_client(organization, spec) for spec in CLIENTS}

    logins = []
    for spec in CONSULTANTS:
        user = _seed_user(spec["email"], spec["full_name"], is_staff=spec["role"] == Membership.Role.ADMIN)
        membership, _ = Membership.objects.get_or_create(organization=organization, user=user, defaults={"role": spec["role"]})
        membership.assigned_clients.set([clients[name] for name in spec["clients"]])
        logins.append((spec["role"], user.email, None))

    for spec in CLIENTS:
        person = spec["client_user"]
        user = _seed_user(person["email"], person["full_name"])
        ClientUser.objects.get_or_create(user=user, defaults={"client": clients[spec["name"]], "job_title": person["job_title"]})
        logins.append(("client user", user.email, spec["name"]))

    logger.info("demo seeded organization_id=%s clients=%s", organization.pk, len(clients))
    return logins


def _seed_client(organization, spec):
    fields = {key: spec[key] for key in ("website_domains", "industry", "employee_band", "revenue_band", "crm_of_record")}
    client, _ = Client.objects.get_or_create(organization=organization, name=spec["name"], defaults=fields)

    Engagement.objects.get_or_create(
        client=client,
        name="Marketing operations audit",
        defaults={"kind": Engagement.Kind.AUDIT, "status": Engagement.Status.ACTIVE, "start_date": date(2026, 11, 2)},
    )
    for portal in spec["portals"]:
        Portal.objects.get_or_create(client=client, vendor=portal["vendor"], account_id=portal["account_id"], defaults={"name": portal["name"]})
    return client


def _seed_user(email, full_name, is_staff=False):
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD, full_name=full_name, is_staff=is_staff)
    return user
