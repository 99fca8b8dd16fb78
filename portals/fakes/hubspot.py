"""Fake HubSpot API: CRM v3 objects, search, owners, properties, forms, events, v4 associations.

Responses follow the models of hubspot-api-client 12, so the official SDK runs against it:

    with HubSpotFake(records={"contacts": [...]}) as fake:
        client = hubspot.HubSpot(access_token=HubSpotFake.DEFAULT_TOKEN, host=fake.base_url)
        client.crm.contacts.basic_api.get_page(limit=100)

NOTE: the page caps of owners (500), forms (100) and events (100), the default order of events
(oldest first) and the scope checked for events are guesses, because HubSpot's reference
does not state them.
"""

import urllib.parse
import uuid

from .hubspot_crm import EPOCH, OBJECT_KINDS, CrmObjectsMixin
from .server import ApiError, FakeServer, Response
from .store import parse_timestamp

DAILY_LIMIT = 500_000

DEFAULT_LIFECYCLE_STAGES = (
    ("Subscriber", "subscriber"), ("Lead", "lead"), ("Marketing Qualified Lead", "marketingqualifiedlead"),
    ("Sales Qualified Lead", "salesqualifiedlead"), ("Opportunity", "opportunity"), ("Customer", "customer"),
    ("Evangelist", "evangelist"), ("Other", "other"),
)


def default_lifecyclestage_property():
    """Return GET /crm/v3/properties/contacts/lifecyclestage for a portal with the 8 default stages."""
    options = [
        {"label": label, "value": value, "displayOrder": order, "hidden": False, "description": ""}
        for order, (label, value) in enumerate(DEFAULT_LIFECYCLE_STAGES)
    ]
    return {
        "name": "lifecyclestage", "label": "Lifecycle Stage", "type": "enumeration", "fieldType": "radio",
        "groupName": "contactinformation", "description": "The qualification of contacts to sales readiness.",
        "options": options, "displayOrder": 5, "calculated": False, "externalOptions": False,
        "hasUniqueValue": False, "hidden": False, "formField": True, "archived": False,
        "createdAt": EPOCH, "updatedAt": EPOCH,
    }


