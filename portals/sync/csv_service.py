"""CSV uploads: read the header, let the user confirm the column mapping, validate, then import.

The whole file is validated before the first row is written, so a malformed file is rejected
with its errors and leaves the snapshot unchanged. The import itself streams the file in
batches; each batch is upserted in one transaction with the run's progress.
"""
import csv
import logging

from django.db import transaction
from django.utils import timezone

from portals import csv_import
from portals.csv_import import CsvImportError, ExportKind
from portals.models import Campaign, Company, Contact, CsvUpload, Portal, SyncRun, Touchpoint
from portals.models.snapshot import STAGE_DATE_FIELDS
from portals.validators import normalize_domain

from . import pardot_visits, spend
from .writer import upsert_rows

logger = logging.getLogger(__name__)

BATCH_SIZE = 5000
MAX_REPORTED_ERRORS = 50

COMPANY_KINDS = {ExportKind.HUBSPOT_COMPANIES}


class CsvUploadError(ValueError):
    pass


def csv_upload_create(*, portal, uploaded_file, uploaded_by=None):
    """Store an uploaded export and recognise its kind and columns. Raise CsvUploadError when unreadable."""
    upload = CsvUpload(client_id=portal.client_id, portal=portal, original_name=uploaded_file.name[:255], uploaded_by=uploaded_by)
    upload.file.save(uploaded_file.name, uploaded_file, save=False)

    try:
        with upload.file.open("rb") as handle:
            header = spend.spend_header(handle)
    except (csv.Error, UnicodeDecodeError) as error:
        upload.file.delete(save=False)
        raise CsvUploadError(f"{upload.original_name} is not a readable CSV file ({error}); export it again as CSV.") from error
    if spend.is_spend_header(header):
        upload.kind = spend.SPEND_KIND
        upload.headers = header
        upload.save()
        return upload
    if pardot_visits.is_visits_header(header):
        if portal.vendor != Portal.Vendor.PARDOT:
            upload.file.delete(save=False)
            raise CsvUploadError(
                f"{upload.original_name} is a Pardot visits export, but portal {portal.pk} is a {portal.get_vendor_display()} portal; "
                "upload it to the client's Pardot portal, where its prospects are."
            )
        upload.kind = pardot_visits.VISITS_KIND
        upload.headers = header
        upload.save()
        logger.info("csv uploaded client_id=%s portal_id=%s upload_id=%s kind=%s", portal.client_id, portal.pk, upload.pk, upload.kind)
        return upload

    try:
        with upload.file.open("rb") as handle:
            report = csv_import.inspect_headers(handle)
    except (csv.Error, UnicodeDecodeError) as error:
        upload.file.delete(save=False)
        raise CsvUploadError(f"{upload.original_name} is not a readable CSV file ({error}); export it again as CSV.") from error
    except CsvImportError as error:
        upload.file.delete(save=False)
        raise CsvUploadError(str(error)) from error

    upload.kind = report.kind.value
    upload.headers = report.headers
    upload.suggested_mapping = report.mapping
    upload.metadata = {"unmapped": report.unmapped, "missing_required": report.missing_required}
    upload.save()

    logger.info("csv uploaded client_id=%s portal_id=%s upload_id=%s kind=%s", portal.client_id, portal.pk, upload.pk, upload.kind)
    return upload


def csv_upload_validate(*, upload, column_map=None):
    """Validate the whole file with the mapping; store and return the errors (an empty list when valid)."""
    column_map = column_map if column_map is not None else upload.column_map
    if upload.kind == spend.SPEND_KIND:
        return _validate_spend(upload)
    if upload.kind == pardot_visits.VISITS_KIND:
        return _validate_visits(upload)

    with upload.file.open("rb") as handle:
        report = csv_import.validate_export(
            handle, kind=upload.kind, column_map=column_map or None, max_errors=MAX_REPORTED_ERRORS
        )

    errors = [str(error) for error in report.errors]
    if report.truncated:
        errors.append(f"More than {MAX_REPORTED_ERRORS} errors; fix these and upload the file again.")
    upload.column_map = column_map or {}
    upload.errors = errors
    if errors:
        upload.status = CsvUpload.Status.FAILED
    if report.metadata is not None:
        upload.metadata = {**upload.metadata, "rows": report.metadata.rows, "encoding": report.metadata.encoding,
                           "delimiter": report.metadata.delimiter, "date_formats": report.metadata.date_formats}
    upload.save(update_fields=["column_map", "errors", "status", "metadata"])
    return errors


def _validate_spend(upload):
    try:
        with upload.file.open("rb") as handle:
            rows = spend.read_spend_file(handle)
    except (csv.Error, UnicodeDecodeError) as error:
        rows, upload.errors = [], [f"{upload.original_name} is not a readable UTF-8 CSV file ({error}); save it as CSV UTF-8 and upload it again."]
        upload.status = CsvUpload.Status.FAILED
        upload.save(update_fields=["errors", "status"])
        return upload.errors
    errors = spend.spend_errors(rows, file_name=upload.original_name, max_errors=MAX_REPORTED_ERRORS)
    upload.errors = errors
    upload.metadata = {**upload.metadata, "rows": len(rows)}
    if errors:
        upload.status = CsvUpload.Status.FAILED
    upload.save(update_fields=["errors", "status", "metadata"])
    return errors


