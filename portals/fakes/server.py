"""Common base of the fake vendor servers: threading HTTP(S) server, routing, tokens, faults.

A fake listens on 127.0.0.1 (port 0 lets the OS pick a free port) and runs in a daemon
thread. Use it as a context manager or call start() and stop():

    with HubSpotFake(data_dir=path) as fake:
        client.configure(host=fake.base_url)
"""

import dataclasses
import http.server
import ipaddress
import json
import logging
import os
import re
import shutil
import ssl
import tempfile
import threading
import time
import urllib.parse

from .faults import Faults
from .store import JsonlStore, ListStore
from .tls import write_certificates

logger = logging.getLogger(__name__)


class Request:
    """One parsed HTTP request, as the route handlers see it."""

    def __init__(self, method, raw_path, headers, body):
        split = urllib.parse.urlsplit(raw_path)
        self.method = method
        self.raw_path = raw_path
        self.path = split.path.rstrip("/") or "/"
        self.query = urllib.parse.parse_qs(split.query, keep_blank_values=True)
        self.headers = headers
        self.body = body
        self.number = 0

    def param(self, name, default=None):
        values = self.query.get(name)
        return values[0] if values else default

    def param_list(self, name):
        """Return the values of a repeated or comma separated parameter, in order."""
        items = []
        for value in self.query.get(name, []):
            items.extend(part.strip() for part in value.split(",") if part.strip())
        return items

    def json(self):
        """Return the parsed JSON body, or None when the body is empty or not JSON."""
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def bearer_token(self):
        header = self.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() in ("bearer", "oauth") and token.strip():
            return token.strip()
        return None


@dataclasses.dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json;charset=utf-8"
    headers: dict = dataclasses.field(default_factory=dict)

    @classmethod
    def json(cls, status, payload, headers=None):
        body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        return cls(status, body, headers=dict(headers or {}))


class ApiError(Exception):
    """Exception a route handler raises to send a prepared error response."""

    def __init__(self, response):
        super().__init__(response.status)
        self.response = response


@dataclasses.dataclass
class Route:
    method: str
    pattern: re.Pattern
    handler: object
    auth: bool = True
    rate_limited: bool = True
    options: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Token:
    scopes: frozenset | None = None
    expires_at: float | None = None
    revoked: bool = False


class TokenRegistry:
    """Access tokens a fake accepts. scopes=None means every scope; expiry uses time.monotonic."""

    def __init__(self):
        self._lock = threading.Lock()
        self._tokens = {}

    def add(self, token, scopes=None, lifetime_seconds=None):
        expires_at = None if lifetime_seconds is None else time.monotonic() + lifetime_seconds
        scope_set = None if scopes is None else frozenset(scopes)
        with self._lock:
            self._tokens[token] = Token(scope_set, expires_at)

    def revoke(self, token):
        with self._lock:
            if token in self._tokens:
                self._tokens[token].revoked = True

    def expire(self, token):
        with self._lock:
            if token in self._tokens:
                self._tokens[token].expires_at = time.monotonic()

    def status(self, token):
        """Return "missing", "invalid", "revoked", "expired" or "valid"."""
        if not token:
            return "missing"
        with self._lock:
            entry = self._tokens.get(token)
        if entry is None:
            return "invalid"
        if entry.revoked:
            return "revoked"
        if entry.expires_at is not None and time.monotonic() >= entry.expires_at:
            return "expired"
        return "valid"

    def get(self, token):
        with self._lock:
            return self._tokens.get(token)


class _RequestHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(self.command, self.path, self.headers, body)
        response = self.server.fake.dispatch(request)

        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            for name, value in response.headers.items():
                self.send_header(name, str(value))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            logger.debug("fake client disconnected request=%s", request.number)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle

    def log_message(self, format, *args):
        logger.debug("fake http " + format, *args)


class _HTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        logger.debug("fake connection error client=%s", client_address, exc_info=True)


