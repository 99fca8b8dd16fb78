"""CRM v3 object endpoints of the fake HubSpot server: list, read, batch read, search, v4 associations."""

import bisect
import collections
import dataclasses
import datetime
import threading

from . import hubspot_search
from .hubspot_search import SearchPlan, SearchRequestError, id_sort_key
from .server import Response
from .store import parse_timestamp

LIST_PAGE_MAX = 100
# HubSpot returns 400 to a list read of more than 50 records with propertiesWithHistory;
# hubspot-api-client 12 pages with 50 in that case (hubspot/utils/objects.py). Its docs only
# say that history lowers the batch read maximum. NOTE: the fake assumes 50 there too.
HISTORY_PAGE_MAX = 50
BATCH_READ_MAX = 100
SEARCH_PAGE_MAX = 200
SEARCH_RESULT_CAP = 10_000
EPOCH = "1970-01-01T00:00:00Z"


@dataclasses.dataclass(frozen=True)
class ObjectKind:
    name: str
    label: str
    scope: str
    created_property: str
    modified_property: str
    default_properties: tuple


OBJECT_KINDS = {
    kind.name: kind for kind in (
        ObjectKind("contacts", "CONTACT", "crm.objects.contacts.read", "createdate", "lastmodifieddate",
                   ("firstname", "lastname", "email")),
        ObjectKind("companies", "COMPANY", "crm.objects.companies.read", "createdate", "hs_lastmodifieddate",
                   ("name", "domain")),
        ObjectKind("deals", "DEAL", "crm.objects.deals.read", "createdate", "hs_lastmodifieddate",
                   ("dealname", "amount", "closedate", "pipeline", "dealstage")),
        # Engagement objects are read with the contacts scope.
        ObjectKind("calls", "CALL", "crm.objects.contacts.read", "hs_createdate", "hs_lastmodifieddate", ()),
        ObjectKind("meetings", "MEETING", "crm.objects.contacts.read", "hs_createdate", "hs_lastmodifieddate", ()),
    )
}

# v3 association type names of the dataset and their HubSpot-defined v4 type ids.
ASSOCIATION_TYPE_IDS = {
    "contact_to_company": 1, "company_to_contact": 2, "deal_to_contact": 3, "contact_to_deal": 4,
    "deal_to_company": 5, "company_to_deal": 6, "contact_to_call": 193, "call_to_contact": 194,
    "contact_to_meeting_event": 199, "meeting_event_to_contact": 200, "contact_to_company_unlabeled": 279,
}

DEFAULT_LIFECYCLE_STAGES = (
    ("Subscriber", "subscriber"), ("Lead", "lead"), ("Marketing Qualified Lead", "marketingqualifiedlead"),
    ("Sales Qualified Lead", "salesqualifiedlead"), ("Opportunity", "opportunity"), ("Customer", "customer"),
    ("Evangelist", "evangelist"), ("Other", "other"),
)


