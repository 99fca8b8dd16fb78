"""Vendor connectors: one module per vendor, all implementing `base.Connector`."""
from importlib import import_module

from .base import AuthenticationFailed, Connector, ConnectorError, InvalidResponse, Page, VendorUnavailable

_MODULES = {
    "hubspot": "portals.connectors.hubspot",
    "salesforce": "portals.connectors.salesforce",
    "marketo": "portals.connectors.marketo",
}


def get_connector(portal):
    """Return the connector of the portal's vendor, or raise ConnectorError when it has no API connector."""
    module_name = _MODULES.get(portal.vendor)
    if module_name is None:
        raise ConnectorError(
            f"{portal.get_vendor_display()} portals are synced by uploading CSV exports, not through an API."
        )
    _check_addresses(portal)
    return import_module(module_name).connector_class()(portal)


def _check_addresses(portal):
    """Check every URL the connector will call, at connection time, against the vendor URL rules."""
    from django.core.exceptions import ValidationError

    from portals.validators import validate_vendor_base_url

    credentials = portal.get_credentials()
    for url in filter(None, [portal.api_base_url, credentials.get("instance_url")]):
        try:
            validate_vendor_base_url(url)
        except ValidationError as error:
            raise ConnectorError(f"Portal {portal.pk}: {error.messages[0]}") from error


def has_connector(vendor):
    return vendor in _MODULES


__all__ = [
    "AuthenticationFailed",
    "Connector",
    "ConnectorError",
    "InvalidResponse",
    "Page",
    "VendorUnavailable",
    "get_connector",
]
