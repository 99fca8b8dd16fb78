"""Pages of audit runs, findings and remediation tasks."""
import json
import logging
from collections import Counter, defaultdict

from django.contrib import messages
from django.db.models import Case, Count, IntegerField, Value, When
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.views.generic import DetailView

from accounts.pages import ClientFormView, ConsultantRequiredMixin, TenantScopedPageMixin
from portals.models import Client, Contact
from portals.views import REFRESH_SECONDS, TenantObjectActionView, enqueue_on_commit, page_of, refresh_while

from . import services
from .checks.base import all_checks
from .forms import AuditCompareForm, AuditRunForm, TaskCommentForm, TaskFilterForm, TaskForm
from .models import AuditRun, CheckResult, Finding, RemediationTask, TaskComment
from .selectors import SEVERITY_ORDER, audit_run_compare, findings_by_severity
from .tasks import audit_run_task

logger = logging.getLogger(__name__)

ACTIVE_AUDIT_STATUSES = frozenset({AuditRun.Status.QUEUED, AuditRun.Status.RUNNING})
SEVERITY_RANK = Case(
    *[When(severity=severity, then=Value(rank)) for rank, severity in enumerate(SEVERITY_ORDER)],
    output_field=IntegerField(),
)
SEVERITY_LABELS = dict(Finding.Severity.choices)


def category_label(category):
    """Return a check category for display: "lead_handling" becomes "lead handling"."""
    return category.replace("_", " ")


def format_measure(value, unit):
    """Return a measured value or threshold for display. A unit that starts with "share" marks a fraction, shown in percent."""
    if value is None:
        return ""
    if unit.startswith("share"):
        return f"{value * 100:.1f}%"
    return f"{value:,.6g}"


class ClientAuditRunListView(ConsultantRequiredMixin, TenantScopedPageMixin, DetailView):
    """Every audit run of a client, newest first."""

    model = Client
    template_name = "audits/audit_run_list.html"
    context_object_name = "client"
    paginate_by = 25

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        runs = AuditRun.objects.visible_to(self.request.user).filter(client=self.object).select_related("engagement")
        page = page_of(self.request, runs, self.paginate_by)
        context.update(page_obj=page, is_paginated=page.has_other_pages())
        return context


class AuditRunCreateView(ClientFormView):
    """Queue an audit of a client's portals and open the run's page."""

    model = Client
    form_class = AuditRunForm
    template_name = "audits/audit_run_form.html"
    context_object_name = "client"

    def form_valid(self, form):
        try:
            audit_run = services.audit_run_create(
                client=self.object,
                engagement=form.cleaned_data["engagement"],
                portals=list(form.cleaned_data["portals"]) or None,
                requested_by=self.request.user,
            )
        except services.AuditInputError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)

        enqueue_on_commit(audit_run_task, client_id=audit_run.client_id, audit_run_id=audit_run.pk)
        messages.success(self.request, f"Audit of {self.object} queued with {audit_run.checks_total} checks.")
        return redirect("audit-run-detail", audit_run.pk)


