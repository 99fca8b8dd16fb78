"""Services that run audits: create a run, execute one check, finish the run."""
import logging
import time

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .checks.base import CheckContext, all_checks
from .models import AuditRun, CheckResult, Finding, RemediationTask
from .thresholds import effective_thresholds

logger = logging.getLogger(__name__)


class AuditInputError(ValueError):
    pass


def audit_run_create(*, client, engagement=None, portals=None, requested_by=None, as_of=None):
    """Queue an audit of the client's portals (all of them when `portals` is None)."""
    portals = list(portals if portals is not None else client.portals.all())
    if not portals:
        raise AuditInputError(f"Client {client.pk} has no portals to audit; connect a portal or upload CSV exports first.")
    if engagement is not None and engagement.client_id != client.pk:
        raise AuditInputError(f"Engagement {engagement.pk} belongs to another client.")
    foreign = [portal.pk for portal in portals if portal.client_id != client.pk]
    if foreign:
        raise AuditInputError(f"Portals {foreign} belong to another client.")

    thresholds = effective_thresholds(engagement.threshold_overrides if engagement else None)
    previous = (
        AuditRun.objects.filter(client=client, status=AuditRun.Status.SUCCEEDED)
        .order_by(F("finished_at").desc(nulls_last=True), "-created_at")
        .first()
    )
    with transaction.atomic():
        audit_run = AuditRun.objects.create(
            client=client,
            engagement=engagement,
            thresholds=thresholds,
            checks_total=len(all_checks()),
            previous_run=previous,
            requested_by=requested_by,
            as_of=as_of,
        )
        audit_run.portals.set(portals)

    logger.info("audit queued client_id=%s audit_run_id=%s checks=%s", client.pk, audit_run.pk, audit_run.checks_total)
    return audit_run


def audit_run_start(*, audit_run):
    """Mark the run as running; return the codes of the checks still to do (all, or those a crash left)."""
    with transaction.atomic():
        audit_run = AuditRun.objects.select_for_update().get(pk=audit_run.pk)
        if audit_run.status == AuditRun.Status.SUCCEEDED:
            return []
        audit_run.status = AuditRun.Status.RUNNING
        audit_run.started_at = audit_run.started_at or timezone.now()
        audit_run.save(update_fields=["status", "started_at"])

    done = set(CheckResult.objects.filter(audit_run=audit_run).values_list("check_code", flat=True))
    return [code for code in all_checks() if code not in done]


def audit_check_execute(*, audit_run_id, check_code):
    """Run one check and store its result and findings. Rerunning it replaces them, never duplicates them.

    Returns True when this check was the last one of the run.
    """
    audit_run = AuditRun.objects.get(pk=audit_run_id)
    check = all_checks()[check_code]()
    context = CheckContext(
        client_id=audit_run.client_id,
        portal_ids=list(audit_run.portals.values_list("pk", flat=True)),
        thresholds=audit_run.thresholds,
        now=audit_run.as_of or audit_run.started_at or timezone.now(),
    )

    started = time.monotonic()
    outcome, error = _run_check(check, context, audit_run)
    duration_ms = int((time.monotonic() - started) * 1000)

    with transaction.atomic():
        run = AuditRun.objects.select_for_update().get(pk=audit_run_id)
        created = _store_result(run, check, outcome, error, duration_ms)
        if created:
            run.checks_done += 1
            run.save(update_fields=["checks_done"])
        is_last = run.checks_done >= run.checks_total

    logger.info(
        "audit check finished client_id=%s audit_run_id=%s check=%s findings=%s duration_ms=%s",
        audit_run.client_id, audit_run_id, check_code, len(outcome.findings) if outcome else 0, duration_ms,
    )
    return is_last


def _run_check(check, context, audit_run):
    try:
        return check.run(context), None
    except Exception as error:  # noqa: BLE001 - one broken check must not stop the audit; the error is stored
        logger.exception("audit check failed client_id=%s audit_run_id=%s check=%s", audit_run.client_id, audit_run.pk, check.code)
        return None, f"{error.__class__.__name__}: {error}"


