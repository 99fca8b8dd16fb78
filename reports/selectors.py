"""Reads of the reports app: brand settings, share links, the consultant dashboard and the client timeline."""
import base64
import hashlib
import heapq
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone

from audits.models import AuditRun, InventoryRun, RemediationTask
from portals.models import SyncRun

from . import charts
from .kinds import all_kinds
from .charts import HEX_COLOR
from .models import BrandSettings, Report, ReportVersion, ShareLink

logger = logging.getLogger(__name__)

DEFAULT_PRIMARY_COLOR = "#1f4e79"
DEFAULT_ACCENT_COLOR = "#e07a1f"
# Largest logo file accepted and embedded in pages and PDFs.
MAX_LOGO_BYTES = 256 * 1024
LOGO_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
# Health scores shown in a dashboard row's sparkline.
DASHBOARD_TREND_RUNS = 6
# Failed syncs counted on the dashboard are those of the last FAILURE_DAYS days.
FAILURE_DAYS = 30
# Events read per source for the client timeline. Older events are not shown.
TIMELINE_EVENTS_PER_SOURCE = 500
OPEN_TASK_STATUSES = (RemediationTask.Status.OPEN, RemediationTask.Status.IN_PROGRESS)


@dataclass(frozen=True)
class Brand:
    """The white-label look of a consultancy: name, colours and logo as a data: URL ("" without a logo)."""

    name: str
    primary_color: str
    accent_color: str
    logo_data_url: str = ""


def hash_share_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def logo_mime_type(head):
    """Return the MIME type of a PNG or JPEG file from its first bytes, or None for any other file."""
    for magic, mime_type in LOGO_TYPES.items():
        if head.startswith(magic):
            return mime_type
    return None


def brand_for(organization):
    """Return the Brand of an organization: its BrandSettings, or its name and colour when it has none."""
    if organization is None:
        return Brand(name="MOPs platform", primary_color=DEFAULT_PRIMARY_COLOR, accent_color=DEFAULT_ACCENT_COLOR)

    settings = BrandSettings.objects.filter(organization=organization).first()
    primary = _hex_color(organization.brand_color, DEFAULT_PRIMARY_COLOR)
    if settings is None:
        return Brand(name=organization.name, primary_color=primary, accent_color=DEFAULT_ACCENT_COLOR)
    return Brand(
        name=settings.display_name or organization.name,
        primary_color=_hex_color(settings.primary_color, primary),
        accent_color=_hex_color(settings.accent_color, DEFAULT_ACCENT_COLOR),
        logo_data_url=_logo_data_url(settings),
    )


def _hex_color(value, default):
    """Colours go into CSS and SVG, so anything but #rrggbb is replaced by the default."""
    return value if isinstance(value, str) and HEX_COLOR.match(value) else default


def _logo_data_url(settings):
    if not settings.logo:
        return ""
    try:
        with settings.logo.open("rb") as handle:
            content = handle.read(MAX_LOGO_BYTES + 1)
    except OSError:
        logger.warning("brand logo missing organization_id=%s name=%s", settings.organization_id, settings.logo.name)
        return ""

    mime_type = logo_mime_type(content)
    if mime_type is None or len(content) > MAX_LOGO_BYTES:
        logger.warning("brand logo ignored organization_id=%s bytes=%s", settings.organization_id, len(content))
        return ""
    return f"data:{mime_type};base64,{base64.b64encode(content).decode()}"


def share_link_for_token(token):
    """Return the ShareLink whose token hashes to the stored hash, or None. The caller checks expiry and revocation."""
    if not token or len(token) > 200:
        return None
    return (
        ShareLink.objects.select_related("report__published_version", "report__client__organization")
        .filter(token_hash=hash_share_token(token))
        .first()
    )


def latest_published_reports(*, client_id):
    """Return the latest published report of each kind of a client, with its published version, newest first."""
    reports = (
        Report.objects.filter(client_id=client_id, status=Report.Status.PUBLISHED, published_version__isnull=False)
        .select_related("published_version")
        .defer("published_version__html", "published_version__data")
        .order_by("kind", "-published_at")
    )
    latest = {}
    for report in reports:
        latest.setdefault(report.kind, report)
    return sorted(latest.values(), key=lambda report: report.published_at, reverse=True)


