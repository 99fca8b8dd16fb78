"""Stack inventory runs: gather the evidence of a client's tools, classify them, and store the result.

Evidence comes from four sources: apps that wrote to the synced portals (property history and
lifecycle changes made by an integration), the consultant's questionnaire, a scan of the
client's website pages, and the portal data itself (utm_source values and referrer domains).
The classification itself is plain Python in `audits.inventory`. This module reads the
database with grouped queries and writes the run.
"""
import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Max, Min, Q
from django.db.models.functions import Lower
from django.utils import timezone

from portals.models import ChangeSource, Contact, Form, LifecycleChange, PropertyChange, Touchpoint

from . import inventory
from .models import CustomTool, InventoryRun, RemediationTask, ToolAnswer, ToolUsage, WebsitePage
from .thresholds import DEFAULT_THRESHOLDS

logger = logging.getLogger(__name__)

STEPS = ("connected_apps", "questionnaire", "website", "portal_data", "classification")
# Distinct referrer hosts read per run; a portal with more spreads over long-tail sites that name no tool.
MAX_REFERRER_HOSTS = 5000


def inventory_run_create(*, client, requested_by=None):
    previous = (
        client.inventory_runs.filter(status=InventoryRun.Status.SUCCEEDED)
        .order_by(F("finished_at").desc(nulls_last=True), "-created_at")
        .first()
    )
    run = InventoryRun.objects.create(client=client, previous_run=previous, requested_by=requested_by)
    logger.info("inventory queued client_id=%s inventory_run_id=%s", client.pk, run.pk)
    return run


def inventory_run_execute(*, inventory_run_id, now=None):
    """Run every evidence step and the classification; a rerun of a finished run does nothing."""
    run = InventoryRun.objects.select_related("client__organization").get(pk=inventory_run_id)
    if run.status == InventoryRun.Status.SUCCEEDED:
        return run

    client = run.client
    now = now or timezone.now()
    _mark(run, status=InventoryRun.Status.RUNNING, started_at=run.started_at or timezone.now())
    catalog = inventory.load_catalog(extra_entries=list(CustomTool.objects.filter(organization=client.organization).values_list("entry", flat=True)))

    links = _connected_apps(client)
    _step_done(run, "connected_apps")
    detections = inventory.detect_from_values(_app_values(links), catalog=catalog)
    detections += inventory.detect_from_values(_questionnaire_values(client), catalog=catalog, min_count=1)
    _step_done(run, "questionnaire")
    page_detections, scan_results = _scan_website(client, catalog)
    detections += page_detections
    _step_done(run, "website", scan_results=scan_results)
    detections += _without_traffic_sources(inventory.detect_from_values(_portal_values(client), catalog=catalog))
    _step_done(run, "portal_data")

    classifications = inventory.classify(
        detections,
        crm=client.crm_of_record or "",
        connected_apps={name: link for name, link in links.items()},
        now=now,
        recent_days=DEFAULT_THRESHOLDS["integration_recent_days"],
        catalog=catalog,
    )
    _store(run, client, classifications)
    logger.info("inventory finished client_id=%s inventory_run_id=%s headline=%s", client.pk, run.pk, run.headline)
    return run


def _mark(run, **fields):
    for name, value in fields.items():
        setattr(run, name, value)
    run.save(update_fields=list(fields))


def _step_done(run, step, **fields):
    done = {name for name in STEPS if run.progress.get(name)} | {step}
    progress = {**run.progress, step: True, "done": len(done), "total": len(STEPS)}
    _mark(run, progress=progress, **fields)


def _connected_apps(client):
    """Apps that wrote to the client's portals, by name, with their last data time.

    An app whose only writes set one lifecycle stage (a scheduling tool moving contacts to SQL, a
    marketing automation sync setting MQL), or fill profile fields only (an enrichment tool writing job
    titles), is linked for that one step only, so it counts as one-way (see inventory.app_link).
    """
    funnel = Q(property__in=inventory.FUNNEL_PROPERTIES)
    property_rows = (
        PropertyChange.objects.filter(client=client, changed_by=ChangeSource.INTEGRATION)
        .exclude(source_label="")
        .values("source_label")
        .annotate(last=Max("changed_at"), properties=Count("property", distinct=True),
                  funnel_properties=Count("property", distinct=True, filter=funnel), only_property=Min("property"))
    )
    stage_counts = dict(
        LifecycleChange.objects.filter(client=client, changed_by=ChangeSource.INTEGRATION)
        .exclude(source_detail="")
        .values("source_detail")
        .annotate(stages=Count("to_stage", distinct=True))
        .values_list("source_detail", "stages")
    )

    links = {}
    for row in property_rows:
        name = row["source_label"]
        links[name] = inventory.app_link(
            row["last"], properties=row["properties"], funnel_properties=row["funnel_properties"],
            only_property=row["only_property"], lifecycle_stages=stage_counts.get(name, 0),
        )
    return links


def _app_values(links):
    return [("connected_app", name, 1, link.last_data_at) for name, link in links.items()]


def _questionnaire_values(client):
    answers = ToolAnswer.objects.filter(client=client, in_use=True).values_list("tool_slug", "updated_at")
    return [("questionnaire", slug, 1, updated_at) for slug, updated_at in answers]


# Traffic sources seen only in UTM values or referrers are channels, not tools of the stack.
TRAFFIC_SOURCE_CATEGORIES = {"social"}
DATA_VALUE_KINDS = {"utm_source", "referrer"}


def _without_traffic_sources(detections):
    return [
        detection for detection in detections
        if not (detection.tool.category in TRAFFIC_SOURCE_CATEGORIES and detection.kind in DATA_VALUE_KINDS)
    ]


