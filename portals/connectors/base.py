"""The interface every vendor connector implements, and the errors they raise."""
from dataclasses import dataclass, field


class ConnectorError(Exception):
    """A failed sync step. The message names the object and the fix, and contains no secret."""

    transient = False

    def __init__(self, message, *, object_name=""):
        super().__init__(message)
        self.object_name = object_name


class AuthenticationFailed(ConnectorError):
    """The vendor rejected the credentials: wrong, expired, revoked or missing a scope."""


class VendorUnavailable(ConnectorError):
    """The vendor returned 5xx, timed out or kept rate-limiting after the connector's own retries."""

    transient = True


class InvalidResponse(ConnectorError):
    """The vendor returned data the connector cannot read."""


@dataclass
class Page:
    """One page of an object: rows for one or more snapshot models, and where to continue.

    `rows` maps a snapshot model class to a list of field dicts (without client and portal).
    `count` is the number of vendor records on the page, for progress. `next_cursor` is None on
    the last page. `total` is the vendor's total for the object where it reports one.
    """

    rows: dict = field(default_factory=dict)
    count: int = 0
    next_cursor: str | None = None
    total: int | None = None


class Connector:
    """Base class of the vendor connectors.

    A sync walks `object_names` in order and calls `fetch_page` until `next_cursor` is None.
    `since` is None for a full sync, else the time after which modified records are read.
    """

    vendor = ""
    object_names = ()

    def __init__(self, portal):
        self.portal = portal
        self.credentials = portal.get_credentials()
        self.base_url = portal.api_base_url or self.default_base_url

    default_base_url = ""

    def check_connection(self):
        """Make one cheap authenticated call; return a short description of what was reached."""
        raise NotImplementedError

    def fetch_page(self, object_name, *, cursor, since):
        raise NotImplementedError