class HubSpotFake(CrmObjectsMixin, FakeServer):
    """Fake HubSpot portal. `tokens` maps private app tokens to scope sets, and None grants every scope."""

    vendor = "hubspot"
    DEFAULT_TOKEN = "pat-na1-00000000-fake-4000-8000-000000000001"

    def __init__(self, *, tokens=None, **kwargs):
        super().__init__(**kwargs)
        for token, scopes in (tokens or {self.DEFAULT_TOKEN: None}).items():
            self.tokens.add(token, scopes)
        self._init_crm()

        kinds = "|".join(OBJECT_KINDS)
        self.add_route("GET", r"/crm/v3/objects/(?P<object_type>%s)" % kinds, self.list_objects)
        self.add_route("GET", r"/crm/v3/objects/(?P<object_type>%s)/(?P<object_id>[^/]+)" % kinds, self.read_object)
        self.add_route("POST", r"/crm/v3/objects/(?P<object_type>%s)/batch/read" % kinds, self.batch_read)
        self.add_route("POST", r"/crm/v3/objects/(?P<object_type>%s)/search" % kinds, self.search)
        self.add_route("GET", r"/crm/v4/objects/(?P<object_type>%s)/(?P<object_id>[^/]+)/associations/(?P<to_type>\w+)"
                       % kinds, self.list_associations)
        self.add_route("GET", r"/crm/v3/owners", self.list_owners, scope="crm.objects.owners.read")
        self.add_route("GET", r"/crm/v3/properties/(?P<object_type>\w+)/(?P<name>\w+)", self.read_property,
                       scope="crm.schemas.contacts.read")
        self.add_route("GET", r"/marketing/v3/forms", self.list_forms, scope="forms")
        self.add_route("GET", r"/events/v3/events", self.list_events, scope="crm.objects.contacts.read")

    def preload(self):
        for object_type in OBJECT_KINDS:
            self._id_order(self._crm_store(object_type))
        self._event_store()
        self.store("owners")
        self.store("forms")

    # Errors and auth.

    def api_error(self, status, category, message, **extra):
        body = {"status": "error", "message": message, "correlationId": str(uuid.uuid4()), "category": category}
        body.update(extra)
        return ApiError(Response.json(status, body))

    def authenticate(self, request, route, params):
        token = request.bearer_token()
        status = self.tokens.status(token)
        if status == "missing":
            raise self.api_error(401, "INVALID_AUTHENTICATION", "Authentication credentials not found.")
        if status == "expired":
            raise self.api_error(401, "EXPIRED_AUTHENTICATION", "The OAuth token used to make this call expired.")
        if status != "valid":
            raise self.api_error(401, "INVALID_AUTHENTICATION", "Authentication credentials are invalid or revoked.")

        scope = route.options.get("scope") or OBJECT_KINDS[params["object_type"]].scope
        granted = self.tokens.get(token).scopes
        if granted is not None and scope not in granted:
            raise self.api_error(
                403, "MISSING_SCOPES",
                "This app hasn't been granted all required scopes to make this call.",
                errors=[{"message": "One or more of the following scopes are required.",
                         "context": {"requiredGranularScopes": [scope]}}],
                links={"scopes": "https://developers.hubspot.com/scopes"},
            )

    def rate_limited_response(self, decision):
        body = {
            "status": "error", "message": "You have reached your ten_secondly_rolling limit.",
            "errorType": "RATE_LIMIT", "correlationId": str(uuid.uuid4()), "policyName": "TEN_SECONDLY_ROLLING",
        }
        return Response.json(429, body, {"Retry-After": decision.retry_after_seconds})

    def extra_headers(self, decision):
        if decision is None:
            return {}
        return {
            "X-HubSpot-RateLimit-Max": decision.max_requests,
            "X-HubSpot-RateLimit-Remaining": decision.remaining,
            "X-HubSpot-RateLimit-Interval-Milliseconds": int(decision.window_seconds * 1000),
            "X-HubSpot-RateLimit-Daily": DAILY_LIMIT,
            "X-HubSpot-RateLimit-Daily-Remaining": max(0, DAILY_LIMIT - self.faults.request_count),
        }

    def server_error_response(self, status):
        return self.api_error(status, "INTERNAL_ERROR", "internal error").response

    def not_found_response(self, request):
        return self.api_error(404, "OBJECT_NOT_FOUND", "no route for %s %s" % (request.method, request.path)).response

    # Paging helpers.

    def _limit(self, value, default, maximum):
        try:
            limit = int(value if value is not None else default)
        except (TypeError, ValueError):
            raise self.api_error(400, "VALIDATION_ERROR", "limit must be an integer, got %r" % value)
        if limit < 1:
            raise self.api_error(400, "VALIDATION_ERROR", "limit must be at least 1, got %d" % limit)
        return limit if maximum is None else min(limit, maximum)

    def _next_link(self, request, after):
        query = {name: values for name, values in request.query.items() if name != "after"}
        query["after"] = [after]
        return "%s%s?%s" % (self.base_url, request.path, urllib.parse.urlencode(query, doseq=True))

    def _page(self, request, results, after):
        body = {"results": results}
        if after is not None:
            body["paging"] = {"next": {"after": str(after), "link": self._next_link(request, after)}}
        return Response.json(200, body)

    def _offset(self, after):
        if not after:
            return 0
        if not after.isdigit():
            raise self.api_error(400, "VALIDATION_ERROR", "invalid paging cursor after=%r" % after)
        return int(after)

    def _offset_page(self, request, items, default, maximum):
        limit = self._limit(request.param("limit"), default, maximum)
        start = self._offset(request.param("after"))
        end = start + limit
        return self._page(request, items[start:end], end if end < len(items) else None)

    # Owners, properties, forms, events.

    def list_owners(self, request):
        archived = request.param("archived", "false").lower() == "true"
        email = (request.param("email") or "").lower()
        owners = []
        for record in self.store("owners").iter_records():
            if bool(record.get("archived")) != archived:
                continue
            if email and (record.get("email") or "").lower() != email:
                continue
            owners.append(self._shape_owner(record))
        return self._offset_page(request, owners, default=100, maximum=500)

    @staticmethod
    def _shape_owner(record):
        """Fill the fields that hubspot-api-client 12 requires: type and teams[].primary."""
        owner = dict(record)
        owner.setdefault("type", "PERSON")
        owner["teams"] = [
            dict(team, primary=team.get("primary", team.get("membership") == "PRIMARY"))
            for team in record.get("teams") or []
        ]
        return owner

    def read_property(self, request, object_type, name):
        if (object_type, name) != ("contacts", "lifecyclestage"):
            raise self.api_error(404, "OBJECT_NOT_FOUND", "property %s of %s not found" % (name, object_type))
        return Response.json(200, self.load_json("lifecyclestage_property") or default_lifecyclestage_property())

    def list_forms(self, request):
        forms = list(self.store("forms").iter_records())
        return self._offset_page(request, forms, default=20, maximum=100)

    def _event_store(self):
        columns = {
            "object_type": lambda record: str(record.get("objectType", "")),
            "object_id": lambda record: str(record.get("objectId", "")),
            "event_type": lambda record: record.get("eventType"),
            "occurred": lambda record: parse_timestamp(record.get("occurredAt")) or 0.0,
        }
        return self.store("events", columns)

    def list_events(self, request):
        store = self._event_store()
        if request.param("objectId"):
            by_object = store.derived("by_object", self._group_events_by_object)
            candidates = by_object.get(request.param("objectId"), [])
        else:
            candidates = store.derived("by_time", lambda source: sorted(
                range(len(source)), key=source.columns["occurred"].__getitem__))
        if "DESCENDING" in request.param_list("sort"):
            candidates = candidates[::-1]

        object_type = (request.param("objectType") or "").rstrip("s")
        event_type = request.param("eventType")
        since = parse_timestamp(request.param("occurredAfter"))
        until = parse_timestamp(request.param("occurredBefore"))
        limit = self._limit(request.param("limit"), 100, 100)

        results, index = [], self._offset(request.param("after"))
        while index < len(candidates) and len(results) < limit:
            position = candidates[index]
            index += 1
            occurred = store.columns["occurred"][position]
            if object_type and store.columns["object_type"][position].rstrip("s") != object_type:
                continue
            if event_type and store.columns["event_type"][position] != event_type:
                continue
            if (since is not None and occurred <= since) or (until is not None and occurred >= until):
                continue
            results.append(store.get(position))
        return self._page(request, results, index if index < len(candidates) else None)

    @staticmethod
    def _group_events_by_object(store):
        groups = {}
        for position in sorted(range(len(store)), key=store.columns["occurred"].__getitem__):
            groups.setdefault(store.columns["object_id"][position], []).append(position)
        return groups
