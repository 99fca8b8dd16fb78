import logging

from celery import shared_task

from . import services
from .connectors import VendorUnavailable
from .models import Portal, SyncRun
from .models import CsvUpload
from .sync import csv_service, engine

logger = logging.getLogger(__name__)


@shared_task(bind=True)
def portal_check_connection_task(self, *, client_id, portal_id):
    portal = Portal.objects.filter(client_id=client_id, pk=portal_id).first()
    if portal is None:
        logger.warning("portal check skipped, portal not found client_id=%s portal_id=%s", client_id, portal_id)
        return None

    services.portal_check_connection(portal=portal)
    return portal.status


@shared_task(
    bind=True,
    autoretry_for=(VendorUnavailable,),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=3,
    acks_late=True,
)
def sync_run_task(self, *, client_id, sync_run_id):
    """Execute a sync run. A vendor outage is retried; every retry continues from the stored cursor."""
    if not SyncRun.objects.filter(client_id=client_id, pk=sync_run_id).exists():
        logger.warning("sync skipped, run not found client_id=%s sync_run_id=%s", client_id, sync_run_id)
        return None

    sync_run = engine.sync_run_execute(sync_run_id=sync_run_id)
    return sync_run.status if sync_run else None


@shared_task(bind=True, acks_late=True)
def csv_import_task(self, *, client_id, upload_id):
    """Import a validated CSV upload; a rerun continues after the last batch written."""
    if not CsvUpload.objects.filter(client_id=client_id, pk=upload_id).exists():
        logger.warning("csv import skipped, upload not found client_id=%s upload_id=%s", client_id, upload_id)
        return None

    sync_run = csv_service.csv_import_execute(upload_id=upload_id)
    return sync_run.status if sync_run else None
