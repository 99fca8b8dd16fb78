import base64

import pytest
from django.core.files.base import ContentFile

from audits.models import RemediationTask
from portals.models import SyncRun
from reports import selectors, services
from reports.models import BrandSettings, Report, ReportVersion
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


def test_client_user_never_sees_draft(rendered, world):
    assert list(Report.objects.visible_to(world.client_user)) == []


def test_client_user_sees_published(published, world):
    assert list(Report.objects.visible_to(world.client_user)) == [published]


def test_other_client_user_sees_nothing(published, world):
    for name in ("sibling_client_user", "other_org_client_user"):
        assert list(Report.objects.visible_to(world.attackers[name])) == [], name


def test_other_consultants_see_nothing(published, world):
    for name in ("unassigned_consultant", "other_org_admin", "other_org_consultant"):
        assert list(Report.objects.visible_to(world.attackers[name])) == [], name


def test_consultant_sees_drafts(rendered, world):
    assert rendered in Report.objects.visible_to(world.consultant)


def test_inactive_client_user_sees_nothing(published, world):
    world.client_user.is_active = False
    world.client_user.save()

    assert list(Report.objects.visible_to(world.client_user)) == []


def test_client_user_sees_only_published_version(published, world):
    services.report_render(report_id=published.pk)

    versions = ReportVersion.objects.visible_to(world.client_user)

    assert [version.pk for version in versions] == [published.published_version_id]


def test_client_user_sees_no_version_of_draft(rendered, world):
    assert not ReportVersion.objects.visible_to(world.client_user).exists()


def test_consultant_sees_every_version(published, world):
    services.report_render(report_id=published.pk)

    assert ReportVersion.objects.visible_to(world.consultant).filter(report=published).count() == 2


def test_share_link_found_by_token(published, world):
    link, token = services.share_link_create(report=published, created_by=world.consultant)

    assert selectors.share_link_for_token(token) == link
    assert selectors.share_link_for_token(token + "x") is None
    assert selectors.share_link_for_token(link.token_hash) is None


def test_latest_published_reports_one_per_kind(published, world, history):
    newer = services.report_create(client=world.client, kind="portal_audit", audit_run=history.current, title="Zebra follow-up")
    services.report_render(report_id=newer.pk)
    services.report_publish(report=newer, published_by=world.consultant)

    assert selectors.latest_published_reports(client_id=world.client.pk) == [Report.objects.get(pk=newer.pk)]


def test_brand_defaults_to_organization(world):
    brand = selectors.brand_for(world.organization)

    assert brand.name == "Home Consulting"
    assert brand.primary_color == world.organization.brand_color
    assert brand.logo_data_url == ""


def test_brand_settings_with_logo(world):
    settings = BrandSettings(organization=world.organization, display_name="Zebra Partners", accent_color="#00aa00")
    settings.logo.save("logo.png", ContentFile(PNG), save=True)

    brand = selectors.brand_for(world.organization)

    assert brand.name == "Zebra Partners"
    assert brand.accent_color == "#00aa00"
    assert brand.logo_data_url.startswith("data:image/png;base64,")


def test_brand_ignores_non_image_logo(world):
    settings = BrandSettings(organization=world.organization)
    settings.logo.save("logo.png", ContentFile(b"<svg onload='alert(1)'/>"), save=True)

    assert selectors.brand_for(world.organization).logo_data_url == ""


def test_brand_replaces_invalid_colour(world):
    world.organization.brand_color = "red;}"
    world.organization.save()

    assert selectors.brand_for(world.organization).primary_color == "#1f4e79"


def test_dashboard_rows(world, history):
    SyncRun.objects.create(client=world.client, portal=world.portal, status=SyncRun.Status.FAILED, error_message="Token expired")
    clients = selectors.dashboard_annotate(world.client.__class__.objects.visible_to(world.consultant), world.consultant)

    row = selectors.dashboard_rows(user=world.consultant, clients=clients)[0]

    assert row["audit"] == history.current
    assert row["trend"] == [58.0, 71.5]
    assert row["tasks"] == [1, 1, 0]
    assert row["sync"].error_message == "Token expired"
    assert row["failures"] == 1


def test_dashboard_ignores_done_tasks(world, history):
    RemediationTask.objects.filter(client=world.client).update(status="done")
    clients = selectors.dashboard_annotate(world.client.__class__.objects.visible_to(world.consultant), world.consultant)

    assert selectors.dashboard_rows(user=world.consultant, clients=clients)[0]["open_tasks"] == 0


def test_timeline_is_newest_first(published, world):
    events = selectors.client_timeline(user=world.consultant, client=world.client)

    times = [event["at"] for event in events]
    assert times == sorted(times, reverse=True)
    assert {"sync", "audit", "report", "version", "publish"} <= {event["kind"] for event in events}


def test_timeline_empty_for_other_consultant(published, world):
    outsider = world.attackers["other_org_consultant"]

    assert selectors.client_timeline(user=outsider, client=world.client) == []


def test_client_user_tasks_only_published(world, history):
    tasks = selectors.client_user_tasks(world.client_user)

    assert [task.title for task in tasks] == ["Merge Zebra duplicates"]


def test_anonymous_sees_nothing(published):
    from django.contrib.auth.models import AnonymousUser

    assert not Report.objects.visible_to(AnonymousUser()).exists()
    assert not ReportVersion.objects.visible_to(AnonymousUser()).exists()


def test_user_without_membership_sees_nothing(published):
    assert not Report.objects.visible_to(UserFactory()).exists()
