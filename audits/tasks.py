import logging

from celery import group, shared_task
from django.db import OperationalError

from . import services
from .models import AuditRun

logger = logging.getLogger(__name__)


@shared_task(bind=True)
def audit_run_task(self, *, client_id, audit_run_id):
    """Fan the run's checks out as a group of tasks; the last check to finish completes the run."""
    audit_run = AuditRun.objects.filter(client_id=client_id, pk=audit_run_id).first()
    if audit_run is None:
        logger.warning("audit skipped, run not found client_id=%s audit_run_id=%s", client_id, audit_run_id)
        return None

    codes = services.audit_run_start(audit_run=audit_run)
    if not codes:
        services.audit_run_finish(audit_run_id=audit_run_id)
        return audit_run_id

    group(
        audit_check_task.s(client_id=client_id, audit_run_id=audit_run_id, check_code=code) for code in codes
    ).apply_async()
    return audit_run_id


@shared_task(bind=True, autoretry_for=(OperationalError,), retry_backoff=5, max_retries=3, acks_late=True)
def audit_check_task(self, *, client_id, audit_run_id, check_code):
    if not AuditRun.objects.filter(client_id=client_id, pk=audit_run_id).exists():
        logger.warning("audit check skipped, run not found client_id=%s audit_run_id=%s", client_id, audit_run_id)
        return None

    is_last = services.audit_check_execute(audit_run_id=audit_run_id, check_code=check_code)
    if is_last:
        services.audit_run_finish(audit_run_id=audit_run_id)
    return check_code


@shared_task(bind=True, acks_late=True)
def inventory_run_task(self, *, client_id, inventory_run_id):
    from .inventory_runs import inventory_run_execute
    from .models import InventoryRun

    if not InventoryRun.objects.filter(client_id=client_id, pk=inventory_run_id).exists():
        logger.warning("inventory skipped, run not found client_id=%s inventory_run_id=%s", client_id, inventory_run_id)
        return None

    run = inventory_run_execute(inventory_run_id=inventory_run_id)
    return run.status
