"""Rows that report tests build on: two audits of the tenant with check results in the shapes the checks store,
and two stack inventories with their tools, gaps, stack picture and remediation tasks.

`tenant_report_rows` gives the isolation test one published report of the tenant, with a stored
PDF, a share link and a delivery schedule, so that every reports route has an object to reach.
"""
from dataclasses import dataclass
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from audits.models import AuditRun, CheckResult, Finding, RemediationTask
from reports.models import DeliverySchedule, Report, ReportVersion, ShareLink
from reports.selectors import hash_share_token

# The token of the share link that tenant_report_rows creates.
TENANT_SHARE_TOKEN = "zebra-share-token-for-tests"


@dataclass
class AuditHistory:
    previous: object
    current: object
    fixed_finding: object
    new_finding: object


def _result(run, code, category, status, *, measured=None, threshold=None, score=None, weight=1.0, metrics=None, message=""):
    return CheckResult.objects.create(
        client_id=run.client_id, audit_run=run, check_code=code, category=category, status=status, measured_value=measured,
        threshold=threshold, score=score, weight=weight, metrics=metrics or {}, message=message,
    )


def _finding(run, code, category, key, severity, title, **extra):
    return Finding.objects.create(
        client_id=run.client_id, audit_run=run, check_code=code, category=category, key=key, severity=severity, title=title,
        summary=extra.pop("summary", f"{title}."), **extra,
    )


def audit_history(world):
    """A finished audit 30 days ago and the world's audit as the current one, with key-number checks and findings."""
    client = world.client
    current = AuditRun.objects.get(client=client)
    previous = AuditRun.objects.create(client=client, engagement=world.engagement, status=AuditRun.Status.SUCCEEDED, health_score=58.0)
    previous.portals.set([world.portal])
    AuditRun.objects.filter(pk=previous.pk).update(
        created_at=timezone.now() - timedelta(days=30), finished_at=timezone.now() - timedelta(days=30)
    )
    AuditRun.objects.filter(pk=current.pk).update(previous_run=previous, finished_at=timezone.now(), checks_total=5)
    previous.refresh_from_db()
    current.refresh_from_db()

    _finding(previous, "hygiene.zebra", "hygiene", "zebra", "high", "Zebra duplicates")
    fixed = _finding(previous, "lead_handling.speed_to_lead", "lead_handling", "speed_to_lead:slow", "high",
                     "Zebra MQLs waited too long for sales")
    _result(previous, "hygiene.duplicate_contacts", "hygiene", "failed", measured=0.2, threshold=0.1, score=0.8, weight=2.0,
            metrics={"contacts": 1000, "surplus": 200, "clusters": 150})

    _result(current, "hygiene.duplicate_contacts", "hygiene", "failed", measured=0.12, threshold=0.1, score=0.88, weight=2.0,
            metrics={"contacts": 1000, "surplus": 120, "clusters": 80})
    _result(current, "lead_handling.speed_to_lead", "lead_handling", "passed", measured=12.0, threshold=30, score=0.9, weight=2.0,
            metrics={"leads": 50, "responded": 40, "no_activity": 10, "count": 40, "median": 12.0, "p90": 41.5, "above_limit": 6})
    _result(current, "attribution.original_source_coverage", "attribution", "failed", measured=0.05, threshold=0.0, score=0.95,
            metrics={"total": 200, "no_source": 6, "offline_untagged": 4})
    _result(current, "measurement.cost_per_mql", "measurement", "skipped", message="No campaign has spend and no contact became an MQL.")
    new = _finding(current, "attribution.original_source_coverage", "attribution", "no_source", "medium",
                   "Zebra contacts without an original source", affected_count=6, denominator=200,
                   evidence={"sample_ids": ["zebra-7"], "groups": [{"drill_down_1": "IMPORT", "contacts": 6}]})
    RemediationTask.objects.create(
        client=client, finding=new, check_code=new.check_code, finding_key=new.key, title="Backfill the original source",
        steps=["Export the contacts without a source.", "Set the source from the import list."], priority="p1", effort="2-4 hours",
    )
    return AuditHistory(previous=previous, current=current, fixed_finding=fixed, new_finding=new)


def tenant_report_rows(*, client, created_by, recipient, audit_run=None, published=False):
    """A report of `client` with one version (a stored one-page PDF), a share link and a weekly delivery schedule.

    The report is a draft unless `published`, and the share link returns 404 while the report is a draft.
    """
    now = timezone.now()
    report = Report.objects.create(
        client=client, kind="portal_audit", title=f"{client.name} portal audit", audit_run=audit_run, created_by=created_by,
    )
    version = ReportVersion(
        client=client, report=report, number=1, html=f"<h1>{client.name} portal audit</h1>",
        data={"client": {"name": client.name}}, rendered_by=created_by, published_at=now if published else None,
    )
    version.pdf.save("v1.pdf", ContentFile(b"%PDF-1.4\n%" + client.name.encode() + b"\n%%EOF\n"), save=False)
    version.save()
    if published:
        Report.objects.filter(pk=report.pk).update(
            status=Report.Status.PUBLISHED, published_version=version, published_at=now, published_by=created_by
        )

    ShareLink.objects.create(
        client=client, report=report, token_hash=hash_share_token(TENANT_SHARE_TOKEN), expires_at=now + timedelta(days=7),
        created_by=created_by,
    )
    schedule = DeliverySchedule.objects.create(
        client=client, frequency=DeliverySchedule.Frequency.WEEKLY, next_run_at=now + timedelta(days=7), created_by=created_by,
    )
    schedule.recipients.set([recipient])
    report.refresh_from_db()
    return report


