"""Client users and share-link readers must not see unpublished edits, and admin forms must not undo the publishing rules."""
from datetime import timedelta

from django.test import Client as PageClient
from django.utils import timezone

from audits.models import RemediationTask
from reports import services
from reports.models import Report, ReportVersion

from tests.security.conftest import admin_post, api_as, pages_as, tiny_pdf

DRAFT_TITLE = "DRAFT title not rendered yet"
DRAFT_SUMMARY = "DRAFT summary: internal note, do not show the client"


def _published_report(client, admin, title="Published title"):
    report = Report.objects.create(client=client, kind="portal_audit", title=title, summary="Published summary", created_by=admin)
    version = ReportVersion(
        client_id=client.pk, report=report, number=1, html="<html><body>Published</body></html>", data={},
        title=title, summary="Published summary",
    )
    version.pdf.save("v1.pdf", tiny_pdf(), save=False)
    version.save()
    return services.report_publish(report=report, published_by=admin, publish_tasks=False)


def _edit_draft(tenants, report):
    pages_as(tenants.brightline_admin).post(f"/reports/{report.pk}/", {"title": DRAFT_TITLE, "summary": DRAFT_SUMMARY})


def test_report_api_hides_draft_summary(tenants):
    report = _published_report(tenants.northwind, tenants.brightline_admin)
    _edit_draft(tenants, report)

    body = api_as(tenants.dana).get(f"/api/v1/reports/{report.pk}/").content.decode()

    assert DRAFT_SUMMARY not in body
    assert DRAFT_TITLE not in body
    assert "Published title" in body
    assert "Published summary" in body


def test_home_hides_draft_title(tenants):
    report = _published_report(tenants.northwind, tenants.brightline_admin)
    _edit_draft(tenants, report)

    body = pages_as(tenants.dana).get("/home/").content.decode()

    assert DRAFT_TITLE not in body
    assert "Published title" in body


def test_share_page_hides_draft_title(tenants):
    report = _published_report(tenants.northwind, tenants.brightline_admin)
    _, token = services.share_link_create(report=report, created_by=tenants.brightline_admin)
    _edit_draft(tenants, report)

    body = PageClient().get(f"/share/{token}/").content.decode()

    assert DRAFT_TITLE not in body
    assert "Published title" in body


def test_report_search_ignores_draft_title(tenants):
    report = _published_report(tenants.northwind, tenants.brightline_admin)
    _edit_draft(tenants, report)
    api = api_as(tenants.dana)

    by_draft = api.get("/api/v1/reports/", {"search": "DRAFT"}).json()
    by_published = api.get("/api/v1/reports/", {"search": "Published"}).json()

    assert by_draft["count"] == 0
    assert [row["id"] for row in by_published["results"]] == [report.pk]


def test_pdf_name_ignores_draft_title(tenants):
    report = _published_report(tenants.northwind, tenants.brightline_admin)
    _edit_draft(tenants, report)

    response = pages_as(tenants.dana).get(f"/reports/{report.pk}/pdf/")

    assert "published-title-v1.pdf" in response["Content-Disposition"]


def test_client_user_cannot_set_wont_fix(tenants):
    task = RemediationTask.objects.create(client=tenants.northwind, title="Merge duplicates", steps=["a"], visible_to_client=True)

    response = api_as(tenants.dana).patch(f"/api/v1/remediation-tasks/{task.pk}/", {"status": "wont_fix"}, format="json")

    task.refresh_from_db()
    assert response.status_code in (400, 403)
    assert task.status == RemediationTask.Status.OPEN


def test_admin_cannot_move_report_to_other_client(tenants):
    report = _published_report(tenants.harbor, tenants.brightline_admin, title="Harbor board report")

    admin_post(pages_as(tenants.brightline_admin), f"/admin/reports/report/{report.pk}/change/", {"client": str(tenants.northwind.pk)})

    assert pages_as(tenants.dana).get(f"/reports/{report.pk}/").status_code == 404
    assert pages_as(tenants.dana).get(f"/reports/{report.pk}/pdf/").status_code == 404


def test_admin_cannot_unrevoke_share_link(tenants):
    report = _published_report(tenants.northwind, tenants.brightline_admin)
    link, token = services.share_link_create(report=report, created_by=tenants.brightline_admin)
    services.share_link_revoke(share_link=link)
    later = timezone.now() + timedelta(days=1000)

    admin_post(
        pages_as(tenants.brightline_admin), f"/admin/reports/sharelink/{link.pk}/change/",
        {"expires_at_0": later.strftime("%Y-%m-%d"), "expires_at_1": "00:00:00", "revoked_at_0": "", "revoked_at_1": ""},
    )

    assert PageClient().get(f"/share/{token}/").status_code == 404