def latest_version(report):
    return ReportVersion.objects.filter(report=report).order_by("-number").first()


def dashboard_annotate(clients, user):
    """Add the ids of each client's latest audit run, stack inventory and sync run, read in the same query."""
    audits = AuditRun.objects.visible_to(user).filter(client_id=OuterRef("pk")).order_by("-created_at")
    inventories = InventoryRun.objects.visible_to(user).filter(client_id=OuterRef("pk")).order_by("-created_at")
    syncs = SyncRun.objects.visible_to(user).filter(client_id=OuterRef("pk")).order_by("-created_at")
    return clients.annotate(
        latest_audit_id=Subquery(audits.values("pk")[:1]),
        latest_inventory_id=Subquery(inventories.values("pk")[:1]),
        latest_sync_id=Subquery(syncs.values("pk")[:1]),
    )


def dashboard_rows(*, user, clients, now=None):
    """Return one row per client of a dashboard page.

    A row has the last audit and score trend, the latest stack inventory, the latest report of each kind,
    open tasks by priority, the latest sync and recent sync failures.
    """
    now = now or timezone.now()
    clients = list(clients)
    ids = [client.pk for client in clients]
    audits = AuditRun.objects.visible_to(user).in_bulk([client.latest_audit_id for client in clients if client.latest_audit_id])
    inventories = InventoryRun.objects.visible_to(user).only("pk", "status", "headline", "created_at").in_bulk(
        [client.latest_inventory_id for client in clients if client.latest_inventory_id]
    )
    reports = _latest_reports_by_kind(user, ids)
    syncs = SyncRun.objects.visible_to(user).select_related("portal").in_bulk(
        [client.latest_sync_id for client in clients if client.latest_sync_id]
    )
    trends = _score_trends(user, ids)
    tasks = _open_tasks(user, ids)
    failures = _recent_sync_failures(user, ids, now - timedelta(days=FAILURE_DAYS))

    rows = []
    for client in clients:
        trend = trends.get(client.pk, [])
        rows.append({
            "client": client,
            "audit": audits.get(client.latest_audit_id),
            "inventory": inventories.get(client.latest_inventory_id),
            "reports": reports.get(client.pk, []),
            "trend": trend,
            "sparkline": charts.sparkline_svg(trend) if trend else "",
            "tasks": [tasks[(client.pk, priority)] for priority, _ in RemediationTask.Priority.choices],
            "open_tasks": sum(tasks[(client.pk, priority)] for priority, _ in RemediationTask.Priority.choices),
            "sync": syncs.get(client.latest_sync_id),
            "failures": failures.get(client.pk, 0),
        })
    return rows


def _latest_reports_by_kind(user, client_ids):
    """Return each client's latest report of each kind (drafts included), in kind order, by client id."""
    titles = {code: kind.title for code, kind in all_kinds().items()}
    newer = Report.objects.filter(client_id=OuterRef("client_id"), kind=OuterRef("kind"), created_at__gt=OuterRef("created_at"))
    rows = (
        Report.objects.visible_to(user)
        .filter(client_id__in=client_ids)
        .exclude(Exists(newer))
        .order_by("client_id", "kind")
        .values("pk", "client_id", "kind", "status", "title")
    )
    found = defaultdict(list)
    for row in rows:
        found[row["client_id"]].append({**row, "kind_title": titles.get(row["kind"], row["kind"])})
    return found


def _score_trends(user, client_ids):
    """Return the last DASHBOARD_TREND_RUNS health scores of each client, oldest first."""
    runs = (
        AuditRun.objects.visible_to(user)
        .filter(client_id__in=client_ids, status=AuditRun.Status.SUCCEEDED, health_score__isnull=False)
        .order_by("client_id", "-created_at")
        .values_list("client_id", "health_score")
    )
    trends = defaultdict(list)
    for client_id, score in runs:
        if len(trends[client_id]) < DASHBOARD_TREND_RUNS:
            trends[client_id].append(score)
    return {client_id: list(reversed(scores)) for client_id, scores in trends.items()}


