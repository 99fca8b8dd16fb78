"""Fake Salesforce org: OAuth token endpoint, REST query with paging, describe, Bulk API 2.0 query.

simple-salesforce 1.12 builds https:// URLs, so this fake serves TLS with a throwaway CA.
Get a session with the OAuth username-password flow (POST /services/oauth2/token), or use
DEFAULT_SESSION_ID, and trust fake.ca_path:

    with SalesforceFake(records={"Lead": [...]}) as fake:
        session = requests.Session()
        session.verify = fake.ca_path
        sf = Salesforce(instance_url=fake.base_url, session_id=fake.DEFAULT_SESSION_ID, session=session)

Past the rate limit, the fake responds like an org over its daily API allocation: HTTP 403
with REQUEST_LIMIT_EXCEEDED and no Retry-After header.
"""

import collections
import datetime
import os
import threading
import urllib.parse
import uuid

import requests

from . import soql
from .salesforce_bulk import BulkQueryMixin
from .server import ApiError, FakeServer, Response
from .store import parse_timestamp

QUERY_PAGE_SIZE = 2000
DAILY_API_REQUESTS = 15_000
# Real orgs also expire query locators. The fake keeps the newest 50 and rejects older ones.
OPEN_CURSORS_MAX = 50
VERSION_PATTERN = r"v(?P<version>\d+\.\d)"
API_VERSIONS = (
    ("Summer '23", "58.0"), ("Winter '24", "59.0"), ("Spring '24", "60.0"), ("Summer '24", "61.0"),
    ("Winter '25", "62.0"), ("Spring '25", "63.0"), ("Summer '25", "64.0"),
)
TIMESTAMP_FIELDS = ("CreatedDate", "LastModifiedDate", "SystemModstamp")
PICKLIST_FIELDS = {
    "LeadSource", "Status", "StageName", "Industry", "Rating", "Type", "AccountSource",
    "ForecastCategoryName", "Salutation", "Segment__c", "Territory__c",
}


def salesforce_error(status, error_code, message):
    return ApiError(Response.json(status, [{"message": message, "errorCode": error_code}]))