@dataclass
class InventoryHistory:
    previous: object
    current: object


# (tool slug, status, evidence) of the two hand-built inventories. Between them Marketo moves from island to
# integrated, Intercom from unknown to island, Hotjar disappears, Calendly and Google Analytics appear, and
# Drift stays an island.
PREVIOUS_TOOLS = [
    ("marketo", "island", [("questionnaire", "marketo", "", 1)]),
    ("drift", "island", [("script", "https://js.driftt.com/include/zebra.js", "https://zebra-corp.test/", 1)]),
    ("intercom", "unknown", [("cookie", "intercom-id-zebra", "https://zebra-corp.test/", 1)]),
    ("hotjar", "integrated", [("connected_app", "Hotjar", "", 1)]),
]
CURRENT_TOOLS = [
    ("marketo", "integrated", [("connected_app", "Marketo", "", 1)]),
    ("calendly", "partially_integrated", [("connected_app", "Calendly", "", 1)]),
    ("drift", "island", [
        ("script", "https://js.driftt.com/include/zebra.js", "https://zebra-corp.test/", 1),
        ("referrer", "app.drift.com", "", 14),
    ]),
    ("intercom", "island", [("global", "Intercom", "https://zebra-corp.test/pricing", 1)]),
    ("google_analytics", "unknown", [("utm_source", "ga", "", 3)]),
]


def _classifications(tools, now):
    from audits.inventory import Detection, ToolClassification, load_catalog

    catalog = load_catalog()
    found = []
    for slug, status, evidence in tools:
        entry = catalog.get(slug)
        detections = tuple(
            Detection(tool=entry, kind=kind, evidence=text, source=source, count=count, last_seen=now, weak=status == "unknown")
            for kind, text, source, count in evidence
        )
        found.append(ToolClassification(tool=entry, status=status, reason=f"Zebra {entry.name} is {status}.", evidence=detections))
    return found


def _inventory_run(client, tools, *, finished_at, previous=None):
    """Store a finished inventory run the way audits.inventory_runs stores one: tools, headline, overlaps, gaps and picture."""
    from audits import inventory
    from audits.models import InventoryRun, ToolUsage

    classifications = _classifications(tools, finished_at)
    gaps = inventory.missing_categories(classifications, has_self_reported_field=False)
    run = InventoryRun.objects.create(
        client=client, status=InventoryRun.Status.SUCCEEDED, previous_run=previous,
        headline=inventory.headline(classifications),
        counts={status: sum(1 for item in classifications if item.status == status) for status in inventory.STATUSES},
        overlaps=[{"category": o.category, "tools": list(o.tools), "reason": o.reason} for o in inventory.overlaps(classifications)],
        missing_categories=[{"key": gap.key, "label": gap.label, "reason": gap.reason} for gap in gaps],
        stack_svg=inventory.stack_svg(classifications, crm_name="HubSpot"),
    )
    InventoryRun.objects.filter(pk=run.pk).update(created_at=finished_at, started_at=finished_at, finished_at=finished_at)
    ToolUsage.objects.bulk_create([
        ToolUsage(client=client, inventory_run=run, tool_slug=item.slug, name=item.name, category=item.category,
                  status=item.status, reason=item.reason, evidence=item.as_dict()["evidence"])
        for item in classifications
    ])
    run.refresh_from_db()
    return run


def inventory_history(world):
    """Two finished stack inventories of the tenant, 30 days apart, and the remediation tasks of the current one's islands and gaps.

    One more island task (Olark, found in neither inventory) must stay out of every report.
    """
    now = timezone.now()
    previous = _inventory_run(world.client, PREVIOUS_TOOLS, finished_at=now - timedelta(days=30))
    current = _inventory_run(world.client, CURRENT_TOOLS, finished_at=now, previous=previous)

    def task(check_code, key, title, **extra):
        return RemediationTask.objects.create(client=world.client, check_code=check_code, finding_key=key, title=title, **extra)

    task("inventory.island", "drift", "Connect Drift to the CRM", priority="p2", effort="4-8 hours",
         steps=["Install the native HubSpot integration of Drift."], expected_impact="Drift chats reach attribution.")
    task("inventory.island", "intercom", "Connect Intercom to the CRM", priority="p1", effort="4-8 hours",
         owner=world.consultant, status="in_progress")
    task("inventory.island", "olark", "Connect Olark to the CRM", priority="p1", effort="4-8 hours")
    task("inventory.missing", "call_tracking", "Add Call tracking", priority="p2", effort="1-3 days")
    task("inventory.missing", "events", "Add Offline event capture", priority="p3", effort="1-3 days")
    task("inventory.missing", "self_reported_attribution", "Add Self-reported attribution", priority="p2", effort="1-3 days")
    return InventoryHistory(previous=previous, current=current)