def _open_tasks(user, client_ids):
    rows = (
        RemediationTask.objects.visible_to(user)
        .filter(client_id__in=client_ids, status__in=OPEN_TASK_STATUSES)
        .values("client_id", "priority")
        .annotate(count=Count("pk"))
        .order_by()
    )
    return Counter({(row["client_id"], row["priority"]): row["count"] for row in rows})


def _recent_sync_failures(user, client_ids, since):
    rows = (
        SyncRun.objects.visible_to(user)
        .filter(client_id__in=client_ids, status=SyncRun.Status.FAILED, created_at__gte=since)
        .values("client_id")
        .annotate(count=Count("pk"))
        .order_by()
    )
    return {row["client_id"]: row["count"] for row in rows}


def client_timeline(*, user, client):
    """Return the client's syncs, audits, stack inventories, reports, rendered versions and publications as events, newest first."""
    limit = TIMELINE_EVENTS_PER_SOURCE
    syncs = SyncRun.objects.visible_to(user).filter(client=client).select_related("portal").order_by("-created_at")[:limit]
    audits = AuditRun.objects.visible_to(user).filter(client=client).order_by("-created_at")[:limit]
    inventories = (
        InventoryRun.objects.visible_to(user).filter(client=client).only("pk", "status", "headline", "error_message", "created_at")
        .order_by("-created_at")[:limit]
    )
    reports = Report.objects.visible_to(user).filter(client=client).order_by("-created_at")[:limit]
    versions = (
        ReportVersion.objects.visible_to(user).filter(client=client).select_related("report").defer("html", "data")
        .order_by("-rendered_at")[:limit]
    )
    published = (
        Report.objects.visible_to(user).filter(client=client, published_at__isnull=False).order_by("-published_at")[:limit]
    )

    kinds = all_kinds()
    sources = [
        [_sync_event(run) for run in syncs],
        [_audit_event(run) for run in audits],
        [_inventory_event(run) for run in inventories],
        [_report_event(report, kinds) for report in reports],
        [_version_event(version) for version in versions],
        [_publish_event(report) for report in published],
    ]
    return list(heapq.merge(*sources, key=lambda event: event["at"], reverse=True))


def _sync_event(run):
    title = f"{run.get_mode_display()} sync of {run.portal}"
    return {"at": run.created_at, "kind": "sync", "title": title, "status": run.status, "status_label": run.get_status_display(),
            "detail": run.error_message, "url": reverse("sync-run-detail", args=[run.pk])}


def _audit_event(run):
    detail = f"Health score {run.health_score:g}" if run.health_score is not None else run.error_message
    return {"at": run.created_at, "kind": "audit", "title": f"Audit {run.pk}", "status": run.status,
            "status_label": run.get_status_display(), "detail": detail, "url": reverse("audit-run-detail", args=[run.pk])}


def _inventory_event(run):
    return {"at": run.created_at, "kind": "inventory", "title": f"Stack inventory {run.pk}", "status": run.status,
            "status_label": run.get_status_display(), "detail": run.headline or run.error_message,
            "url": reverse("inventory-run-detail", args=[run.pk])}


def _report_event(report, kinds):
    kind = kinds.get(report.kind)
    detail = f"{kind.title if kind else report.kind} report"
    if report.audit_run_id:
        detail += f" from audit {report.audit_run_id}"
    elif report.inventory_run_id:
        detail += f" from stack inventory {report.inventory_run_id}"
    return {"at": report.created_at, "kind": "report", "title": f"Report created: {report.title}", "status": report.status,
            "status_label": report.get_status_display(), "detail": detail, "url": reverse("report-detail", args=[report.pk])}


def _version_event(version):
    return {"at": version.rendered_at, "kind": "version", "title": f"Version {version.number} rendered: {version.report.title}",
            "status": "", "status_label": "", "detail": "", "url": reverse("report-detail", args=[version.report_id])}


def _publish_event(report):
    return {"at": report.published_at, "kind": "publish", "title": f"Report published: {report.title}", "status": "published",
            "status_label": "Published", "detail": "", "url": reverse("report-detail", args=[report.pk])}


def client_user_tasks(user):
    """Return the published remediation tasks of a client user's client, most urgent first, with their comments."""
    return (
        RemediationTask.objects.visible_to(user)
        .select_related("owner")
        .prefetch_related("comments__author")
        .order_by("priority", "-created_at")
    )
