"""A consultant publishes a report, its client's user reads it, other clients' users cannot, and the PDF is complete."""
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from reports import services
from reports.models import Report
from reports.views import SHARE_LINK_GONE
from tests.reports.rows import audit_history

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF_SECTIONS = ("Executive summary", "Health score", "Key numbers", "Compared with the previous report",
                "Findings by severity", "Remediation plan", "How the health score is weighted")


@pytest.fixture
def history(world):
    return audit_history(world)


@pytest.fixture
def published(world, history):
    report = services.report_create(client=world.client, kind="portal_audit", audit_run=history.current, created_by=world.consultant)
    services.report_render(report_id=report.pk)
    return services.report_publish(report=report, published_by=world.consultant)


def test_published_report_reaches_client_user(open_page, world, history):
    page = open_page(world.consultant)
    page.goto(f"/clients/{world.client.pk}/reports/new/")
    page.select_option("#id_audit_run", str(history.current.pk))
    page.click("text=Create draft report")
    page.click("button:text-is('Render')")
    expect(page.locator("iframe.report-frame")).to_be_visible()
    page.click("button:text-is('Publish')")
    expect(page.locator("#report-status")).to_have_text("Published")
    report = Report.objects.filter(client=world.client).latest("created_at")

    reader = open_page(world.client_user)
    expect(reader).to_have_url(re.compile(r"/home/$"))
    reader.click(f"text={report.title}")
    document = reader.frame_locator("iframe.report-frame")
    expect(document.locator("h1")).to_have_text(report.title)
    expect(document.locator("#summary h2")).to_have_text("Executive summary")
    expect(document.locator("#key-numbers")).to_contain_text("Duplicate rate")


def test_other_client_user_cannot_reach_report(open_page, world, published):
    _, password_token = services.share_link_create(report=published, created_by=world.consultant, password="zebra-secret-42")
    revoked, revoked_token = services.share_link_create(report=published, created_by=world.consultant)
    services.share_link_revoke(share_link=revoked)
    page = open_page(world.attackers["sibling_client_user"])

    for path in (f"/reports/{published.pk}/", f"/reports/{published.pk}/pdf/", f"/report-versions/{published.published_version_id}/pdf/"):
        response = page.goto(path)
        assert response.status == 404, path
        assert published.title not in page.content(), path

    page.goto("/home/")
    assert published.title not in page.content()

    for token in (revoked_token, password_token[:-4] + "AAAA"):
        response = page.goto(f"/share/{token}/")
        assert response.status == 404
        assert page.inner_text("body") == SHARE_LINK_GONE

    page.goto(f"/share/{password_token}/")
    page.fill("input[name=password]", "a-wrong-guess-123")
    page.click("button[type=submit]")
    expect(page.locator(".errorlist")).to_contain_text("not correct")
    assert published.title not in page.content()


def test_pdf_download_has_sections(open_page, world, published, tmp_path):
    page = open_page(world.client_user)
    page.goto("/home/")

    with page.expect_download() as download:
        page.click("#reports >> text=Download PDF")
    path = tmp_path / "report.pdf"
    download.value.save_as(path)

    text = "\n".join(page_.extract_text() for page_ in PdfReader(path).pages)
    assert download.value.suggested_filename.endswith("-v1.pdf")
    for section in PDF_SECTIONS:
        assert section in text, section
    assert published.title in text.replace("\n", " ")
