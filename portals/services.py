"""Services that change clients, engagements and portals."""
import logging

from django.utils import timezone

from .connectors import ConnectorError, get_connector
from .models import Portal

logger = logging.getLogger(__name__)

# Vendors whose data arrives as uploaded CSV exports only.
CSV_ONLY_VENDORS = {Portal.Vendor.CSV, Portal.Vendor.PARDOT}


def portal_check_connection(*, portal):
    """Call the vendor with the stored credentials and record the outcome on the portal."""
    if portal.vendor in CSV_ONLY_VENDORS:
        status, message = Portal.Status.CONNECTED, "This portal's data arrives as uploaded CSV exports."
    elif not portal.has_credentials:
        status, message = Portal.Status.ERROR, "No credentials stored; add them on the portal and try again."
    else:
        try:
            status, message = Portal.Status.CONNECTED, get_connector(portal).check_connection()
        except ConnectorError as error:
            status, message = Portal.Status.ERROR, str(error)

    portal.status = status
    portal.status_message = message
    portal.last_checked_at = timezone.now()
    portal.save(update_fields=["status", "status_message", "last_checked_at", "updated_at"])

    logger.info("portal checked client_id=%s portal_id=%s status=%s", portal.client_id, portal.pk, status)
    return portal
