"""Fake Marketo REST API: identity token, leads, lead describe, activities, activity types, programs.

Marketo reports most errors with HTTP 200, success false and an error code: 600 token
missing, 601 token invalid (also for revoked tokens), 602 token expired, 606 rate limit,
610 unknown resource, 1003 invalid request. Injected server errors follow the same rule:
status 502 becomes error code 502 (Bad Gateway), any other status becomes 611 (System error).

    with MarketoFake(records={"leads": [...]}) as fake:
        token = requests.get(fake.base_url + "/identity/oauth/token", params={
            "grant_type": "client_credentials", "client_id": fake.CLIENT_ID,
            "client_secret": fake.CLIENT_SECRET}).json()["access_token"]

NOTE: the fake clamps batchSize to 300 and maxReturn to 200 silently, and the error codes
for invalid parameters (1003) and the message texts are not taken from real responses.
"""

import base64
import binascii
import bisect
import random
import threading
import time
import urllib.parse
import uuid

from .server import ApiError, FakeServer, Response
from .store import parse_timestamp

BATCH_SIZE_MAX = 300
FILTER_VALUES_MAX = 300
ACTIVITY_TYPE_IDS_MAX = 10
LEAD_IDS_MAX = 30
PROGRAMS_MAX_RETURN = 200
DEFAULT_LEAD_FIELDS = ("id", "email", "updatedAt", "createdAt", "lastName", "firstName")
DEFAULT_ACTIVITY_TYPES = (
    (1, "Visit Webpage", "Webpage ID"), (2, "Fill Out Form", "Webform ID"), (3, "Click Link", "Link ID"),
    (6, "Send Email", "Mailing ID"), (7, "Email Delivered", "Mailing ID"), (10, "Open Email", "Mailing ID"),
    (11, "Click Email", "Mailing ID"), (12, "New Lead", None), (13, "Change Data Value", "Attribute Name"),
    (22, "Change Score", "Attribute Name"), (46, "Interesting Moment", None),
)


def _request_id():
    return "%04x#%011x" % (random.getrandbits(16), random.getrandbits(44))


def encode_page_token(offset):
    """Return an opaque paging token for an offset, base32 like Marketo's own tokens."""
    return base64.b32encode(("offset:%d" % offset).encode("ascii")).decode("ascii").rstrip("=")


def decode_page_token(token):
    padded = token + "=" * (-len(token) % 8)
    text = base64.b32decode(padded).decode("ascii")
    prefix, _, offset = text.partition(":")
    if prefix != "offset" or not offset.isdigit():
        raise ValueError("not a fake page token: %r" % token)
    return int(offset)


def marketo_failure(code, message):
    body = {"requestId": _request_id(), "success": False, "errors": [{"code": str(code), "message": message}]}
    return ApiError(Response.json(200, body))


def marketo_success(result=None, **extra):
    body = {"requestId": _request_id(), "success": True}
    if result is not None:
        body["result"] = result
    body.update(extra)
    return Response.json(200, body)


def _integer(value, name, default):
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError:
        raise marketo_failure(1003, "Invalid value for %s: %r" % (name, value))


