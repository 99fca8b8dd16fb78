import logging

from celery import shared_task

from . import services
from .models import Portal

logger = logging.getLogger(__name__)


@shared_task(bind=True)
def portal_check_connection_task(self, *, client_id, portal_id):
    portal = Portal.objects.filter(client_id=client_id, pk=portal_id).first()
    if portal is None:
        logger.warning("portal check skipped, portal not found client_id=%s portal_id=%s", client_id, portal_id)
        return None

    services.portal_check_connection(portal=portal)
    return portal.status
