"""Pages of reports: the consultant dashboard and client timeline, report pages and actions, PDFs, share links and brand settings."""
import logging
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponseNotFound
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.generic import DetailView, FormView, ListView, View
from django.views.generic.detail import SingleObjectMixin

from accounts.models import Membership
from accounts.pages import ClientFormView, ConsultantRequiredMixin, TenantScopedPageMixin
from accounts.tenancy import admin_organization_ids
from audits.forms import TaskCommentForm
from audits.models import RemediationTask
from portals.models import Client
from portals.views import TenantObjectActionView, page_of, refresh_while

from . import selectors, services
from .forms import (
    BrandSettingsForm,
    PublishForm,
    ReportCreateForm,
    ReportEditForm,
    SharePasswordForm,
    ShareLinkForm,
    TaskStatusForm,
)
from .kinds import all_kinds
from .models import BrandSettings, Report, ReportVersion, ShareLink
from .tasks import report_render_task

logger = logging.getLogger(__name__)

ACTIVE_RENDER_STATUSES = frozenset({Report.RenderStatus.QUEUED, Report.RenderStatus.RUNNING})
SHARE_LINK_GONE = "This share link has expired, was revoked or does not exist. Ask the sender for a new link."
SESSION_UNLOCKED_LINKS = "reports_unlocked_share_links"


def pdf_response(report, version):
    """Send a version's PDF as a download, or raise Http404 when the file is missing from storage."""
    try:
        handle = version.pdf.open("rb")
    except (OSError, ValueError) as error:
        logger.warning("report pdf missing client_id=%s version_id=%s error=%s", version.client_id, version.pk, error)
        raise Http404("The PDF of this report version is missing.") from error
    filename = services.version_filename(report, version)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type="application/pdf")


class ClientUserRequiredMixin(LoginRequiredMixin):
    """Limit a page to client users. Consultants get 403 because they edit tasks on the task pages."""

    def dispatch(self, request, *args, **kwargs):
        # A method the view does not serve is a 405 for everyone, before the role check.
        if request.method.lower() not in self.http_method_names:
            return self.http_method_not_allowed(request, *args, **kwargs)
        if request.user.is_authenticated and not request.user.is_client_user:
            raise PermissionDenied("This action is for client users. Edit the task on its task page.")
        return super().dispatch(request, *args, **kwargs)


