"""Changes to reports: create, render, publish, share links, scheduled delivery and client users' task updates."""
import calendar
import json
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage, get_connection
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from audits.models import RemediationTask, TaskComment

from . import selectors
from .kinds import SOURCES, UnknownReportKind, get_kind
from .models import DeliverySchedule, Report, ReportVersion, ShareLink
from .rendering import html_to_pdf, render_html

logger = logging.getLogger(__name__)

# Share links expire after SHARE_LINK_DEFAULT_DAYS unless the creator sets a date, which is at most SHARE_LINK_MAX_DAYS away.
SHARE_LINK_MAX_DAYS = 365
SHARE_LINK_DEFAULT_DAYS = 14
SHARE_LINK_MIN_PASSWORD = 8
# Wrong passwords in a row that lock a share link's password form, and how long the lock lasts.
SHARE_LINK_MAX_PASSWORD_ATTEMPTS = 5
SHARE_LINK_LOCKOUT = timedelta(minutes=15)
# The statuses a client user may set on a published remediation task.
CLIENT_TASK_STATUSES = (RemediationTask.Status.OPEN, RemediationTask.Status.IN_PROGRESS, RemediationTask.Status.DONE)


class ReportInputError(ValueError):
    """Raised for an invalid kind, source run, recipient, date or password. The message names the value and the fix.

    `field` is the name of the input field at fault, when one is, so forms and the API can show the error there.
    """

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


class ReportStateError(ValueError):
    """Raised when the report is not in a state that allows the change, e.g. publishing before any render."""


def report_create(*, client, kind, audit_run=None, inventory_run=None, title="", summary="", created_by=None):
    """Create a draft report of `kind` for `client` from the run the kind is built from. Render it with report_render_task."""
    try:
        report_kind = get_kind(kind)
    except UnknownReportKind as error:
        raise ReportInputError(error.args[0], field="kind") from error

    sources = {"audit_run": audit_run, "inventory_run": inventory_run}
    source_run = report_source_check(kind=report_kind, client=client, sources=sources)
    report = Report.objects.create(
        client=client,
        kind=report_kind.code,
        title=(title or "").strip() or report_kind.default_title(client=client, source=source_run),
        summary=(summary or "").strip(),
        created_by=created_by,
        **sources,
    )
    logger.info("report created client_id=%s report_id=%s kind=%s source=%s source_id=%s",
                client.pk, report.pk, report.kind, report_kind.source or "-", source_run.pk if source_run else "-")
    return report


def report_source_check(*, kind, client, sources):
    """Check the runs given for a new report of `kind` and return its source run (None for a kind without one).

    `sources` maps field names of SOURCES to a run or None. The kind's own source must be a finished
    run of `client`, and every other source must be empty. Raises ReportInputError with the field
    at fault, the run and the fix.
    """
    unknown = sorted(set(sources) - set(SOURCES))
    if unknown:
        raise ReportInputError(f"Unknown report source {', '.join(unknown)}. Known sources: {', '.join(SOURCES)}.", field=unknown[0])

    source = kind.report_source
    for field, run in sources.items():
        if run is not None and (source is None or field != source.field):
            raise ReportInputError(_wrong_source_message(kind, SOURCES[field]), field=field)
    if source is None:
        return None

    run = sources.get(source.field)
    if run is None:
        raise ReportInputError(
            f"A {kind.title.lower()} report is built from a finished {source.label}. Choose a finished {source.label} of {client.name}.",
            field=source.field,
        )
    if run.client_id != client.pk:
        raise ReportInputError(
            f"{source.describe(run).capitalize()} belongs to another client, not {client.name}. Choose a {source.label} of {client.name}.",
            field=source.field,
        )
    if run.status != source.finished_status:
        raise ReportInputError(
            f"{source.describe(run).capitalize()} has status {run.status}. "
            f"Choose a finished {source.label}, or wait until this one finishes.",
            field=source.field,
        )
    return run


def _wrong_source_message(kind, extra_source):
    """Return the error for a run of a source the kind does not read, such as an audit run for a stack inventory report."""
    if kind.report_source is None:
        return f"A {kind.title.lower()} report is built from the client's data alone, so {extra_source.field} must be empty. Leave it empty."
    return (
        f"A {kind.title.lower()} report is built from a {kind.report_source.label}, so {extra_source.field} must be empty. "
        f"Leave {extra_source.field} empty and choose a {kind.report_source.label} in {kind.report_source.field}."
    )


def report_render_request(*, report):
    """Mark the report as queued for rendering. The caller enqueues report_render_task on commit."""
    Report.objects.filter(pk=report.pk).update(render_status=Report.RenderStatus.QUEUED, render_error="")
    report.render_status, report.render_error = Report.RenderStatus.QUEUED, ""
    return report


def report_render_start(*, report_id):
    Report.objects.filter(pk=report_id).update(render_status=Report.RenderStatus.RUNNING, render_error="")


def report_render_fail(*, report_id, message):
    Report.objects.filter(pk=report_id).update(render_status=Report.RenderStatus.FAILED, render_error=message[:2000])
    logger.warning("report render failed report_id=%s error=%s", report_id, message)


