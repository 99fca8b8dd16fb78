"""Pages of clients, portals, sync runs, CSV uploads and synced contacts."""
import logging
import re

from celery.exceptions import Retry
from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import DetailView, FormView, ListView, View
from django.views.generic.detail import SingleObjectMixin

from accounts.pages import ConsultantRequiredMixin, TenantScopedPageMixin
from audits.forms import AuditRunForm
from audits.models import AuditRun

from .forms import ColumnMapForm, CsvUploadForm, SyncRunForm, upload_kind_label, upload_required_fields
from .models import Client, Contact, CsvUpload, Owner, Portal, SyncRun
from .sync import csv_service, engine
from .tasks import csv_import_task, sync_run_task

logger = logging.getLogger(__name__)

API_VENDORS = frozenset({Portal.Vendor.HUBSPOT, Portal.Vendor.SALESFORCE, Portal.Vendor.MARKETO})
UPLOAD_VENDORS = frozenset({Portal.Vendor.CSV, Portal.Vendor.PARDOT})
ACTIVE_SYNC_STATUSES = frozenset({SyncRun.Status.QUEUED, SyncRun.Status.RUNNING})
# Seconds between reloads of a page that shows a queued or running job, sent as the Refresh header.
REFRESH_SECONDS = 3
RECENT_AUDIT_RUNS = 10
# Max external ids in one contacts-list filter. Findings store at most 20 sample ids, so only crafted URLs reach it.
MAX_EXTERNAL_IDS = 200


def enqueue_on_commit(task, **kwargs):
    """Send a Celery task with keyword arguments once the request's transaction commits."""

    def send():
        try:
            task.delay(**kwargs)
        except Retry as error:
            # Without a broker, delay() runs the task in this request and raises its retry of a
            # vendor outage. The run has already stored the failure, so the page shows it.
            logger.warning("eager task retry not run task=%s kwargs=%s error=%s", task.name, kwargs, error)

    transaction.on_commit(send)


def page_of(request, items, per_page):
    """Return the Page of a queryset or list that the request's `page` parameter names."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def refresh_while(response, active):
    """Make the browser reload the page every REFRESH_SECONDS while a job is queued or running."""
    if active:
        response["Refresh"] = str(REFRESH_SECONDS)
    return response


def progress_rows(sync_run):
    """Return one row per synced object: records done, the total where the vendor reports it, and percent."""
    rows = []
    for name, entry in (sync_run.progress or {}).items():
        done, total = entry.get("done", 0), entry.get("total")
        percent = None
        if total is not None:
            percent = 100.0 if total == 0 else round(100.0 * min(done, total) / total, 1)
        rows.append({"name": name, "done": done, "total": total, "percent": percent})
    return rows


def format_duration(seconds):
    """Return seconds as "2 h 5 min", "3 min 20 s" or "12 s"."""
    if seconds is None:
        return ""
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {seconds} s"
    return f"{seconds} s"


def sync_run_duration(sync_run):
    """Return the run's duration, or the time since it started while it runs."""
    if sync_run.duration_seconds is not None:
        return format_duration(sync_run.duration_seconds)
    if sync_run.started_at and sync_run.status == SyncRun.Status.RUNNING:
        return format_duration((timezone.now() - sync_run.started_at).total_seconds()) + " so far"
    return ""


class ClientListView(ConsultantRequiredMixin, TenantScopedPageMixin, ListView):
    model = Client
    template_name = "portals/client_list.html"
    context_object_name = "clients"
    paginate_by = 50

    def refine_queryset(self, queryset):
        search = self.request.GET.get("q", "").strip()
        if search:
            queryset = queryset.filter(name__icontains=search)
        return queryset.select_related("organization")


class ClientDetailView(ConsultantRequiredMixin, TenantScopedPageMixin, DetailView):
    model = Client
    template_name = "portals/client_detail.html"
    context_object_name = "client"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        audit_runs = AuditRun.objects.visible_to(user).filter(client=self.object).select_related("engagement")

        context["engagements"] = self.object.engagements.select_related("lead_consultant")
        context["portals"] = self.object.portals.all()
        context["portal_rows"] = [self._portal_row(portal) for portal in context["portals"]]
        context["audit_runs"] = audit_runs[:RECENT_AUDIT_RUNS]
        context["more_audit_runs"] = audit_runs.count() > RECENT_AUDIT_RUNS
        context["audit_form"] = AuditRunForm(client=self.object, user=user)
        return context

    def _portal_row(self, portal):
        latest = SyncRun.objects.visible_to(self.request.user).filter(portal=portal).first()
        return {
            "portal": portal,
            "latest_run": latest,
            "objects": progress_rows(latest) if latest else [],
            "can_sync": portal.vendor in API_VENDORS,
            "can_upload": portal.vendor in UPLOAD_VENDORS,
        }


class ContactFilterForm(forms.Form):
    external_id = forms.CharField(required=False, label="External ids", help_text="Comma-separated vendor record ids.")
    q = forms.CharField(required=False, label="Search", max_length=200)

    def clean_external_id(self):
        values = [value.strip() for value in self.cleaned_data["external_id"].split(",")]
        return [value for value in values if value][:MAX_EXTERNAL_IDS]


