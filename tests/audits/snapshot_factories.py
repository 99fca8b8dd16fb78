"""factory-boy factories of snapshot rows. Pass `portal=`, and the row's client is the portal's client."""
from datetime import datetime, timezone

import factory

from portals.models import Company, Contact, Form, LifecycleChange, Owner, Touchpoint
from tests.factories import PortalFactory

# Default time of rows that need one. Tests that measure time pass their own.
BASE_TIME = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


class SnapshotFactory(factory.django.DjangoModelFactory):
    class Meta:
        abstract = True

    portal = factory.SubFactory(PortalFactory)
    client = factory.LazyAttribute(lambda row: row.portal.client)
    external_id = factory.Sequence(lambda n: str(90000 + n))


class OwnerFactory(SnapshotFactory):
    class Meta:
        model = Owner

    email = factory.LazyAttribute(lambda owner: f"owner{owner.external_id}@seller.test")
    first_name = "Rep"
    last_name = factory.LazyAttribute(lambda owner: owner.external_id)
    is_active = True


class CompanyFactory(SnapshotFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Company {n}")
    domain = factory.Sequence(lambda n: f"company{n}.test")


class ContactFactory(SnapshotFactory):
    class Meta:
        model = Contact

    email = factory.Sequence(lambda n: f"person{n}@example.test")


class TouchpointFactory(SnapshotFactory):
    class Meta:
        model = Touchpoint

    contact_external_id = "1"
    occurred_at = BASE_TIME
    kind = Touchpoint.Kind.PAGE_VIEW


class LifecycleChangeFactory(SnapshotFactory):
    class Meta:
        model = LifecycleChange

    contact_external_id = "1"
    from_stage = ""
    to_stage = "lead"
    changed_at = BASE_TIME
    changed_by = "workflow"


class FormFactory(SnapshotFactory):
    class Meta:
        model = Form

    name = factory.Sequence(lambda n: f"Form {n}")


# Factories of the attribution and measurement check tests.
from portals.models import Campaign, Deal, PropertyChange  # noqa: E402


class PropertyChangeFactory(SnapshotFactory):
    class Meta:
        model = PropertyChange

    object_type = "contact"
    record_external_id = "1"
    property = PropertyChange.Property.ORIGINAL_SOURCE
    value = ""
    changed_at = BASE_TIME
    changed_by = "analytics"


class CampaignFactory(SnapshotFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"Campaign {n}")


class DealFactory(SnapshotFactory):
    class Meta:
        model = Deal

    name = factory.Sequence(lambda n: f"Deal {n}")
