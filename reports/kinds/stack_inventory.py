"""The stack inventory report: a client's marketing and sales tools, how each is linked to the CRM, and what changed.

Sections: executive summary, the headline with counts per status, and the stack picture. The
picture is the SVG the inventory stored, so the inventory page and the report show the same
drawing. Then the integrated, partially integrated, island and unknown tools with category and
evidence, overlapping tools per category, missing capabilities, the remediation tasks of islands
and gaps, and the comparison with the client's previous published report of this kind.
"""
import logging

from django.db.models import Q
from django.utils.safestring import mark_safe

from audits.inventory.catalog import CATEGORIES
from audits.inventory.classify import INTEGRATED, ISLAND, PARTIALLY_INTEGRATED, STATUS_LABELS, STATUSES, UNKNOWN
from audits.inventory.detection import COUNTED_KINDS, KIND_LABELS
from audits.inventory.summary import diff, headline
from audits.inventory.svg import safe_svg_markup
from audits.models import RemediationTask, ToolUsage
from audits.thresholds import DEFAULT_THRESHOLDS
from reports.models import Report

from . import ReportKind, published_at_iso, register

logger = logging.getLogger(__name__)

# Check codes that audits.inventory_runs gives the tasks of islands (finding_key: tool slug) and of
# missing capabilities (finding_key: the capability's key).
ISLAND_TASK_CODE = "inventory.island"
MISSING_TASK_CODE = "inventory.missing"
# Evidence items kept per tool, strongest first, so a report stays readable.
EVIDENCE_ITEMS = 5
EVIDENCE_TEXT_CHARS = 80

GROUP_HEADINGS = {
    INTEGRATED: "Integrated tools",
    PARTIALLY_INTEGRATED: "Partially integrated tools",
    ISLAND: "Islands",
    UNKNOWN: "Unknown tools",
}
GROUP_DESCRIPTIONS = {
    INTEGRATED: "Connected to the CRM, and their data arrived within the last {days} days.",
    PARTIALLY_INTEGRATED: "Connected to the CRM, but silent for more than {days} days or syncing one narrow step only.",
    ISLAND: "In use with no link to the CRM, so their data is missing from attribution and lead routing.",
    UNKNOWN: "Only weak or old evidence. Confirm with the client whether they are still in use.",
}


def category_label(category):
    return CATEGORIES.get(category, category.replace("_", " ").capitalize())


def plural(count, singular, plural_form=None):
    return f"{count} {singular if count == 1 else (plural_form or singular + 's')}"


def safe_stack_svg(svg, *, report_id=None):
    """Return the stored SVG marked safe for inlining, or "" when it contains anything stack_svg does not draw."""
    text = (svg or "").strip()
    safe = safe_svg_markup(text)
    if text and not safe:
        logger.warning("stack picture left out of report report_id=%s bytes=%s", report_id, len(text))
    return mark_safe(safe)


