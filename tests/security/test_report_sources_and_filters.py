"""Report sources of other tenants, foreign-key filters and the share-link lockout, as an outside user tries them."""
from django.test import Client as PageClient

from audits.models import AuditRun, InventoryRun
from reports import services
from reports.models import Report

from tests.security.conftest import api_as, pages_as
from tests.security.test_client_user_drafts import _published_report

MISSING_ID = 987654


def test_report_create_foreign_run_same_as_missing(tenants):
    harbor_run = InventoryRun.objects.create(client=tenants.harbor, status=InventoryRun.Status.SUCCEEDED)
    evil_audit = AuditRun.objects.create(client=tenants.evil_client, status=AuditRun.Status.SUCCEEDED)
    api = api_as(tenants.casey)
    body = {"client": tenants.northwind.pk, "kind": "stack_inventory"}

    foreign = api.post("/api/v1/reports/", {**body, "inventory_run": harbor_run.pk}, format="json")
    missing = api.post("/api/v1/reports/", {**body, "inventory_run": MISSING_ID}, format="json")
    audit_foreign = api.post("/api/v1/reports/", {**body, "kind": "portal_audit", "audit_run": evil_audit.pk}, format="json")

    assert foreign.status_code == missing.status_code == audit_foreign.status_code == 400
    assert foreign.json()["inventory_run"] == [m.replace(str(MISSING_ID), str(harbor_run.pk)) for m in missing.json()["inventory_run"]]
    assert not Report.objects.exists()


def test_report_form_foreign_run_same_as_missing(tenants):
    harbor_run = InventoryRun.objects.create(client=tenants.harbor, status=InventoryRun.Status.SUCCEEDED)
    page = pages_as(tenants.brightline_admin)
    url = f"/clients/{tenants.northwind.pk}/reports/new/"

    foreign = page.post(url, {"kind": "stack_inventory", "inventory_run": harbor_run.pk})
    missing = page.post(url, {"kind": "stack_inventory", "inventory_run": MISSING_ID})

    assert foreign.status_code == missing.status_code == 200
    assert not Report.objects.exists()


def test_report_filters_same_for_foreign_and_missing(tenants):
    harbor_run = InventoryRun.objects.create(client=tenants.harbor, status=InventoryRun.Status.SUCCEEDED)
    evil_api = api_as(tenants.eve)
    for name in ("client", "report", "audit_run", "inventory_run"):
        path = "/api/v1/report-versions/" if name == "report" else "/api/v1/reports/"
        foreign = evil_api.get(path, {name: harbor_run.pk if name == "inventory_run" else tenants.northwind.pk})
        missing = evil_api.get(path, {name: MISSING_ID})
        assert (foreign.status_code, foreign.json()["count"]) == (missing.status_code, missing.json()["count"]) == (200, 0), name


def test_lockout_holds_across_sessions_and_pdf(tenants):
    report = _published_report(tenants.northwind, tenants.brightline_admin)
    _, token = services.share_link_create(report=report, created_by=tenants.brightline_admin, password="right-password-1")

    statuses = [PageClient().post(f"/share/{token}/", {"password": f"wrong-{n}"}).status_code for n in range(6)]
    correct = PageClient().post(f"/share/{token}/", {"password": "right-password-1"})
    pdf = PageClient().get(f"/share/{token}/pdf/")

    assert statuses == [403, 403, 403, 403, 429, 429]
    assert correct.status_code == 429
    assert pdf.status_code == 302
