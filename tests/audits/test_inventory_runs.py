"""Stack inventories on the sample portals find the planted tools with their planted status."""
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.dateparse import parse_datetime

from audits import inventory
from audits.inventory_runs import inventory_run_create, inventory_run_execute
from audits.models import InventoryRun, RemediationTask, ToolAnswer, WebsitePage
from portals.connectors import fake_support, salesforce
from portals.fakes import HubSpotFake, SalesforceFake
from portals.models import Portal, SyncRun, Touchpoint
from portals.sync import csv_service, engine
from tests.factories import ClientFactory, PortalFactory

STATUS_NAMES = {"integrated": "integrated", "partially integrated": "partially_integrated", "island": "island"}
# Planted tool names and the catalog names they are listed under.
CATALOG_NAMES = {
    "Zoom": "Zoom Webinars", "Marketo": "Marketo Engage", "GoToWebinar": "GoTo Webinar", "Pardot": "Account Engagement (Pardot)",
}
HUBSPOT_CLIENTS = ["northwind-software", "summit-services"]


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory):
    from portals.sample_data import generate

    path = tmp_path_factory.mktemp("inventory-sample")
    generate(path, clients=[*HUBSPOT_CLIENTS, "harbor-manufacturing"])
    return path


def _synced_client(sample_dir, slug):
    manifest = json.loads((sample_dir / slug / "manifest.json").read_text())
    client = ClientFactory(name=manifest["client"]["name"], crm_of_record="hubspot", website_domains=manifest["client"]["domains"])
    with HubSpotFake(data_dir=str(sample_dir / slug)) as fake:
        portal = PortalFactory(client=client, api_base_url=fake.base_url, credentials={"access_token": fake.DEFAULT_TOKEN})
        sync_run = engine.sync_run_create(portal=portal, mode=SyncRun.Mode.FULL)
        assert engine.sync_run_execute(sync_run_id=sync_run.pk).status == SyncRun.Status.SUCCEEDED
    return client, manifest


def _harbor_client(sample_dir, monkeypatch):
    """Sync the Salesforce portal from the fake server, then import the Pardot prospect and visits exports."""
    manifest = json.loads((sample_dir / "harbor-manufacturing" / "manifest.json").read_text())
    client = ClientFactory(name=manifest["client"]["name"], crm_of_record="salesforce", website_domains=manifest["client"]["domains"])
    with SalesforceFake(data_dir=str(sample_dir / "harbor-manufacturing")) as fake:
        monkeypatch.setattr(salesforce, "session_factory", fake.requests_session)
        portal = PortalFactory(client=client, vendor=Portal.Vendor.SALESFORCE, api_base_url=fake.base_url,
                               credentials=fake_support.demo_credentials("salesforce", fake))
        sync_run = engine.sync_run_create(portal=portal, mode=SyncRun.Mode.FULL)
        assert engine.sync_run_execute(sync_run_id=sync_run.pk).status == SyncRun.Status.SUCCEEDED

    pardot = PortalFactory(client=client, vendor=Portal.Vendor.PARDOT, name="Harbor Pardot")
    for name in ("pardot_prospects.csv", "pardot_visits.csv"):
        path = sample_dir / "harbor-manufacturing" / "exports" / name
        upload = csv_service.csv_upload_create(portal=pardot, uploaded_file=SimpleUploadedFile(name, path.read_bytes()))
        csv_service.csv_upload_start_import(upload=upload)
        assert csv_service.csv_import_execute(upload_id=upload.pk).status == SyncRun.Status.SUCCEEDED
    return client, manifest


def _planted_tools(manifest):
    return {CATALOG_NAMES.get(tool["name"], tool["name"]): STATUS_NAMES[tool["planted_status"]] for tool in manifest["tools"]}


@pytest.mark.django_db
def test_inventory_finds_harbor_tools(sample_dir, monkeypatch):
    client, manifest = _harbor_client(sample_dir, monkeypatch)

    run = inventory_run_execute(inventory_run_id=inventory_run_create(client=client).pk, now=parse_datetime(manifest["as_of"]))

    found = {tool.name: tool.status for tool in run.tools.all()}
    planted = _planted_tools(manifest)
    assert run.status == InventoryRun.Status.SUCCEEDED
    statuses = list(planted.values())
    assert found == planted
    assert run.headline == (
        f"{len(planted)} tools, {statuses.count('integrated')} integrated, {statuses.count('partially_integrated')} partially "
        f"integrated, {statuses.count('island')} islands, 0 unknown"
    )


@pytest.mark.django_db
def test_zoominfo_writes_title_only(sample_dir, monkeypatch):
    client, manifest = _harbor_client(sample_dir, monkeypatch)

    run = inventory_run_execute(inventory_run_id=inventory_run_create(client=client).pk, now=parse_datetime(manifest["as_of"]))

    zoominfo = run.tools.get(tool_slug="zoominfo")
    assert zoominfo.reason.endswith("writes only the job title field.")
    assert [item["kind"] for item in zoominfo.evidence] == ["connected_app"]


@pytest.mark.django_db
def test_harbor_islands_seen_in_visits(sample_dir, monkeypatch):
    client, manifest = _harbor_client(sample_dir, monkeypatch)

    run = inventory_run_execute(inventory_run_id=inventory_run_create(client=client).pk, now=parse_datetime(manifest["as_of"]))

    planted_sources = {tool["values"][0] for tool in manifest["tools"] if tool["evidence"] == "utm_source"}
    islands = run.tools.filter(status="island")
    seen = {item["evidence"] for tool in islands for item in tool.evidence if item["kind"] == "utm_source"}
    assert seen == planted_sources
    assert not Touchpoint.objects.filter(client=client, utm_source__in=planted_sources).exclude(external_id__startswith="pardot:visit:").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("slug", HUBSPOT_CLIENTS)
def test_inventory_finds_planted_tools(sample_dir, slug):
    client, manifest = _synced_client(sample_dir, slug)

    run = inventory_run_execute(inventory_run_id=inventory_run_create(client=client).pk, now=parse_datetime(manifest["as_of"]))

    found = {tool.name: tool.status for tool in run.tools.all()}
    planted = _planted_tools(manifest)
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


def test_app_link_title_only_is_one_way():
    link = inventory.app_link(None, properties=1, funnel_properties=0, only_property="job_title")

    assert link.one_way
    assert link.detail == "writes only the job title field"


def test_app_link_source_writer_integrated():
    # A webinar app that creates contacts writes their original source only, which moves people into the funnel.
    link = inventory.app_link(None, properties=1, funnel_properties=1, only_property="original_source")

    assert not link.one_way


def test_app_link_single_lifecycle_step():
    link = inventory.app_link(None, properties=1, funnel_properties=1, only_property="lifecycle_stage", lifecycle_stages=1)

    assert link.one_way
    assert link.detail == "writes a single lifecycle step"


def test_app_link_profile_fields_only():
    link = inventory.app_link(None, properties=2, funnel_properties=0, only_property="job_title")

    assert link.one_way
    assert link.detail == "writes only profile fields"
