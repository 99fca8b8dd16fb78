"""factory-boy factories. Related objects always share one client and one organization."""
import factory

from accounts.models import ClientUser, Membership, Organization, User
from portals.models import Client, Engagement, Portal

TEST_PASSWORD = "correct-horse-battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["email"]
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@consultancy.test")
    full_name = factory.Faker("name")

    @factory.post_generation
    def password(user, create, extracted, **kwargs):
        user.set_password(extracted or TEST_PASSWORD)
        if create:
            user.save(update_fields=["password"])


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Consultancy {n}")
    slug = factory.Sequence(lambda n: f"consultancy-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.CONSULTANT


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Client {n}")
    website_domains = factory.LazyAttribute(lambda client: [client.name.lower().replace(" ", "-") + ".test"])
    industry = "Computer Software"
    employee_band = Client.EmployeeBand.B51_200
    crm_of_record = Client.Crm.HUBSPOT


class ClientUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClientUser

    user = factory.SubFactory(UserFactory)
    client = factory.SubFactory(ClientFactory)
    job_title = "Marketing Manager"


class EngagementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Engagement

    client = factory.SubFactory(ClientFactory)
    name = factory.Sequence(lambda n: f"Audit {n}")
    kind = Engagement.Kind.AUDIT
    status = Engagement.Status.ACTIVE


class PortalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Portal
        skip_postgeneration_save = True

    client = factory.SubFactory(ClientFactory)
    vendor = Portal.Vendor.HUBSPOT
    account_id = factory.Sequence(lambda n: str(4400000 + n))
    name = factory.LazyAttribute(lambda portal: f"{portal.client.name} HubSpot")

    @factory.post_generation
    def credentials(portal, create, extracted, **kwargs):
        if extracted:
            portal.set_credentials(extracted)
            if create:
                portal.save()
