"""The one base class for every tenant-scoped API endpoint, and the related-field that matches it."""
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import permissions, serializers, viewsets

from .tenancy import admin_organization_ids, colleagues_of


class TenantScopedViewSetMixin:
    """Scope every query to `model.objects.visible_to(request.user)`.

    Subclasses set `model` and may narrow the queryset in `refine_queryset`; defining
    `get_queryset` is rejected when the class is created, so no endpoint can widen its scope
    by accident. Objects outside the scope are simply absent, so DRF answers 404 for them.
    """

    model = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(
                f"{cls.__name__} overrides get_queryset; narrow the scoped queryset in refine_queryset instead."
            )

    def get_queryset(self):
        queryset = self.model.objects.visible_to(self.request.user)
        return self.refine_queryset(queryset)

    def refine_queryset(self, queryset):
        """Add select_related, annotations or filters. Must return a subset of `queryset`."""
        return queryset


class TenantScopedModelViewSet(TenantScopedViewSetMixin, viewsets.ModelViewSet):
    pass


class TenantScopedReadOnlyViewSet(TenantScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


@extend_schema_field(OpenApiTypes.INT)
class TenantRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary-key field that accepts only objects visible to the requesting user.

    Another tenant's id fails validation with the same message as an id that does not exist.
    """

    def __init__(self, model=None, scope="visible_to", **kwargs):
        self.model = model
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        user = getattr(request, "user", None)
        return getattr(self.model.objects, self.scope)(user)


class ColleagueRelatedField(serializers.PrimaryKeyRelatedField):
    """A user id field that accepts only members of the requesting user's organizations.

    A user of another organization fails with the same message as an id that does not exist.
    """

    def get_queryset(self):
        request = self.context.get("request")
        return colleagues_of(getattr(request, "user", None))


class IsOrganizationAdminForWrites(permissions.BasePermission):
    """Writes only by a user who is an admin of at least one organization; the queryset narrows the rest."""

    message = "Only organization admins can make this change."

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        return admin_organization_ids(request.user).exists()