class MarketoFake(FakeServer):
    """Fake Marketo instance. Tokens last token_lifetime_seconds and are reused until they expire."""

    vendor = "marketo"
    CLIENT_ID = "fake-marketo-client-id"
    CLIENT_SECRET = "fake-marketo-client-secret"

    def __init__(self, *, token_lifetime_seconds=3600, **kwargs):
        super().__init__(**kwargs)
        self.token_lifetime_seconds = token_lifetime_seconds
        self._current_token = None
        self._token_expires_at = 0.0
        self._token_lock = threading.Lock()

        self.add_route("GET", r"/identity/oauth/token", self.issue_token, auth=False, rate_limited=False)
        self.add_route("POST", r"/identity/oauth/token", self.issue_token, auth=False, rate_limited=False)
        self.add_route("GET", r"/rest/v1/leads\.json", self.list_leads)
        self.add_route("GET", r"/rest/v1/leads/describe\.json", self.describe_leads)
        self.add_route("GET", r"/rest/v1/activities/pagingtoken\.json", self.read_paging_token)
        self.add_route("GET", r"/rest/v1/activities\.json", self.list_activities)
        self.add_route("GET", r"/rest/v1/activities/types\.json", self.list_activity_types)
        self.add_route("GET", r"/rest/asset/v1/programs\.json", self.list_programs)

    def preload(self):
        self._lead_store()
        self._activity_order(self._activity_store())
        self.store("programs")

    # Identity and errors.

    def issue_token(self, request):
        params = dict(urllib.parse.parse_qsl(request.body.decode("utf-8")))
        params.update({name: values[0] for name, values in request.query.items()})
        if params.get("client_id") != self.CLIENT_ID or params.get("client_secret") != self.CLIENT_SECRET:
            return Response.json(401, {"error": "unauthorized", "error_description": "Bad client credentials"})
        if params.get("grant_type") != "client_credentials":
            return Response.json(400, {"error": "invalid_request", "error_description": "Missing grant type"})

        token, expires_in = self.access_token()
        return Response.json(200, {"access_token": token, "token_type": "bearer", "expires_in": expires_in,
                                   "scope": "api.user@example.com"})

    def access_token(self):
        """Return (token, seconds left). Like Marketo, reuse the current token until it expires."""
        with self._token_lock:
            now = time.monotonic()
            if self._current_token is None or self.tokens.status(self._current_token) != "valid":
                self._current_token = "%s:ab" % uuid.uuid4()
                self._token_expires_at = now + self.token_lifetime_seconds
                self.tokens.add(self._current_token, lifetime_seconds=self.token_lifetime_seconds)
            return self._current_token, max(0, int(self._token_expires_at - now))

    def authenticate(self, request, route, params):
        status = self.tokens.status(request.bearer_token() or request.param("access_token"))
        if status == "missing":
            raise marketo_failure(600, "Access token not specified")
        if status == "expired":
            raise marketo_failure(602, "Access token expired")
        if status != "valid":
            raise marketo_failure(601, "Access token invalid")

    def rate_limited_response(self, decision):
        message = "Max rate limit '%d' exceeded with in '%d' secs" % (decision.max_requests, decision.window_seconds)
        return marketo_failure(606, message).response

    def server_error_response(self, status):
        if status == 502:
            return marketo_failure(502, "Bad Gateway").response
        return marketo_failure(611, "System error").response

    def not_found_response(self, request):
        return marketo_failure(610, "Requested resource not found").response

    # Leads.

    def _lead_store(self):
        columns = {
            "id": lambda record: int(record["id"]),
            "email": lambda record: (record.get("email") or "").lower(),
        }
        return self.store("leads", columns)

    def _matching_leads(self, store, filter_type, values):
        if filter_type == "id":
            index = store.derived("by_id", lambda source: {value: position for position, value in
                                                           enumerate(source.columns["id"])})
            wanted = [_integer(value, "filterValues", None) for value in values]
            return [index[value] for value in wanted if value in index]
        if filter_type == "email":
            index = store.derived("by_email", self._group_by_email)
            return [position for value in values for position in index.get(value.lower(), [])]

        wanted = {value.lower() for value in values}
        return [position for position, record in enumerate(store.iter_records())
                if str(record.get(filter_type, "")).lower() in wanted]

    @staticmethod
    def _group_by_email(store):
        groups = {}
        for position, email in enumerate(store.columns["email"]):
            if email:
                groups.setdefault(email, []).append(position)
        return groups

    def list_leads(self, request):
        filter_type = request.param("filterType")
        values = request.param_list("filterValues")
        if not filter_type or not values:
            raise marketo_failure(1003, "filterType and filterValues are required")
        if len(values) > FILTER_VALUES_MAX:
            raise marketo_failure(1003, "at most %d filterValues are allowed" % FILTER_VALUES_MAX)

        batch_size = min(_integer(request.param("batchSize"), "batchSize", BATCH_SIZE_MAX), BATCH_SIZE_MAX)
        offset = self._page_offset(request.param("nextPageToken"))
        fields = request.param_list("fields") or list(DEFAULT_LEAD_FIELDS)
        if "id" not in fields:
            fields.insert(0, "id")

        store = self._lead_store()
        positions = self._matching_leads(store, filter_type, values)
        end = min(offset + batch_size, len(positions))
        result = []
        for position in positions[offset:end]:
            record = store.get(position)
            result.append({field: record.get(field) for field in fields})

        extra = {"nextPageToken": encode_page_token(end)} if end < len(positions) else {}
        return marketo_success(result, **extra)

    def describe_leads(self, request):
        first = self._lead_store().first() or {}
        names = list(DEFAULT_LEAD_FIELDS) + [name for name in first if name not in DEFAULT_LEAD_FIELDS]
        result = []
        for number, name in enumerate(names, start=1):
            data_type = self._data_type(name, first.get(name))
            read_only = name in ("id", "createdAt", "updatedAt")
            result.append({
                "id": number, "displayName": name, "dataType": data_type,
                "rest": {"name": name, "readOnly": read_only}, "soap": {"name": name, "readOnly": read_only},
            })
        return marketo_success(result)

    @staticmethod
    def _data_type(name, sample):
        if name == "email":
            return "email"
        if isinstance(sample, bool):
            return "boolean"
        if isinstance(sample, int):
            return "integer"
        if isinstance(sample, float):
            return "float"
        if isinstance(sample, str) and len(sample) > 10 and parse_timestamp(sample) is not None:
            return "datetime"
        return "string"

    # Activities.

    def _page_offset(self, token):
        if not token:
            return 0
        try:
            return decode_page_token(token)
        except (ValueError, binascii.Error):
            raise marketo_failure(1003, "Invalid nextPageToken")

    def _activity_store(self):
        columns = {
            "date": lambda record: parse_timestamp(record.get("activityDate")) or 0.0,
            "type_id": lambda record: int(record.get("activityTypeId") or 0),
            "lead_id": lambda record: int(record.get("leadId") or 0),
        }
        return self.store("activities", columns)

    def _activity_order(self, store):
        """Return (positions sorted by activity date, their dates) for bisect lookups."""
        def build(source):
            order = sorted(range(len(source)), key=source.columns["date"].__getitem__)
            return order, [source.columns["date"][position] for position in order]
        return store.derived("by_date", build)

    def read_paging_token(self, request):
        since = parse_timestamp(request.param("sinceDatetime"))
        if since is None:
            raise marketo_failure(1003, "sinceDatetime is required as an ISO 8601 datetime")
        _, dates = self._activity_order(self._activity_store())
        return marketo_success(nextPageToken=encode_page_token(bisect.bisect_left(dates, since)))

    def list_activities(self, request):
        token = request.param("nextPageToken")
        if not token:
            raise marketo_failure(1003, "nextPageToken is required")
        type_ids = {_integer(value, "activityTypeIds", None) for value in request.param_list("activityTypeIds")}
        if not type_ids or len(type_ids) > ACTIVITY_TYPE_IDS_MAX:
            raise marketo_failure(1003, "activityTypeIds needs 1 to %d ids" % ACTIVITY_TYPE_IDS_MAX)
        lead_ids = {_integer(value, "leadIds", None) for value in request.param_list("leadIds")}
        if len(lead_ids) > LEAD_IDS_MAX:
            raise marketo_failure(1003, "at most %d leadIds are allowed" % LEAD_IDS_MAX)

        batch_size = min(_integer(request.param("batchSize"), "batchSize", BATCH_SIZE_MAX), BATCH_SIZE_MAX)
        start = self._page_offset(token)
        store = self._activity_store()
        order, _ = self._activity_order(store)

        # Marketo walks batchSize activities of every type per call and returns the ones that
        # match, so a page can be empty while moreResult is still true.
        end = min(start + batch_size, len(order))
        result = [
            store.get(position) for position in order[start:end]
            if store.columns["type_id"][position] in type_ids
            and (not lead_ids or store.columns["lead_id"][position] in lead_ids)
        ]
        return marketo_success(result or None, nextPageToken=encode_page_token(end), moreResult=end < len(order))

    def list_activity_types(self, request):
        types = self.load_json("activity_types")
        if types is None:
            types = [
                {"id": type_id, "name": name, "description": name,
                 "primaryAttribute": {"name": attribute, "dataType": "integer"} if attribute else None,
                 "attributes": []}
                for type_id, name, attribute in DEFAULT_ACTIVITY_TYPES
            ]
        return marketo_success(types)

    # Programs (asset API).

    def list_programs(self, request):
        offset = _integer(request.param("offset"), "offset", 0)
        max_return = min(_integer(request.param("maxReturn"), "maxReturn", 20), PROGRAMS_MAX_RETURN)
        since = parse_timestamp(request.param("earliestUpdatedAt"))
        until = parse_timestamp(request.param("latestUpdatedAt"))

        programs = []
        for record in self.store("programs").iter_records():
            updated = parse_timestamp(record.get("updatedAt"))
            if since is not None and (updated is None or updated < since):
                continue
            if until is not None and (updated is None or updated > until):
                continue
            programs.append(record)

        page = programs[offset:offset + max_return]
        if not page:
            return marketo_success(errors=[], warnings=["No assets found for the given search criteria."])
        return marketo_success(page, errors=[], warnings=[])
