"""Fetch client web pages for a stack scan, reaching only public addresses of allowed hosts.

Every redirect hop is checked again (scheme, host, every resolved address), and the connection itself
goes to an address that passed the check, so a DNS answer that changes between check and connect
(DNS rebinding) is rejected too.
"""
import ipaddress
import logging
import socket
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.util.connection import create_connection

logger = logging.getLogger(__name__)

MAX_REDIRECTS = 5
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
CHUNK_BYTES = 64 * 1024
USER_AGENT = "mops-stack-scan/1.0 (marketing stack inventory)"


class AddressRejected(Exception):
    """A URL or address that a scan must not reach. The message is shown to the user."""


@dataclass
class PageResult:
    """The outcome for one requested URL: the page, or an error message with the reason there is none."""

    url: str
    final_url: str = ""
    status: int | None = None
    html: str = ""
    headers: dict = field(default_factory=dict)
    cookie_names: tuple = ()
    redirects: tuple = ()
    truncated: bool = False
    error: str = ""

    @property
    def ok(self):
        return not self.error and self.status is not None and 200 <= self.status < 300


def fetch_pages(urls, *, allowed_hosts, allow_private=False, timeout=10, max_bytes=2_000_000):
    """Fetch each URL with GET and return one PageResult per URL, in order.

    Only http and https URLs whose host is in `allowed_hosts` are fetched, with at most 5 redirects
    followed by hand. Private and loopback addresses are rejected unless `allow_private` is set;
    link-local, multicast, reserved and unspecified addresses are always rejected. `timeout` (seconds)
    applies to connecting, to each read and to reading the whole body. The body is cut at `max_bytes`.
    """
    hosts = {host.lower().rstrip(".") for host in allowed_hosts}
    session = requests.Session()
    session.trust_env = False  # no proxy from the environment: the checked address is the one connected to
    adapter = _GuardedAdapter(allow_private=allow_private)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT

    try:
        return [_fetch_one(session, url, hosts, allow_private, timeout, max_bytes) for url in urls]
    finally:
        session.close()


def _fetch_one(session, url, hosts, allow_private, timeout, max_bytes):
    result = PageResult(url=url)
    current = url
    redirects = []

    while True:
        try:
            check_url(current, allowed_hosts=hosts, allow_private=allow_private)
            response = session.get(current, timeout=(timeout, timeout), allow_redirects=False, stream=True)
        except AddressRejected as error:
            logger.warning("stack scan url rejected url=%s error=%s", current, error)
            result.error = str(error)
            break
        except requests.RequestException as error:
            logger.warning("stack scan fetch failed url=%s error=%s", current, error)
            result.error = _request_error(current, error)
            break

        location = response.headers.get("Location")
        if response.status_code in REDIRECT_STATUSES and location:
            response.close()
            if len(redirects) == MAX_REDIRECTS:
                result.error = "failed: more than %d redirects, last to %s" % (MAX_REDIRECTS, location)
                logger.warning("stack scan stopped at redirect limit url=%s location=%s", url, location)
                break
            current = urljoin(current, location)
            redirects.append(current)
            continue

        _read_response(response, result, timeout, max_bytes)
        break

    result.final_url = current
    result.redirects = tuple(redirects)
    logger.info("stack scan fetched url=%s status=%s redirects=%s", url, result.status, len(redirects))
    return result


def _read_response(response, result, timeout, max_bytes):
    result.status = response.status_code
    result.headers = dict(response.headers)
    result.cookie_names = tuple(_set_cookie_names(response))

    body = bytearray()
    deadline = time.monotonic() + timeout
    try:
        for chunk in response.iter_content(CHUNK_BYTES):
            body.extend(chunk)
            if len(body) >= max_bytes:
                del body[max_bytes:]
                result.truncated = True
                break
            if time.monotonic() > deadline:
                result.error = "failed: reading %s timed out after %s s" % (result.url, timeout)
                break
    except requests.RequestException as error:
        result.error = _request_error(response.url, error)
    finally:
        response.close()

    content_type = response.headers.get("Content-Type", "")
    encoding = response.encoding if "charset=" in content_type.lower() else "utf-8"
    result.html = body.decode(encoding or "utf-8", errors="replace")


