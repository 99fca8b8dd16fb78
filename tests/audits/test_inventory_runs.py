"""Stack inventories on the sample portals find the planted tools with their planted status."""
import json

import pytest
from django.utils.dateparse import parse_datetime

from audits.inventory_runs import inventory_run_create, inventory_run_execute
from audits.models import InventoryRun, RemediationTask, ToolAnswer, WebsitePage
from portals.fakes import HubSpotFake
from portals.models import SyncRun
from portals.sync import engine
from tests.factories import ClientFactory, PortalFactory

STATUS_NAMES = {"integrated": "integrated", "partially integrated": "partially_integrated", "island": "island"}
# Planted tool names and the catalog names they are listed under.
CATALOG_NAMES = {"Zoom": "Zoom Webinars", "Marketo": "Marketo Engage", "GoToWebinar": "GoTo Webinar"}


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory):
    from portals.sample_data import generate

    path = tmp_path_factory.mktemp("inventory-sample")
    generate(path, clients=["northwind-software", "summit-services"])
    return path


def _synced_client(sample_dir, slug):
    manifest = json.loads((sample_dir / slug / "manifest.json").read_text())
    client = ClientFactory(name=manifest["client"]["name"], crm_of_record="hubspot", website_domains=manifest["client"]["domains"])
    with HubSpotFake(data_dir=str(sample_dir / slug)) as fake:
        portal = PortalFactory(client=client, api_base_url=fake.base_url, credentials={"access_token": fake.DEFAULT_TOKEN})
        sync_run = engine.sync_run_create(portal=portal, mode=SyncRun.Mode.FULL)
        assert engine.sync_run_execute(sync_run_id=sync_run.pk).status == SyncRun.Status.SUCCEEDED
    return client, manifest


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["northwind-software", "summit-services"])
def test_inventory_finds_planted_tools(sample_dir, slug):
    client, manifest = _synced_client(sample_dir, slug)

    run = inventory_run_execute(inventory_run_id=inventory_run_create(client=client).pk, now=parse_datetime(manifest["as_of"]))

    found = {tool.name: tool.status for tool in run.tools.all()}
    planted = {CATALOG_NAMES.get(tool["name"], tool["name"]): STATUS_NAMES[tool["planted_status"]] for tool in manifest["tools"]}
    assert run.status == InventoryRun.Status.SUCCEEDED
    assert found == planted
    assert run.headline.startswith(f"{len(planted)} tools")


@pytest.mark.django_db
def test_islands_get_remediation_tasks(sample_dir):
    client, manifest = _synced_client(sample_dir, "northwind-software")

    inventory_run_execute(inventory_run_id=inventory_run_create(client=client).pk, now=parse_datetime(manifest["as_of"]))
    inventory_run_execute(inventory_run_id=inventory_run_create(client=client).pk, now=parse_datetime(manifest["as_of"]))

    islands = RemediationTask.objects.filter(client=client, check_code="inventory.island")
    assert set(islands.values_list("finding_key", flat=True)) == {"on24", "drift", "cvent"}
    assert islands.count() == 3


@pytest.mark.django_db
def test_second_run_reports_change(world):
    first = inventory_run_execute(inventory_run_id=inventory_run_create(client=world.client).pk)
    ToolAnswer.objects.filter(client=world.client).delete()
    ToolAnswer.objects.create(client=world.client, tool_slug="intercom", in_use=True)

    second = inventory_run_execute(inventory_run_id=inventory_run_create(client=world.client).pk)

    assert second.previous_run_id == first.pk
    assert second.changes["summary"]


@pytest.mark.django_db
def test_uploaded_page_is_scanned(world):
    WebsitePage.objects.filter(client=world.client).delete()
    WebsitePage.objects.create(
        client=world.client,
        url="https://zebra-corp.test/",
        uploaded_html='<html><head><script src="https://js.hs-scripts.com/123.js"></script>'
        '<script src="https://js.driftt.com/include/1/abc.js"></script></head></html>',
    )

    run = inventory_run_execute(inventory_run_id=inventory_run_create(client=world.client).pk)

    assert run.scan_results == [{"url": "https://zebra-corp.test/", "status": "uploaded", "error": ""}]
    assert run.tools.filter(tool_slug="drift").exists()