@register
class StackInventoryReport(ReportKind):
    code = "stack_inventory"
    title = "Stack inventory"
    description = (
        "The client's marketing and sales tools as integrated, partially integrated, islands or unknown, with evidence, "
        "the stack picture, overlapping tools, missing capabilities, the remediation tasks and the change since the previous report."
    )
    template_name = "reports/kinds/stack_inventory.html"
    source = "inventory_run"

    def default_title(self, *, client, source=None):
        moment = (source.finished_at or source.created_at) if source else None
        return f"Stack inventory of {client.name}" + (f", {moment:%B %Y}" if moment else "")

    def build(self, *, report):
        run = self.source_run(report)
        client = report.client
        rows = list(
            ToolUsage.objects.filter(client_id=report.client_id, inventory_run=run)
            .order_by("category", "name", "tool_slug")
            .values("tool_slug", "name", "category", "status", "reason", "evidence")
        )
        data = {
            "client": {"id": report.client_id, "name": client.name},
            "inventory_run": {
                "id": run.pk,
                "finished_at": (run.finished_at or run.created_at).isoformat(),
                "crm": client.get_crm_of_record_display() or "the CRM",
            },
            "consultant_summary": report.summary,
            "headline": headline([_diff_row(row) for row in rows]),
            "counts": self._counts(rows),
            "groups": self._groups(rows),
            "stack_svg": run.stack_svg or "",
            "overlaps": self._overlaps(run.overlaps),
            "missing_categories": [
                {"key": gap["key"], "label": gap["label"], "reason": gap["reason"]} for gap in run.missing_categories or []
            ],
            "remediation": self._tasks(report.client_id, run, rows),
            "comparison": self._comparison(report, run, rows),
        }
        data["summary"] = self._summary(data)
        return data

    def context(self, data):
        return {"data": data, "stack_svg": safe_stack_svg(data.get("stack_svg"))}

    def remediation_tasks(self, report):
        return self._task_queryset(report.client_id, report.inventory_run) if report.inventory_run_id else None

    def _task_queryset(self, client_id, run):
        """Return the tasks of the run's islands and missing capabilities. Tasks are per client, so a later run reuses them."""
        islands = ToolUsage.objects.filter(client_id=client_id, inventory_run=run, status=ISLAND).values("tool_slug")
        gaps = [gap["key"] for gap in run.missing_categories or []]
        return RemediationTask.objects.filter(client_id=client_id).filter(
            Q(check_code=ISLAND_TASK_CODE, finding_key__in=islands) | Q(check_code=MISSING_TASK_CODE, finding_key__in=gaps)
        )

    def _counts(self, rows):
        return [
            {"status": status, "label": STATUS_LABELS[status], "count": sum(1 for row in rows if row["status"] == status)}
            for status in STATUSES
        ]

    def _groups(self, rows):
        days = DEFAULT_THRESHOLDS["integration_recent_days"]
        return [
            {
                "status": status,
                "label": STATUS_LABELS[status],
                "heading": GROUP_HEADINGS[status],
                "description": GROUP_DESCRIPTIONS[status].format(days=days),
                "tools": [self._tool(row) for row in rows if row["status"] == status],
            }
            for status in STATUSES
        ]

    def _tool(self, row):
        evidence = row["evidence"] if isinstance(row["evidence"], list) else []
        return {
            "slug": row["tool_slug"],
            "name": row["name"],
            "category": row["category"],
            "category_label": category_label(row["category"]),
            "reason": row["reason"],
            "evidence": [self._evidence(item) for item in evidence[:EVIDENCE_ITEMS]],
            "more_evidence": max(0, len(evidence) - EVIDENCE_ITEMS),
        }

    def _evidence(self, item):
        kind = item.get("kind", "")
        text = str(item.get("evidence", ""))
        if len(text) > EVIDENCE_TEXT_CHARS:
            text = text[: EVIDENCE_TEXT_CHARS - 1] + "…"
        return {
            "kind": kind,
            "label": KIND_LABELS.get(kind, kind),
            "text": text,
            "records": item.get("count") if kind in COUNTED_KINDS else None,
            "source": item.get("source") or "",
            "last_seen": (item.get("last_seen") or "")[:10],
            "weak": bool(item.get("weak")),
        }

    def _overlaps(self, overlaps):
        return [
            {"category": item["category"], "category_label": category_label(item["category"]),
             "tools": [str(name) for name in item.get("tools", [])], "reason": item.get("reason", "")}
            for item in overlaps or []
        ]

    def _tasks(self, client_id, run, rows):
        """Return the remediation tasks of the run's islands and gaps, most urgent first, each with the tool or gap it is for."""
        names = {row["tool_slug"]: row["name"] for row in rows}
        gaps = {gap["key"]: gap["label"] for gap in run.missing_categories or []}
        tasks = self._task_queryset(client_id, run).select_related("owner").order_by("priority", "title")
        return [
            {
                "title": task.title,
                "subject": names.get(task.finding_key, "") if task.check_code == ISLAND_TASK_CODE else gaps.get(task.finding_key, ""),
                "kind": "island" if task.check_code == ISLAND_TASK_CODE else "missing",
                "priority": task.priority,
                "priority_label": task.get_priority_display(),
                "effort": task.effort,
                "owner": task.owner.get_full_name() if task.owner else "",
                "status": task.status,
                "status_label": task.get_status_display(),
                "due_date": task.due_date.isoformat() if task.due_date else None,
                "expected_impact": task.expected_impact,
                "steps": [str(step) for step in task.steps or []],
            }
            for task in tasks
        ]

    def _comparison(self, report, run, rows):
        """Return the tools added, removed and moved between statuses since the client's previous published report of this kind."""
        previous = (
            Report.objects.filter(client_id=report.client_id, kind=report.kind, status=Report.Status.PUBLISHED,
                                  inventory_run__client_id=report.client_id, inventory_run__created_at__lt=run.created_at,
                                  published_version__isnull=False)
            .exclude(pk=report.pk)
            .select_related("inventory_run", "published_version")
            .order_by("-inventory_run__created_at")
            .first()
        )
        if previous is None:
            return None

        before = [
            _diff_row(row)
            for row in ToolUsage.objects.filter(client_id=report.client_id, inventory_run=previous.inventory_run)
            .values("tool_slug", "name", "category", "status")
        ]
        now = [_diff_row(row) for row in rows]
        stack_diff = diff(before, now)
        added = [_change(change) for change in stack_diff.changes if change.before is None]
        removed = [_change(change) for change in stack_diff.changes if change.after is None]
        moved = [_change(change) for change in stack_diff.changes if change.before and change.after]
        in_both = {row["slug"] for row in before} & {row["slug"] for row in now}
        previous_run = previous.inventory_run
        return {
            "report_title": previous.published_version.title,
            "published_at": published_at_iso(previous.published_version),
            "inventory_run_id": previous_run.pk,
            "finished_at": (previous_run.finished_at or previous_run.created_at).isoformat(),
            "previous_headline": headline(before),
            "summary": list(stack_diff.summary),
            "added": added,
            "moved": moved,
            "removed": removed,
            "unchanged": len(in_both) - len(moved),
        }

    def _summary(self, data):
        """Return the sentences of the computed executive summary."""
        counts = {row["status"]: row["count"] for row in data["counts"]}
        total = sum(counts.values())
        crm = data["inventory_run"]["crm"]
        sentences = []
        if total:
            sentences.append(
                f"The inventory found {plural(total, 'marketing and sales tool')} around {crm}: "
                f"{counts[INTEGRATED]} integrated, {counts[PARTIALLY_INTEGRATED]} partially integrated, "
                f"{plural(counts[ISLAND], 'island')} and {counts[UNKNOWN]} unknown."
            )
        else:
            sentences.append(f"The inventory found no marketing or sales tools besides {crm}.")

        islands = next(group["tools"] for group in data["groups"] if group["status"] == ISLAND)
        if islands:
            sentences.append("Islands, in use with no CRM link: " + ", ".join(tool["name"] for tool in islands) + ".")
        if data["overlaps"]:
            labels = ", ".join(item["category_label"] for item in data["overlaps"])
            sentences.append(f"{plural(len(data['overlaps']), 'category', 'categories')} with overlapping tools: {labels}.")
        if data["missing_categories"]:
            sentences.append("Missing capabilities: " + ", ".join(gap["label"] for gap in data["missing_categories"]) + ".")

        comparison = data["comparison"]
        if comparison is not None:
            if comparison["summary"]:
                sentences.append("Since the previous report: " + "; ".join(comparison["summary"]) + ".")
            else:
                sentences.append("No tool changed status since the previous report.")
        if data["remediation"]:
            sentences.append(f"The remediation plan has {plural(len(data['remediation']), 'task')}.")
        return sentences


def _diff_row(row):
    """Return a ToolUsage values() row in the shape audits.inventory.summary reads (slug, name, status)."""
    return {"slug": row["tool_slug"], "name": row["name"], "category": row["category"], "status": row["status"]}


def _change(change):
    return {
        "slug": change.slug,
        "name": change.name,
        "before": change.before,
        "before_label": STATUS_LABELS[change.before] if change.before else None,
        "after": change.after,
        "after_label": STATUS_LABELS[change.after] if change.after else None,
    }
