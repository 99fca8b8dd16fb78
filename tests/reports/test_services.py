import hashlib
from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
from django.core import mail
from django.utils import timezone
from pypdf import PdfReader

from audits.models import AuditRun, RemediationTask
from reports import services
from reports.models import DeliverySchedule, PublishedVersionChanged, Report, ReportVersion, ShareLink
from tests.factories import ClientUserFactory

pytestmark = pytest.mark.django_db


def pdf_text(version):
    with version.pdf.open("rb") as handle:
        return "\n".join(page.extract_text() for page in PdfReader(handle).pages)


def test_create_defaults_title(report, world):
    assert report.title.startswith("Portal audit of Zebra Corp")
    assert report.status == Report.Status.DRAFT


def test_create_rejects_unknown_kind(world, history):
    with pytest.raises(services.ReportInputError, match="Unknown report kind"):
        services.report_create(client=world.client, kind="no_such_kind", audit_run=history.current)


def test_create_rejects_other_clients_run(world, history):
    with pytest.raises(services.ReportInputError, match="another client"):
        services.report_create(client=world.sibling_client, kind="portal_audit", audit_run=history.current)


def test_create_needs_audit_run(world):
    with pytest.raises(services.ReportInputError, match="finished audit run"):
        services.report_create(client=world.client, kind="portal_audit")


def test_create_rejects_unfinished_run(world):
    running = AuditRun.objects.create(client=world.client, status=AuditRun.Status.RUNNING)

    with pytest.raises(services.ReportInputError, match="status running"):
        services.report_create(client=world.client, kind="portal_audit", audit_run=running)


def test_render_stores_html_pdf_and_snapshot(rendered):
    version = rendered.versions.get()

    assert version.number == 1
    assert version.pdf.read(5) == b"%PDF-"
    assert "Executive summary" in version.html
    assert version.data["audit_run"]["health_score"] == 71.5


def test_render_pdf_has_sections(rendered):
    text = pdf_text(rendered.versions.get())

    for heading in ("Executive summary", "Health score", "Key numbers", "Findings by severity", "Remediation plan",
                    "How the health score is weighted", "Compared with the previous report"):
        assert heading in text


def test_render_uses_brand(rendered, world):
    from reports.models import BrandSettings

    BrandSettings.objects.create(organization=world.organization, display_name="Zebra Partners", primary_color="#123456")
    version = services.report_render(report_id=rendered.pk)

    assert "Zebra Partners" in version.html
    assert "#123456" in version.html


def test_render_again_adds_version(rendered):
    second = services.report_render(report_id=rendered.pk)

    assert second.number == 2
    assert rendered.versions.count() == 2


def test_render_failure_stores_nothing(report, history):
    AuditRun.objects.filter(pk=history.current.pk).update(status=AuditRun.Status.FAILED)

    with pytest.raises(Exception, match="only a finished audit"):
        services.report_render(report_id=report.pk)

    assert report.versions.count() == 0


def test_publish_publishes_latest_version(rendered, world):
    services.report_render(report_id=rendered.pk)

    report = services.report_publish(report=rendered, published_by=world.consultant)

    assert report.status == Report.Status.PUBLISHED
    assert report.published_version.number == 2
    assert report.published_by == world.consultant
    assert report.published_version.published_at is not None


def test_publish_without_version_raises(report, world):
    with pytest.raises(services.ReportStateError, match="no rendered version"):
        services.report_publish(report=report, published_by=world.consultant)


def test_publish_twice_raises(published, world):
    with pytest.raises(services.ReportStateError, match="already published"):
        services.report_publish(report=published, published_by=world.consultant)


def test_publish_shows_tasks_to_client(rendered, world, history):
    task = RemediationTask.objects.get(finding=history.new_finding)
    assert task.visible_to_client is False

    services.report_publish(report=rendered, published_by=world.consultant)

    task.refresh_from_db()
    assert task.visible_to_client is True


def test_publish_can_keep_tasks_internal(rendered, world, history):
    services.report_publish(report=rendered, published_by=world.consultant, publish_tasks=False)

    assert RemediationTask.objects.get(finding=history.new_finding).visible_to_client is False


def test_published_version_cannot_change(published):
    version = ReportVersion.objects.get(pk=published.published_version_id)
    version.html = "<p>changed</p>"

    with pytest.raises(PublishedVersionChanged):
        version.save()

    version.refresh_from_db()
    assert version.html != "<p>changed</p>"


def test_published_version_cannot_be_deleted(published):
    version = ReportVersion.objects.get(pk=published.published_version_id)

    with pytest.raises(PublishedVersionChanged):
        version.delete()

    assert ReportVersion.objects.filter(pk=version.pk).exists()


def test_render_after_publish_keeps_published_version(published, world):
    before = ReportVersion.objects.get(pk=published.published_version_id)
    html, pdf = before.html, before.pdf.read()

    services.report_render(report_id=published.pk)

    published.refresh_from_db()
    after = ReportVersion.objects.get(pk=before.pk)
    assert published.published_version_id == before.pk
    assert after.html == html
    assert after.pdf.read() == pdf


def test_share_link_stores_only_hash(published, world):
    link, token = services.share_link_create(report=published, created_by=world.consultant)

    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(ShareLink.objects.filter(pk=link.pk).values().get())


def test_share_link_default_expiry(published, world):
    link, _ = services.share_link_create(report=published, created_by=world.consultant)

    assert abs(link.expires_at - timezone.now() - timedelta(days=14)) < timedelta(minutes=1)


