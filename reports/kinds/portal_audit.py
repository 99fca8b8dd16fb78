"""The portal audit report: what one audit run found in a client's portals, and what changed since the previous report.

Sections: executive summary, health score with its trend, key numbers, findings by severity with
their evidence, the remediation plan, the weights of the health score and the comparison with the
client's previous published report of this kind.
"""
from audits.checks.base import all_checks
from audits.models import AuditRun, CheckResult, Finding, RemediationTask
from audits.selectors import SEVERITY_ORDER, audit_run_compare
from audits.views import evidence_sections
from reports import charts
from reports.models import Report

from . import ReportKind, published_at_iso, register

# Check codes whose results give the key numbers of the report.
DUPLICATES_CHECK = "hygiene.duplicate_contacts"
SPEED_TO_LEAD_CHECK = "lead_handling.speed_to_lead"
ATTRIBUTION_CHECK = "attribution.original_source_coverage"
COST_PER_MQL_CHECK = "measurement.cost_per_mql"
MEASURED_STATUSES = (CheckResult.Status.PASSED, CheckResult.Status.FAILED)

# Audit runs shown in the health score trend, the current one included.
TREND_RUNS = 8
# Rows kept per evidence table and sample ids kept per finding, so a report stays readable.
EVIDENCE_ROWS = 5
SAMPLE_IDS = 10
SEVERITY_LABELS = dict(Finding.Severity.choices)
SEVERITY_COLORS = {"critical": "#7f1d1d", "high": "#b3261e", "medium": "#c2410c", "low": "#a16207", "info": "#5b6875"}
PRIORITY_LABELS = dict(RemediationTask.Priority.choices)
STATUS_LABELS = dict(RemediationTask.Status.choices)


def percent(share, digits=1):
    return f"{share * 100:.{digits}f}%"


def not_measured(label, result, default_reason="The check did not run in this audit."):
    """Return a key number without a value, with a reason that a client can read."""
    if result is None:
        reason = default_reason
    elif result.status == CheckResult.Status.ERROR:
        reason = "The check failed to run in this audit."
    else:
        reason = result.message or default_reason
    return {"label": label, "measured": False, "reason": reason}


