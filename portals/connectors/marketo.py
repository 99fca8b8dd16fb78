"""Marketo connector on the REST API, through requests.

The portal's API base URL is the instance's REST endpoint (https://<munchkin-id>.mktorest.com).
An access token comes from GET /identity/oauth/token with the LaunchPoint service's client id and
secret, and is fetched again when Marketo returns error 600, 601 or 602.

Marketo cannot list all leads without a filter. The "leads" object pages through the New Lead (12)
and Change Data Value (13) activities from a paging token, reads the leads those activities name
with GET /rest/v1/leads.json?filterType=id (300 ids a call), and turns the Change Data Value
activities on lead status, lead source and lifecycle fields into PropertyChange and LifecycleChange
rows in the same walk. The "activities" object pages through the web, form, e-mail, revenue stage
and program status activities. Activity pages hold at most 300 activities of any type, so a page
filtered by type may be empty while moreResult is still true; paging continues until it is false.

Full syncs start ACTIVITY_HISTORY_DAYS back; incremental syncs start at `since`. Marketo reports
most errors with HTTP 200 and an error code: rate limits (606, 615) and server errors (604, 608,
611, 502 and HTTP 5xx) are retried with exponential backoff from settings.VENDOR_RETRY_BACKOFF_SECONDS
and end in VendorUnavailable when retries run out.
"""
import logging
import time
from datetime import datetime, timedelta, timezone

import requests
from django.conf import settings

from portals.models import Campaign, Contact, LifecycleChange, PropertyChange, Touchpoint

from .base import AuthenticationFailed, Connector, ConnectorError, InvalidResponse, Page, VendorUnavailable
from .marketo_mapping import (
    CHANGE_DATA_VALUE,
    CHANGE_REVENUE_STAGE,
    CHANGE_STATUS_IN_PROGRESSION,
    CLICK_EMAIL,
    CLICK_LINK,
    FILL_OUT_FORM,
    LEAD_FIELDS,
    NEW_LEAD,
    OPEN_EMAIL,
    VISIT_WEBPAGE,
    change_rows,
    lead_row,
    program_row,
    touchpoint_row,
)

logger = logging.getLogger(__name__)

# A full sync reads activities (and so finds leads) of the last 3 years.
# NOTE: a lead without any New Lead or Change Data Value activity in that window is not read.
ACTIVITY_HISTORY_DAYS = 3 * 365
# Marketo's maximum for activities and leads pages, and for filterValues of one leads call.
ACTIVITY_BATCH_SIZE = 300
LEAD_BATCH_SIZE = 300
PROGRAM_PAGE_SIZE = 200
# Activity pages read in one fetch_page while they contain no activity of the requested types.
EMPTY_PAGES_PER_CALL = 20
MAX_ATTEMPTS = 8
REQUEST_TIMEOUT = (10, 120)

LEAD_ACTIVITY_TYPES = (NEW_LEAD, CHANGE_DATA_VALUE)
TOUCH_ACTIVITY_TYPES = (
    VISIT_WEBPAGE, FILL_OUT_FORM, CLICK_LINK, OPEN_EMAIL, CLICK_EMAIL, CHANGE_REVENUE_STAGE, CHANGE_STATUS_IN_PROGRESSION,
)

TOKEN_ERRORS = {"600", "601", "602"}
# 604 request timed out, 606 rate limit, 608 API temporarily unavailable, 611 system error,
# 615 concurrent request limit, 502 bad gateway.
RETRIED_ERRORS = {"502", "604", "606", "608", "611", "615"}
DAILY_QUOTA_ERROR = "607"
ACCESS_DENIED_ERROR = "603"
NO_DATA_ERROR = "702"

# Returns the requests.Session the connector sends through. Tests may replace it.
session_factory = requests.Session


def connector_class():
    return MarketoConnector


