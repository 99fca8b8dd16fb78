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
    return import_module(module_name).connector_class()(portal)


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
