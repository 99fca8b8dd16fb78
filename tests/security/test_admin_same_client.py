"""Admin forms reject related objects of another client of the same organization."""
from audits.models import AuditRun, Finding, RemediationTask

from tests.security.conftest import admin_post, pages_as


def test_task_admin_rejects_foreign_finding(tenants):
    harbor_run = AuditRun.objects.create(client=tenants.harbor, status="succeeded")
    harbor_finding = Finding.objects.create(
        client=tenants.harbor, audit_run=harbor_run, check_code="hygiene.duplicate_contacts", category="hygiene",
        key="duplicates", severity="high", title="Harbor duplicates",
    )
    task = RemediationTask.objects.create(client=tenants.northwind, title="Merge duplicates", steps=["a"])

    response = admin_post(
        pages_as(tenants.brightline_admin), f"/admin/audits/remediationtask/{task.pk}/change/", {"finding": str(harbor_finding.pk)}
    )

    task.refresh_from_db()
    assert task.finding_id is None
    assert "belongs to another client than Northwind" in response.content.decode()