class _Retry(Exception):
    """A transient failure of one attempt. `reason` names it in logs and in the final error."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class MarketoConnector(Connector):
    vendor = "marketo"
    default_base_url = ""
    object_names = ("activity_types", "programs", "leads", "activities")

    def __init__(self, portal):
        super().__init__(portal)
        self._check_configuration()
        self.base_url = self.base_url.rstrip("/")
        self.session = session_factory()
        self._token = None
        self._activity_type_ids = None
        self._programs = None
        self._lead_fields = None
        # NOTE: about 70 bytes per lead id, so some 70 MB for an instance of a million leads.
        self._leads_read = set()

    # Public interface.

    def check_connection(self):
        types = self._activity_types("activity_types")
        return f"Reached Marketo instance {self.base_url} ({len(types)} activity types)."

    def fetch_page(self, object_name, *, cursor, since):
        if object_name == "activity_types":
            types = self._activity_types(object_name)
            return Page(count=len(types), next_cursor=None, total=len(types))
        if object_name == "programs":
            return self._programs_page(cursor, since)
        if object_name == "leads":
            return self._leads_page(cursor, since)
        return self._activities_page(cursor, since)

    # Objects.

    def _programs_page(self, cursor, since):
        offset = int(cursor or 0)
        params = {"offset": offset, "maxReturn": PROGRAM_PAGE_SIZE}
        if since is not None:
            params["earliestUpdatedAt"] = _iso(since)
            params["latestUpdatedAt"] = _iso(datetime.now(timezone.utc))
        body = self._get("programs", "/rest/asset/v1/programs.json", params)

        programs = body.get("result") or []
        next_cursor = str(offset + len(programs)) if len(programs) == PROGRAM_PAGE_SIZE else None
        return Page(rows={Campaign: [program_row(record) for record in programs]}, count=len(programs), next_cursor=next_cursor)

    def _leads_page(self, cursor, since):
        activities, next_cursor = self._walk_activities("leads", LEAD_ACTIVITY_TYPES, cursor, since)
        lead_ids = [lead_id for lead_id in dict.fromkeys(activity.get("leadId") for activity in activities) if lead_id]
        # A lead has many activities; read it once per run, because reading it again returns the same record.
        new_ids = [lead_id for lead_id in lead_ids if lead_id not in self._leads_read]
        leads = self._read_leads(new_ids)
        self._leads_read.update(new_ids)

        changes, lifecycle = [], []
        for activity in activities:
            if activity.get("activityTypeId") == CHANGE_DATA_VALUE:
                activity_changes, activity_lifecycle = change_rows(activity)
                changes.extend(activity_changes)
                lifecycle.extend(activity_lifecycle)
        rows = {Contact: [lead_row(lead) for lead in leads], PropertyChange: changes, LifecycleChange: lifecycle}
        return Page(rows=rows, count=len(leads), next_cursor=next_cursor)

    def _activities_page(self, cursor, since):
        # Instances without Revenue Cycle Modeler lack type 101, so only types the instance lists are requested.
        known = self._activity_types("activities")
        type_ids = [type_id for type_id in TOUCH_ACTIVITY_TYPES if not known or type_id in known]
        activities, next_cursor = self._walk_activities("activities", type_ids, cursor, since)

        touchpoints, changes, lifecycle = [], [], []
        for activity in activities:
            if activity.get("activityTypeId") == CHANGE_REVENUE_STAGE:
                activity_changes, activity_lifecycle = change_rows(activity)
                changes.extend(activity_changes)
                lifecycle.extend(activity_lifecycle)
                continue
            programs = self._all_programs("activities") if activity.get("activityTypeId") == CHANGE_STATUS_IN_PROGRESSION else {}
            row = touchpoint_row(activity, programs)
            if row:
                touchpoints.append(row)
        rows = {Touchpoint: touchpoints, PropertyChange: changes, LifecycleChange: lifecycle}
        return Page(rows=rows, count=len(activities), next_cursor=next_cursor)

    def _walk_activities(self, object_name, type_ids, cursor, since):
        """Read activity pages from the cursor's paging token until one contains activities or paging ends.

        Returns (activities, next cursor). The cursor is Marketo's nextPageToken, None after the last page.
        """
        if not type_ids:
            return [], None
        token = cursor or self._paging_token(object_name, since)
        params = {"activityTypeIds": ",".join(str(type_id) for type_id in type_ids), "batchSize": ACTIVITY_BATCH_SIZE}
        for _ in range(EMPTY_PAGES_PER_CALL):
            body = self._get(object_name, "/rest/v1/activities.json", {**params, "nextPageToken": token})
            activities = body.get("result") or []
            token = body.get("nextPageToken") or token
            if not body.get("moreResult"):
                return activities, None
            if activities:
                break
        return activities, token

    def _paging_token(self, object_name, since):
        start = since or datetime.now(timezone.utc) - timedelta(days=ACTIVITY_HISTORY_DAYS)
        body = self._get(object_name, "/rest/v1/activities/pagingtoken.json", {"sinceDatetime": _iso(start)})
        return body["nextPageToken"]

    def _read_leads(self, lead_ids):
        fields = ",".join(self._fields_of_leads())
        leads = []
        for start in range(0, len(lead_ids), LEAD_BATCH_SIZE):
            params = {
                "filterType": "id",
                "filterValues": ",".join(str(lead_id) for lead_id in lead_ids[start:start + LEAD_BATCH_SIZE]),
                "fields": fields,
                "batchSize": LEAD_BATCH_SIZE,
            }
            while True:
                body = self._get("leads", "/rest/v1/leads.json", params)
                leads.extend(body.get("result") or [])
                if not body.get("nextPageToken"):
                    break
                params["nextPageToken"] = body["nextPageToken"]
        return leads

    # Cached lookups.

    def _activity_types(self, object_name):
        if self._activity_type_ids is None:
            body = self._get(object_name, "/rest/v1/activities/types.json", {})
            self._activity_type_ids = {item["id"] for item in body.get("result") or [] if "id" in item}
        return self._activity_type_ids

    def _fields_of_leads(self):
        """Return LEAD_FIELDS that the instance's lead describe lists, because Marketo rejects unknown fields."""
        if self._lead_fields is None:
            body = self._get("leads", "/rest/v1/leads/describe.json", {})
            known = {(item.get("rest") or {}).get("name") for item in body.get("result") or []}
            known.discard(None)
            self._lead_fields = [field for field in LEAD_FIELDS if not known or field in known]
        return self._lead_fields

    def _all_programs(self, object_name):
        """Return every program by id, for Change Status in Progression activities."""
        if self._programs is None:
            programs, offset = {}, 0
            while True:
                body = self._get(object_name, "/rest/asset/v1/programs.json", {"offset": offset, "maxReturn": PROGRAM_PAGE_SIZE})
                page = body.get("result") or []
                programs.update((record["id"], record) for record in page)
                if len(page) < PROGRAM_PAGE_SIZE:
                    break
                offset += len(page)
            self._programs = programs
        return self._programs

    # Requests.

    def _check_configuration(self):
        if not self.portal.api_base_url:
            raise ConnectorError(
                f"Marketo portal {self.portal.pk} has no API base URL. Set it to the instance's REST endpoint "
                "(https://<munchkin-id>.mktorest.com, shown in Admin > Web Services)."
            )
        missing = [name for name in ("client_id", "client_secret") if not self.credentials.get(name)]
        if missing:
            raise AuthenticationFailed(
                f"Marketo portal {self.portal.pk} has incomplete credentials: {', '.join(missing)} missing. "
                "Add the client id and secret of the LaunchPoint custom service (Admin > LaunchPoint > View Details)."
            )

    def _get(self, object_name, path, params):
        """GET a REST resource and return its body when success is true, retrying transient errors."""
        renewed = False
        reason = ""
        for attempt in range(MAX_ATTEMPTS):
            try:
                body = self._send(object_name, path, params)
            except _Retry as retry:
                reason = retry.reason
                self._wait(object_name, attempt, reason)
                continue
            if body.get("success"):
                return body

            code, message = _first_error(body)
            if code in TOKEN_ERRORS and not renewed:
                logger.info("marketo access token renewed portal_id=%s object=%s code=%s", self.portal.pk, object_name, code)
                self._token = None
                renewed = True
                continue
            if code in RETRIED_ERRORS:
                reason = f"error {code} ({message})"
                self._wait(object_name, attempt, reason)
                continue
            if code == NO_DATA_ERROR:
                return {"result": []}
            raise _error_for_code(code, message, object_name)

        raise VendorUnavailable(
            f"Marketo kept returning {reason} while reading {object_name} after {MAX_ATTEMPTS} attempts. "
            "The sync resumes from the last page written.",
            object_name=object_name,
        )

    def _send(self, object_name, path, params):
        token = self._access_token(object_name)
        try:
            response = self.session.get(
                self.base_url + path, params=params, headers={"Authorization": f"Bearer {token}"}, timeout=REQUEST_TIMEOUT
            )
        except requests.RequestException as error:
            raise _Retry(error.__class__.__name__) from error
        if response.status_code >= 500 or response.status_code == 429:
            raise _Retry(f"HTTP {response.status_code}")
        return _json(response, object_name)

    def _access_token(self, object_name):
        if self._token is None:
            self._token = self._fetch_token(object_name)
        return self._token

    def _fetch_token(self, object_name):
        params = {
            "grant_type": "client_credentials",
            "client_id": self.credentials["client_id"],
            "client_secret": self.credentials["client_secret"],
        }
        try:
            response = self.session.get(self.base_url + "/identity/oauth/token", params=params, timeout=REQUEST_TIMEOUT)
        except requests.RequestException as error:
            raise _Retry(error.__class__.__name__) from error
        if response.status_code >= 500:
            raise _Retry(f"HTTP {response.status_code}")

        body = _json(response, object_name)
        if response.status_code != 200 or not body.get("access_token"):
            raise AuthenticationFailed(
                f"Marketo rejected the client id or secret while reading {object_name} "
                f"({response.status_code} {body.get('error', '')}: {body.get('error_description', '')}). "
                "Copy the client id and secret of the LaunchPoint custom service into the portal's credentials.",
                object_name=object_name,
            )
        logger.info("marketo access token issued portal_id=%s expires_in=%s", self.portal.pk, body.get("expires_in"))
        return body["access_token"]

    def _wait(self, object_name, attempt, reason):
        delay = min(30.0, settings.VENDOR_RETRY_BACKOFF_SECONDS * 2**attempt)
        logger.warning(
            "marketo request failed, retrying portal_id=%s object=%s attempt=%s reason=%s delay=%.2f",
            self.portal.pk, object_name, attempt + 1, reason, delay,
        )
        time.sleep(delay)


