"""Local fake servers of the vendor APIs, for tests and the demo.

Each fake runs the vendor's documented request and response shapes, paging, limits and
errors on 127.0.0.1, so the official client libraries run against it unchanged.
"""

from .faults import Faults, LoggedRequest
from .hubspot import HubSpotFake
from .marketo import MarketoFake
from .salesforce import SalesforceFake
from .server import FakeServer

__all__ = ["FakeServer", "Faults", "HubSpotFake", "LoggedRequest", "MarketoFake", "SalesforceFake"]
