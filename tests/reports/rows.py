"""Rows that report tests build on: two audits of the tenant with check results in the shapes the checks store.

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
