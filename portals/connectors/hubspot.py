"""HubSpot connector on the official hubspot-api-client.

Full syncs page through the CRM v3 list endpoints. Incremental syncs use the search endpoint
filtered on the last-modified property, then read the matching records again in batches of 100
with their property history. Responses are read as raw JSON (`_preload_content=False`) because
building the SDK's model objects for millions of records costs more than the HTTP calls.
Rate limits and transient errors are retried by urllib3 inside the client: HTTP 429 honours
Retry-After, 5xx and timeouts back off exponentially.
"""
import json
import logging

import urllib3
from django.conf import settings
from hubspot import HubSpot
from hubspot.crm.contacts.models import BatchReadInputSimplePublicObjectId, PublicObjectSearchRequest
from urllib3.util.retry import Retry

from portals.models import Company, Contact, Deal, Form, LifecycleChange, Owner, PropertyChange, Touchpoint

from .base import AuthenticationFailed, Connector, ConnectorError, InvalidResponse, Page, VendorUnavailable
from .mapping import parse_datetime
from .hubspot_mapping import (
    COMPANY_PROPERTIES,
    CONTACT_HISTORY_PROPERTIES,
    CONTACT_PROPERTIES,
    DEAL_PROPERTIES,
    ENGAGEMENT_PROPERTIES,
    company_row,
    contact_rows,
    deal_row,
    engagement_row,
    event_row,
    form_row,
    owner_row,
)

logger = logging.getLogger(__name__)

LIST_PAGE_SIZE = 100
# HubSpot returns at most 50 records a page when property history is requested.
HISTORY_PAGE_SIZE = 50
SEARCH_PAGE_SIZE = 100
# The search endpoint refuses to page past 10,000 results; the cursor restarts the search from the
# last-modified time reached before that.
SEARCH_RESULT_CAP = 10_000
REQUEST_TIMEOUT = (10, 60)

CRM_OBJECTS = {
    "companies": ("companies", COMPANY_PROPERTIES, "hs_lastmodifieddate"),
    "contacts": ("contacts", CONTACT_PROPERTIES, "lastmodifieddate"),
    "deals": ("deals", DEAL_PROPERTIES, "hs_lastmodifieddate"),
    "calls": ("calls", ENGAGEMENT_PROPERTIES, "hs_lastmodifieddate"),
    "meetings": ("meetings", ENGAGEMENT_PROPERTIES, "hs_lastmodifieddate"),
}

EVENT_TYPES = ("e_visited_page", "e_submitted_form", "e_clicked_ad", "e_opened_email", "e_clicked_email")


def connector_class():
    return HubSpotConnector


def _retry_policy():
    return Retry(
        total=8,
        connect=3,
        read=3,
        backoff_factor=settings.VENDOR_RETRY_BACKOFF_SECONDS,
        backoff_max=30,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=None,
        respect_retry_after_header=True,
        raise_on_status=False,
    )


