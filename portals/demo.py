"""The main job of `make run`: sample clients synced from local fake vendor APIs, then audited.

Every step goes through the product's own services and Celery tasks. The sample portals are
generated in the vendors' shapes and served by the fake vendor servers on 127.0.0.1. The real
connectors and the CSV importer sync them, and the check registry audits them.
"""
import json
import logging
import time
from contextlib import ExitStack
from datetime import date
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils.dateparse import parse_datetime

from accounts.models import ClientUser, Membership, Organization, User

from .models import Client, Engagement, Portal, SyncRun

logger = logging.getLogger(__name__)

DEMO_PASSWORD = "demo-pass-2026"
ORGANIZATION = {"slug": "brightline", "name": "Brightline MOPs Partners", "brand_color": "#23527c"}
CONSULTANTS = [
    {"email": "admin@brightline.example", "full_name": "Alex Admin", "role": Membership.Role.ADMIN, "clients": []},
    {"email": "casey@brightline.example", "full_name": "Casey Consultant", "role": Membership.Role.CONSULTANT, "clients": ["northwind-software"]},
]
CLIENT_USERS = {
    "northwind-software": ("dana@northwind-software.test", "Dana Northwind", "VP Marketing"),
    "harbor-manufacturing": ("morgan@harbor-manufacturing.test", "Morgan Harbor", "Marketing Director"),
    "summit-services": ("sam@summit-services.test", "Sam Summit", "Head of Demand Generation"),
}
SYNC_TIMEOUT_SECONDS = 600


def load_manifests(data_dir):
    return [json.loads(path.read_text()) for path in sorted(Path(data_dir).glob("*/manifest.json"))]


@transaction.atomic
def demo_seed(manifests):
    """Create the organization, consultants, sample clients, engagements, portals and client users.

    Running it again changes nothing: every row is looked up by its natural key first.
    Returns the logins as (role, email, client name or None).
    """
    organization, _ = Organization.objects.get_or_create(slug=ORGANIZATION["slug"], defaults=ORGANIZATION)
    clients = {manifest["client"]["slug"]: _seed_client(organization, manifest) for manifest in manifests}

    logins = []
    for spec in CONSULTANTS:
        user = _seed_user(spec["email"], spec["full_name"], is_staff=spec["role"] == Membership.Role.ADMIN)
        membership, _ = Membership.objects.get_or_create(organization=organization, user=user, defaults={"role": spec["role"]})
        assigned = [clients[slug] for slug in spec["clients"] if slug in clients]
        membership.assigned_clients.set(assigned)
        scope = ", ".join(client.name for client in assigned) if assigned else "every client"
        logins.append((spec["role"], user.email, scope))

    for slug, client in clients.items():
        email, full_name, job_title = CLIENT_USERS.get(slug, (f"viewer@{slug}.test", client.name, ""))
        user = _seed_user(email, full_name)
        ClientUser.objects.get_or_create(user=user, defaults={"client": client, "job_title": job_title})
        logins.append(("client user", email, client.name))

    logger.info("demo seeded organization_id=%s clients=%s", organization.pk, len(clients))
    return logins


def _seed_client(organization, manifest):
    profile = manifest["client"]
    client, _ = Client.objects.get_or_create(
        organization=organization,
        name=profile["name"],
        defaults={
            "website_domains": profile["domains"],
            "industry": profile["industry"],
            "employee_band": profile["employee_band"],
            "revenue_band": profile["revenue_band"],
            "crm_of_record": profile["crm_of_record"],
        },
    )
    Engagement.objects.get_or_create(
        client=client,
        name="Marketing operations audit",
        defaults={
            "kind": Engagement.Kind.AUDIT,
            "status": Engagement.Status.ACTIVE,
            "start_date": date(2026, 11, 2),
            "threshold_overrides": engagement_thresholds(manifest["rules"]),
        },
    )
    for spec in manifest["portals"]:
        Portal.objects.get_or_create(
            client=client, vendor=spec["vendor"], account_id=spec["account_id"],
            defaults={"name": f"{profile['name']} {Portal.Vendor(spec['vendor']).label}"},
        )
    return client