class SalesforceFake(BulkQueryMixin, FakeServer):
    """Fake Salesforce org serving salesforce/<SObject>.jsonl files or in-memory records."""

    vendor = "salesforce"
    api_error = staticmethod(salesforce_error)
    DEFAULT_SESSION_ID = "00DFAKE000000001!AQ0AQFakeSessionId"
    USERNAME = "integration.user@example.com"
    PASSWORD = "fake-password"
    SECURITY_TOKEN = "fake-security-token"
    CLIENT_ID = "fake-connected-app-client-id"
    CLIENT_SECRET = "fake-connected-app-client-secret"

    def __init__(self, *, page_size=QUERY_PAGE_SIZE, session_lifetime_seconds=None, tls=True, **kwargs):
        super().__init__(tls=tls, **kwargs)
        self.page_size = page_size
        self.session_lifetime_seconds = session_lifetime_seconds
        self.tokens.add(self.DEFAULT_SESSION_ID)
        self._cursors = collections.OrderedDict()
        self._cursor_lock = threading.Lock()
        self._init_bulk()

        data = r"/services/data/" + VERSION_PATTERN
        self.add_route("POST", r"/services/oauth2/token", self.issue_token, auth=False, rate_limited=False)
        self.add_route("GET", r"/services/data", self.list_versions, auth=False, rate_limited=False)
        self.add_route("GET", data + r"/limits", self.read_limits, rate_limited=False)
        self.add_route("GET", data + r"/(?P<endpoint>query|queryAll)", self.query)
        self.add_route("GET", data + r"/(?P<endpoint>query|queryAll)/(?P<cursor>[^/]+)-(?P<offset>\d+)",
                       self.query_more)
        self.add_route("GET", data + r"/sobjects", self.describe_global)
        self.add_route("GET", data + r"/sobjects/(?P<object_name>\w+)/describe", self.describe)
        self.add_route("GET", data + r"/sobjects/(?P<object_name>\w+)/(?P<record_id>[A-Za-z0-9]+)", self.read_record)
        self.add_bulk_routes(data)

    def requests_session(self):
        """Return a requests.Session that trusts this fake's CA.

        trust_env is off because requests lets REQUESTS_CA_BUNDLE override session.verify,
        and because proxies from the environment must not see loopback traffic.
        """
        session = requests.Session()
        session.trust_env = False
        session.verify = self.ca_path
        return session

    # Auth, limits and errors.

    def issue_token(self, request):
        form = {name: values[0] for name, values in urllib.parse.parse_qs(request.body.decode("utf-8")).items()}
        form.update({name: values[0] for name, values in request.query.items()})
        if form.get("client_id") != self.CLIENT_ID or form.get("client_secret") != self.CLIENT_SECRET:
            return Response.json(400, {"error": "invalid_client_id", "error_description": "client identifier invalid"})

        grant_type = form.get("grant_type")
        if grant_type == "password":
            accepted = (self.PASSWORD + self.SECURITY_TOKEN, self.PASSWORD)
            if form.get("username") != self.USERNAME or form.get("password") not in accepted:
                return Response.json(400, {"error": "invalid_grant", "error_description": "authentication failure"})
        elif grant_type != "client_credentials":
            return Response.json(400, {"error": "unsupported_grant_type",
                                       "error_description": "grant type not supported"})

        token = "00DFAKE000000001!AQ0AQ" + uuid.uuid4().hex
        self.tokens.add(token, lifetime_seconds=self.session_lifetime_seconds)
        issued_at = str(int(datetime.datetime.now(datetime.timezone.utc).timestamp() * 1000))
        return Response.json(200, {
            "access_token": token, "instance_url": self.base_url, "token_type": "Bearer",
            "id": "%s/id/00DFAKE000000001AAA/005FAKE000000001AAA" % self.base_url,
            "issued_at": issued_at, "signature": uuid.uuid4().hex,
        })

    def authenticate(self, request, route, params):
        if self.tokens.status(request.bearer_token()) != "valid":
            raise salesforce_error(401, "INVALID_SESSION_ID", "Session expired or invalid")

    def rate_limited_response(self, decision):
        return salesforce_error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.").response

    def extra_headers(self, decision):
        return {"Sforce-Limit-Info": "api-usage=%d/%d" % (self.faults.request_count, DAILY_API_REQUESTS)}

    def server_error_response(self, status):
        code = "SERVER_UNAVAILABLE" if status == 503 else "UNKNOWN_EXCEPTION"
        return salesforce_error(status, code, "An unexpected error occurred.").response

    def not_found_response(self, request):
        return salesforce_error(404, "NOT_FOUND", "The requested resource does not exist").response

    def list_versions(self, request):
        versions = [{"label": label, "url": "/services/data/v" + version, "version": version}
                    for label, version in API_VERSIONS]
        return Response.json(200, versions)

    def read_limits(self, request, version):
        remaining = max(0, DAILY_API_REQUESTS - self.faults.request_count)
        return Response.json(200, {
            "DailyApiRequests": {"Max": DAILY_API_REQUESTS, "Remaining": remaining},
            "DailyBulkV2QueryJobs": {"Max": 10_000, "Remaining": 10_000 - self.bulk_job_count()},
        })

    # Objects and stores.

    def preload(self):
        for name in self.object_names():
            self.object_store(name)

    def object_names(self):
        """Return the SObject names this org holds, from records or salesforce/*.jsonl."""
        names = set(self.records)
        directory = self._vendor_path("")
        if directory and os.path.isdir(directory):
            names.update(name[:-6] for name in os.listdir(directory) if name.endswith(".jsonl"))
        return sorted(names)

    def object_store(self, object_name):
        """Return (canonical name, store) for an SObject name in any case, or raise INVALID_TYPE."""
        for name in self.object_names():
            if name.lower() == object_name.lower():
                columns = {
                    "id": lambda record: record.get("Id"),
                    "isdeleted": lambda record: record.get("IsDeleted") is True,
                }
                for field in TIMESTAMP_FIELDS:
                    columns[field.lower()] = (lambda record, field=field: parse_timestamp(record.get(field)))
                return name, self.store(name, columns)
        raise salesforce_error(400, "INVALID_TYPE", "sObject type '%s' is not supported." % object_name)

    @staticmethod
    def field_map(store):
        """Map lower-case field names to the record keys, taken from the first record."""
        def build(source):
            first = source.first() or {}
            return {key.lower(): key for key in first if key != "attributes"}
        return store.derived("field_map", build)

    def _field_value(self, store, position, field, record_cache):
        lower = field.lower()
        if lower in store.columns:
            return store.columns[lower][position]
        if position not in record_cache:
            record_cache.clear()
            record_cache[position] = store.get(position)
        record = record_cache[position]
        return record.get(self.field_map(store).get(lower, field))

    def shape_record(self, object_name, record, fields, version):
        keys = {key.lower(): key for key in record}
        shaped = {"attributes": {
            "type": object_name,
            "url": "/services/data/v%s/sobjects/%s/%s" % (version, object_name, record.get("Id")),
        }}
        for field in fields:
            key = keys.get(field.lower(), field)
            shaped[key] = record.get(key)
        return shaped

    # Query.

    def run_soql(self, text, include_deleted=False):
        """Parse and run a SOQL statement. Return (object name, query, matching positions).

        Records with IsDeleted true match only when include_deleted is set (queryAll).
        """
        try:
            query = soql.parse(text)
        except soql.SoqlError as error:
            raise salesforce_error(400, "MALFORMED_QUERY", str(error))

        object_name, store = self.object_store(query.object_name)
        known = self.field_map(store)
        used = query.fields + [condition.field for condition in query.conditions] + [item[0] for item in query.order_by]
        for field in used:
            if known and field.lower() not in known:
                message = "No such column '%s' on entity '%s'." % (field, object_name)
                raise salesforce_error(400, "INVALID_FIELD", message)

        record_cache = {}
        positions = []
        for position in range(len(store)):
            if store.columns["isdeleted"][position] and not include_deleted:
                continue
            if all(soql.condition_matches(self._field_value(store, position, condition.field, record_cache), condition)
                   for condition in query.conditions):
                positions.append(position)
        for field, descending, nulls_last in reversed(query.order_by):
            values = {position: self._field_value(store, position, field, record_cache) for position in positions}
            present = [position for position in positions if values[position] is not None]
            missing = [position for position in positions if values[position] is None]
            present.sort(key=lambda position: soql.sort_key(values[position]), reverse=descending)
            positions = present + missing if nulls_last else missing + present

        end = None if query.limit is None else query.offset + query.limit
        return object_name, query, positions[query.offset:end]

    def _batch_size(self, request):
        options = request.headers.get("Sforce-Query-Options", "")
        for option in options.split(","):
            name, _, value = option.strip().partition("=")
            if name == "batchSize" and value.isdigit():
                return min(max(200, int(value)), self.page_size)
        return self.page_size

    def query(self, request, version, endpoint):
        text = request.param("q")
        if not text:
            raise salesforce_error(400, "MALFORMED_QUERY", "the q parameter is required")
        object_name, query, positions = self.run_soql(text, include_deleted=endpoint == "queryAll")
        if query.count_only:
            return Response.json(200, {"totalSize": len(positions), "done": True, "records": []})

        cursor = "01gFAKE" + uuid.uuid4().hex[:11].upper()
        with self._cursor_lock:
            self._cursors[cursor] = (object_name, query.fields, positions)
            while len(self._cursors) > OPEN_CURSORS_MAX:
                self._cursors.popitem(last=False)
        return self._query_page(request, version, endpoint, cursor, 0)

    def query_more(self, request, version, endpoint, cursor, offset):
        with self._cursor_lock:
            known = cursor in self._cursors
        if not known:
            raise salesforce_error(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return self._query_page(request, version, endpoint, cursor, int(offset))

    def _query_page(self, request, version, endpoint, cursor, offset):
        with self._cursor_lock:
            object_name, fields, positions = self._cursors[cursor]
        _, store = self.object_store(object_name)
        end = min(offset + self._batch_size(request), len(positions))
        records = [self.shape_record(object_name, store.get(position), fields, version)
                   for position in positions[offset:end]]

        body = {"totalSize": len(positions), "done": end >= len(positions), "records": records}
        if end < len(positions):
            body["nextRecordsUrl"] = "/services/data/v%s/%s/%s-%d" % (version, endpoint, cursor, end)
        return Response.json(200, body)

    # Describe and retrieve.

    def describe_global(self, request, version):
        sobjects = [{
            "name": name, "label": name, "custom": name.endswith("__c"), "queryable": True, "retrieveable": True,
            "urls": {"sobject": "/services/data/v%s/sobjects/%s" % (version, name),
                     "describe": "/services/data/v%s/sobjects/%s/describe" % (version, name)},
        } for name in self.object_names()]
        return Response.json(200, {"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": sobjects})

    def describe(self, request, version, object_name):
        name, store = self.object_store(object_name)
        first = store.first() or {}
        fields = [self._describe_field(store, key, value) for key, value in first.items() if key != "attributes"]
        return Response.json(200, {
            "name": name, "label": name, "custom": name.endswith("__c"), "queryable": True,
            "retrieveable": True, "fields": fields,
            "urls": {"describe": "/services/data/v%s/sobjects/%s/describe" % (version, name)},
        })

    def _describe_field(self, store, name, sample):
        field = {"name": name, "label": name, "type": self._field_type(name, sample), "nillable": name != "Id",
                 "custom": name.endswith("__c"), "picklistValues": []}
        if field["type"] == "picklist":
            values = store.derived(("picklist", name), lambda source: sorted({
                record.get(name) for record in source.iter_records() if record.get(name)}))
            field["picklistValues"] = [{"value": value, "label": value, "active": True, "defaultValue": False}
                                       for value in values]
        return field

    @staticmethod
    def _field_type(name, sample):
        if name == "Id":
            return "id"
        if name in PICKLIST_FIELDS:
            return "picklist"
        if isinstance(sample, bool):
            return "boolean"
        if isinstance(sample, (int, float)):
            return "double"
        if name.endswith("Id"):
            return "reference"
        if isinstance(sample, str) and soql.DATE_PATTERN.match(sample):
            return "date"
        if isinstance(sample, str) and len(sample) > 10 and parse_timestamp(sample) is not None:
            return "datetime"
        return "string"

    def read_record(self, request, version, object_name, record_id):
        name, store = self.object_store(object_name)
        index = store.derived("by_id", lambda source: {
            value: position for position, value in enumerate(source.columns["id"])})
        if record_id not in index:
            raise salesforce_error(404, "NOT_FOUND", "The requested resource does not exist")
        record = store.get(index[record_id])
        fields = request.param_list("fields") or [key for key in record if key != "attributes"]
        return Response.json(200, self.shape_record(name, record, fields, version))
