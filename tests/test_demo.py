import pytest
from django.core.management import call_command

from accounts.models import ClientUser, Membership
from portals.models import Client


@pytest.mark.django_db
def test_demo_seeds_two_clients_with_users(capsys):
    call_command("demo")

    output = capsys.readouterr().out
    assert Client.objects.count() == 2
    assert ClientUser.objects.count() == 2
    assert Membership.objects.filter(role="admin").count() == 1
    assert "admin@brightline.example" in output


@pytest.mark.django_db
def test_demo_twice_changes_nothing():
    call_command("demo")
    counts = (Client.objects.count(), ClientUser.objects.count(), Membership.objects.count())

    call_command("demo")

    assert (Client.objects.count(), ClientUser.objects.count(), Membership.objects.count()) == counts