def _validate_visits(upload):
    """Validate every row of a visits export, and that the client has the prospects and CRM people to tie visits to."""
    errors = pardot_visits.link_errors(client_id=upload.client_id)
    with upload.file.open("rb") as handle:
        row_errors, rows = pardot_visits.visit_errors(handle, file_name=upload.original_name, max_errors=MAX_REPORTED_ERRORS)
    errors += row_errors
    if len(row_errors) >= MAX_REPORTED_ERRORS:
        errors.append(f"More than {MAX_REPORTED_ERRORS} errors; fix these and upload the file again.")
    upload.errors = errors
    upload.metadata = {**upload.metadata, "rows": rows}
    if errors:
        upload.status = CsvUpload.Status.FAILED
    upload.save(update_fields=["errors", "status", "metadata"])
    return errors


def csv_upload_start_import(*, upload, requested_by=None):
    """Create the sync run that imports a validated upload. Raise CsvUploadError when it has errors."""
    if upload.status not in (CsvUpload.Status.UPLOADED,):
        raise CsvUploadError(f"Upload {upload.pk} is {upload.status}; upload the file again to import it.")
    errors = csv_upload_validate(upload=upload)
    if errors:
        raise CsvUploadError(f"{upload.original_name} has {len(errors)} errors; nothing was imported. First: {errors[0]}")

    with transaction.atomic():
        sync_run = SyncRun.objects.create(
            client_id=upload.client_id, portal_id=upload.portal_id, mode=SyncRun.Mode.CSV, requested_by=requested_by
        )
        upload.sync_run = sync_run
        upload.status = CsvUpload.Status.IMPORTING
        upload.save(update_fields=["sync_run", "status"])
    return sync_run


def csv_import_execute(*, upload_id):
    """Import a validated upload into the snapshot, continuing after the last batch written."""
    upload = CsvUpload.objects.select_related("sync_run").get(pk=upload_id)
    sync_run = upload.sync_run
    if sync_run is None or sync_run.status == SyncRun.Status.SUCCEEDED:
        return sync_run

    if upload.kind == spend.SPEND_KIND:
        return _import_spend(upload, sync_run)
    if upload.kind == pardot_visits.VISITS_KIND:
        return _import_visits(upload, sync_run)

    model = Company if upload.kind in COMPANY_KINDS else Contact
    rows_done = sync_run.cursor.get("rows", 0)
    SyncRun.objects.filter(pk=sync_run.pk).update(
        status=SyncRun.Status.RUNNING, started_at=sync_run.started_at or timezone.now(), attempts=sync_run.attempts + 1
    )
    sync_run.refresh_from_db()

    try:
        with upload.file.open("rb") as handle, csv_import.open_export(handle, kind=upload.kind, column_map=upload.column_map or None) as export:
            for batch in csv_import.iter_batches(export, size=BATCH_SIZE):
                rows_done = _write_batch(sync_run, upload, model, batch, rows_done)
    except CsvImportError as error:
        _fail(sync_run, upload, str(error))
    else:
        _succeed(sync_run, upload)

    sync_run.refresh_from_db()
    return sync_run


def _import_spend(upload, sync_run):
    with upload.file.open("rb") as handle:
        rows = list(spend.campaign_rows(spend.read_spend_file(handle), file_name=upload.original_name))
    with transaction.atomic():
        upsert_rows(Campaign, client_id=upload.client_id, portal_id=upload.portal_id, rows=rows)
        sync_run.cursor = {"rows": len(rows)}
        sync_run.progress = {"campaigns": {"done": len(rows), "total": len(rows)}}
        sync_run.started_at = sync_run.started_at or timezone.now()
        sync_run.save(update_fields=["cursor", "progress", "started_at"])
    _succeed(sync_run, upload)
    sync_run.refresh_from_db()
    return sync_run


def _import_visits(upload, sync_run):
    """Import a visits export in batches, each upserted with the run's cursor in one transaction."""
    SyncRun.objects.filter(pk=sync_run.pk).update(
        status=SyncRun.Status.RUNNING, started_at=sync_run.started_at or timezone.now(), attempts=sync_run.attempts + 1
    )
    sync_run.refresh_from_db()
    rows_done = 0

    def reject(error):
        raise error

    try:
        with upload.file.open("rb") as handle:
            visits = pardot_visits.iter_visit_rows(handle, file_name=upload.original_name, on_error=reject)
            for batch in csv_import.iter_batches(visits, size=BATCH_SIZE):
                rows_done = _write_visit_batch(sync_run, upload, batch, rows_done)
    except CsvImportError as error:
        _fail(sync_run, upload, str(error))
    else:
        _succeed(sync_run, upload)
    sync_run.refresh_from_db()
    return sync_run


