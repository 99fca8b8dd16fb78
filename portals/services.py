"""Services that change clients, engagements and portals."""
import logging

from django.utils import timezone

from .models import Portal

logger = logging.getLogger(__name__)


def portal_check_connection(*, portal):
    """Check the portal's stored credentials and record the outcome on the portal."""
    # TODO: replace the credentials-present check with a real vendor call once connectors exist.
    if portal.vendor == Portal.Vendor.CSV:
        status, message = Portal.Status.CONNECTED, "CSV portals need no credentials."
    elif portal.has_credentials:
        portal.get_credentials()
        status, message = Portal.Status.CONNECTED, "Credentials stored."
    else:
        status, message = Portal.Status.ERROR, "No credentials stored; add them on the portal and try again."

    portal.status = status
    portal.status_message = message
    portal.last_checked_at = timezone.now()
    portal.save(update_fields=["status", "status_message", "last_checked_at", "updated_at"])

    logger.info("portal checked client_id=%s portal_id=%s status=%s", portal.client_id, portal.pk, status)
    return portal
