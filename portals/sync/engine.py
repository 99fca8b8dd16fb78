"""Run a sync: page through each object of a portal, upsert every page, and store the cursor with it.

Each page is written in one transaction together with the run's cursor and progress. A run that
stops at any point (a vendor outage, a killed worker) therefore keeps every page it wrote and no
half-written page, and it continues from the next page when it runs again.
"""
import logging
import time
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from portals.connectors import ConnectorError, get_connector
from portals.models import Portal, SyncRun

from .writer import upsert_rows

logger = logging.getLogger(__name__)

DONE = "__done__"

# Incremental runs re-read this much before the last high-water mark, so that records modified
# while the previous run was reading are not missed.
INCREMENTAL_OVERLAP = timedelta(minutes=10)


class SyncAlreadyRunning(Exception):
    pass


def sync_run_create(*, portal, mode=SyncRun.Mode.INCREMENTAL, requested_by=None):
    """Queue a sync run of the portal. Raise SyncAlreadyRunning when one is queued or running."""
    since = None
    portal.refresh_from_db(fields=["sync_state"])
    high_water = portal.sync_state.get("high_water")
    if mode == SyncRun.Mode.INCREMENTAL and high_water:
        since = timezone.datetime.fromisoformat(high_water) - INCREMENTAL_OVERLAP

    try:
        with transaction.atomic():
            sync_run = SyncRun.objects.create(
                client_id=portal.client_id, portal=portal, mode=mode, since=since, requested_by=requested_by
            )
    except IntegrityError as error:
        raise SyncAlreadyRunning(
            f"Portal {portal.pk} already has a sync queued or running; wait for it to finish."
        ) from error

    logger.info("sync queued client_id=%s portal_id=%s sync_run_id=%s mode=%s", portal.client_id, portal.pk, sync_run.pk, mode)
    return sync_run


def sync_run_requeue(*, sync_run):
    """Put a failed run back in the queue; it continues from its stored cursor."""
    if sync_run.status != SyncRun.Status.FAILED:
        raise ValueError(f"Sync run {sync_run.pk} is {sync_run.status}; only failed runs can be resumed.")
    try:
        with transaction.atomic():
            SyncRun.objects.filter(pk=sync_run.pk).update(status=SyncRun.Status.QUEUED, error_message="", error_object="")
    except IntegrityError as error:
        raise SyncAlreadyRunning("Another sync of this portal is queued or running; wait for it to finish.") from error
    sync_run.refresh_from_db()
    return sync_run


def sync_run_execute(*, sync_run_id):
    """Execute a queued or interrupted run to the end. Return the run; failures are stored on it."""
    sync_run = _claim(sync_run_id)
    if sync_run is None:
        return None

    portal = sync_run.portal
    started = time.monotonic()
    logger.info("sync started client_id=%s portal_id=%s sync_run_id=%s attempt=%s", sync_run.client_id, portal.pk, sync_run.pk, sync_run.attempts)

    try:
        connector = get_connector(portal)
        for object_name in connector.object_names:
            _sync_object(sync_run, connector, object_name)
    except ConnectorError as error:
        _fail(sync_run, error)
        if error.transient:
            raise
        return sync_run

    _succeed(sync_run, portal)
    logger.info(
        "sync finished client_id=%s portal_id=%s sync_run_id=%s records=%s duration_ms=%d",
        sync_run.client_id, portal.pk, sync_run.pk, sync_run.records_done, (time.monotonic() - started) * 1000,
    )
    return sync_run


def _claim(sync_run_id):
    with transaction.atomic():
        sync_run = SyncRun.objects.select_for_update().select_related("portal").filter(pk=sync_run_id).first()
        if sync_run is None or sync_run.status == SyncRun.Status.SUCCEEDED:
            logger.info("sync skipped sync_run_id=%s status=%s", sync_run_id, getattr(sync_run, "status", "missing"))
            return None

        sync_run.status = SyncRun.Status.RUNNING
        sync_run.attempts += 1
        sync_run.started_at = sync_run.started_at or timezone.now()
        sync_run.heartbeat_at = timezone.now()
        sync_run.error_message = ""
        sync_run.error_object = ""
        sync_run.save(update_fields=["status", "attempts", "started_at", "heartbeat_at", "error_message", "error_object"])
    return sync_run


def _sync_object(sync_run, connector, object_name):
    cursor = sync_run.cursor.get(object_name)
    while cursor != DONE:
        try:
            page = connector.fetch_page(object_name, cursor=cursor, since=sync_run.since)
        except ConnectorError as error:
            error.object_name = error.object_name or object_name
            raise

        cursor = page.next_cursor or DONE
        with transaction.atomic():
            for model, rows in page.rows.items():
                upsert_rows(model, client_id=sync_run.client_id, portal_id=sync_run.portal_id, rows=rows)
            _record_page(sync_run, object_name, cursor, page)


def _record_page(sync_run, object_name, cursor, page):
    entry = sync_run.progress.get(object_name, {"done": 0, "total": None})
    entry["done"] += page.count
    if page.total is not None:
        entry["total"] = page.total
    sync_run.progress[object_name] = entry
    sync_run.cursor[object_name] = cursor
    sync_run.heartbeat_at = timezone.now()
    sync_run.save(update_fields=["progress", "cursor", "heartbeat_at"])


def _fail(sync_run, error):
    sync_run.status = SyncRun.Status.FAILED
    sync_run.error_object = error.object_name
    sync_run.error_message = str(error)
    sync_run.finished_at = timezone.now()
    sync_run.save(update_fields=["status", "error_object", "error_message", "finished_at"])

    Portal.objects.filter(pk=sync_run.portal_id).update(
        status=Portal.Status.ERROR if not error.transient else sync_run.portal.status,
        status_message=str(error)[:500],
    )
    logger.warning(
        "sync failed client_id=%s portal_id=%s sync_run_id=%s object=%s transient=%s error=%s",
        sync_run.client_id, sync_run.portal_id, sync_run.pk, error.object_name, error.transient, error,
    )


def _succeed(sync_run, portal):
    now = timezone.now()
    with transaction.atomic():
        sync_run.status = SyncRun.Status.SUCCEEDED
        sync_run.finished_at = now
        sync_run.save(update_fields=["status", "finished_at"])

        portal.sync_state = {**portal.sync_state, "high_water": sync_run.started_at.isoformat()}
        portal.last_synced_at = now
        portal.status = Portal.Status.CONNECTED
        portal.status_message = ""
        portal.save(update_fields=["sync_state", "last_synced_at", "status", "status_message", "updated_at"])