def _set_cookie_names(response):
    names = []
    for header in response.raw.headers.getlist("Set-Cookie"):
        name = header.split("=", 1)[0].strip()
        if name:
            names.append(name)
    return names


def _request_error(url, error):
    if isinstance(error, requests.Timeout):
        return "failed: %s timed out" % url
    cause = error
    while cause is not None:
        if isinstance(cause, AddressRejected):
            return str(cause)
        cause = cause.__cause__ or cause.__context__
    return "failed: could not fetch %s (%s)" % (url, type(error).__name__)


def check_url(url, *, allowed_hosts, allow_private=False):
    """Raise AddressRejected unless `url` is http(s), its host is allowed and every address is reachable."""
    try:
        parts = urlsplit(url)
        explicit_port = parts.port
    except ValueError as error:
        raise AddressRejected("rejected: %s is not a valid URL (%s)" % (url, error)) from error

    if parts.scheme not in ("http", "https"):
        raise AddressRejected("rejected: %s uses scheme %r; scans fetch only http and https URLs" % (url, parts.scheme))

    host = (parts.hostname or "").rstrip(".")
    allowed_hosts = {allowed.lower().rstrip(".") for allowed in allowed_hosts}
    if not host:
        raise AddressRejected("rejected: %s has no host name" % url)
    if host not in allowed_hosts:
        raise AddressRejected(
            "rejected: host %s is not one of the client's website hosts (%s); add it to the client's website domains"
            % (host, ", ".join(sorted(allowed_hosts)) or "none")
        )

    port = explicit_port or (443 if parts.scheme == "https" else 80)
    resolve_checked(host, port, allow_private=allow_private)


def resolve_checked(host, port, *, allow_private=False):
    """Return every address of `host`, raising AddressRejected if any of them may not be reached."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise AddressRejected("failed: could not resolve host %s (%s)" % (host, error.strerror)) from error

    addresses = []
    for info in infos:
        address = info[4][0]
        problem = address_problem(ipaddress.ip_address(address.split("%", 1)[0]), allow_private=allow_private)
        if problem:
            raise AddressRejected(problem)
        if address not in addresses:
            addresses.append(address)
    return addresses


def address_problem(ip, *, allow_private=False):
    """Return why a scan may not reach `ip`, or "" when it may."""
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped

    for always_blocked in ("link_local", "multicast", "reserved", "unspecified"):
        if getattr(ip, "is_" + always_blocked):
            return "rejected: %s is a %s address; scans never reach link-local, multicast, reserved or unspecified addresses" % (
                ip, always_blocked.replace("_", "-"))

    if ip.is_loopback:
        kind = "loopback"
    elif ip.is_private:
        kind = "private"
    elif not ip.is_global:
        kind = "non-public"
    else:
        return ""
    if allow_private:
        return ""
    return "rejected: %s is a %s address; scans reach only public hosts" % (ip, kind)


class _GuardedConnectionMixin:
    """Connect only to an address that passes resolve_checked at connect time."""

    allow_private = False

    def _new_conn(self):
        addresses = resolve_checked(self.host, self.port, allow_private=self.allow_private)
        last_error = None
        for address in addresses:
            try:
                return create_connection(
                    (address, self.port), self.timeout, source_address=self.source_address, socket_options=self.socket_options,
                )
            except OSError as error:
                last_error = error
        raise last_error


def _pool_classes(allow_private):
    http_connection = type("GuardedHTTPConnection", (_GuardedConnectionMixin, HTTPConnection), {"allow_private": allow_private})
    https_connection = type("GuardedHTTPSConnection", (_GuardedConnectionMixin, HTTPSConnection), {"allow_private": allow_private})
    return {
        "http": type("GuardedHTTPConnectionPool", (HTTPConnectionPool,), {"ConnectionCls": http_connection}),
        "https": type("GuardedHTTPSConnectionPool", (HTTPSConnectionPool,), {"ConnectionCls": https_connection}),
    }


POOL_CLASSES = {False: _pool_classes(False), True: _pool_classes(True)}


class _GuardedAdapter(HTTPAdapter):
    def __init__(self, *, allow_private):
        self.allow_private = allow_private
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = POOL_CLASSES[self.allow_private]