class AuditRunDetailView(ConsultantRequiredMixin, TenantScopedPageMixin, DetailView):
    """Status, health score and its weights, findings by severity and category, and the change since the previous run."""

    model = AuditRun
    template_name = "audits/audit_run_detail.html"
    context_object_name = "run"
    findings_per_page = 50

    def refine_queryset(self, queryset):
        return queryset.select_related("client", "engagement", "previous_run")

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        return refresh_while(response, self.object.status in ACTIVE_AUDIT_STATUSES)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run = self.object
        findings = Finding.objects.visible_to(self.request.user).filter(audit_run=run)

        counts = self._counts(findings)
        page = page_of(self.request, findings.order_by(SEVERITY_RANK, "category", "check_code", "key"), self.findings_per_page)
        context.update(
            is_active=run.status in ACTIVE_AUDIT_STATUSES,
            refresh_seconds=REFRESH_SECONDS,
            portals=run.portals.all(),
            weights=self._weights(run),
            counts=counts,
            groups=self._groups(page, counts),
            page_obj=page,
            is_paginated=page.has_other_pages(),
            change=self._change(run),
        )
        return context

    def _weights(self, run):
        """Return the table that explains the health score: each check's score, weight and points."""
        results = CheckResult.objects.visible_to(self.request.user).filter(audit_run=run)
        checks = all_checks()
        total_weight = sum(result.weight for result in results if result.score is not None)
        rows = []
        for result in results:
            scored = result.score is not None and total_weight > 0
            check = checks.get(result.check_code)
            rows.append({
                "result": result,
                "title": check.title if check else result.check_code,
                "category": category_label(result.category),
                "score_percent": round(100.0 * result.score, 1) if result.score is not None else None,
                "share": round(100.0 * result.weight / total_weight, 1) if scored else None,
                "points": round(100.0 * result.score * result.weight / total_weight, 1) if scored else None,
            })
        return {"rows": rows, "total_weight": total_weight}

    def _counts(self, findings):
        """Return finding counts by severity (in severity order) and category, with totals."""
        cells = Counter()
        for row in findings.values("severity", "category").annotate(count=Count("id")):
            cells[(row["severity"], row["category"])] = row["count"]

        categories = sorted({category for _, category in cells})
        labels = [category_label(category) for category in categories]
        rows = []
        for severity in SEVERITY_ORDER:
            values = [cells[(severity, category)] for category in categories]
            if any(values):
                rows.append({"severity": severity, "label": SEVERITY_LABELS[severity], "values": values, "total": sum(values)})
        category_totals = [sum(cells[(severity, category)] for severity in SEVERITY_ORDER) for category in categories]
        return {"categories": labels, "rows": rows, "category_totals": category_totals, "total": sum(cells.values()), "cells": cells}

    def _groups(self, page, counts):
        """Group the page's findings by severity, then category, with the run's full counts."""
        groups = []
        for severity, items in findings_by_severity(page.object_list):
            by_category = defaultdict(list)
            for finding in items:
                by_category[finding.category].append(finding)
            total = sum(count for (cell_severity, _), count in counts["cells"].items() if cell_severity == severity)
            categories = [
                {"category": category_label(category), "count": counts["cells"][(severity, category)], "findings": category_findings}
                for category, category_findings in by_category.items()
            ]
            groups.append({"severity": severity, "label": SEVERITY_LABELS[severity], "count": total, "categories": categories})
        return groups

    def _change(self, run):
        """Return new, unchanged and resolved counts since the previous run, or None for a first run."""
        previous = AuditRun.objects.visible_to(self.request.user).filter(pk=run.previous_run_id, client_id=run.client_id).first()
        if previous is None:
            return None
        comparison = audit_run_compare(run=run, previous=previous)
        return {"previous": previous, **{name: len(items) for name, items in comparison.items()}}


class AuditRunCompareView(ConsultantRequiredMixin, TenantScopedPageMixin, DetailView):
    """Findings that are new, unchanged and resolved since an earlier run (by default the previous one)."""

    model = AuditRun
    template_name = "audits/audit_run_compare.html"
    context_object_name = "run"
    paginate_by = 50

    def refine_queryset(self, queryset):
        return queryset.select_related("client", "previous_run")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run = self.object
        form = AuditCompareForm(self.request.GET, run=run, user=self.request.user)
        context["form"] = form
        if not form.is_valid():
            return context

        previous = form.cleaned_data["other"] or self._previous(run)
        if previous is None:
            return context

        show = form.cleaned_data["show"] or "new"
        comparison = audit_run_compare(run=run, previous=previous)
        page = page_of(self.request, comparison[show], self.paginate_by)
        context.update(
            previous=previous,
            show=show,
            sections=[
                {"name": name, "label": label, "count": len(comparison[name]), "query": urlencode({"other": previous.pk, "show": name})}
                for name, label in AuditCompareForm.SECTIONS
            ],
            page_obj=page,
            is_paginated=page.has_other_pages(),
        )
        return context

    def _previous(self, run):
        if run.previous_run_id is None:
            return None
        return AuditRun.objects.visible_to(self.request.user).filter(pk=run.previous_run_id, client_id=run.client_id).first()


