from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from audits.models import RemediationTask, TaskComment
from reports import services
from reports.models import BrandSettings, Report, ShareLink
from reports.views import SHARE_LINK_GONE
from tests.conftest import login
from tests.reports.test_selectors import PNG

pytestmark = pytest.mark.django_db


def test_client_user_gets_404_for_draft(client, rendered, world):
    login(client, world.client_user)

    assert client.get(f"/reports/{rendered.pk}/").status_code == 404
    assert client.get(f"/reports/{rendered.pk}/pdf/").status_code == 404
    assert client.get(f"/report-versions/{rendered.versions.get().pk}/pdf/").status_code == 404


def test_client_user_reads_published(client, published, world):
    login(client, world.client_user)

    response = client.get(f"/reports/{published.pk}/")

    assert response.status_code == 200
    assert b"Download PDF" in response.content
    assert b"srcdoc=" in response.content
    assert b"Render</button>" not in response.content


def test_client_user_downloads_pdf(client, published, world):
    login(client, world.client_user)

    response = client.get(f"/reports/{published.pk}/pdf/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content)[:5] == b"%PDF-"


def test_client_user_cannot_read_old_version(client, published, world):
    old = published.published_version
    services.report_render(report_id=published.pk)
    services.report_publish(report=Report.objects.get(pk=published.pk), published_by=world.consultant)
    login(client, world.client_user)

    assert client.get(f"/report-versions/{old.pk}/pdf/").status_code == 404


@pytest.mark.parametrize("attacker", ["sibling_client_user", "other_org_client_user", "unassigned_consultant", "other_org_admin"])
def test_other_tenants_get_404(client, published, world, attacker):
    login(client, world.attackers[attacker])

    assert client.get(f"/reports/{published.pk}/").status_code == 404
    assert client.get(f"/reports/{published.pk}/pdf/").status_code == 404
    assert client.get(f"/report-versions/{published.published_version_id}/pdf/").status_code == 404


def test_client_user_cannot_publish(client, rendered, world):
    login(client, world.client_user)

    response = client.post(f"/reports/{rendered.pk}/publish/")

    assert response.status_code == 403
    assert Report.objects.get(pk=rendered.pk).status == Report.Status.DRAFT


def test_consultant_creates_report(client, world, history):
    login(client, world.consultant)

    response = client.post(f"/clients/{world.client.pk}/reports/new/", {"kind": "portal_audit", "audit_run": history.current.pk})

    report = Report.objects.filter(client=world.client).latest("created_at")
    assert response.status_code == 302
    assert response["Location"] == f"/reports/{report.pk}/"


def test_create_form_needs_audit_run(client, world, history):
    login(client, world.consultant)
    before = Report.objects.count()

    response = client.post(f"/clients/{world.client.pk}/reports/new/", {"kind": "portal_audit", "audit_run": ""})

    assert response.status_code == 200
    assert b"built from a finished audit run" in response.content
    assert Report.objects.count() == before


def test_render_button_renders_version(client, report, world, django_capture_on_commit_callbacks):
    login(client, world.consultant)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/reports/{report.pk}/render/")

    report.refresh_from_db()
    assert response.status_code == 302
    assert report.versions.count() == 1
    assert report.render_status == Report.RenderStatus.IDLE


def test_publish_button(client, rendered, world):
    login(client, world.consultant)

    client.post(f"/reports/{rendered.pk}/publish/", {"publish_tasks": "on"})

    assert Report.objects.get(pk=rendered.pk).status == Report.Status.PUBLISHED


def test_detail_shows_actions(client, published, world):
    login(client, world.consultant)

    content = client.get(f"/reports/{published.pk}/").content.decode()

    assert "Render</button>" in content
    assert "Create share link</button>" in content
    assert "Publish</button>" not in content


def test_edit_title_and_summary(client, rendered, world):
    login(client, world.consultant)

    client.post(f"/reports/{rendered.pk}/", {"title": "Zebra Q3 audit", "summary": "Start with the duplicates."})

    rendered.refresh_from_db()
    assert rendered.title == "Zebra Q3 audit"
    assert rendered.summary == "Start with the duplicates."


def test_share_link_page_shows_url_once(client, published, world):
    login(client, world.consultant)

    response = client.post(f"/reports/{published.pk}/share-links/", {"expires_in_days": 7})

    link = ShareLink.objects.get(report=published)
    assert response.status_code == 200
    assert b"/share/" in response.content
    assert client.get(f"/reports/{published.pk}/").content.count(b"/share/") == 0
    assert abs(link.expires_at - timezone.now() - timedelta(days=7)) < timedelta(minutes=1)


def test_revoke_button(client, published, world):
    link, token = services.share_link_create(report=published, created_by=world.consultant)
    login(client, world.consultant)

    client.post(f"/share-links/{link.pk}/revoke/")

    assert client.get(f"/share/{token}/").status_code == 404


def test_share_link_opens_report(client, published, world):
    link, token = services.share_link_create(report=published, created_by=world.consultant)

    response = client.get(f"/share/{token}/")

    link.refresh_from_db()
    assert response.status_code == 200
    assert published.title.encode() in response.content
    assert response["Referrer-Policy"] == "same-origin"
    assert link.last_used_at is not None


def test_share_link_pdf(client, published, world):
    _, token = services.share_link_create(report=published, created_by=world.consultant)

    response = client.get(f"/share/{token}/pdf/")

    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:5] == b"%PDF-"