class HubSpotConnector(Connector):
    vendor = "hubspot"
    default_base_url = "https://api.hubapi.com"
    object_names = ("owners", "forms", "companies", "contacts", "deals", "calls", "meetings", "events")

    def __init__(self, portal):
        super().__init__(portal)
        token = self.credentials.get("access_token")
        if not token:
            raise AuthenticationFailed(
                f"HubSpot portal {portal.pk} has no access token; add a private-app token to its credentials."
            )
        self.api = HubSpot(access_token=token, host=self.base_url.rstrip("/"), retry=_retry_policy())

    # Public interface.

    def check_connection(self):
        data = self._call("owners", self.api.crm.owners.owners_api.get_page, limit=1)
        return f"Reached HubSpot portal {self.portal.account_id or ''} ({len(data.get('results', []))} owner read)."

    def fetch_page(self, object_name, *, cursor, since):
        if object_name == "owners":
            return self._owners_page(cursor)
        if object_name == "forms":
            return self._forms_page(cursor)
        if object_name == "events":
            return self._events_page(cursor, since)
        if since is None:
            return self._list_page(object_name, cursor)
        return self._search_page(object_name, cursor, since)

    # Objects.

    def _owners_page(self, cursor):
        # Active owners first, then archived (inactive) ones. The cursor stores the list and the position in it.
        state = json.loads(cursor) if cursor else {"archived": False, "after": None}
        data = self._call(
            "owners", self.api.crm.owners.owners_api.get_page, limit=LIST_PAGE_SIZE, after=state["after"], archived=state["archived"]
        )
        rows = [owner_row(record, archived=state["archived"]) for record in data.get("results", [])]

        after = _next_after(data)
        if after:
            next_cursor = json.dumps({"archived": state["archived"], "after": after})
        elif not state["archived"]:
            next_cursor = json.dumps({"archived": True, "after": None})
        else:
            next_cursor = None
        return Page(rows={Owner: rows}, count=len(rows), next_cursor=next_cursor)

    def _forms_page(self, cursor):
        data = self._call("forms", self.api.marketing.forms.forms_api.get_page, limit=LIST_PAGE_SIZE, after=cursor)
        rows = [form_row(record) for record in data.get("results", [])]
        return Page(rows={Form: rows}, count=len(rows), next_cursor=_next_after(data))

    def _events_page(self, cursor, since):
        # One event type after another, each paged by time; the cursor names the type and position.
        state = json.loads(cursor) if cursor else {"type": 0, "after": None}
        event_type = EVENT_TYPES[state["type"]]
        data = self._call(
            "events",
            self.api.events.events_api.get_page,
            object_type="contact",
            event_type=event_type,
            occurred_after=since,
            after=state["after"],
            limit=LIST_PAGE_SIZE,
        )
        rows = [row for row in (event_row(record) for record in data.get("results", [])) if row]

        after = _next_after(data)
        if after:
            next_cursor = json.dumps({"type": state["type"], "after": after})
        elif state["type"] + 1 < len(EVENT_TYPES):
            next_cursor = json.dumps({"type": state["type"] + 1, "after": None})
        else:
            next_cursor = None
        return Page(rows={Touchpoint: rows}, count=len(rows), next_cursor=next_cursor)

    def _list_page(self, object_name, cursor):
        api_name, properties, _ = CRM_OBJECTS[object_name]
        with_history = object_name == "contacts"
        arguments = {
            "limit": HISTORY_PAGE_SIZE if with_history else LIST_PAGE_SIZE,
            "after": cursor,
            "properties": properties,
            "associations": _associations(object_name),
            "archived": False,
        }
        if with_history:
            arguments["properties_with_history"] = CONTACT_HISTORY_PROPERTIES

        data = self._call(object_name, self._basic_api(api_name).get_page, **arguments)
        records = data.get("results", [])
        return Page(rows=self._rows(object_name, records), count=len(records), next_cursor=_next_after(data))

    def _search_page(self, object_name, cursor, since):
        api_name, properties, modified_property = CRM_OBJECTS[object_name]
        state = json.loads(cursor) if cursor else {"since": int(since.timestamp() * 1000), "after": 0, "last": None}
        if state["after"] >= SEARCH_RESULT_CAP:
            state = {"since": state["last"], "after": 0, "last": state["last"]}

        request = PublicObjectSearchRequest(
            filter_groups=[{"filters": [{"propertyName": modified_property, "operator": "GTE", "value": str(state["since"])}]}],
            sorts=[{"propertyName": modified_property, "direction": "ASCENDING"}],
            properties=[modified_property],
            limit=SEARCH_PAGE_SIZE,
            after=str(state["after"]) if state["after"] else None,
        )
        data = self._call(object_name, self._search_api(api_name).do_search, public_object_search_request=request)
        ids = [record["id"] for record in data.get("results", [])]
        records = self._batch_read(object_name, api_name, properties, ids) if ids else []

        after = _next_after(data)
        next_cursor = None
        if after and ids:
            last = data["results"][-1]["properties"].get(modified_property)
            state = {"since": state["since"], "after": int(after), "last": _epoch_ms(last) or state["since"]}
            next_cursor = json.dumps(state)
        return Page(rows=self._rows(object_name, records), count=len(records), next_cursor=next_cursor, total=data.get("total"))

    def _batch_read(self, object_name, api_name, properties, ids):
        request = BatchReadInputSimplePublicObjectId(
            inputs=[{"id": record_id} for record_id in ids],
            properties=properties,
            properties_with_history=CONTACT_HISTORY_PROPERTIES if object_name == "contacts" else [],
        )
        data = self._call(object_name, self._basic_batch_api(api_name).read, batch_read_input_simple_public_object_id=request)
        records = data.get("results", [])
        if _associations(object_name):
            # Batch reads return no associations; keep those of the search-free path by re-reading
            # each record's associations only where the list endpoint would have given them.
            records = self._with_associations(object_name, api_name, records)
        return records

    def _with_associations(self, object_name, api_name, records):
        # NOTE: one v4 associations call per record; incremental runs touch few records, full runs use list pages instead.
        for record in records:
            associations = {}
            for to_type in _associations(object_name):
                data = self._call(
                    object_name,
                    self.api.crm.associations.v4.basic_api.get_page,
                    object_type=api_name,
                    object_id=record["id"],
                    to_object_type=to_type,
                )
                associations[to_type] = {"results": [{"id": str(item.get("toObjectId"))} for item in data.get("results", [])]}
            record["associations"] = associations
        return records

    def _rows(self, object_name, records):
        if object_name == "contacts":
            return contact_rows(records)
        if object_name == "companies":
            return {Company: [company_row(record) for record in records]}
        if object_name == "deals":
            return {Deal: [deal_row(record) for record in records]}
        kind = "call" if object_name == "calls" else "meeting"
        return {Touchpoint: [row for row in (engagement_row(record, kind) for record in records) if row]}

    # Plumbing.

    def _basic_api(self, api_name):
        return self._object_api(api_name).basic_api

    def _search_api(self, api_name):
        return self._object_api(api_name).search_api

    def _basic_batch_api(self, api_name):
        return self._object_api(api_name).batch_api

    def _object_api(self, api_name):
        if api_name in ("calls", "meetings"):
            return getattr(self.api.crm.objects, api_name)
        return getattr(self.api.crm, api_name)

    def _call(self, object_name, method, **arguments):
        """Call one SDK method and return the parsed JSON body, turning failures into ConnectorErrors."""
        arguments = {key: value for key, value in arguments.items() if value is not None}
        try:
            response = method(_preload_content=False, _request_timeout=REQUEST_TIMEOUT, **arguments)
        except urllib3.exceptions.HTTPError as error:
            raise VendorUnavailable(
                f"HubSpot did not answer while reading {object_name} ({error.__class__.__name__}); the sync resumes from the last page written.",
                object_name=object_name,
            ) from error
        except Exception as error:
            status = getattr(error, "status", None)
            if status is None:
                raise
            raise _error_for_status(status, getattr(error, "body", "") or "", object_name) from error

        if response.status >= 400:
            raise _error_for_status(response.status, response.data.decode(errors="replace"), object_name)
        try:
            return json.loads(response.data)
        except ValueError as error:
            raise InvalidResponse(f"HubSpot returned invalid JSON for {object_name}.", object_name=object_name) from error