class FindingDetailView(ConsultantRequiredMixin, TenantScopedPageMixin, DetailView):
    """One finding: what was measured against which threshold, how many records, and the evidence."""

    model = Finding
    template_name = "audits/finding_detail.html"
    context_object_name = "finding"

    def refine_queryset(self, queryset):
        return queryset.select_related("audit_run", "client")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        finding = self.object
        evidence = finding.evidence if isinstance(finding.evidence, dict) else {}
        check = all_checks().get(finding.check_code)

        context.update(
            check=check,
            measured=format_measure(finding.measured_value, finding.unit),
            threshold=format_measure(finding.threshold, finding.unit),
            affected_percent=round(100.0 * finding.affected_count / finding.denominator, 1) if finding.denominator else None,
            samples=self._samples(finding, evidence.get("sample_ids") or []),
            tasks=RemediationTask.objects.visible_to(self.request.user).filter(finding=finding),
            **evidence_sections(evidence),
        )
        return context

    def _samples(self, finding, sample_ids):
        """Link each sample id to its contact page, or to the filtered contact list when several portals have it."""
        sample_ids = [str(sample_id) for sample_id in sample_ids]
        contacts = Contact.objects.visible_to(self.request.user).filter(client_id=finding.client_id, external_id__in=sample_ids)
        by_id = defaultdict(list)
        for contact_id, external_id in contacts.values_list("pk", "external_id"):
            by_id[external_id].append(contact_id)

        list_url = reverse("client-contacts", args=[finding.client_id])
        links = []
        for sample_id in sample_ids:
            matches = by_id.get(sample_id, [])
            if len(matches) == 1:
                url = reverse("contact-detail", args=[matches[0]])
            elif matches:
                url = f"{list_url}?{urlencode({'external_id': sample_id})}"
            else:
                url = None
            links.append({"id": sample_id, "url": url})
        all_url = f"{list_url}?{urlencode({'external_id': ','.join(sample_ids)})}" if sample_ids else None
        return {"links": links, "all_url": all_url, "found": sum(1 for link in links if link["url"])}


def evidence_sections(evidence):
    """Split a finding's evidence into facts (scalars) and tables (lists of rows, mappings), leaving out the sample ids."""
    facts, tables = [], []
    for key, value in evidence.items():
        if key == "sample_ids":
            continue
        label = key.replace("_", " ")
        if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
            columns = list(dict.fromkeys(column for item in value for column in item))
            rows = [[_plain(item.get(column)) for column in columns] for item in value]
            tables.append({"label": label, "columns": [column.replace("_", " ") for column in columns], "rows": rows})
        elif isinstance(value, dict) and value:
            tables.append({"label": label, "columns": ["value", "count"], "rows": [[str(name), _plain(item)] for name, item in value.items()]})
        else:
            facts.append((label, _plain(value)))
    return {"evidence_facts": facts, "evidence_tables": tables}


def _plain(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_plain(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, default=str)
    return str(value)


class ClientTaskListView(ConsultantRequiredMixin, TenantScopedPageMixin, DetailView):
    """The client's remediation tasks, filtered by status and priority."""

    model = Client
    template_name = "audits/task_list.html"
    context_object_name = "client"
    paginate_by = 25

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        tasks = RemediationTask.objects.visible_to(self.request.user).filter(client=self.object).select_related("owner", "finding")

        filters = TaskFilterForm(self.request.GET)
        filtered = False
        if filters.is_valid():
            for name in ("status", "priority"):
                if filters.cleaned_data[name]:
                    tasks = tasks.filter(**{name: filters.cleaned_data[name]})
                    filtered = True

        page = page_of(self.request, tasks, self.paginate_by)
        context.update(filters=filters, filtered=filtered, page_obj=page, is_paginated=page.has_other_pages())
        return context


class TaskDetailView(ConsultantRequiredMixin, TenantScopedPageMixin, DetailView):
    """A remediation task with its edit form (POST here) and its comments."""

    model = RemediationTask
    template_name = "audits/task_detail.html"
    context_object_name = "task"
    comments_per_page = 50

    def refine_queryset(self, queryset):
        return queryset.select_related("client", "finding", "owner")

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = TaskForm(request.POST, instance=self.object, client=self.object.client)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(task_form=form))

        task = form.save()
        logger.info("task updated client_id=%s task_id=%s fields=%s", task.client_id, task.pk, ",".join(form.changed_data))
        messages.success(request, "Task saved.")
        return redirect("task-detail", task.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        task = self.object
        comments = TaskComment.objects.visible_to(self.request.user).filter(task=task).select_related("author")
        page = page_of(self.request, comments, self.comments_per_page)

        context.setdefault("task_form", TaskForm(instance=task, client=task.client))
        context.setdefault("comment_form", TaskCommentForm())
        context.update(page_obj=page, is_paginated=page.has_other_pages())
        return context


class TaskCommentCreateView(TenantObjectActionView):
    """Add a comment to a remediation task as the logged-in user."""

    model = RemediationTask

    def post(self, request, *args, **kwargs):
        task = self.get_object()
        form = TaskCommentForm(request.POST)
        if not form.is_valid():
            view = TaskDetailView(request=request, kwargs=self.kwargs, args=self.args)
            view.object = task
            return view.render_to_response(view.get_context_data(comment_form=form))

        comment = form.save(commit=False)
        comment.task = task
        comment.client_id = task.client_id
        comment.author = request.user
        comment.save()
        logger.info("task comment added client_id=%s task_id=%s comment_id=%s", task.client_id, task.pk, comment.pk)
        return redirect(reverse("task-detail", args=[task.pk]) + "#comments")