def _now_iso():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class CrmObjectsMixin:
    """CRM object routes. The host class provides api_error, _limit, _offset, _page and _offset_page."""

    def _init_crm(self):
        self._search_cache = collections.OrderedDict()
        self._search_lock = threading.Lock()

    def _crm_store(self, object_type):
        kind = OBJECT_KINDS[object_type]
        columns = {
            "id": lambda record: str(record["id"]),
            "modified": lambda record: parse_timestamp(
                (record.get("properties") or {}).get(kind.modified_property) or record.get("updatedAt")),
            "archived": lambda record: bool(record.get("archived")),
        }
        return self.store(object_type, columns)

    @staticmethod
    def _id_order(store):
        """Return (positions sorted by id, their sort keys) for bisect lookups."""
        def build(source):
            keys = [id_sort_key(value) for value in source.columns["id"]]
            order = sorted(range(len(source)), key=keys.__getitem__)
            return order, [keys[position] for position in order]
        return store.derived("id_order", build)

    def _find_position(self, store, object_id):
        order, keys = self._id_order(store)
        key = id_sort_key(object_id)
        index = bisect.bisect_left(keys, key)
        return order[index] if index < len(keys) and keys[index] == key else None

    def shape(self, record, kind, properties=(), history=(), associations=()):
        """Return the SimplePublicObject view of a dataset record for the requested fields."""
        source = record.get("properties") or {}
        always = ("hs_object_id", kind.created_property, kind.modified_property)
        names = list(properties) + list(always) if properties else list(kind.default_properties) + list(always)
        shaped = {
            "id": str(record["id"]),
            "properties": {name: source.get(name) for name in dict.fromkeys(names)},
            "createdAt": record.get("createdAt") or source.get(kind.created_property) or EPOCH,
            "updatedAt": record.get("updatedAt") or source.get(kind.modified_property) or EPOCH,
            "archived": bool(record.get("archived")),
        }
        shaped["properties"]["hs_object_id"] = shaped["id"]
        if record.get("archivedAt"):
            shaped["archivedAt"] = record["archivedAt"]

        source_history = record.get("propertiesWithHistory") or {}
        if history:
            shaped["propertiesWithHistory"] = {name: source_history[name] for name in history if name in source_history}
        source_associations = record.get("associations") or {}
        chosen = {name: source_associations[name] for name in associations if name in source_associations}
        if chosen:
            shaped["associations"] = chosen
        return shaped

    # CRM objects.

    def list_objects(self, request, object_type):
        kind = OBJECT_KINDS[object_type]
        history = request.param_list("propertiesWithHistory")
        limit = self._limit(request.param("limit"), 10, LIST_PAGE_MAX)
        if history and limit > HISTORY_PAGE_MAX:
            raise self.api_error(400, "VALIDATION_ERROR",
                                 "limit must be at most %d when propertiesWithHistory is requested" % HISTORY_PAGE_MAX)

        store = self._crm_store(object_type)
        order, keys = self._id_order(store)
        archived = request.param("archived", "false").lower() == "true"
        after = request.param("after")
        index = bisect.bisect_left(keys, id_sort_key(after)) if after else 0

        chosen, next_after = [], None
        for position in order[index:]:
            if store.columns["archived"][position] != archived:
                continue
            if len(chosen) == limit:
                next_after = store.columns["id"][position]
                break
            chosen.append(position)

        results = [
            self.shape(store.get(position), kind, request.param_list("properties"), history,
                       request.param_list("associations"))
            for position in chosen
        ]
        return self._page(request, results, next_after)

    def read_object(self, request, object_type, object_id):
        store = self._crm_store(object_type)
        position = self._find_position(store, object_id)
        if position is None:
            raise self.api_error(404, "OBJECT_NOT_FOUND", "resource not found")
        record = store.get(position)
        shaped = self.shape(record, OBJECT_KINDS[object_type], request.param_list("properties"),
                            request.param_list("propertiesWithHistory"), request.param_list("associations"))
        return Response.json(200, shaped)

    def batch_read(self, request, object_type):
        kind = OBJECT_KINDS[object_type]
        body = request.json()
        if not isinstance(body, dict) or not isinstance(body.get("inputs"), list):
            raise self.api_error(400, "VALIDATION_ERROR", "the body must be JSON with an inputs list")
        history = body.get("propertiesWithHistory") or []
        maximum = HISTORY_PAGE_MAX if history else BATCH_READ_MAX
        if len(body["inputs"]) > maximum:
            raise self.api_error(400, "VALIDATION_ERROR", "at most %d inputs are allowed, got %d"
                                 % (maximum, len(body["inputs"])))

        started = _now_iso()
        store = self._crm_store(object_type)
        lookup = self._property_lookup(store, body["idProperty"]) if body.get("idProperty") else None
        results, missing = [], []
        for item in body["inputs"]:
            object_id = str(item.get("id"))
            position = lookup.get(object_id) if lookup is not None else self._find_position(store, object_id)
            if position is None:
                missing.append(object_id)
                continue
            results.append(self.shape(store.get(position), kind, body.get("properties") or [], history))

        payload = {"status": "COMPLETE", "results": results, "startedAt": started, "completedAt": _now_iso()}
        if not missing:
            return Response.json(200, payload)
        payload["numErrors"] = 1
        payload["errors"] = [{
            "status": "error", "category": "OBJECT_NOT_FOUND", "context": {"ids": missing},
            "message": "Could not get some %s objects, they may be deleted or not exist." % kind.label,
        }]
        return Response.json(207, payload)

    @staticmethod
    def _property_lookup(store, name):
        def build(source):
            index = {}
            for position, record in enumerate(source.iter_records()):
                value = (record.get("properties") or {}).get(name)
                if value is not None:
                    index.setdefault(str(value), position)
            return index
        return store.derived(("property", name), build)

    def search(self, request, object_type):
        kind = OBJECT_KINDS[object_type]
        body = request.json()
        if not isinstance(body, dict):
            raise self.api_error(400, "VALIDATION_ERROR", "the body must be a JSON object")
        limit = self._limit(body.get("limit"), 10, None)
        if limit > SEARCH_PAGE_MAX:
            raise self.api_error(400, "VALIDATION_ERROR", "limit must be at most %d, got %d" % (SEARCH_PAGE_MAX, limit))
        after = self._offset(str(body.get("after") or ""))
        if after >= SEARCH_RESULT_CAP:
            raise self.api_error(400, "VALIDATION_ERROR",
                                 "search returns at most %d results, so narrow the filters" % SEARCH_RESULT_CAP)

        try:
            positions = self._search_positions(object_type, kind, body)
        except SearchRequestError as error:
            raise self.api_error(400, "VALIDATION_ERROR", str(error))

        store = self._crm_store(object_type)
        end = min(after + limit, len(positions), SEARCH_RESULT_CAP)
        properties = body.get("properties") or []
        results = [self.shape(store.get(position), kind, properties) for position in positions[after:end]]
        payload = {"total": len(positions), "results": results}
        if end < len(positions):
            # HubSpot still offers after=10000 at the cap, and rejects it on the next call.
            payload["paging"] = {"next": {"after": str(end)}}
        return Response.json(200, payload)

    def _search_positions(self, object_type, kind, body):
        filter_groups = body.get("filterGroups") or []
        hubspot_search.validate_filter_groups(filter_groups)
        cache_key = (object_type, repr((filter_groups, body.get("sorts"), body.get("query"))))
        with self._search_lock:
            if cache_key in self._search_cache:
                self._search_cache.move_to_end(cache_key)
                return self._search_cache[cache_key]

        store = self._crm_store(object_type)
        plan = SearchPlan(store, kind.modified_property, kind.default_properties)
        order, _ = self._id_order(store)
        # Search never returns archived records.
        live = [position for position in order if not store.columns["archived"][position]]
        positions = hubspot_search.search_positions(
            plan, live, filter_groups, body.get("sorts"), body.get("query"))

        with self._search_lock:
            self._search_cache[cache_key] = positions
            while len(self._search_cache) > 8:
                self._search_cache.popitem(last=False)
        return positions

    def list_associations(self, request, object_type, object_id, to_type):
        store = self._crm_store(object_type)
        position = self._find_position(store, object_id)
        if position is None:
            raise self.api_error(404, "OBJECT_NOT_FOUND", "resource not found")
        linked = ((store.get(position).get("associations") or {}).get(to_type) or {}).get("results") or []

        items = collections.OrderedDict()
        for link in linked:
            entry = items.setdefault(str(link["id"]), [])
            entry.append({"category": "HUBSPOT_DEFINED", "typeId": ASSOCIATION_TYPE_IDS.get(link.get("type")),
                          "label": None})
        results = [{"toObjectId": int(key) if key.isdigit() else key, "associationTypes": types}
                   for key, types in items.items()]
        # hubspot-api-client 12 documents 500 associations per call.
        return self._offset_page(request, results, default=500, maximum=500)