def _error_for_status(status, body, object_name):
    category, message = _error_details(body)
    if status == 401:
        return AuthenticationFailed(
            f"HubSpot rejected the access token while reading {object_name} (401 {category}). "
            "The token is wrong, expired or revoked: create a new private-app token and update the portal's credentials.",
            object_name=object_name,
        )
    if status == 403:
        return AuthenticationFailed(
            f"HubSpot refused to read {object_name} (403 {category}: {message}). "
            "Add the missing scope to the private app and update the portal's credentials.",
            object_name=object_name,
        )
    if status == 429 or status >= 500:
        return VendorUnavailable(
            f"HubSpot kept answering {status} while reading {object_name} after retries; the sync resumes from the last page written.",
            object_name=object_name,
        )
    return InvalidResponse(f"HubSpot answered {status} while reading {object_name}: {message}", object_name=object_name)


def _error_details(body):
    try:
        data = json.loads(body)
    except (TypeError, ValueError):
        return "ERROR", str(body)[:200]
    return data.get("category", "ERROR"), str(data.get("message", ""))[:300]


def _associations(object_name):
    return {"contacts": ["companies"], "deals": ["contacts", "companies"], "calls": ["contacts"], "meetings": ["contacts"]}.get(object_name, [])


def _next_after(data):
    return ((data.get("paging") or {}).get("next") or {}).get("after")


def _epoch_ms(value):
    parsed = parse_datetime(value)
    return int(parsed.timestamp() * 1000) if parsed else None