def test_share_link_unknown_token(client, published):
    response = client.get("/share/not-a-real-token/")

    assert response.status_code == 404
    assert response.content.decode() == SHARE_LINK_GONE


def test_share_link_expired(client, published, world):
    link, token = services.share_link_create(report=published, created_by=world.consultant)
    ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    response = client.get(f"/share/{token}/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/plain")
    assert client.get(f"/share/{token}/pdf/").status_code == 404


def test_share_link_revoked(client, published, world):
    link, token = services.share_link_create(report=published, created_by=world.consultant)
    services.share_link_revoke(share_link=link)

    assert client.get(f"/share/{token}/").status_code == 404
    assert client.get(f"/share/{token}/pdf/").status_code == 404


def test_share_link_password_form(client, published, world):
    _, token = services.share_link_create(report=published, created_by=world.consultant, password="zebra-secret-42")

    response = client.get(f"/share/{token}/")

    assert response.status_code == 200
    assert b"Password required" in response.content
    assert published.title.encode() not in response.content
    assert client.get(f"/share/{token}/pdf/").status_code == 302


def test_share_link_wrong_password(client, published, world):
    _, token = services.share_link_create(report=published, created_by=world.consultant, password="zebra-secret-42")

    response = client.post(f"/share/{token}/", {"password": "not-the-password"})

    assert response.status_code == 403
    assert published.title.encode() not in response.content


def test_share_link_right_password(client, published, world):
    _, token = services.share_link_create(report=published, created_by=world.consultant, password="zebra-secret-42")

    client.post(f"/share/{token}/", {"password": "zebra-secret-42"})

    assert published.title.encode() in client.get(f"/share/{token}/").content
    assert client.get(f"/share/{token}/pdf/").status_code == 200


def test_share_password_locks_after_attempts(client, published, world):
    link, token = services.share_link_create(report=published, created_by=world.consultant, password="zebra-secret-42")
    wrong = [client.post(f"/share/{token}/", {"password": f"guess-{n}"}) for n in range(services.SHARE_LINK_MAX_PASSWORD_ATTEMPTS)]

    right = client.post(f"/share/{token}/", {"password": "zebra-secret-42"})

    link.refresh_from_db()
    assert [response.status_code for response in wrong[:-1]] == [403] * (services.SHARE_LINK_MAX_PASSWORD_ATTEMPTS - 1)
    assert wrong[-1].status_code == 429
    assert right.status_code == 429
    assert b"Too many wrong passwords" in right.content
    assert b"Password required" in client.get(f"/share/{token}/").content
    assert link.password_locked_until > timezone.now() + timedelta(minutes=14)


def test_report_page_shows_locked_link(client, published, world):
    link, _ = services.share_link_create(report=published, created_by=world.consultant, password="zebra-secret-42")
    ShareLink.objects.filter(pk=link.pk).update(password_locked_until=timezone.now() + timedelta(minutes=10))
    login(client, world.consultant)

    content = client.get(f"/reports/{published.pk}/").content.decode()

    assert "Password locked until" in content


def test_share_password_unlocks_after_lockout(client, published, world):
    link, token = services.share_link_create(report=published, created_by=world.consultant, password="zebra-secret-42")
    ShareLink.objects.filter(pk=link.pk).update(password_locked_until=timezone.now() - timedelta(seconds=1))

    response = client.post(f"/share/{token}/", {"password": "zebra-secret-42"})

    assert response.status_code == 302
    assert published.title.encode() in client.get(f"/share/{token}/").content


def test_share_password_success_resets_count(client, published, world):
    link, token = services.share_link_create(report=published, created_by=world.consultant, password="zebra-secret-42")
    client.post(f"/share/{token}/", {"password": "wrong-one"})
    client.post(f"/share/{token}/", {"password": "wrong-two"})

    client.post(f"/share/{token}/", {"password": "zebra-secret-42"})

    link.refresh_from_db()
    assert link.failed_password_attempts == 0
    assert link.password_locked_until is None


def test_password_unlocks_only_its_link(client, published, world):
    _, first = services.share_link_create(report=published, created_by=world.consultant, password="zebra-secret-42")
    _, second = services.share_link_create(report=published, created_by=world.consultant, password="zebra-secret-43")

    client.post(f"/share/{first}/", {"password": "zebra-secret-42"})

    assert b"Password required" in client.get(f"/share/{second}/").content


def test_client_home_lists_published_only(client, published, world, history):
    draft = services.report_create(client=world.client, kind="portal_audit", audit_run=history.previous, title="Zebra draft")
    login(client, world.client_user)

    content = client.get("/home/").content.decode()

    assert published.title in content
    assert draft.title not in content
    assert "Backfill the original source" in content
    assert f"/reports/{published.pk}/pdf/" in content