def test_share_link_hashes_password(published, world):
    link, _ = services.share_link_create(report=published, created_by=world.consultant, password="zebra-secret-42")

    assert "zebra-secret-42" not in link.password
    assert link.check_password("zebra-secret-42") is True
    assert link.check_password("wrong-password") is False


def test_share_link_needs_published_report(rendered, world):
    with pytest.raises(services.ReportStateError, match="Only a published report"):
        services.share_link_create(report=rendered, created_by=world.consultant)


@pytest.mark.parametrize("days", [-1, 400])
def test_share_link_expiry_bounds(published, world, days):
    with pytest.raises(services.ReportInputError):
        services.share_link_create(report=published, created_by=world.consultant, expires_at=timezone.now() + timedelta(days=days))


def test_share_link_short_password(published, world):
    with pytest.raises(services.ReportInputError, match="at least 8"):
        services.share_link_create(report=published, created_by=world.consultant, password="short")


def test_share_link_revoke(published, world):
    link, _ = services.share_link_create(report=published, created_by=world.consultant)

    services.share_link_revoke(share_link=link)

    link.refresh_from_db()
    assert link.revoked_at is not None
    assert link.is_usable() is False


def test_share_link_expired_is_unusable(published, world):
    link, _ = services.share_link_create(report=published, created_by=world.consultant)

    assert link.is_usable(now=link.expires_at + timedelta(seconds=1)) is False


def at(text):
    return datetime.fromisoformat(text).replace(tzinfo=dt_timezone.utc)


def test_next_run_weekly():
    assert services.next_run_after(at("2026-03-02 08:00"), "weekly", at("2026-03-02 09:00")) == at("2026-03-09 08:00")


def test_next_run_skips_missed_runs():
    assert services.next_run_after(at("2026-03-02 08:00"), "weekly", at("2026-03-20 09:00")) == at("2026-03-23 08:00")


def test_next_run_monthly_clamps_day():
    assert services.next_run_after(at("2026-01-31 08:00"), "monthly", at("2026-01-31 09:00")) == at("2026-02-28 08:00")


def test_next_run_monthly_over_year_end():
    assert services.next_run_after(at("2026-12-15 08:00"), "monthly", at("2026-12-15 09:00")) == at("2027-01-15 08:00")


def schedule_for(world, **fields):
    schedule = DeliverySchedule.objects.create(
        client=world.client, frequency="weekly", next_run_at=timezone.now() - timedelta(minutes=1), **fields
    )
    schedule.recipients.set([world.client_user.client_user])
    return schedule


def test_delivery_emails_published_pdf(published, world):
    schedule = schedule_for(world)

    sent = services.delivery_send(schedule_id=schedule.pk)

    assert sent == 1
    message = mail.outbox[0]
    assert message.to == ["zebra.viewer@zebra-corp.test"]
    assert "Zebra Corp" in message.subject
    assert published.title in message.body
    assert message.attachments[0][2] == "application/pdf"
    assert message.attachments[0][1][:5] == b"%PDF-"


def test_delivery_sends_latest_published_version(published, world):
    services.report_render(report_id=published.pk)
    schedule = schedule_for(world)

    services.delivery_send(schedule_id=schedule.pk)

    assert mail.outbox[0].attachments[0][0].endswith("-v1.pdf")


def test_delivery_skips_drafts(rendered, world):
    schedule = schedule_for(world)

    assert services.delivery_send(schedule_id=schedule.pk) == 0
    assert mail.outbox == []


def test_delivery_advances_next_run(published, world):
    schedule = schedule_for(world)
    before = schedule.next_run_at

    services.delivery_send(schedule_id=schedule.pk)

    schedule.refresh_from_db()
    assert schedule.next_run_at == before + timedelta(days=7)
    assert schedule.last_sent_at is not None


def test_delivery_not_due_sends_nothing(published, world):
    schedule = schedule_for(world)
    DeliverySchedule.objects.filter(pk=schedule.pk).update(next_run_at=timezone.now() + timedelta(hours=1))

    assert services.delivery_send(schedule_id=schedule.pk) == 0
    assert mail.outbox == []


def test_delivery_inactive_sends_nothing(published, world):
    schedule = schedule_for(world, active=False)

    assert services.delivery_send(schedule_id=schedule.pk) == 0


def test_delivery_never_mails_other_clients_users(published, world):
    schedule = schedule_for(world)
    outsider = ClientUserFactory(client=world.sibling_client, user__email="outsider@sibling.test")
    schedule.recipients.add(outsider)

    services.delivery_send(schedule_id=schedule.pk)

    assert [message.to for message in mail.outbox] == [["zebra.viewer@zebra-corp.test"]]


def test_delivery_recipients_check(world):
    outsider = ClientUserFactory(client=world.sibling_client)

    with pytest.raises(services.ReportInputError, match="users of the schedule's client"):
        services.delivery_recipients_check(client=world.client, recipients=[outsider])


def test_client_task_status(world):
    task = RemediationTask.objects.get(client=world.client, finding_key="zebra")

    services.task_status_set(task=task, status="in_progress", user=world.client_user)

    task.refresh_from_db()
    assert task.status == "in_progress"


def test_client_task_status_rejects_wont_fix(world):
    task = RemediationTask.objects.get(client=world.client, finding_key="zebra")

    with pytest.raises(services.ReportInputError):
        services.task_status_set(task=task, status="wont_fix", user=world.client_user)