@register
class PortalAuditReport(ReportKind):
    code = "portal_audit"
    title = "Portal audit"
    description = (
        "Health score and its trend, key numbers, findings by severity with evidence, the remediation plan, "
        "the weights of the health score and the change since the previous report."
    )
    template_name = "reports/kinds/portal_audit.html"
    source = "audit_run"

    def default_title(self, *, client, source=None):
        moment = (source.finished_at or source.created_at) if source else None
        return f"Portal audit of {client.name}" + (f", {moment:%B %Y}" if moment else "")

    def build(self, *, report):
        run = self.source_run(report)
        results = {result.check_code: result for result in CheckResult.objects.filter(client_id=report.client_id, audit_run=run)}
        findings = self._findings(report.client_id, run)
        tasks = self._tasks(report.client_id, run)
        data = {
            "client": {"id": report.client_id, "name": report.client.name},
            "audit_run": self._run(run),
            "consultant_summary": report.summary,
            "trend": self._trend(report.client_id, run),
            "key_numbers": self._key_numbers(results),
            "cost_per_mql": self._cost_per_mql(results.get(COST_PER_MQL_CHECK)),
            "severity_counts": self._severity_counts(findings),
            "findings": findings,
            "remediation": tasks,
            "weights": self._weights(results.values()),
            "comparison": self._comparison(report, run),
        }
        data["summary"] = self._summary(data)
        return data

    def context(self, data):
        trend = [(point["label"], point["score"]) for point in data["trend"]]
        bars = [(row["label"], row["count"], SEVERITY_COLORS[row["severity"]]) for row in data["severity_counts"]]
        return {
            "data": data,
            "trend_chart": charts.score_trend_svg(trend),
            "severity_chart": charts.severity_bars_svg(bars),
        }

    def _run(self, run):
        finished = run.finished_at or run.created_at
        return {
            "id": run.pk,
            "finished_at": finished.isoformat(),
            "portals": [str(portal) for portal in run.portals.all()],
            "health_score": run.health_score,
            "checks_total": run.checks_total,
        }

    def _trend(self, client_id, run):
        """Return the health scores of the client's finished audit runs up to and including `run`, oldest first."""
        runs = (
            AuditRun.objects.filter(client_id=client_id, status=AuditRun.Status.SUCCEEDED, created_at__lte=run.created_at)
            .exclude(pk=run.pk)
            .order_by("-created_at")[: TREND_RUNS - 1]
        )
        points = [*reversed(list(runs)), run]
        return [
            {"run_id": item.pk, "label": f"{(item.finished_at or item.created_at):%Y-%m-%d}", "score": item.health_score}
            for item in points
        ]

    def _key_numbers(self, results):
        return [
            self._duplicate_rate(results.get(DUPLICATES_CHECK)),
            *self._speed_to_lead(results.get(SPEED_TO_LEAD_CHECK)),
            self._attribution_coverage(results.get(ATTRIBUTION_CHECK)),
        ]

    def _duplicate_rate(self, result):
        label = "Duplicate rate"
        if result is None or result.status not in MEASURED_STATUSES or result.measured_value is None:
            return not_measured(label, result)
        metrics = result.metrics or {}
        detail = f"{metrics.get('surplus', 0):,} surplus records among {metrics.get('contacts', 0):,} contacts"
        if result.threshold is not None:
            detail += f"; above {percent(result.threshold, 0)} is a problem"
        return {"label": label, "measured": True, "value": percent(result.measured_value), "detail": detail,
                "problem": result.status == CheckResult.Status.FAILED}

    def _speed_to_lead(self, result):
        labels = ("Speed to lead, median", "Speed to lead, 90th percentile", "MQLs contacted after the target")
        metrics = (result.metrics or {}) if result is not None else {}
        if result is None or result.status not in MEASURED_STATUSES or metrics.get("median") is None:
            reason = "No MQL has a logged sales activity yet." if result is not None and result.status in MEASURED_STATUSES else None
            return [not_measured(label, result, reason or "The check did not run in this audit.") for label in labels]

        limit = result.threshold
        count = metrics.get("count") or 0
        above = metrics.get("above_limit") or 0
        share = above / count if count else 0.0
        problem = result.status == CheckResult.Status.FAILED
        return [
            {"label": labels[0], "measured": True, "value": f"{metrics['median']:g} min", "problem": problem,
             "detail": f"Working minutes from MQL to the first sales activity, {count:,} contacted MQLs"},
            {"label": labels[1], "measured": True, "value": f"{metrics['p90']:g} min", "problem": problem,
             "detail": "Nine in ten contacted MQLs waited at most this long"},
            {"label": labels[2], "measured": True, "value": percent(share), "problem": problem,
             "detail": f"{above:,} of {count:,} waited more than {limit:g} working minutes" if limit is not None else f"{above:,} of {count:,}"},
        ]

    def _attribution_coverage(self, result):
        label = "Attribution coverage"
        if result is None or result.status not in MEASURED_STATUSES or result.measured_value is None:
            return not_measured(label, result)
        metrics = result.metrics or {}
        total = metrics.get("total") or 0
        missing = (metrics.get("no_source") or 0) + (metrics.get("offline_untagged") or 0)
        return {"label": label, "measured": True, "value": percent(1.0 - result.measured_value),
                "detail": f"{total - missing:,} of {total:,} contacts have a usable original source",
                "problem": result.status == CheckResult.Status.FAILED}

    def _cost_per_mql(self, result):
        label = "Cost per MQL by channel"
        if result is None or result.status not in MEASURED_STATUSES:
            return not_measured(label, result)
        rows = (result.metrics or {}).get("by_channel")
        if not rows:
            return {"label": label, "measured": False, "reason": "No campaign spend was synced, so no channel has a cost per MQL."}
        return {"label": label, "measured": True, "rows": [
            {"channel": row["channel"], "currency": row["currency"], "spend": f"{row['spend']:,.2f}", "mqls": row["mqls"],
             "cost_per_mql": f"{row['cost_per_mql']:,.2f}" if row.get("cost_per_mql") is not None else None}
            for row in rows
        ]}

    def _findings(self, client_id, run):
        findings = list(Finding.objects.filter(client_id=client_id, audit_run=run))
        findings.sort(key=lambda finding: (SEVERITY_ORDER.index(finding.severity), finding.category, finding.check_code, finding.key))
        return [self._finding(finding) for finding in findings]

    def _finding(self, finding):
        evidence = finding.evidence if isinstance(finding.evidence, dict) else {}
        sections = evidence_sections(evidence)
        tables = [
            {**table, "rows": table["rows"][:EVIDENCE_ROWS], "more": max(0, len(table["rows"]) - EVIDENCE_ROWS)}
            for table in sections["evidence_tables"]
        ]
        return {
            "severity": finding.severity,
            "severity_label": SEVERITY_LABELS[finding.severity],
            "category": finding.category,
            "check_code": finding.check_code,
            "key": finding.key,
            "title": finding.title,
            "summary": finding.summary,
            "affected_count": finding.affected_count,
            "denominator": finding.denominator,
            "change": finding.change,
            "facts": [[str(label), str(value)] for label, value in sections["evidence_facts"]],
            "tables": tables,
            "sample_ids": [str(sample_id) for sample_id in (evidence.get("sample_ids") or [])[:SAMPLE_IDS]],
        }

    def _severity_counts(self, findings):
        counts = {severity: 0 for severity in SEVERITY_ORDER}
        for finding in findings:
            counts[finding["severity"]] += 1
        return [{"severity": severity, "label": SEVERITY_LABELS[severity], "count": counts[severity]} for severity in SEVERITY_ORDER]

    def _tasks(self, client_id, run):
        """Return the remediation tasks of the run's findings, most urgent first."""
        tasks = self._task_queryset(client_id, run.pk).select_related("owner", "finding").order_by("priority", "title")
        return [
            {
                "title": task.title,
                "priority": task.priority,
                "priority_label": PRIORITY_LABELS[task.priority],
                "effort": task.effort,
                "owner": task.owner.get_full_name() if task.owner else "",
                "status": task.status,
                "status_label": STATUS_LABELS[task.status],
                "due_date": task.due_date.isoformat() if task.due_date else None,
                "expected_impact": task.expected_impact,
                "steps": [str(step) for step in task.steps or []],
                "finding": task.finding.title if task.finding else "",
            }
            for task in tasks
        ]

    def remediation_tasks(self, report):
        return self._task_queryset(report.client_id, report.audit_run_id) if report.audit_run_id else None

    def _task_queryset(self, client_id, run_id):
        return RemediationTask.objects.filter(client_id=client_id, finding__audit_run_id=run_id)

    def _weights(self, results):
        """Return each check's score, weight and points in the health score, as the audit run page shows them."""
        results = sorted(results, key=lambda result: result.check_code)
        checks = all_checks()
        total_weight = sum(result.weight for result in results if result.score is not None)
        rows = []
        for result in results:
            scored = result.score is not None and total_weight > 0
            check = checks.get(result.check_code)
            rows.append({
                "title": check.title if check else result.check_code,
                "check_code": result.check_code,
                "category": result.category,
                "status": result.status,
                "status_label": result.get_status_display(),
                "score": round(100.0 * result.score, 1) if result.score is not None else None,
                "weight": result.weight,
                "share": round(100.0 * result.weight / total_weight, 1) if scored else None,
                "points": round(100.0 * result.score * result.weight / total_weight, 1) if scored else None,
            })
        return {"rows": rows, "total_weight": total_weight}

    def _comparison(self, report, run):
        """Return the score change and the fixed and new findings since the client's previous published report of this kind."""
        previous = (
            Report.objects.filter(client_id=report.client_id, kind=report.kind, status=Report.Status.PUBLISHED,
                                  audit_run__client_id=report.client_id, audit_run__created_at__lt=run.created_at,
                                  published_version__isnull=False)
            .exclude(pk=report.pk)
            .select_related("audit_run", "published_version")
            .order_by("-audit_run__created_at")
            .first()
        )
        if previous is None:
            return None

        changes = audit_run_compare(run=run, previous=previous.audit_run)
        before, now = previous.audit_run.health_score, run.health_score
        return {
            "report_title": previous.published_version.title,
            "published_at": published_at_iso(previous.published_version),
            "previous_score": before,
            "score": now,
            "score_change": round(now - before, 1) if before is not None and now is not None else None,
            "fixed": [{"title": finding.title, "severity": finding.severity} for finding in changes["resolved"]],
            "new": [{"title": finding.title, "severity": finding.severity} for finding in changes["new"]],
            "unchanged": len(changes["unchanged"]),
        }

    def _summary(self, data):
        """Return the sentences of the computed executive summary."""
        sentences = []
        score = data["audit_run"]["health_score"]
        if score is not None:
            sentences.append(f"The portals score {score:g} of 100 on the health score.")
        else:
            sentences.append("No check could be scored, so the audit has no health score.")

        comparison = data["comparison"]
        if comparison and comparison["score_change"] is not None:
            change = comparison["score_change"]
            if change > 0:
                sentences.append(f"That is up {change:g} points since the previous report.")
            elif change < 0:
                sentences.append(f"That is down {abs(change):g} points since the previous report.")
            else:
                sentences.append("That is unchanged since the previous report.")

        total = sum(row["count"] for row in data["severity_counts"])
        counted = [f"{row['count']} {row['label'].lower()}" for row in data["severity_counts"] if row["count"]]
        if total:
            sentences.append(f"The audit found {total} problem{'s' if total != 1 else ''}: {', '.join(counted)}.")
            urgent = [finding["title"] for finding in data["findings"][:3]]
            sentences.append("The most urgent: " + "; ".join(urgent) + ".")
        else:
            sentences.append("The audit found no problems.")

        first_priority = sum(1 for task in data["remediation"] if task["priority"] == RemediationTask.Priority.P1)
        if data["remediation"]:
            sentences.append(
                f"The remediation plan has {len(data['remediation'])} task{'s' if len(data['remediation']) != 1 else ''}, "
                f"{first_priority} of them to do now."
            )
        return sentences
