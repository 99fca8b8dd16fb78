from django.views.generic import DetailView, ListView

from accounts.pages import ConsultantRequiredMixin, TenantScopedPageMixin

from .models import Client


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
        context["engagements"] = self.object.engagements.select_related("lead_consultant")
        context["portals"] = self.object.portals.all()
        return context
