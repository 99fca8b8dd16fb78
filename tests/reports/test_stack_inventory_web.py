"""Stack inventory reports through the API and the pages: source checks, sharing, the client portal, delivery and overviews."""
import pytest
from django.core import mail

from audits.models import InventoryRun
from reports import services
from reports.models import Report
from tests.conftest import login
from tests.reports.test_services import schedule_for

pytestmark = pytest.mark.django_db


def create_api(api_client, **body):
    return api_client.post("/api/v1/reports/", body, format="json")


def create_page(client, client_id, **data):
    return client.post(f"/clients/{client_id}/reports/new/", data)


def test_api_create_render_publish(api_client, world, inventories, django_capture_on_commit_callbacks):
    login(api_client, world.consultant)

    created = create_api(api_client, client=world.client.pk, kind="stack_inventory", inventory_run=inventories.current.pk)
    report_id = created.json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        rendered = api_client.post(f"/api/v1/reports/{report_id}/render/")
    published = api_client.post(f"/api/v1/reports/{report_id}/publish/", {}, format="json")

    assert created.status_code == 201
    assert created.json()["inventory_run"] == inventories.current.pk
    assert created.json()["audit_run"] is None
    assert rendered.status_code == 202
    assert published.status_code == 200
    assert published.json()["published_version_number"] == 1
    assert Report.objects.get(pk=report_id).published_version.data["headline"] == (
        "5 tools, 1 integrated, 1 partially integrated, 2 islands, 1 unknown"
    )


def test_api_rejects_other_clients_inventory(api_client, world, inventories):
    login(api_client, world.admin)

    response = create_api(api_client, client=world.sibling_client.pk, kind="stack_inventory", inventory_run=inventories.current.pk)

    assert response.status_code == 400
    assert response.json()["inventory_run"] == [
        f"Stack inventory {inventories.current.pk} belongs to another client, not Sibling Ltd. "
        "Choose a stack inventory of Sibling Ltd."
    ]
    assert not Report.objects.filter(client=world.sibling_client).exists()


def test_api_hides_other_organizations_inventory(api_client, world, inventories):
    login(api_client, world.attackers["other_org_admin"])
    before = Report.objects.count()

    response = create_api(api_client, client=world.other_client.pk, kind="stack_inventory", inventory_run=inventories.current.pk)

    assert response.status_code == 400
    assert "does not exist" in response.json()["inventory_run"][0]
    assert "zebra" not in response.content.decode().lower()
    assert Report.objects.count() == before


def test_api_rejects_unfinished_inventory(api_client, world):
    running = InventoryRun.objects.create(client=world.client, status=InventoryRun.Status.RUNNING)
    login(api_client, world.consultant)

    response = create_api(api_client, client=world.client.pk, kind="stack_inventory", inventory_run=running.pk)

    assert response.status_code == 400
    assert response.json()["inventory_run"][0].startswith(f"Stack inventory {running.pk} has status running.")


def test_api_needs_inventory(api_client, world):
    login(api_client, world.consultant)

    response = create_api(api_client, client=world.client.pk, kind="stack_inventory")

    assert response.status_code == 400
    assert "built from a finished stack inventory" in response.json()["inventory_run"][0]


def test_api_rejects_audit_run_for_inventory_kind(api_client, world, history, inventories):
    login(api_client, world.consultant)

    response = create_api(api_client, client=world.client.pk, kind="stack_inventory", audit_run=history.current.pk,
                          inventory_run=inventories.current.pk)

    assert response.status_code == 400
    assert "audit_run must be empty" in response.json()["audit_run"][0]


def test_api_rejects_inventory_for_audit_kind(api_client, world, inventories):
    login(api_client, world.consultant)

    response = create_api(api_client, client=world.client.pk, kind="portal_audit", inventory_run=inventories.current.pk)

    assert response.status_code == 400
    assert "inventory_run must be empty" in response.json()["inventory_run"][0]


def test_api_filters_by_inventory_run(api_client, world, published, inventory_report, inventories):
    login(api_client, world.consultant)

    response = api_client.get(f"/api/v1/reports/?inventory_run={inventories.current.pk}")

    assert [row["id"] for row in response.json()["results"]] == [inventory_report.pk]


def test_page_creates_inventory_report(client, world, inventories):
    login(client, world.consultant)

    response = create_page(client, world.client.pk, kind="stack_inventory", inventory_run=inventories.current.pk)

    report = Report.objects.get(client=world.client, kind="stack_inventory")
    assert response.status_code == 302
    assert response["Location"] == f"/reports/{report.pk}/"
    assert report.inventory_run == inventories.current


