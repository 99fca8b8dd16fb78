"""A new report names the previous report by its published title, never by its unpublished draft title."""
import pytest
from django.test import Client as PageClient

from reports import services
from tests.reports.rows import inventory_history

DRAFT_TITLE = "DRAFT internal: renegotiating the Zebra contract"


def _publish(report, world):
    services.report_render(report_id=report.pk, rendered_by=world.consultant)
    return services.report_publish(report=report, published_by=world.consultant)


@pytest.fixture
def two_inventory_reports(world):
    inventories = inventory_history(world)
    earlier = services.report_create(
        client=world.client, kind="stack_inventory", inventory_run=inventories.previous, title="Stack inventory, spring", created_by=world.consultant,
    )
    _publish(earlier, world)
    # The consultant edits the published report's draft title and does not render or publish it again.
    page = PageClient()
    page.force_login(world.consultant)
    page.post(f"/reports/{earlier.pk}/", {"title": DRAFT_TITLE, "summary": ""})
    earlier.refresh_from_db()
    assert earlier.title == DRAFT_TITLE

    later = services.report_create(
        client=world.client, kind="stack_inventory", inventory_run=inventories.current, title="Stack inventory, summer", created_by=world.consultant,
    )
    return _publish(later, world)


def test_client_page_hides_previous_draft_title(world, two_inventory_reports):
    page = PageClient()
    page.force_login(world.client_user)

    body = page.get(f"/reports/{two_inventory_reports.pk}/").content.decode()

    assert DRAFT_TITLE not in body
    assert "Stack inventory, spring" in body


def test_snapshot_names_published_title(world, two_inventory_reports):
    version = two_inventory_reports.published_version

    assert version.data["comparison"]["report_title"] == "Stack inventory, spring"
