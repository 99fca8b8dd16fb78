"""The tenancy rules. Every client-scoped read goes through one of these querysets.

A Client is the tenant boundary. Organization admins manage every client of their
organization, consultants manage the clients assigned to them, and client users manage
nothing: they only read what is published to their own client, through querysets of the
apps that publish (reports, remediation tasks). Every rule fails closed: an anonymous or
inactive user, or a user with no membership, gets an empty queryset.
"""
from django.apps import apps
from django.db import models
from django.db.models import Q


def _is_active_user(user):
    return bool(user and user.is_authenticated and user.is_active)


def admin_organization_ids(user):
    """Return a subquery of the ids of the organizations where the user is an admin."""
    Membership = apps.get_model("accounts", "Membership")
    if not _is_active_user(user):
        return Membership.objects.none().values("organization_id")
    return Membership.objects.filter(user=user, role=Membership.Role.ADMIN).values("organization_id")


def managed_client_ids(user):
    """Return a subquery of the ids of the clients that the user manages as a consultant or admin."""
    Client = apps.get_model("portals", "Client")
    if not _is_active_user(user):
        return Client.objects.none().values("id")

    assigned = Q(
        assigned_memberships__user=user,
        assigned_memberships__organization_id=models.F("organization_id"),
    )
    administered = Q(organization_id__in=admin_organization_ids(user))
    return Client.objects.filter(assigned | administered).values("id")


def colleagues_of(user):
    """Return the users who are members of an organization the user is a member of."""
    User = apps.get_model("accounts", "User")
    Membership = apps.get_model("accounts", "Membership")
    if not _is_active_user(user):
        return User.objects.none()
    organization_ids = Membership.objects.filter(user=user).values("organization_id")
    return User.objects.filter(memberships__organization_id__in=organization_ids).distinct()


def client_user_client_id(user):
    """Return the id of the client a client user belongs to, or None for everyone else."""
    if not _is_active_user(user):
        return None
    client_user = getattr(user, "client_user", None)
    return client_user.client_id if client_user else None


class OrganizationQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not _is_active_user(user):
            return self.none()
        return self.filter(memberships__user=user).distinct()


class ClientQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(id__in=managed_client_ids(user))

    def administered_by(self, user):
        """Clients of the organizations where the user is an admin."""
        return self.filter(organization_id__in=admin_organization_ids(user))


class ClientScopedQuerySet(models.QuerySet):
    """Base queryset for every model that carries `client_id`."""

    def visible_to(self, user):
        return self.filter(client_id__in=managed_client_ids(user))

    def for_client(self, client_id):
        return self.filter(client_id=client_id)


class MembershipQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Return the memberships of the user's administered organizations, plus the user's own."""
        if not _is_active_user(user):
            return self.none()
        return self.filter(Q(organization_id__in=admin_organization_ids(user)) | Q(user=user))

    def administered_by(self, user):
        return self.filter(organization_id__in=admin_organization_ids(user))


class ClientUserQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Organization admins manage the client users of their organization's clients."""
        if not _is_active_user(user):
            return self.none()
        return self.filter(client__organization_id__in=admin_organization_ids(user))


class ApiKeyQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not _is_active_user(user):
            return self.none()
        return self.filter(user=user)


class ClientPublishedQuerySet(ClientScopedQuerySet):
    """Rows that consultants manage and that the client's users read once published.

    The model must have a boolean field named by `published_field`.
    """

    published_field = "visible_to_client"

    def visible_to(self, user):
        client_id = client_user_client_id(user)
        if client_id is not None:
            return self.filter(client_id=client_id, **{self.published_field: True})
        return super().visible_to(user)