def test_page_preselects_latest_inventory(client, world, history, inventories):
    login(client, world.consultant)

    content = client.get(f"/clients/{world.client.pk}/reports/new/?kind=stack_inventory").content.decode()

    assert f'<option value="{inventories.current.pk}" selected>' in content
    assert f'<option value="{history.current.pk}" selected>' not in content
    assert '<option value="stack_inventory" selected>' in content


def test_page_rejects_other_clients_inventory(client, world, inventories):
    login(client, world.admin)

    response = create_page(client, world.sibling_client.pk, kind="stack_inventory", inventory_run=inventories.current.pk)

    assert response.status_code == 200
    assert (f"Stack inventory {inventories.current.pk} is not a finished stack inventory of Sibling Ltd. "
            "Choose one from the list.") in response.content.decode()
    assert not Report.objects.filter(client=world.sibling_client).exists()


def test_page_rejects_unfinished_inventory(client, world):
    running = InventoryRun.objects.create(client=world.client, status=InventoryRun.Status.RUNNING)
    login(client, world.consultant)

    response = create_page(client, world.client.pk, kind="stack_inventory", inventory_run=running.pk)

    assert response.status_code == 200
    assert f"Stack inventory {running.pk} is not a finished stack inventory of Zebra Corp." in response.content.decode()
    assert not Report.objects.filter(kind="stack_inventory").exists()


def test_page_rejects_wrong_combination(client, world, history, inventories):
    login(client, world.consultant)

    response = create_page(client, world.client.pk, kind="portal_audit", audit_run=history.current.pk,
                           inventory_run=inventories.current.pk)

    assert response.status_code == 200
    assert "inventory_run must be empty" in response.content.decode()
    assert not Report.objects.filter(client=world.client, inventory_run=inventories.current).exists()


def test_page_needs_inventory(client, world, inventories):
    login(client, world.consultant)

    response = create_page(client, world.client.pk, kind="stack_inventory", inventory_run="")

    assert response.status_code == 200
    assert "A stack inventory report is built from a finished stack inventory." in response.content.decode()


def test_detail_links_inventory(client, world, inventory_report, inventories):
    login(client, world.consultant)

    content = client.get(f"/reports/{inventory_report.pk}/").content.decode()

    assert f'href="/inventories/{inventories.current.pk}/"' in content
    assert "<dd>Stack inventory</dd>" in content


def test_share_link_opens_inventory_report(client, world, inventory_published):
    _, token = services.share_link_create(report=inventory_published, created_by=world.consultant)

    page = client.get(f"/share/{token}/")
    pdf = client.get(f"/share/{token}/pdf/")

    assert page.status_code == 200
    assert "Islands (2)" in page.content.decode()
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"


def test_client_user_reads_inventory_report(client, world, inventory_published):
    login(client, world.client_user)

    home = client.get("/home/").content.decode()
    pdf = client.get(f"/reports/{inventory_published.pk}/pdf/")

    assert inventory_published.title in home
    assert "Connect Intercom to the CRM" in home
    assert "Connect Olark to the CRM" not in home
    assert pdf.status_code == 200


def test_other_client_user_cannot_read_inventory_report(client, world, inventory_published):
    login(client, world.attackers["sibling_client_user"])

    assert client.get(f"/reports/{inventory_published.pk}/").status_code == 404
    assert client.get(f"/reports/{inventory_published.pk}/pdf/").status_code == 404


def test_delivery_attaches_both_kinds(world, published, inventory_published):
    schedule = schedule_for(world)

    services.delivery_send(schedule_id=schedule.pk)

    filenames = sorted(name for name, _, _ in mail.outbox[0].attachments)
    assert filenames == sorted([
        services.version_filename(published, published.published_version),
        services.version_filename(inventory_published, inventory_published.published_version),
    ])


def test_brand_applies_to_inventory_report(world, inventory_report):
    from reports.models import BrandSettings

    BrandSettings.objects.create(organization=world.organization, display_name="Zebra Partners", primary_color="#123456")

    version = services.report_render(report_id=inventory_report.pk)

    assert "Zebra Partners" in version.html
    assert "#123456" in version.html


def test_timeline_shows_inventory_and_report(client, world, inventory_published, inventories):
    login(client, world.consultant)

    content = client.get(f"/clients/{world.client.pk}/timeline/").content.decode()

    assert f"Stack inventory {inventories.current.pk}" in content
    assert f"Stack inventory report from stack inventory {inventories.current.pk}" in content
    assert f"Report published: {inventory_published.title}" in content


def test_dashboard_shows_inventory_and_reports(client, world, published, inventory_published, inventories):
    login(client, world.consultant)

    content = client.get("/dashboard/").content.decode()

    assert inventories.current.headline in content
    assert f'href="/reports/{inventory_published.pk}/">Stack inventory</a>' in content
    assert f'href="/reports/{published.pk}/">Portal audit</a>' in content