def _store_result(run, check, outcome, error, duration_ms):
    Finding.objects.filter(audit_run=run, check_code=check.code).delete()

    if error is not None:
        status, message = CheckResult.Status.ERROR, error
    elif outcome.skipped_reason:
        status, message = CheckResult.Status.SKIPPED, outcome.skipped_reason
    else:
        status = CheckResult.Status.FAILED if outcome.findings else CheckResult.Status.PASSED
        message = ""

    scored = status in (CheckResult.Status.PASSED, CheckResult.Status.FAILED)
    _, created = CheckResult.objects.update_or_create(
        audit_run=run,
        check_code=check.code,
        defaults={
            "client_id": run.client_id,
            "category": check.category,
            "status": status,
            "measured_value": outcome.measured_value if outcome else None,
            "threshold": outcome.threshold if outcome else None,
            "score": max(0.0, min(1.0, outcome.score)) if scored else None,
            "weight": check.weight,
            "metrics": outcome.metrics if outcome else {},
            "message": message,
            "duration_ms": duration_ms,
        },
    )
    if outcome and outcome.findings:
        Finding.objects.bulk_create([_finding(run, check, data) for data in outcome.findings])
    return created


def _finding(run, check, data):
    return Finding(
        client_id=run.client_id,
        audit_run=run,
        check_code=check.code,
        category=check.category,
        key=data.key[:300],
        severity=data.severity,
        title=data.title[:300],
        summary=data.summary,
        measured_value=data.measured_value,
        threshold=data.threshold,
        unit=data.unit,
        affected_count=data.affected_count,
        denominator=data.denominator,
        evidence=data.evidence,
    )


def audit_run_finish(*, audit_run_id):
    """Compute the health score, compare with the previous run, create remediation tasks, mark succeeded."""
    with transaction.atomic():
        run = AuditRun.objects.select_for_update().get(pk=audit_run_id)
        if run.status == AuditRun.Status.SUCCEEDED:
            return run

        run.health_score = health_score(run)
        _mark_changes(run)
        tasks = _create_tasks(run)

        run.status = AuditRun.Status.SUCCEEDED
        run.finished_at = timezone.now()
        run.save(update_fields=["health_score", "status", "finished_at"])

    logger.info("audit finished client_id=%s audit_run_id=%s score=%s tasks=%s", run.client_id, run.pk, run.health_score, tasks)
    return run


def audit_run_fail(*, audit_run_id, message):
    AuditRun.objects.filter(pk=audit_run_id).update(status=AuditRun.Status.FAILED, error_message=message, finished_at=timezone.now())
    logger.warning("audit failed audit_run_id=%s error=%s", audit_run_id, message)


def health_score(run):
    """100 x the weighted mean of the check scores; skipped and failed-to-run checks do not count."""
    results = list(run.check_results.exclude(score__isnull=True).values_list("score", "weight"))
    total_weight = sum(weight for _, weight in results)
    if not total_weight:
        return None
    return round(100.0 * sum(score * weight for score, weight in results) / total_weight, 1)


def _mark_changes(run):
    if run.previous_run_id is None:
        return
    previous = set(Finding.objects.filter(audit_run_id=run.previous_run_id).values_list("check_code", "key"))
    findings = list(run.findings.all())
    for finding in findings:
        finding.change = Finding.Change.UNCHANGED if (finding.check_code, finding.key) in previous else Finding.Change.NEW
    Finding.objects.bulk_update(findings, ["change"])


def _create_tasks(run):
    """Create one remediation task per finding identity. A rerun links the existing task to the new finding."""
    checks = all_checks()
    count = 0
    for finding in run.findings.all():
        remediation = checks[finding.check_code]().remediation(finding)
        if remediation is None:
            continue
        task, created = RemediationTask.objects.get_or_create(
            client_id=run.client_id,
            check_code=finding.check_code,
            finding_key=finding.key,
            defaults={
                "title": remediation.title[:300],
                "steps": remediation.steps,
                "priority": remediation.priority,
                "effort": remediation.effort,
                "expected_impact": remediation.expected_impact,
            },
        )
        task.finding = finding
        task.save(update_fields=["finding", "updated_at"])
        count += int(created)
    return count
