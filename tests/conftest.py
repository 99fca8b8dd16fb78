"""Shared fixtures: a tenant under test with a marker in every text, and users of other tenants."""
from dataclasses import dataclass, field

import pytest
from rest_framework.test import APIClient

from accounts.models import Membership
from accounts.services import api_key_create
from tests.factories import (
    TEST_PASSWORD,
    ClientFactory,
    ClientUserFactory,
    EngagementFactory,
    MembershipFactory,
    OrganizationFactory,
    PortalFactory,
    UserFactory,
)

# Every text of the tenant under test contains this marker, so a leak shows up in any response body.
TENANT_MARKER = "zebra"


@dataclass
class World:
    organization: object
    client: object
    sibling_client: object
    admin: object
    consultant: object
    client_user: object
    engagement: object
    portal: object
    api_key: object
    attackers: dict = field(default_factory=dict)
    other_client: object = None


@pytest.fixture
def world(db):
    """Client "Zebra Corp" of "Home Consulting", and users who must never see Zebra Corp's data.

    Only the client's own rows carry the marker: its organization and sibling client do not,
    because users of the same organization may legitimately see those.
    """
    organization = OrganizationFactory(name="Home Consulting", slug="home-consulting")
    client = ClientFactory(organization=organization, name="Zebra Corp", website_domains=["zebra-corp.test"])
    sibling_client = ClientFactory(organization=organization, name="Sibling Ltd")

    admin = MembershipFactory(
        organization=organization, user__email="admin@home-consulting.test", user__is_staff=True, role=Membership.Role.ADMIN
    ).user
    consultant_membership = MembershipFactory(organization=organization, user__email="consultant@home-consulting.test")
    consultant_membership.assigned_clients.set([client])
    client_user = ClientUserFactory(client=client, user__email="zebra.viewer@zebra-corp.test").user

    engagement = EngagementFactory(client=client, name="Zebra audit", lead_consultant=admin)
    portal = PortalFactory(client=client, name="Zebra HubSpot", account_id="ZEBRA-4471", credentials={"access_token": "pat-zebra-secret"})
    api_key, _ = api_key_create(user=admin, name="zebra automation")
    _audit_rows(client, portal, engagement)
    _sync_rows(client, portal)
    _report_rows(client, admin, client_user)

    attackers = _attackers(organization, sibling_client)
    return World(
        organization=organization,
        client=client,
        sibling_client=sibling_client,
        admin=admin,
        consultant=consultant_membership.user,
        client_user=client_user,
        engagement=engagement,
        portal=portal,
        api_key=api_key,
        attackers=attackers,
        other_client=attackers["other_org_admin"].memberships.first().organization.clients.first(),
    )


def _audit_rows(client, portal, engagement):
    """A finished audit of the tenant with one finding, a published task and a comment."""
    from audits.models import AuditRun, CheckResult, Finding, RemediationTask, TaskComment

    run = AuditRun.objects.create(client=client, engagement=engagement, status="succeeded", health_score=71.5)
    run.portals.set([portal])
    CheckResult.objects.create(client=client, audit_run=run, check_code="hygiene.zebra", category="hygiene", status="failed", score=0.5)
    finding = Finding.objects.create(
        client=client, audit_run=run, check_code="hygiene.zebra", category="hygiene", key="zebra", severity="high",
        title="Zebra duplicates", summary="Zebra Corp has duplicate contacts.", evidence={"sample_ids": ["zebra-1"]},
    )
    task = RemediationTask.objects.create(
        client=client, finding=finding, check_code="hygiene.zebra", finding_key="zebra", title="Merge Zebra duplicates",
        steps=["Merge the zebra clusters."], visible_to_client=True,
    )
    TaskComment.objects.create(client=client, task=task, body="Zebra comment")

    from audits.models import InventoryRun, ToolAnswer, ToolUsage, WebsitePage

    inventory = InventoryRun.objects.create(client=client, status="succeeded", headline="Zebra stack: 1 tool")
    ToolUsage.objects.create(client=client, inventory_run=inventory, tool_slug="drift", name="Drift", category="chat", status="island", reason="Zebra island")
    ToolAnswer.objects.create(client=client, tool_slug="drift", notes="Zebra uses Drift")
    WebsitePage.objects.create(client=client, url="https://zebra-corp.test/", uploaded_html="<html>zebra</html>")


def _sync_rows(client, portal):
    """A finished sync with one synced contact, and a CSV upload waiting for its column mapping."""
    from django.core.files.base import ContentFile

    from portals.models import Company, Contact, CsvUpload, SyncRun

    run = SyncRun.objects.create(client=client, portal=portal, mode="full", status="succeeded", progress={"contacts": {"done": 1, "total": 1}})
    Contact.objects.create(client=client, portal=portal, external_id="zebra-1", email="ceo@zebra-corp.test", last_name="Zebra")
    Company.objects.create(client=client, portal=portal, external_id="zebra-co", name="Zebra Corp", domain="zebra-corp.test")
    upload = CsvUpload(client=client, portal=portal, original_name="zebra-contacts.csv", sync_run=run)
    upload.file.save("zebra-contacts.csv", ContentFile(b"Record ID,Email\n1,ceo@zebra-corp.test\n"), save=True)


def _report_rows(client, admin, client_user):
    """A draft report of the tenant with one rendered version, a share link and a delivery schedule."""
    from audits.models import AuditRun
    from tests.reports.rows import tenant_report_rows

    run = AuditRun.objects.filter(client=client).first()
    tenant_report_rows(client=client, created_by=admin, recipient=client_user.client_user, audit_run=run)


def _attackers(organization, sibling_client):
    """Users outside the tenant: another client's user, an unassigned consultant, another organization's staff."""
    sibling_viewer = ClientUserFactory(client=sibling_client, user__email="sibling.viewer@sibling.test").user
    unassigned = MembershipFactory(organization=organization, user__email="unassigned@consultancy.test").user

    other_org = OrganizationFactory(name="Other Consulting", slug="other-consulting")
    other_client = ClientFactory(organization=other_org, name="Other Corp")
    other_admin = MembershipFactory(
        organization=other_org, user__email="admin@other.test", user__is_staff=True, role=Membership.Role.ADMIN
    ).user
    other_consultant_membership = MembershipFactory(organization=other_org, user__email="consultant@other.test")
    other_consultant_membership.assigned_clients.set([other_client])
    other_viewer = ClientUserFactory(client=other_client, user__email="viewer@other-corp.test").user
    EngagementFactory(client=other_client, name="Other audit")
    PortalFactory(client=other_client, name="Other HubSpot", account_id="OTHER-1")

    return {
        "sibling_client_user": sibling_viewer,
        "unassigned_consultant": unassigned,
        "other_org_admin": other_admin,
        "other_org_consultant": other_consultant_membership.user,
        "other_org_client_user": other_viewer,
    }


@pytest.fixture
def api_client():
    return APIClient()


def login(client, user):
    """Log a Django test client or DRF APIClient in as `user`."""
    assert client.login(username=user.email, password=TEST_PASSWORD), f"login failed for {user.email}"
    return client


@pytest.fixture
def password():
    return TEST_PASSWORD


__all__ = ["TENANT_MARKER", "login", "UserFactory"]
