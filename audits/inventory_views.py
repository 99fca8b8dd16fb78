"""Pages of stack inventories: the latest inventory of a client, one run, and starting a new one."""
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.safestring import mark_safe
from django.views.generic import DetailView

from accounts.pages import ConsultantRequiredMixin, TenantScopedPageMixin
from portals.models import Client
from portals.views import TenantObjectActionView, enqueue_on_commit, refresh_while

from .inventory import STATUS_LABELS
from .inventory.svg import safe_svg_markup
from .inventory_runs import inventory_run_create
from .models import InventoryRun, ToolUsage
from .tasks import inventory_run_task

ACTIVE_STATUSES = {InventoryRun.Status.QUEUED, InventoryRun.Status.RUNNING}


class InventoryRunDetailView(ConsultantRequiredMixin, TenantScopedPageMixin, DetailView):
    """One inventory: the headline, the stack picture, the tool table with filters, gaps and changes."""

    model = InventoryRun
    template_name = "audits/inventory_run_detail.html"
    context_object_name = "run"

    def refine_queryset(self, queryset):
        return queryset.select_related("client")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        tools = self.object.tools.all()
        categories = sorted(set(self.object.tools.values_list("category", flat=True)))
        status = self.request.GET.get("status", "")
        category = self.request.GET.get("category", "")
        status = status if status in ToolUsage.Status.values else ""
        category = category if category in categories else ""
        if status:
            tools = tools.filter(status=status)
        if category:
            tools = tools.filter(category=category)

        context.update(
            client=self.object.client,
            tools=tools,
            status_filter=status,
            category_filter=category,
            statuses=ToolUsage.Status.choices,
            categories=categories,
            stack_svg=mark_safe(safe_svg_markup(self.object.stack_svg)),
            history=InventoryRun.objects.visible_to(self.request.user).filter(client=self.object.client)[:10],
            status_labels=STATUS_LABELS,
        )
        return context

    def render_to_response(self, context, **kwargs):
        return refresh_while(super().render_to_response(context, **kwargs), self.object.status in ACTIVE_STATUSES)


class ClientInventoryView(ConsultantRequiredMixin, TenantScopedPageMixin, DetailView):
    """The client's latest inventory, or an empty state that explains how to take one."""

    model = Client
    template_name = "audits/inventory_empty.html"
    context_object_name = "client"

    def get(self, request, *args, **kwargs):
        client = self.get_object()
        latest = InventoryRun.objects.visible_to(request.user).filter(client=client).first()
        if latest is not None:
            return redirect("inventory-run-detail", latest.pk)
        return super().get(request, *args, **kwargs)


class InventoryRunCreateView(TenantObjectActionView):
    """Queue a stack inventory of the client and open its page."""

    model = Client

    def post(self, request, *args, **kwargs):
        client = self.get_object()
        run = inventory_run_create(client=client, requested_by=request.user)
        enqueue_on_commit(inventory_run_task, client_id=client.pk, inventory_run_id=run.pk)
        messages.success(request, f"Stack inventory of {client.name} queued.")
        return redirect("inventory-run-detail", run.pk)
