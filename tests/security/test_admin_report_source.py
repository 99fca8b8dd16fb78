"""The Django admin keeps a client's report on the client's own stack inventory and audit run.

Reports cannot be added in the admin, their source runs are frozen on change, and related objects of
another client are rejected. Otherwise a published report on another client's audit run would become
the previous report of the client's next audit report and list the other client's findings.
"""
from audits.models import AuditRun, InventoryRun
from reports.models import Report

from tests.security.conftest import admin_post, pages_as


def _runs(tenants):
    northwind_run = InventoryRun.objects.create(client=tenants.northwind, status=InventoryRun.Status.SUCCEEDED)
    harbor_run = InventoryRun.objects.create(client=tenants.harbor, status=InventoryRun.Status.SUCCEEDED)
    return northwind_run, harbor_run


def test_admin_change_keeps_report_inventory_run(tenants):
    northwind_run, harbor_run = _runs(tenants)
    report = Report.objects.create(
        client=tenants.northwind, kind="stack_inventory", title="Northwind stack", inventory_run=northwind_run, created_by=tenants.brightline_admin,
    )

    admin_post(pages_as(tenants.brightline_admin), f"/admin/reports/report/{report.pk}/change/", {"inventory_run": str(harbor_run.pk)})

    report.refresh_from_db()
    assert report.inventory_run_id == northwind_run.pk


def test_admin_add_rejects_foreign_run(tenants):
    _, harbor_run = _runs(tenants)
    harbor_audit = AuditRun.objects.create(client=tenants.harbor, status=AuditRun.Status.SUCCEEDED)
    page = pages_as(tenants.brightline_admin)

    admin_post(page, "/admin/reports/report/add/", {
        "client": str(tenants.northwind.pk), "kind": "stack_inventory", "title": "Built on Harbor", "status": "draft",
        "render_status": "idle", "inventory_run": str(harbor_run.pk),
    })
    admin_post(page, "/admin/reports/report/add/", {
        "client": str(tenants.northwind.pk), "kind": "portal_audit", "title": "Built on Harbor audit", "status": "published",
        "render_status": "idle", "audit_run": str(harbor_audit.pk),
    })

    assert not Report.objects.filter(client=tenants.northwind, inventory_run__client=tenants.harbor).exists()
    assert not Report.objects.filter(client=tenants.northwind, audit_run__client=tenants.harbor).exists()


def test_added_report_hides_foreign_findings(tenants):
    from audits.models import Finding
    from reports import services

    harbor_audit = AuditRun.objects.create(client=tenants.harbor, status=AuditRun.Status.SUCCEEDED)
    Finding.objects.create(
        client=tenants.harbor, audit_run=harbor_audit, check_code="hygiene.duplicate_contacts", category="hygiene", key="harbor-secret",
        severity="high", title="Harbor secret finding: 4,100 duplicate buyers", summary="Harbor only.",
    )
    admin_post(pages_as(tenants.brightline_admin), "/admin/reports/report/add/", {
        "client": str(tenants.northwind.pk), "kind": "portal_audit", "title": "Looks like an old Northwind report", "status": "published",
        "render_status": "idle", "audit_run": str(harbor_audit.pk),
    })
    northwind_audit = AuditRun.objects.create(client=tenants.northwind, status=AuditRun.Status.SUCCEEDED)
    report = services.report_create(client=tenants.northwind, kind="portal_audit", audit_run=northwind_audit, created_by=tenants.brightline_admin)

    version = services.report_render(report_id=report.pk)

    assert "Harbor secret finding" not in version.html