def engagement_thresholds(rules):
    """Return audit threshold overrides from the sample client's rules: MQL fit, working hours, stage limits."""
    fit = rules.get("fit_criteria") or {}
    hours = rules.get("working_hours") or {}
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    overrides = {
        "fit_min_employees": fit.get("employees_min"),
        "fit_max_employees": fit.get("employees_max"),
        "fit_industries": fit.get("industries"),
        "fit_title_keywords": fit.get("title_keywords"),
        "stuck_stage_days": rules.get("stuck_days"),
        "campaign_naming_pattern": rules.get("campaign_naming_regex"),
        "duplicate_rate": rules.get("duplicate_threshold"),
        "time_zone": hours.get("timezone"),
        "speed_to_lead_minutes": hours.get("sla_minutes"),
        "working_hours_start": int(hours["start"].split(":")[0]) if hours.get("start") else None,
        "working_hours_end": int(hours["end"].split(":")[0]) if hours.get("end") else None,
        "working_days": [days.index(day) for day in hours["days"]] if hours.get("days") else None,
    }
    return {key: value for key, value in overrides.items() if value is not None}


def _seed_user(email, full_name, is_staff=False):
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD, full_name=full_name, is_staff=is_staff)
    return user


def demo_sync(manifests, data_dir, *, log):
    """Sync every sample portal: API portals from the fake vendor servers, CSV portals from their exports."""
    from portals.fakes import HubSpotFake, MarketoFake, SalesforceFake
    from portals.tasks import sync_run_task

    fakes = {"hubspot": HubSpotFake, "salesforce": SalesforceFake, "marketo": MarketoFake}
    results = []
    with ExitStack() as stack:
        for manifest in manifests:
            client_dir = Path(data_dir) / manifest["client"]["slug"]
            client = Client.objects.get(name=manifest["client"]["name"])
            for portal in client.portals.filter(vendor__in=fakes):
                fake = stack.enter_context(fakes[portal.vendor](data_dir=str(client_dir)))
                _connect_to_fake(portal, fake)
                sync_run = _start_sync(portal)
                _enqueue(sync_run_task, client_id=client.pk, sync_run_id=sync_run.pk)
                results.append(_wait(sync_run, log))
            results.extend(_import_exports(client, client_dir, log))
    return results


def _enqueue(task, **kwargs):
    """Queue a task. With eager execution a retried vendor outage raises here; the run records the failure."""
    from celery.exceptions import Retry

    from portals.connectors import ConnectorError

    try:
        task.delay(**kwargs)
    except (Retry, ConnectorError) as error:
        logger.warning("demo task failed task=%s kwargs=%s error=%s", task.name, kwargs, error)


def _connect_to_fake(portal, fake):
    from portals.connectors import fake_support, salesforce

    if portal.vendor == Portal.Vendor.SALESFORCE:
        # The fake Salesforce serves HTTPS with a throwaway certificate authority; its session trusts it.
        # NOTE: this reaches tasks run in this process (eager mode) only, not a separate worker.
        salesforce.session_factory = fake.requests_session
    portal.api_base_url = fake.base_url
    portal.set_credentials(fake_support.demo_credentials(portal.vendor, fake))
    portal.save(update_fields=["api_base_url", "credentials_encrypted", "updated_at"])


def _start_sync(portal):
    from portals.sync import engine

    return engine.sync_run_create(portal=portal, mode=SyncRun.Mode.FULL)


def _import_exports(client, client_dir, log):
    from portals.sync import csv_service
    from portals.tasks import csv_import_task

    # Pardot visits are tied to Salesforce people through the prospects, so the prospect export comes first.
    exports = {Portal.Vendor.CSV: ["ad_spend.csv"], Portal.Vendor.PARDOT: ["pardot_prospects.csv", "pardot_visits.csv"]}
    results = []
    for portal in client.portals.filter(vendor__in=exports):
        for name in exports[portal.vendor]:
            path = client_dir / "exports" / name
            if not path.exists():
                continue
            upload = csv_service.csv_upload_create(portal=portal, uploaded_file=SimpleUploadedFile(path.name, path.read_bytes()))
            sync_run = csv_service.csv_upload_start_import(upload=upload)
            _enqueue(csv_import_task, client_id=client.pk, upload_id=upload.pk)
            results.append(_wait(sync_run, log))
    return results


def _wait(sync_run, log):
    """Wait for a run that a worker (or the eager task call) executes, reporting its outcome."""
    deadline = time.monotonic() + SYNC_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        sync_run.refresh_from_db()
        if sync_run.status in (SyncRun.Status.SUCCEEDED, SyncRun.Status.FAILED):
            break
        time.sleep(0.5)

    portal = sync_run.portal
    log(f"  {portal.client.name}: {portal.get_vendor_display()} sync {sync_run.status}, {sync_run.records_done} records"
        + (f" ({sync_run.error_message})" if sync_run.error_message else ""))
    return sync_run


