import pytest
from django.core.management import call_command

from accounts.models import ClientUser, Membership
from portals.models import Client, Portal


@pytest.fixture
def sample_dir(tmp_path_factory):
    from portals.sample_data import generate

    path = tmp_path_factory.mktemp("sample")
    generate(path, contacts=400)
    return path


@pytest.mark.django_db
def test_demo_seeds_sample_clients_with_users(capsys, sample_dir):
    call_command("demo", data_dir=str(sample_dir), seed_only=True)

    output = capsys.readouterr().out
    assert set(Client.objects.values_list("name", flat=True)) == {"Northwind Software", "Harbor Manufacturing", "Summit Services"}
    assert ClientUser.objects.count() == 3
    assert Membership.objects.filter(role="admin").count() == 1
    assert Portal.objects.filter(vendor="salesforce", account_id="00D5g000004HARBR").exists()
    assert "admin@brightline.example" in output


@pytest.mark.django_db
def test_demo_twice_changes_nothing(sample_dir):
    call_command("demo", data_dir=str(sample_dir), seed_only=True)
    counts = (Client.objects.count(), ClientUser.objects.count(), Membership.objects.count(), Portal.objects.count())

    call_command("demo", data_dir=str(sample_dir), seed_only=True)

    assert (Client.objects.count(), ClientUser.objects.count(), Membership.objects.count(), Portal.objects.count()) == counts