class ClientContactListView(ConsultantRequiredMixin, TenantScopedPageMixin, DetailView):
    """The client's synced contacts, filtered by external ids (a finding's sample) or a search."""

    model = Client
    template_name = "portals/contact_list.html"
    context_object_name = "client"
    paginate_by = 50

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        contacts = Contact.objects.visible_to(self.request.user).filter(client=self.object).select_related("portal")

        filters = ContactFilterForm(self.request.GET)
        external_ids, search = [], ""
        if filters.is_valid():
            external_ids = filters.cleaned_data["external_id"]
            search = filters.cleaned_data["q"].strip()
        if external_ids:
            contacts = contacts.filter(external_id__in=external_ids)
        if search:
            contacts = contacts.filter(Q(email__icontains=search) | Q(first_name__icontains=search) | Q(last_name__icontains=search))

        page = page_of(self.request, contacts.order_by("external_id", "portal_id"), self.paginate_by)
        context.update(filters=filters, page_obj=page, is_paginated=page.has_other_pages(), filtered=bool(external_ids or search))
        return context


class ContactDetailView(ConsultantRequiredMixin, TenantScopedPageMixin, DetailView):
    model = Contact
    template_name = "portals/contact_detail.html"
    context_object_name = "contact"

    def refine_queryset(self, queryset):
        return queryset.select_related("portal", "client")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        contact = self.object
        if contact.owner_external_id:
            owners = Owner.objects.visible_to(self.request.user).filter(portal_id=contact.portal_id)
            context["owner"] = owners.filter(external_id=contact.owner_external_id).first()
        context["stage_dates"] = [
            ("Subscriber", contact.became_subscriber_at),
            ("Lead", contact.became_lead_at),
            ("MQL", contact.became_mql_at),
            ("SQL", contact.became_sql_at),
            ("Opportunity", contact.became_opportunity_at),
            ("Customer", contact.became_customer_at),
            ("Evangelist", contact.became_evangelist_at),
            ("Other", contact.became_other_at),
        ]
        context["extra"] = sorted((contact.extra or {}).items())
        return context


class TenantObjectActionView(ConsultantRequiredMixin, TenantScopedPageMixin, SingleObjectMixin, View):
    """A POST-only action on one tenant-scoped object. GET returns 405, and another tenant's object is a 404."""

    http_method_names = ["post"]


class PortalSyncView(TenantObjectActionView):
    """Queue an incremental or full sync of an API portal and open the new run's page."""

    model = Portal

    def post(self, request, *args, **kwargs):
        portal = self.get_object()
        form = SyncRunForm(request.POST)
        if portal.vendor not in API_VENDORS:
            messages.error(request, f"{portal} is synced by uploading CSV exports, not through an API. Use Upload CSV.")
            return redirect("client-detail", portal.client_id)
        if not form.is_valid():
            messages.error(request, "Choose an incremental or a full sync.")
            return redirect("client-detail", portal.client_id)

        try:
            sync_run = engine.sync_run_create(portal=portal, mode=form.cleaned_data["mode"], requested_by=request.user)
        except engine.SyncAlreadyRunning as error:
            messages.error(request, str(error))
            active = SyncRun.objects.visible_to(request.user).filter(portal=portal, status__in=ACTIVE_SYNC_STATUSES).first()
            return redirect("sync-run-detail", active.pk) if active else redirect("client-detail", portal.client_id)

        enqueue_on_commit(sync_run_task, client_id=sync_run.client_id, sync_run_id=sync_run.pk)
        messages.success(request, f"{sync_run.get_mode_display()} sync of {portal} queued.")
        return redirect("sync-run-detail", sync_run.pk)


class PortalSyncRunListView(ConsultantRequiredMixin, TenantScopedPageMixin, DetailView):
    """The sync and import history of one portal, newest first."""

    model = Portal
    template_name = "portals/sync_run_list.html"
    context_object_name = "portal"
    paginate_by = 25

    def refine_queryset(self, queryset):
        return queryset.select_related("client")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        runs = SyncRun.objects.visible_to(self.request.user).filter(portal=self.object).select_related("requested_by")
        page = page_of(self.request, runs, self.paginate_by)
        context.update(
            page_obj=page,
            is_paginated=page.has_other_pages(),
            rows=[{"run": run, "duration": sync_run_duration(run)} for run in page],
            can_sync=self.object.vendor in API_VENDORS,
            can_upload=self.object.vendor in UPLOAD_VENDORS,
        )
        return context


class SyncRunDetailView(ConsultantRequiredMixin, TenantScopedPageMixin, DetailView):
    """Progress per object, duration and error of one sync run. The page reloads itself while the run is active."""

    model = SyncRun
    template_name = "portals/sync_run_detail.html"
    context_object_name = "sync_run"

    def refine_queryset(self, queryset):
        return queryset.select_related("portal", "client", "requested_by")

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        return refresh_while(response, self.object.status in ACTIVE_SYNC_STATUSES)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run = self.object
        context.update(
            objects=progress_rows(run),
            duration=sync_run_duration(run),
            is_active=run.status in ACTIVE_SYNC_STATUSES,
            refresh_seconds=REFRESH_SECONDS,
            can_resume=run.status == SyncRun.Status.FAILED and run.mode != SyncRun.Mode.CSV,
            upload=CsvUpload.objects.visible_to(self.request.user).filter(sync_run=run).first(),
        )
        return context


