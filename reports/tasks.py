"""Celery tasks of the reports app: rendering a report, and the periodic delivery of published reports by email."""
import logging

from celery import current_app, shared_task
from django.db import OperationalError
from django.utils import timezone

from . import services
from .kinds import ReportSourceError
from .models import DeliverySchedule, Report
from .rendering import RenderError

logger = logging.getLogger(__name__)

# Seconds between two looks for due delivery schedules (see the beat entry in the README).
DELIVERY_CHECK_SECONDS = 15 * 60


@shared_task(bind=True, autoretry_for=(OperationalError,), retry_backoff=5, max_retries=3, acks_late=True)
def report_render_task(self, client_id, report_id, rendered_by_id=None):
    """Render the report into a new version. A missing source or a PDF failure is stored on the report."""
    if not Report.objects.filter(client_id=client_id, pk=report_id).exists():
        logger.warning("report render skipped, report not found client_id=%s report_id=%s", client_id, report_id)
        return None

    logger.info("report render started client_id=%s report_id=%s", client_id, report_id)
    services.report_render_start(report_id=report_id)
    try:
        version = services.report_render(report_id=report_id, rendered_by=_user(rendered_by_id))
    except (ReportSourceError, RenderError) as error:
        services.report_render_fail(report_id=report_id, message=str(error))
        return None
    return version.pk


def _user(user_id):
    if user_id is None:
        return None
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(pk=user_id).first()


@shared_task
def report_delivery_due_task():
    """Queue one send task per delivery schedule that is due. Runs every DELIVERY_CHECK_SECONDS from Celery beat."""
    due = DeliverySchedule.objects.filter(active=True, next_run_at__lte=timezone.now()).values_list("client_id", "pk")
    count = 0
    for client_id, schedule_id in due:
        report_delivery_send_task.delay(client_id=client_id, schedule_id=schedule_id)
        count += 1
    logger.info("report deliveries queued count=%s", count)
    return count


@shared_task(bind=True, autoretry_for=(OperationalError,), retry_backoff=5, max_retries=3, acks_late=True)
def report_delivery_send_task(self, client_id, schedule_id):
    if not DeliverySchedule.objects.filter(client_id=client_id, pk=schedule_id).exists():
        logger.warning("delivery skipped, schedule not found client_id=%s schedule_id=%s", client_id, schedule_id)
        return 0
    return services.delivery_send(schedule_id=schedule_id)


def _schedule_delivery_check(sender, **kwargs):
    sender.add_periodic_task(DELIVERY_CHECK_SECONDS, report_delivery_due_task.s(), name="report deliveries")


current_app.on_after_finalize.connect(_schedule_delivery_check, weak=False)