def _write_visit_batch(sync_run, upload, batch, rows_done):
    """Write one batch of visits unless the cursor shows that an earlier attempt wrote it; return the rows read."""
    end = rows_done + len(batch)
    position = sync_run.cursor.get("rows", 0)
    if end <= position:
        return end

    batch = batch[max(0, position - rows_done):]
    by_portal, skipped = pardot_visits.touchpoint_rows(client_id=upload.client_id, visits=batch)
    totals = sync_run.progress.get("visits", {})
    with transaction.atomic():
        written = sum(
            upsert_rows(Touchpoint, client_id=upload.client_id, portal_id=portal_id, rows=rows)
            for portal_id, rows in by_portal.items()
        )
        sync_run.cursor = {"rows": end}
        sync_run.progress = {"visits": {
            "done": end, "total": upload.metadata.get("rows"),
            "touchpoints": totals.get("touchpoints", 0) + written,
            "anonymous": totals.get("anonymous", 0) + skipped["anonymous"],
            "unmatched": totals.get("unmatched", 0) + skipped["unmatched"],
        }}
        sync_run.heartbeat_at = timezone.now()
        sync_run.save(update_fields=["cursor", "progress", "heartbeat_at"])
    logger.info("pardot visits batch written client_id=%s upload_id=%s rows=%s touchpoints=%s anonymous=%s unmatched=%s",
                upload.client_id, upload.pk, end, written, skipped["anonymous"], skipped["unmatched"])
    return end


def _write_batch(sync_run, upload, model, batch, rows_done):
    position = sync_run.cursor.get("rows", 0)
    end = rows_done + len(batch)
    if end <= position:
        return end

    skip = max(0, position - rows_done)
    rows = [_contact_row(row) if model is Contact else _company_row(row) for row in batch[skip:]]
    with transaction.atomic():
        upsert_rows(model, client_id=upload.client_id, portal_id=upload.portal_id, rows=rows)
        sync_run.cursor = {"rows": end}
        sync_run.progress = {str(model._meta.verbose_name_plural): {"done": end, "total": upload.metadata.get("rows")}}
        sync_run.heartbeat_at = timezone.now()
        sync_run.save(update_fields=["cursor", "progress", "heartbeat_at"])
    return end


def _contact_row(row):
    result = {name: _blank(row.get(name)) for name in _CONTACT_TEXT_FIELDS}
    result["external_id"] = str(row["external_id"])
    result["employee_count"] = row.get("employee_count")
    result["created_at"] = row.get("created_at")
    result["updated_at"] = row.get("updated_at")
    result["company_domain"] = normalize_domain(row["company_domain"]) if row.get("company_domain") else ""
    if not result["owner_external_id"] and row.get("owner_name"):
        result["owner_external_id"] = str(row["owner_name"])[:100]

    stage_dates = row.get("stage_dates") or {}
    for stage, field_name in STAGE_DATE_FIELDS.items():
        result[field_name] = stage_dates.get(stage)
    result["extra"] = {key: str(value) for key, value in (row.get("extra") or {}).items()}
    return result


_CONTACT_TEXT_FIELDS = [
    "email", "first_name", "last_name", "job_title", "company_name", "country", "state", "city", "postal_code",
    "phone", "industry", "lifecycle_stage", "lead_status", "owner_external_id", "original_source",
    "original_source_drill_down_1", "original_source_drill_down_2", "latest_source", "self_reported_source",
]


def _company_row(row):
    return {
        "external_id": str(row["external_id"]),
        "name": _blank(row.get("name")),
        "domain": normalize_domain(row["domain"]) if row.get("domain") else "",
        "industry": _blank(row.get("industry")),
        "employee_count": row.get("employee_count"),
        "country": _blank(row.get("country")),
        "state": _blank(row.get("state")),
        "city": _blank(row.get("city")),
        "owner_external_id": _blank(row.get("owner_name"))[:100],
        "created_at": row.get("created_at"),
        "updated_at": row.get("updated_at"),
    }


def _blank(value):
    return "" if value is None else str(value)


def _fail(sync_run, upload, message):
    now = timezone.now()
    SyncRun.objects.filter(pk=sync_run.pk).update(status=SyncRun.Status.FAILED, error_object=upload.original_name[:100], error_message=message, finished_at=now)
    CsvUpload.objects.filter(pk=upload.pk).update(status=CsvUpload.Status.FAILED, errors=[message])
    logger.warning("csv import failed client_id=%s upload_id=%s error=%s", upload.client_id, upload.pk, message)


def _succeed(sync_run, upload):
    now = timezone.now()
    with transaction.atomic():
        SyncRun.objects.filter(pk=sync_run.pk).update(status=SyncRun.Status.SUCCEEDED, finished_at=now)
        CsvUpload.objects.filter(pk=upload.pk).update(status=CsvUpload.Status.IMPORTED)
        Portal.objects.filter(pk=upload.portal_id).update(last_synced_at=now, status=Portal.Status.CONNECTED, status_message="")
    logger.info("csv import finished client_id=%s upload_id=%s rows=%s", upload.client_id, upload.pk, sync_run.cursor.get("rows"))