def test_client_home_hides_internal_tasks(client, rendered, world):
    login(client, world.client_user)

    content = client.get("/home/").content.decode()

    assert "Merge Zebra duplicates" in content
    assert "Backfill the original source" not in content


def test_client_sets_task_status(client, world):
    task = RemediationTask.objects.get(client=world.client, finding_key="zebra")
    login(client, world.client_user)

    response = client.post(f"/home/tasks/{task.pk}/status/", {"status": "done"})

    task.refresh_from_db()
    assert response.status_code == 302
    assert task.status == "done"


def test_client_cannot_set_wont_fix(client, world):
    task = RemediationTask.objects.get(client=world.client, finding_key="zebra")
    login(client, world.client_user)

    client.post(f"/home/tasks/{task.pk}/status/", {"status": "wont_fix"})

    task.refresh_from_db()
    assert task.status == "open"


def test_client_comments_on_task(client, world):
    task = RemediationTask.objects.get(client=world.client, finding_key="zebra")
    login(client, world.client_user)

    client.post(f"/home/tasks/{task.pk}/comments/", {"body": "Merged the first batch."})

    comment = TaskComment.objects.filter(task=task).latest("created_at")
    assert comment.body == "Merged the first batch."
    assert comment.author == world.client_user


def test_client_cannot_touch_internal_task(client, world, history):
    task = RemediationTask.objects.get(finding=history.new_finding)
    login(client, world.client_user)

    assert client.post(f"/home/tasks/{task.pk}/status/", {"status": "done"}).status_code == 404
    assert client.post(f"/home/tasks/{task.pk}/comments/", {"body": "hi"}).status_code == 404


def test_other_client_cannot_touch_task(client, world):
    task = RemediationTask.objects.get(client=world.client, finding_key="zebra")
    login(client, world.attackers["sibling_client_user"])

    assert client.post(f"/home/tasks/{task.pk}/status/", {"status": "done"}).status_code == 404
    task.refresh_from_db()
    assert task.status == "open"


def test_consultant_cannot_use_client_task_actions(client, world):
    task = RemediationTask.objects.get(client=world.client, finding_key="zebra")
    login(client, world.consultant)

    assert client.post(f"/home/tasks/{task.pk}/status/", {"status": "done"}).status_code == 403


def test_dashboard_lists_clients(client, world, history):
    login(client, world.consultant)

    content = client.get("/dashboard/").content.decode()

    assert "Zebra Corp" in content
    assert "Sibling Ltd" not in content
    assert "<svg" in content


def test_dashboard_is_for_consultants(client, world):
    login(client, world.client_user)

    assert client.get("/dashboard/").status_code == 403


def test_timeline_lists_events(client, published, world):
    login(client, world.consultant)

    content = client.get(f"/clients/{world.client.pk}/timeline/").content.decode()

    assert "Report published" in content
    assert "Full sync of" in content


def test_report_list_filters_by_status(client, published, world, history):
    draft = services.report_create(client=world.client, kind="portal_audit", audit_run=history.previous, title="Zebra draft")
    login(client, world.consultant)

    content = client.get("/reports/?status=published").content.decode()

    assert published.title in content
    assert draft.title not in content


def test_brand_page_saves_logo(client, world):
    login(client, world.admin)
    logo = SimpleUploadedFile("logo.png", PNG, content_type="image/png")

    client.post("/brand/", {"display_name": "Zebra Partners", "logo": logo, "primary_color": "#112233", "accent_color": "#445566"})

    settings = BrandSettings.objects.get(organization=world.organization)
    assert settings.display_name == "Zebra Partners"
    assert settings.logo.name.startswith("brand/")


def test_brand_page_rejects_non_image(client, world):
    login(client, world.admin)
    logo = SimpleUploadedFile("logo.png", b"GIF89a not a png", content_type="image/png")

    response = client.post("/brand/", {"display_name": "X", "logo": logo, "primary_color": "#112233", "accent_color": "#445566"})

    assert b"PNG or JPEG" in response.content
    assert not BrandSettings.objects.exists()


def test_brand_page_is_for_admins(client, world):
    login(client, world.consultant)

    assert client.get("/brand/").status_code == 403


def test_client_home_shows_brand(client, world):
    BrandSettings.objects.create(organization=world.organization, display_name="Zebra Partners", primary_color="#112233")
    login(client, world.client_user)

    content = client.get("/home/").content.decode()

    assert "Zebra Partners" in content
    assert "#112233" in content


def test_client_task_actions_need_post(client, world):
    task = RemediationTask.objects.get(client=world.client, finding_key="zebra")
    login(client, world.admin)

    assert client.get(f"/home/tasks/{task.pk}/status/").status_code == 405
    assert client.get(f"/home/tasks/{task.pk}/comments/").status_code == 405


def test_dashboard_links_brand_for_admins(client, world):
    login(client, world.admin)

    assert b"/brand/" in client.get("/dashboard/").content