def _portal_values(client):
    sources = (
        Touchpoint.objects.filter(client=client).exclude(utm_source="")
        .annotate(value=Lower("utm_source")).values("value").annotate(count=Count("id"), last=Max("occurred_at"))
    )
    values = [("utm_source", row["value"], row["count"], row["last"]) for row in sources]

    referrers = (
        Touchpoint.objects.filter(client=client).exclude(referrer="")
        .values("referrer").annotate(count=Count("id"), last=Max("occurred_at")).order_by("-count")[:MAX_REFERRER_HOSTS]
    )
    by_host = {}
    for row in referrers:
        host = (urlsplit(row["referrer"]).hostname or "").lower()
        if host:
            count, last = by_host.get(host, (0, None))
            by_host[host] = (count + row["count"], max(filter(None, [last, row["last"]])))
    values += [("referrer", host, count, last) for host, (count, last) in by_host.items()]
    return values


def _scan_website(client, catalog):
    """Scan uploaded pages, and fetch the client's home pages when the worker may reach the network."""
    detections, results = [], []
    for page in WebsitePage.objects.filter(client=client).exclude(uploaded_html=""):
        detections += inventory.scan_html(page.uploaded_html, url=page.url, catalog=catalog)
        results.append({"url": page.url, "status": "uploaded", "error": ""})

    if not getattr(settings, "INVENTORY_FETCH_WEBSITES", True) or not client.website_domains:
        return detections, results

    urls = [f"https://{domain}/" for domain in client.website_domains]
    urls += list(WebsitePage.objects.filter(client=client, uploaded_html="").values_list("url", flat=True))
    pages = inventory.fetch_pages(urls, allowed_hosts=client.website_domains, allow_private=settings.VENDOR_URL_ALLOW_PRIVATE)
    for page in pages:
        if page.ok:
            detections += inventory.scan_html(page.html, url=page.final_url, headers=page.headers, catalog=catalog)
        results.append({"url": page.url, "status": page.status, "error": page.error or ""})
    return detections, results


def _has_self_reported_field(client):
    return (
        Form.objects.filter(client=client, has_self_reported_field=True).exists()
        or Contact.objects.filter(client=client).exclude(self_reported_source="").exists()
    )


@transaction.atomic
def _store(run, client, classifications):
    ToolUsage.objects.filter(inventory_run=run).delete()
    ToolUsage.objects.bulk_create([
        ToolUsage(
            client=client, inventory_run=run, tool_slug=item.slug, name=item.name, category=item.category,
            status=item.status, reason=item.reason[:500], evidence=item.as_dict()["evidence"],
        )
        for item in classifications
    ])

    gaps = inventory.missing_categories(classifications, has_self_reported_field=_has_self_reported_field(client))
    previous = list(run.previous_run.tools.values("tool_slug", "name", "category", "status")) if run.previous_run else []
    changes = inventory.diff([_as_diff_dict(row) for row in previous], classifications) if run.previous_run else None

    run.headline = inventory.headline(classifications)
    run.counts = {status: sum(1 for item in classifications if item.status == status) for status in inventory.STATUSES}
    run.overlaps = [{"category": o.category, "tools": [t.name if hasattr(t, "name") else str(t) for t in o.tools], "reason": o.reason} for o in inventory.overlaps(classifications)]
    run.missing_categories = [{"key": gap.key, "label": gap.label, "reason": gap.reason} for gap in gaps]
    run.stack_svg = inventory.stack_svg(classifications, crm_name=client.get_crm_of_record_display() or "CRM")
    run.changes = {"summary": list(changes.summary), "tools": [c.__dict__ for c in changes.changes]} if changes else {}
    run.status = InventoryRun.Status.SUCCEEDED
    run.finished_at = timezone.now()
    run.progress = {**run.progress, "classification": True, "done": len(STEPS), "total": len(STEPS)}
    run.save()

    _create_tasks(client, classifications, gaps)


def _as_diff_dict(row):
    return {"slug": row["tool_slug"], "name": row["name"], "category": row["category"], "status": row["status"]}


def _create_tasks(client, classifications, gaps):
    """Create one remediation task per island and per missing capability, keeping tasks that exist."""
    for item in classifications:
        if item.status != inventory.ISLAND:
            continue
        RemediationTask.objects.get_or_create(
            client=client, check_code="inventory.island", finding_key=item.slug,
            defaults={
                "title": f"Connect {item.name} to the CRM",
                "steps": [
                    f"Confirm who owns {item.name} and what data it collects ({item.category.replace('_', ' ')}).",
                    f"Install the native {client.get_crm_of_record_display() or 'CRM'} integration of {item.name}, or sync it through the integration platform.",
                    "Map its contacts and activities to CRM contacts by email and record them as touchpoints with their UTM values.",
                    "Check after a week that new records arrive, and set an alert when the integration is silent for 7 days.",
                ],
                "priority": RemediationTask.Priority.P2,
                "effort": "4-8 hours",
                "expected_impact": f"{item.name} activity becomes visible in attribution and lead routing.",
            },
        )
    for gap in gaps:
        RemediationTask.objects.get_or_create(
            client=client, check_code="inventory.missing", finding_key=gap.key,
            defaults={
                "title": f"Add {gap.label}",
                "steps": [gap.reason, "Choose a tool or process, connect it to the CRM, and add its data to the attribution report."],
                "priority": RemediationTask.Priority.P2,
                "effort": "1-3 days",
                "expected_impact": "Closes a blind spot in attribution.",
            },
        )
