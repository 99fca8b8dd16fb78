import pytest

from audits.models import InventoryRun
from tests.conftest import login


@pytest.mark.django_db
def test_inventory_page_shows_tools_and_picture(client, world):
    login(client, world.consultant)
    run = InventoryRun.objects.get(client=world.client)

    response = client.get(f"/inventories/{run.pk}/")

    assert response.status_code == 200
    assert b"Zebra stack: 1 tool" in response.content
    assert b"Drift" in response.content


@pytest.mark.django_db
def test_inventory_page_filters_by_status(client, world):
    login(client, world.consultant)
    run = InventoryRun.objects.get(client=world.client)

    response = client.get(f"/inventories/{run.pk}/", {"status": "integrated"})

    assert b"No tool matches these filters." in response.content


@pytest.mark.django_db
def test_client_inventory_redirects_to_latest(client, world):
    login(client, world.consultant)
    run = InventoryRun.objects.get(client=world.client)

    response = client.get(f"/clients/{world.client.pk}/inventory/")

    assert response.status_code == 302
    assert response["Location"] == f"/inventories/{run.pk}/"


@pytest.mark.django_db
def test_take_inventory_runs_task(client, world, django_capture_on_commit_callbacks):
    login(client, world.consultant)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/clients/{world.client.pk}/inventory/new/")

    run = InventoryRun.objects.filter(client=world.client).order_by("-pk").first()
    assert response.status_code == 302
    assert run.status == InventoryRun.Status.SUCCEEDED
    assert run.tools.filter(tool_slug="drift").exists()


@pytest.mark.django_db
def test_inventory_of_other_tenant_is_404(client, world):
    login(client, world.attackers["other_org_consultant"])
    run = InventoryRun.objects.get(client=world.client)

    assert client.get(f"/inventories/{run.pk}/").status_code == 404
    assert client.post(f"/clients/{world.client.pk}/inventory/new/").status_code == 404
