import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.models import Organization
from portals.models import Client, Engagement


@pytest.mark.django_db
def test_admin_sees_every_client_of_organization(world):
    names = set(Client.objects.visible_to(world.admin).values_list("name", flat=True))

    assert names == {"Zebra Corp", "Sibling Ltd"}


@pytest.mark.django_db
def test_consultant_sees_assigned_clients_only(world):
    names = set(Client.objects.visible_to(world.consultant).values_list("name", flat=True))

    assert names == {"Zebra Corp"}


@pytest.mark.django_db
def test_client_user_manages_no_client(world):
    assert not Client.objects.visible_to(world.client_user).exists()
    assert not Engagement.objects.visible_to(world.client_user).exists()


@pytest.mark.django_db
def test_anonymous_user_sees_nothing(world):
    anonymous = AnonymousUser()

    assert not Client.objects.visible_to(anonymous).exists()
    assert not Organization.objects.visible_to(anonymous).exists()


@pytest.mark.django_db
def test_inactive_admin_sees_nothing(world):
    world.admin.is_active = False
    world.admin.save()

    assert not Client.objects.visible_to(world.admin).exists()


@pytest.mark.django_db
def test_assignment_in_foreign_organization_grants_nothing(world):
    """An assignment row that points at another organization's client does not open that client."""
    outsider = world.attackers["other_org_consultant"]
    outsider.memberships.get().assigned_clients.add(world.client)

    assert not Client.objects.visible_to(outsider).filter(pk=world.client.pk).exists()


def test_viewset_may_not_override_get_queryset():
    from accounts.viewsets import TenantScopedModelViewSet

    with pytest.raises(TypeError, match="overrides get_queryset"):
        type("LeakyViewSet", (TenantScopedModelViewSet,), {"get_queryset": lambda self: None})


def test_page_may_not_override_get_queryset():
    from django.views.generic import ListView

    from accounts.pages import TenantScopedPageMixin

    with pytest.raises(TypeError, match="overrides get_queryset"):
        type("LeakyPage", (TenantScopedPageMixin, ListView), {"get_queryset": lambda self: None})