class DashboardView(ConsultantRequiredMixin, TenantScopedPageMixin, ListView):
    """List the consultant's clients: last audit and score trend, open tasks by priority, latest sync and failures."""

    model = Client
    template_name = "reports/dashboard.html"
    context_object_name = "clients"
    paginate_by = 50

    def refine_queryset(self, queryset):
        return selectors.dashboard_annotate(queryset.select_related("organization"), self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = selectors.dashboard_rows(user=self.request.user, clients=context["page_obj"].object_list)
        context["priorities"] = RemediationTask.Priority.choices
        context["failure_days"] = selectors.FAILURE_DAYS
        context["can_edit_brand"] = admin_organization_ids(self.request.user).exists()
        return context


class ClientTimelineView(ConsultantRequiredMixin, TenantScopedPageMixin, DetailView):
    """The client's syncs, audits and reports in time order, newest first."""

    model = Client
    template_name = "reports/client_timeline.html"
    context_object_name = "client"
    events_per_page = 50

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        events = selectors.client_timeline(user=self.request.user, client=self.object)
        page = page_of(self.request, events, self.events_per_page)
        context.update(page_obj=page, is_paginated=page.has_other_pages())
        return context


class ReportListView(ConsultantRequiredMixin, TenantScopedPageMixin, ListView):
    """Reports of the consultant's clients, newest first, filtered by client, status or kind."""

    model = Report
    template_name = "reports/report_list.html"
    context_object_name = "reports"
    paginate_by = 25

    def refine_queryset(self, queryset):
        queryset = queryset.select_related("client", "published_version").defer("published_version__html", "published_version__data")
        status = self.request.GET.get("status")
        if status in Report.Status.values:
            queryset = queryset.filter(status=status)
        kind = self.request.GET.get("kind")
        if kind in all_kinds():
            queryset = queryset.filter(kind=kind)
        client = self.request.GET.get("client", "")
        if client.isdigit():
            queryset = queryset.filter(client_id=int(client))
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["kinds"] = {code: kind.title for code, kind in all_kinds().items()}
        context["statuses"] = Report.Status.choices
        context["clients"] = Client.objects.visible_to(self.request.user)
        context["selected"] = {name: self.request.GET.get(name, "") for name in ("client", "status", "kind")}
        return context


class ReportCreateView(ClientFormView):
    """Create a draft report of a client from one of its finished audit runs or stack inventories.

    `?kind=stack_inventory` chooses the kind and preselects the client's latest run of its source.
    """

    model = Client
    form_class = ReportCreateForm
    template_name = "reports/report_form.html"
    context_object_name = "client"

    def get_initial(self):
        kind = self.request.GET.get("kind", "")
        return {**super().get_initial(), **({"kind": kind} if kind in all_kinds() else {})}

    def get_context_data(self, **kwargs):
        return super().get_context_data(kinds=all_kinds().values(), **kwargs)

    def form_valid(self, form):
        try:
            report = services.report_create(
                client=self.object,
                kind=form.cleaned_data["kind"],
                audit_run=form.cleaned_data["audit_run"],
                inventory_run=form.cleaned_data["inventory_run"],
                title=form.cleaned_data["title"],
                summary=form.cleaned_data["summary"],
                created_by=self.request.user,
            )
        except services.ReportInputError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
            return self.form_invalid(form)

        messages.success(self.request, "Draft report created. Press Render to build its first version.")
        return redirect("report-detail", report.pk)


class ReportDetailView(TenantScopedPageMixin, DetailView):
    """Show a report: its versions, actions and share links to consultants, its published version to client users."""

    model = Report
    context_object_name = "report"

    def refine_queryset(self, queryset):
        return queryset.select_related("client", "audit_run", "inventory_run", "published_version", "created_by", "published_by")

    def get_template_names(self):
        if self.request.user.is_client_user:
            return ["reports/report_published.html"]
        return ["reports/report_detail.html"]

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        return refresh_while(response, not request.user.is_client_user and self.object.render_status in ACTIVE_RENDER_STATUSES)

    def post(self, request, *args, **kwargs):
        """Save the title and executive summary. Only consultants edit reports."""
        if request.user.is_client_user:
            raise PermissionDenied("Only consultants edit reports.")
        self.object = self.get_object()
        form = ReportEditForm(request.POST, instance=self.object)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(edit_form=form))

        form.save()
        logger.info("report edited client_id=%s report_id=%s fields=%s", self.object.client_id, self.object.pk, ",".join(form.changed_data))
        messages.success(request, "Saved. Render the report to put the change into a new version.")
        return redirect("report-detail", self.object.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = self.object
        context["brand"] = selectors.brand_for(report.client.organization)
        if self.request.user.is_client_user:
            context["version"] = report.published_version
            return context

        versions = (
            ReportVersion.objects.visible_to(self.request.user).filter(report=report).select_related("rendered_by").defer("html", "data")
        )
        latest = versions.first()
        kind = all_kinds().get(report.kind)
        context.setdefault("edit_form", ReportEditForm(instance=report))
        context.update(
            kind_title=kind.title if kind else report.kind,
            versions=versions,
            latest=latest,
            can_publish=latest is not None and latest.pk != report.published_version_id,
            is_rendering=report.render_status in ACTIVE_RENDER_STATUSES,
            publish_form=PublishForm(),
            share_form=ShareLinkForm(),
            share_links=ShareLink.objects.visible_to(self.request.user).filter(report=report),
            now=timezone.now(),
        )
        return context


class ReportRenderView(TenantObjectActionView):
    """Queue a render of the report into a new version."""

    model = Report

    def post(self, request, *args, **kwargs):
        report = self.get_object()
        services.report_render_request(report=report)
        transaction.on_commit(
            lambda: report_render_task.delay(client_id=report.client_id, report_id=report.pk, rendered_by_id=request.user.pk)
        )
        messages.success(request, "Rendering queued. The page reloads until the new version is ready.")
        return redirect("report-detail", report.pk)


class ReportPublishView(TenantObjectActionView):
    """Publish the report's latest version to the client's users."""

    model = Report

    def post(self, request, *args, **kwargs):
        report = self.get_object()
        form = PublishForm(request.POST)
        publish_tasks = form.is_valid() and form.cleaned_data["publish_tasks"]
        try:
            report = services.report_publish(report=report, published_by=request.user, publish_tasks=publish_tasks)
        except services.ReportStateError as error:
            messages.error(request, str(error))
            return redirect("report-detail", report.pk)

        messages.success(request, f"Version {report.published_version.number} is published to {report.client}'s users.")
        return redirect("report-detail", report.pk)


class ShareLinkCreateView(TenantObjectActionView):
    """Create a share link of a published report and show its URL once."""

    model = Report

    def post(self, request, *args, **kwargs):
        report = self.get_object()
        form = ShareLinkForm(request.POST)
        if not form.is_valid():
            errors = "; ".join(error for field_errors in form.errors.values() for error in field_errors)
            messages.error(request, f"The share link was not created: {errors}")
            return redirect("report-detail", report.pk)

        expires_at = timezone.now() + timedelta(days=form.cleaned_data["expires_in_days"])
        try:
            link, token = services.share_link_create(
                report=report, created_by=request.user, expires_at=expires_at, password=form.cleaned_data["password"]
            )
        except (services.ReportStateError, services.ReportInputError) as error:
            messages.error(request, str(error))
            return redirect("report-detail", report.pk)

        url = request.build_absolute_uri(reverse("share-report", args=[token]))
        response = render(request, "reports/share_link_created.html", {"report": report, "link": link, "url": url})
        response["Cache-Control"] = "no-store"
        return response


class ShareLinkRevokeView(TenantObjectActionView):
    model = ShareLink

    def post(self, request, *args, **kwargs):
        link = self.get_object()
        services.share_link_revoke(share_link=link)
        messages.success(request, f"Share link {link.pk} is revoked; it now answers 404.")
        return redirect("report-detail", link.report_id)


class ReportPdfView(TenantScopedPageMixin, SingleObjectMixin, View):
    """Download the PDF of the report's published version."""

    model = Report
    http_method_names = ["get"]

    def get(self, request, *args, **kwargs):
        report = self.get_object()
        version = report.published_version
        if version is None:
            messages.error(request, "The report is not published yet, so it has no published PDF.")
            return redirect("report-detail", report.pk)
        return pdf_response(report, version)


class VersionPdfView(TenantScopedPageMixin, SingleObjectMixin, View):
    """Download one version's PDF. Client users reach only the published version."""

    model = ReportVersion
    http_method_names = ["get"]

    def get(self, request, *args, **kwargs):
        version = self.get_object()
        return pdf_response(version.report, version)


class ShareViewMixin:
    """Look up the share link by the token's hash, and return 404 unless it is usable. Anyone with a usable token reads the published version."""

    model = ShareLink

    def dispatch(self, request, *args, **kwargs):
        link = selectors.share_link_for_token(kwargs["token"])
        if link is None or not link.is_usable() or link.report.published_version is None:
            return self.gone()
        self.link = link
        response = super().dispatch(request, *args, **kwargs)
        # same-origin, not no-referrer: with no-referrer browsers send "Origin: null" and the CSRF check rejects the password form.
        response["Referrer-Policy"] = "same-origin"
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Cache-Control"] = "private, no-store"
        return response

    def gone(self):
        return HttpResponseNotFound(SHARE_LINK_GONE, content_type="text/plain; charset=utf-8")

    def is_unlocked(self):
        return not self.link.has_password or self.link.pk in self.request.session.get(SESSION_UNLOCKED_LINKS, [])


class ShareReportView(ShareViewMixin, View):
    """The shared report, behind a password form when the link has a password."""

    http_method_names = ["get", "post"]

    def get(self, request, token):
        if not self.is_unlocked():
            return self._password_page(SharePasswordForm())
        return self._report_page()

    def post(self, request, token):
        form = SharePasswordForm(request.POST)
        if not self.link.has_password:
            return redirect("share-report", token)
        if not form.is_valid():
            return self._password_page(form, status=403)
        try:
            accepted = services.share_link_check_password(share_link=self.link, password=form.cleaned_data["password"])
        except services.ShareLinkLocked as error:
            form.add_error("password", str(error))
            return self._password_page(form, status=429)
        if not accepted:
            form.add_error("password", "The password is not correct.")
            return self._password_page(form, status=403)

        unlocked = request.session.get(SESSION_UNLOCKED_LINKS, [])
        request.session[SESSION_UNLOCKED_LINKS] = [*unlocked, self.link.pk]
        return redirect("share-report", token)

    def _password_page(self, form, status=200):
        brand = selectors.brand_for(self.link.report.client.organization)
        return render(self.request, "reports/share_password.html", {"form": form, "brand": brand}, status=status)

    def _report_page(self):
        services.share_link_record_use(share_link=self.link)
        report = self.link.report
        context = {
            "report": report,
            "version": report.published_version,
            "brand": selectors.brand_for(report.client.organization),
            "token": self.kwargs["token"],
        }
        return render(self.request, "reports/share_report.html", context)


class SharePdfView(ShareViewMixin, View):
    http_method_names = ["get"]

    def get(self, request, token):
        if not self.is_unlocked():
            return redirect("share-report", token)
        services.share_link_record_use(share_link=self.link)
        return pdf_response(self.link.report, self.link.report.published_version)


class ClientTaskStatusView(ClientUserRequiredMixin, TenantScopedPageMixin, SingleObjectMixin, View):
    """Set the status of a published task from the client user's home page."""

    model = RemediationTask
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        task = self.get_object()
        form = TaskStatusForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose open, in progress or done.")
        else:
            services.task_status_set(task=task, status=form.cleaned_data["status"], user=request.user)
            messages.success(request, f"“{task.title}” is now {task.get_status_display().lower()}.")
        return redirect(reverse("client-home") + f"#task-{task.pk}")


class ClientTaskCommentView(ClientUserRequiredMixin, TenantScopedPageMixin, SingleObjectMixin, View):
    """Add a comment to a published task from the client user's home page."""

    model = RemediationTask
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        task = self.get_object()
        form = TaskCommentForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Write a comment before sending it.")
        else:
            services.task_comment_add(task=task, body=form.cleaned_data["body"], author=request.user)
            messages.success(request, "Comment added.")
        return redirect(reverse("client-home") + f"#task-{task.pk}")


class BrandSettingsView(LoginRequiredMixin, FormView):
    """The white-label name, logo and colours of the admin's organization."""

    form_class = BrandSettingsForm
    template_name = "reports/brand_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            # NOTE: an admin of several organizations edits the first one by name.
            membership = (
                Membership.objects.filter(user=request.user, organization_id__in=admin_organization_ids(request.user))
                .select_related("organization").order_by("organization__name").first()
            )
            if membership is None:
                raise PermissionDenied("Only organization admins change the brand settings.")
            self.organization = membership.organization
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        instance = BrandSettings.objects.visible_to(self.request.user).filter(organization=self.organization).first()
        return {**super().get_form_kwargs(), "instance": instance or BrandSettings(organization=self.organization)}

    def get_context_data(self, **kwargs):
        return super().get_context_data(organization=self.organization, brand=selectors.brand_for(self.organization), **kwargs)

    def form_valid(self, form):
        form.save()
        logger.info("brand settings saved organization_id=%s", self.organization.pk)
        messages.success(self.request, "Brand settings saved. New report versions use them.")
        return redirect("brand-settings")