def demo_inventory(manifests, *, log):
    """Take a stack inventory of each sample client, measured at the date the sample portals describe."""
    from audits.inventory_runs import inventory_run_create, inventory_run_execute

    runs = []
    for manifest in manifests:
        client = Client.objects.get(name=manifest["client"]["name"])
        run = inventory_run_create(client=client)
        run = inventory_run_execute(inventory_run_id=run.pk, now=parse_datetime(manifest["as_of"]))
        log(f"  {client.name}: {run.headline}")
        runs.append(run)
    return runs


def demo_audit(manifests, *, log):
    """Audit each sample client's CRM and spend portals and wait for the health score."""
    from audits.models import AuditRun
    from audits.services import audit_run_create
    from audits.tasks import audit_run_task

    runs = []
    for manifest in manifests:
        client = Client.objects.get(name=manifest["client"]["name"])
        # Pardot and Marketo mirror the CRM's people, so auditing them with the CRM would count everyone twice.
        portals = list(client.portals.exclude(vendor__in=[Portal.Vendor.PARDOT, Portal.Vendor.MARKETO]))
        # Ages and SLAs are measured at the date the sample portals describe, not today.
        as_of = parse_datetime(manifest["as_of"])
        audit_run = audit_run_create(client=client, engagement=client.engagements.first(), portals=portals, as_of=as_of)
        audit_run_task.delay(client_id=client.pk, audit_run_id=audit_run.pk)

        deadline = time.monotonic() + SYNC_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            audit_run.refresh_from_db()
            if audit_run.status in (AuditRun.Status.SUCCEEDED, AuditRun.Status.FAILED):
                break
            time.sleep(0.5)
        findings = audit_run.findings.count()
        log(f"  {client.name}: audit {audit_run.status}, health score {audit_run.health_score}, {findings} findings")
        errors = sorted(audit_run.check_results.filter(status="error").values_list("check_code", flat=True))
        if errors:
            log(f"  {client.name}: {len(errors)} checks failed to run: {', '.join(errors)} (see the worker log)")
        runs.append(audit_run)
    return runs


def demo_reports(audit_runs, *, log):
    """Render each sample client's audit report, then its stack inventory report, to HTML and PDF through the Celery task, and publish them."""
    from audits.models import InventoryRun
    from reports.kinds import get_kind
    from reports.models import Report
    from reports.services import report_create, report_publish, report_render_request
    from reports.tasks import report_render_task

    admin = User.objects.get(email=CONSULTANTS[0]["email"])
    reports = []
    for audit_run in audit_runs:
        client = audit_run.client
        inventory_run = (
            InventoryRun.objects.filter(client=client, status=InventoryRun.Status.SUCCEEDED).order_by("-created_at").first()
        )
        # (kind, source field, source run or None when it did not finish, title of a new report)
        plans = [
            ("portal_audit", "audit_run", audit_run if audit_run.status == "succeeded" else None,
             f"Marketing operations audit of {client.name}"),
            ("stack_inventory", "inventory_run", inventory_run, f"Marketing stack inventory of {client.name}"),
        ]
        for kind, field, run, title in plans:
            kind_title = get_kind(kind).title.lower()
            if run is None:
                log(f"  {client.name}: no {kind_title} report, the {kind_title} did not finish")
                continue
            # A rerun of the demo adds a version to the client's report instead of another report.
            report = Report.objects.filter(client=client, kind=kind).first()
            if report is None:
                report = report_create(client=client, kind=kind, title=title, created_by=admin, **{field: run})
            else:
                Report.objects.filter(pk=report.pk).update(**{field: run})
            report_render_request(report=report)
            report_render_task.delay(client_id=report.client_id, report_id=report.pk, rendered_by_id=admin.pk)
            report.refresh_from_db()
            version = report.versions.order_by("-number").first()
            if report.render_status == Report.RenderStatus.FAILED or version is None:
                log(f"  {client.name}: {kind_title} report rendering failed: {report.render_error}")
                continue

            report_publish(report=report, published_by=admin)
            log(f"  {client.name}: {kind_title} report /reports/{report.pk}/ version {version.number} (PDF file: {version.pdf.path})")
            reports.append(report)
    return reports