class FakeServer:
    """Base class of the fake vendor servers. Subclasses register routes in __init__.

    data_dir is a sample client directory (the one containing hubspot/, salesforce/, marketo/)
    or the vendor folder itself. records maps a file stem ("contacts", "Lead") to a list of
    record dicts and takes precedence over files.
    """

    vendor = ""

    def __init__(self, *, data_dir=None, records=None, host="127.0.0.1", port=0, tls=False, log_size=10_000):
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError("fake servers listen on a loopback address only, got host=%r" % host)
        self.data_dir = data_dir
        self.records = dict(records or {})
        self.host = host
        self.port = port
        self.tls = tls
        self.faults = Faults(log_size=log_size)
        self.tokens = TokenRegistry()
        self.ca_path = None
        self._routes = []
        self._stores = {}
        self._stores_lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = None
        self._thread = None
        self._cert_dir = None

    # Lifecycle.

    def start(self):
        self._stopping.clear()
        self._httpd = _HTTPServer((self.host, self.port), _RequestHandler)
        self._httpd.fake = self
        if self.tls:
            self._wrap_tls()

        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True,
            name="%s-fake" % self.vendor,
        )
        self._thread.start()
        logger.info("fake server started vendor=%s url=%s", self.vendor, self.base_url)
        return self

    def _wrap_tls(self):
        self._cert_dir = tempfile.mkdtemp(prefix="fake-%s-tls-" % self.vendor)
        self.ca_path, cert_path, key_path = write_certificates(self._cert_dir, self.host)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_path, key_path)
        # The handshake runs in the handler thread, so a stuck client cannot block accept().
        self._httpd.socket = context.wrap_socket(
            self._httpd.socket, server_side=True, do_handshake_on_connect=False
        )

    def stop(self):
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        with self._stores_lock:
            for store in self._stores.values():
                store.close()
            self._stores.clear()
        if self._cert_dir:
            shutil.rmtree(self._cert_dir, ignore_errors=True)
            self._cert_dir = None
        logger.info("fake server stopped vendor=%s", self.vendor)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def base_url(self):
        scheme = "https" if self.tls else "http"
        return "%s://%s:%d" % (scheme, self.host, self.port)

    @property
    def requests(self):
        """Request log (method, path, query, status), oldest first."""
        return self.faults.requests

    # Data.

    def _vendor_path(self, filename):
        if self.data_dir is None:
            return None
        vendor_dir = os.path.join(self.data_dir, self.vendor)
        base = vendor_dir if os.path.isdir(vendor_dir) else self.data_dir
        return os.path.join(base, filename)

    def store(self, name, columns=None):
        """Return the store for `name`, loading records[name] or <name>.jsonl on first use."""
        with self._stores_lock:
            if name not in self._stores:
                self._stores[name] = self._open_store(name, columns)
            return self._stores[name]

    def replace_records(self, name, records):
        """Serve `records` for `name` from now on, as when the vendor's data changes between syncs."""
        with self._stores_lock:
            self.records[name] = records
            self._stores.pop(name, None)

    def _open_store(self, name, columns):
        if name in self.records:
            return ListStore(self.records[name], columns)
        path = self._vendor_path(name + ".jsonl")
        if path and os.path.exists(path):
            return JsonlStore(path, columns)
        return ListStore([], columns)

    def preload(self):
        """Load every dataset file now, so the first requests do not wait for indexing."""

    def has_data(self, name):
        if name in self.records:
            return True
        path = self._vendor_path(name + ".jsonl")
        return bool(path and os.path.exists(path))

    def load_json(self, name, default=None):
        """Return records[name] or the parsed <name>.json file, else default."""
        if name in self.records:
            return self.records[name]
        path = self._vendor_path(name + ".json")
        if path and os.path.exists(path):
            with open(path, encoding="utf-8") as source:
                return json.load(source)
        return default

    # Routing and dispatch.

    def add_route(self, method, pattern, handler, *, auth=True, rate_limited=True, **options):
        compiled = re.compile("^" + pattern + "$")
        self._routes.append(Route(method, compiled, handler, auth, rate_limited, options))

    def _match(self, request):
        for route in self._routes:
            if route.method != request.method:
                continue
            match = route.pattern.match(request.path)
            if match:
                return route, match.groupdict()
        return None, None

    def dispatch(self, request):
        number = self.faults.register(request.method, request.path, request.query)
        request.number = number
        response = self._answer(request)
        self.faults.record_status(number, response.status)
        if response.status >= 400:
            logger.debug("fake error response vendor=%s number=%d status=%d path=%s",
                         self.vendor, number, response.status, request.path)
        return response

    def _answer(self, request):
        if self.faults.should_time_out(request.number):
            logger.info("fake delaying request number=%d seconds=%s", request.number,
                        self.faults.timeout_delay_seconds)
            self._stopping.wait(self.faults.timeout_delay_seconds)
            if self._stopping.is_set():
                return self.server_error_response(503)

        error_status = self.faults.server_error_status(request.number)
        if error_status:
            return self.server_error_response(error_status)

        route, params = self._match(request)
        if route is None:
            return self.not_found_response(request)

        decision = None
        try:
            if route.auth:
                self.authenticate(request, route, params)
            if route.rate_limited:
                decision = self.faults.check_rate_limit()
            if decision is not None and not decision.allowed:
                response = self.rate_limited_response(decision)
            else:
                response = route.handler(request, **params)
        except ApiError as error:
            response = error.response
        except Exception:
            logger.exception("fake handler failed vendor=%s path=%s", self.vendor, request.path)
            response = self.server_error_response(500)

        response.headers.update(self.extra_headers(decision))
        return response

    # Vendor hooks.

    def authenticate(self, request, route, params):
        """Raise ApiError unless the request carries a valid token for the route."""
        raise NotImplementedError

    def rate_limited_response(self, decision):
        raise NotImplementedError

    def extra_headers(self, decision):
        """Return headers for every routed response. decision is None when no limit applies."""
        return {}

    def server_error_response(self, status):
        raise NotImplementedError

    def not_found_response(self, request):
        raise NotImplementedError
