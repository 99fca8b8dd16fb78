import pytest

from reports import services
from tests.reports.rows import audit_history, inventory_history


@pytest.fixture
def history(world):
    return audit_history(world)


@pytest.fixture
def report(world, history):
    """A draft portal audit report of the current audit, not rendered yet."""
    return services.report_create(client=world.client, kind="portal_audit", audit_run=history.current, created_by=world.consultant)


@pytest.fixture
def rendered(report, world):
    """The draft report with its first version rendered."""
    services.report_render(report_id=report.pk, rendered_by=world.consultant)
    report.refresh_from_db()
    return report


@pytest.fixture
def published(rendered, world):
    return services.report_publish(report=rendered, published_by=world.consultant)


@pytest.fixture
def inventories(world):
    return inventory_history(world)


@pytest.fixture
def inventory_report(world, inventories):
    """A draft stack inventory report of the current inventory, not rendered yet."""
    return services.report_create(client=world.client, kind="stack_inventory", inventory_run=inventories.current, created_by=world.consultant)


@pytest.fixture
def inventory_published(inventory_report, world):
    """The stack inventory report, rendered once and published with its tasks."""
    services.report_render(report_id=inventory_report.pk, rendered_by=world.consultant)
    return services.report_publish(report=inventory_report, published_by=world.consultant)
