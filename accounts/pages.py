"""The base for every tenant-scoped web page, mirroring the API's TenantScopedViewSetMixin."""
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.views.generic import FormView
from django.views.generic.detail import SingleObjectMixin


class TenantScopedPageMixin(LoginRequiredMixin):
    """Scope a ListView or DetailView to `model.objects.visible_to(request.user)`.

    Defining `get_queryset` in a subclass is rejected; narrow the queryset in `refine_queryset`.
    Objects outside the scope are absent, so DetailView raises Http404 for them.
    """

    model = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(f"{cls.__name__} overrides get_queryset; use refine_queryset instead.")

    def get_queryset(self):
        return self.refine_queryset(self.model.objects.visible_to(self.request.user))

    def refine_queryset(self, queryset):
        return queryset


class ConsultantRequiredMixin(LoginRequiredMixin):
    """Pages for consultants and admins; client users get 403 with a pointer to their own page."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.is_client_user:
            raise PermissionDenied("This page is for consultants. Your reports are on your home page.")
        return super().dispatch(request, *args, **kwargs)


class ClientFormView(ConsultantRequiredMixin, TenantScopedPageMixin, SingleObjectMixin, FormView):
    """A form about one client: the client is looked up in the user's scope before GET and POST.

    The form receives the client and the requesting user as `client` and `user`.
    """

    context_object_name = "client"

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "client": self.object, "user": self.request.user}