def _iso(moment):
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _json(response, object_name):
    try:
        return response.json()
    except ValueError as error:
        raise InvalidResponse(
            f"Marketo returned invalid JSON while reading {object_name} (HTTP {response.status_code}).", object_name=object_name
        ) from error


def _first_error(body):
    errors = body.get("errors") or [{}]
    return str(errors[0].get("code", "")), str(errors[0].get("message", ""))[:300]


def _error_for_code(code, message, object_name):
    if code in TOKEN_ERRORS:
        return AuthenticationFailed(
            f"Marketo rejected a new access token while reading {object_name} (error {code}: {message}). "
            "Check that the LaunchPoint service and its API user are still active.",
            object_name=object_name,
        )
    if code == ACCESS_DENIED_ERROR:
        return AuthenticationFailed(
            f"Marketo denied access while reading {object_name} (error {code}: {message}). "
            "Give the API user's role the Read-Only Lead, Read-Only Activity and Read-Only Assets permissions.",
            object_name=object_name,
        )
    if code == DAILY_QUOTA_ERROR:
        return VendorUnavailable(
            f"Marketo's daily API quota is used up while reading {object_name} (error {code}: {message}). "
            "The sync resumes from the last page written once the quota resets.",
            object_name=object_name,
        )
    return InvalidResponse(
        f"Marketo rejected the request for {object_name} (error {code}: {message}). "
        "This is a connector defect or an instance setting; report it with this message.",
        object_name=object_name,
    )