def report_render(*, report_id, rendered_by=None):
    """Build the snapshot, render HTML and PDF, and store them as the report's next version.

    Raises ReportSourceError when the kind's source is missing and RenderError when the PDF
    cannot be made; nothing is stored then. The report row stays locked while rendering, so
    two renders of one report get consecutive version numbers.
    """
    with transaction.atomic():
        report = (
            Report.objects.select_for_update(of=("self",))
            .select_related("client__organization", "audit_run", "inventory_run")
            .get(pk=report_id)
        )
        kind = get_kind(report.kind)
        # A JSON round trip makes the snapshot exactly what the database stores, dates as ISO strings.
        data = json.loads(json.dumps(kind.build(report=report), cls=DjangoJSONEncoder))

        last = ReportVersion.objects.filter(report=report).order_by("-number").values_list("number", flat=True).first()
        number = (last or 0) + 1
        now = timezone.now()
        brand = selectors.brand_for(report.client.organization)
        html = render_html(kind=kind, data=data, brand=brand, report=report, version_number=number, rendered_at=now)
        pdf = html_to_pdf(html)

        version = ReportVersion(
            client_id=report.client_id, report=report, number=number, html=html, data=data, rendered_at=now, rendered_by=rendered_by,
            title=report.title, summary=report.summary,
        )
        version.pdf.save(f"v{number}.pdf", ContentFile(pdf), save=False)
        version.save()

        report.render_status, report.render_error = Report.RenderStatus.IDLE, ""
        report.save(update_fields=["render_status", "render_error", "updated_at"])

    logger.info("report rendered client_id=%s report_id=%s version=%s pdf_bytes=%s", report.client_id, report.pk, number, len(pdf))
    return version


def report_publish(*, report, published_by, publish_tasks=True):
    """Publish the report's latest version to the client's users.

    With `publish_tasks`, the remediation tasks the report lists (those of its audit run or of its
    stack inventory's islands and gaps) become visible to the client's users too, so they can
    comment on them and set their status.
    """
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        version = ReportVersion.objects.filter(report=report).order_by("-number").first()
        if version is None:
            raise ReportStateError("The report has no rendered version yet. Render it, then publish.")
        if report.published_version_id == version.pk:
            raise ReportStateError(f"Version {version.number} is already published. Render again to publish a new version.")

        now = timezone.now()
        version.published_at = now
        version.save(update_fields=["published_at"])
        report.status = Report.Status.PUBLISHED
        report.published_version = version
        report.published_at = now
        report.published_by = published_by
        report.save(update_fields=["status", "published_version", "published_at", "published_by", "updated_at"])

        tasks = 0
        listed = get_kind(report.kind).remediation_tasks(report) if publish_tasks else None
        if listed is not None:
            tasks = listed.filter(client_id=report.client_id, visible_to_client=False).update(visible_to_client=True, updated_at=now)

    logger.info("report published client_id=%s report_id=%s version=%s tasks_published=%s",
                report.client_id, report.pk, version.number, tasks)
    return report


def share_link_create(*, report, created_by, expires_at=None, password=""):
    """Create a share link of a published report and return (link, token). Only the token's hash is stored."""
    if not report.is_published:
        raise ReportStateError("Only a published report can be shared. Publish it first.")

    now = timezone.now()
    expires_at = expires_at or now + timedelta(days=SHARE_LINK_DEFAULT_DAYS)
    if expires_at <= now:
        raise ReportInputError("The expiry date is in the past. Choose a later date.")
    if expires_at > now + timedelta(days=SHARE_LINK_MAX_DAYS):
        raise ReportInputError(f"A share link expires within {SHARE_LINK_MAX_DAYS} days. Choose an earlier date.")
    if password and len(password) < SHARE_LINK_MIN_PASSWORD:
        raise ReportInputError(f"The password needs at least {SHARE_LINK_MIN_PASSWORD} characters.")

    token = secrets.token_urlsafe(32)
    link = ShareLink.objects.create(
        client_id=report.client_id,
        report=report,
        token_hash=selectors.hash_share_token(token),
        expires_at=expires_at,
        password=make_password(password) if password else "",
        created_by=created_by,
    )
    logger.info("share link created client_id=%s report_id=%s share_link_id=%s password=%s",
                report.client_id, report.pk, link.pk, bool(password))
    return link, token


def share_link_revoke(*, share_link):
    if share_link.revoked_at is None:
        share_link.revoked_at = timezone.now()
        share_link.save(update_fields=["revoked_at"])
        logger.info("share link revoked client_id=%s share_link_id=%s", share_link.client_id, share_link.pk)
    return share_link


class ShareLinkLocked(Exception):
    """Raised while a share link's password form is locked after too many wrong passwords."""

    def __init__(self, locked_until):
        self.locked_until = locked_until
        super().__init__(f"Too many wrong passwords. Try again after {locked_until:%H:%M} UTC.")


