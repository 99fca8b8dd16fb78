import pytest

from audits.models import AuditRun
from reports.models import Report
from reports.tasks import report_render_task

pytestmark = pytest.mark.django_db


def test_render_task_creates_version(report, world):
    version_id = report_render_task.delay(client_id=world.client.pk, report_id=report.pk, rendered_by_id=world.consultant.pk).get()

    report.refresh_from_db()
    assert report.versions.get().pk == version_id
    assert report.versions.get().rendered_by == world.consultant
    assert report.render_status == Report.RenderStatus.IDLE


def test_render_task_records_failure(report, world, history):
    AuditRun.objects.filter(pk=history.current.pk).delete()

    result = report_render_task.delay(client_id=world.client.pk, report_id=report.pk).get()

    report.refresh_from_db()
    assert result is None
    assert report.render_status == Report.RenderStatus.FAILED
    assert "no audit run" in report.render_error
    assert report.versions.count() == 0


def test_render_task_checks_client(report, world):
    result = report_render_task.delay(client_id=world.sibling_client.pk, report_id=report.pk).get()

    assert result is None
    assert report.versions.count() == 0