class SyncRunResumeView(TenantObjectActionView):
    """Queue a failed sync again. It continues from the last page it wrote."""

    model = SyncRun

    def post(self, request, *args, **kwargs):
        sync_run = self.get_object()
        if sync_run.mode == SyncRun.Mode.CSV:
            messages.error(request, "CSV imports are not resumed. Upload the file again to import it.")
            return redirect("sync-run-detail", sync_run.pk)

        try:
            sync_run = engine.sync_run_requeue(sync_run=sync_run)
        except (ValueError, engine.SyncAlreadyRunning) as error:
            messages.error(request, str(error))
            return redirect("sync-run-detail", sync_run.pk)

        enqueue_on_commit(sync_run_task, client_id=sync_run.client_id, sync_run_id=sync_run.pk)
        messages.success(request, "Sync queued again. It continues after the last page it wrote.")
        return redirect("sync-run-detail", sync_run.pk)


class CsvUploadCreateView(ConsultantRequiredMixin, TenantScopedPageMixin, SingleObjectMixin, FormView):
    """Step 1 of a CSV import: upload the export file to a CSV or Pardot portal."""

    model = Portal
    form_class = CsvUploadForm
    template_name = "portals/csv_upload_form.html"
    context_object_name = "portal"

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if self.object.vendor not in UPLOAD_VENDORS:
            return self._reject_vendor()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        if self.object.vendor not in UPLOAD_VENDORS:
            return self._reject_vendor()
        return super().post(request, *args, **kwargs)

    def _reject_vendor(self):
        messages.error(self.request, f"{self.object} syncs through its API. CSV uploads are for CSV and Pardot portals.")
        return redirect("client-detail", self.object.client_id)

    def form_valid(self, form):
        try:
            upload = csv_service.csv_upload_create(
                portal=self.object, uploaded_file=form.cleaned_data["file"], uploaded_by=self.request.user
            )
        except csv_service.CsvUploadError as error:
            form.add_error("file", str(error))
            return self.form_invalid(form)

        messages.success(self.request, f"{upload.original_name} uploaded. Check the column mapping, then import it.")
        return redirect("csv-upload-detail", upload.pk)


_ERROR_ROW = re.compile(r"\brow (\d+)")
_ERROR_COLUMN = re.compile(r'column "([^"]*)"')


def parse_upload_error(text):
    """Split a stored CSV import error into row, column and message.

    NOTE: uploads store their errors as the messages of CsvImportError, whose location prefix
    is `<file>: row N, column "X": `, so the row and column are read back from that text.
    """
    row = _ERROR_ROW.search(text)
    column = _ERROR_COLUMN.search(text)
    message = text
    last = column or row
    if last is not None and text[last.end():last.end() + 2] == ": ":
        message = text[last.end() + 2:]
    return {"row": row.group(1) if row else "", "column": column.group(1) if column else "", "message": message}


class CsvUploadDetailView(ConsultantRequiredMixin, TenantScopedPageMixin, SingleObjectMixin, FormView):
    """Step 2 of a CSV import: confirm the column mapping, then validate the whole file and import it."""

    model = CsvUpload
    form_class = ColumnMapForm
    template_name = "portals/csv_upload_detail.html"
    context_object_name = "upload"

    def refine_queryset(self, queryset):
        return queryset.select_related("portal", "client", "sync_run")

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        if not self._can_import():
            messages.error(request, f"{self.object.original_name} is {self.object.get_status_display().lower()}. Upload the file again to import it.")
            return redirect("csv-upload-detail", self.object.pk)
        return super().post(request, *args, **kwargs)

    def _can_import(self):
        return self.object.status == CsvUpload.Status.UPLOADED and bool(self.object.kind)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "upload": self.object}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        upload = self.object
        context.update(
            rows=context["form"].bound_rows(),
            kind_label=upload_kind_label(upload.kind),
            required_fields=upload_required_fields(upload.kind),
            missing_required=(upload.metadata or {}).get("missing_required", []),
            errors=[parse_upload_error(str(error)) for error in upload.errors or []],
            can_import=self._can_import(),
            sync_run=upload.sync_run if upload.sync_run_id else None,
        )
        return context

    def form_valid(self, form):
        upload = self.object
        upload.column_map = form.column_map()
        upload.save(update_fields=["column_map"])

        try:
            sync_run = csv_service.csv_upload_start_import(upload=upload, requested_by=self.request.user)
        except csv_service.CsvUploadError as error:
            messages.error(self.request, str(error))
            return redirect("csv-upload-detail", upload.pk)

        enqueue_on_commit(csv_import_task, client_id=upload.client_id, upload_id=upload.pk)
        messages.success(self.request, f"{upload.original_name} is valid. The import is queued.")
        return redirect("sync-run-detail", sync_run.pk)