def share_link_check_password(*, share_link, password):
    """Return whether `password` unlocks the link, counting wrong ones; raise ShareLinkLocked while locked.

    The row lock serialises guesses on one link, and every SHARE_LINK_MAX_PASSWORD_ATTEMPTS wrong passwords
    in a row lock the form for SHARE_LINK_LOCKOUT, so parallel requests do not speed up guessing.
    """
    now = timezone.now()
    with transaction.atomic():
        link = ShareLink.objects.select_for_update().get(pk=share_link.pk)
        if link.password_locked_until and link.password_locked_until > now:
            raise ShareLinkLocked(link.password_locked_until)

        if link.check_password(password):
            ShareLink.objects.filter(pk=link.pk).update(failed_password_attempts=0, password_locked_until=None)
            return True

        attempts = link.failed_password_attempts + 1
        locked_until = now + SHARE_LINK_LOCKOUT if attempts >= SHARE_LINK_MAX_PASSWORD_ATTEMPTS else None
        ShareLink.objects.filter(pk=link.pk).update(
            failed_password_attempts=0 if locked_until else attempts, password_locked_until=locked_until
        )

    logger.info("share link password rejected client_id=%s share_link_id=%s attempts=%s locked_until=%s",
                link.client_id, link.pk, attempts, locked_until)
    if locked_until:
        raise ShareLinkLocked(locked_until)
    return False


def share_link_record_use(*, share_link):
    ShareLink.objects.filter(pk=share_link.pk).update(last_used_at=timezone.now())


def delivery_recipients_check(*, client, recipients):
    """Raise ReportInputError unless every recipient is a user of `client`."""
    foreign = [recipient for recipient in recipients if recipient.client_id != client.pk]
    if foreign:
        raise ReportInputError("Recipients must be users of the schedule's client: " + ", ".join(str(item.user) for item in foreign))
    if not recipients:
        raise ReportInputError("Choose at least one recipient.")


def next_run_after(moment, frequency, now):
    """Return the schedule's first run after `now`, stepping from `moment` by the frequency."""
    while moment <= now:
        if frequency == DeliverySchedule.Frequency.WEEKLY:
            moment += timedelta(days=7)
        else:
            moment = _add_month(moment)
    return moment


def _add_month(moment):
    # NOTE: a day past the end of the next month is clamped (Jan 31 -> Feb 28), and later runs keep the clamped day.
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def delivery_send(*, schedule_id, now=None):
    """Email the client's latest published reports (PDFs attached) to the schedule's recipients, then set its next run.

    Returns the number of emails sent. A schedule that is inactive or not yet due is left alone,
    so a repeated task sends nothing twice.
    """
    now = now or timezone.now()
    with transaction.atomic():
        schedule = DeliverySchedule.objects.select_for_update().select_related("client__organization").filter(pk=schedule_id).first()
        if schedule is None or not schedule.active or schedule.next_run_at > now:
            return 0

        recipients = list(
            schedule.recipients.filter(client_id=schedule.client_id, user__is_active=True).select_related("user")
        )
        reports = selectors.latest_published_reports(client_id=schedule.client_id)
        sent = 0
        if recipients and reports:
            messages = [_delivery_message(schedule, reports, recipient) for recipient in recipients]
            sent = get_connection().send_messages(messages) or 0
            schedule.last_sent_at = now
        else:
            logger.info("delivery skipped client_id=%s schedule_id=%s recipients=%s reports=%s",
                        schedule.client_id, schedule.pk, len(recipients), len(reports))

        schedule.next_run_at = next_run_after(schedule.next_run_at, schedule.frequency, now)
        schedule.save(update_fields=["last_sent_at", "next_run_at", "updated_at"])

    logger.info("delivery sent client_id=%s schedule_id=%s emails=%s next_run_at=%s",
                schedule.client_id, schedule.pk, sent, schedule.next_run_at.isoformat())
    return sent


def _delivery_message(schedule, reports, recipient):
    client = schedule.client
    brand = selectors.brand_for(client.organization)
    context = {"brand": brand, "client": client, "reports": reports, "recipient": recipient.user}
    message = EmailMessage(
        subject=f"{brand.name}: latest reports for {client.name}",
        body=render_to_string("reports/email/delivery.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.user.email],
    )
    for report in reports:
        version = report.published_version
        with version.pdf.open("rb") as handle:
            message.attach(version_filename(report, version), handle.read(), "application/pdf")
    return message


def version_filename(report, version):
    return f"{slugify(version.title or report.title)[:80] or 'report'}-v{version.number}.pdf"


def task_status_set(*, task, status, user):
    """Set a published task's status as a client user: open, in progress or done."""
    if status not in CLIENT_TASK_STATUSES:
        raise ReportInputError(f"Status {status!r} is not one of: {', '.join(CLIENT_TASK_STATUSES)}.")
    task.status = status
    task.save(update_fields=["status", "updated_at"])
    logger.info("task status set client_id=%s task_id=%s status=%s user_id=%s", task.client_id, task.pk, status, user.pk)
    return task


def task_comment_add(*, task, body, author):
    comment = TaskComment.objects.create(client_id=task.client_id, task=task, author=author, body=body.strip())
    logger.info("task comment added client_id=%s task_id=%s comment_id=%s", task.client_id, task.pk, comment.pk)
    return comment
