"""Salesforce connector on simple-salesforce.

Login: with username, password, security token and a connected app's client id and secret, the
connector runs the OAuth username-password flow itself. It posts to /services/oauth2/token on the
portal's API base URL (login.salesforce.com by default, test.salesforce.com for a sandbox) and
logs in again once when the session expires mid-sync. With access_token and instance_url it uses
that session as given.

Each object is one SOQL query. The first page runs a COUNT() query: up to BULK_THRESHOLD records
are read through the REST query resource (`sf.query`, then `sf.query_more` on nextRecordsUrl,
which is the cursor), more through a Bulk API 2.0 query job whose CSV result pages become the
pages. Incremental runs add `WHERE SystemModstamp > <since>` (LastModifiedDate or CreatedDate
on objects without SystemModstamp).

Server errors and timeouts are retried inside the requests session (urllib3 Retry, exponential
backoff from settings.VENDOR_RETRY_BACKOFF_SECONDS); REQUEST_LIMIT_EXCEEDED (HTTP 403) is retried
by the connector with the same backoff. Both end in VendorUnavailable when retries run out.
"""
import csv
import io
import json
import logging
import time
from datetime import timezone

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceOperationError,
    SalesforceRefusedRequest,
)
from urllib3.util.retry import Retry

from portals.models import Campaign, Company, Contact, Deal, Owner, Touchpoint

from .base import AuthenticationFailed, Connector, ConnectorError, InvalidResponse, Page, VendorUnavailable
from .mapping import text
from .salesforce_mapping import (
    MQL_DATE_FIELD,
    OBJECTS,
    campaign_member_row,
    campaign_row,
    company_row,
    contact_row,
    deal_row,
    event_row,
    first_touch_row,
    history_rows,
    lead_rows,
    opportunity_facts,
    owner_row,
    task_row,
)

logger = logging.getLogger(__name__)

API_VERSION = "62.0"
# Objects with more records than this (by a COUNT() query) are read through Bulk API 2.0.
BULK_THRESHOLD = 50_000
# Records per Bulk API 2.0 result page, and so per page written in one transaction.
BULK_PAGE_SIZE = 10_000
# First wait, in seconds, before simple-salesforce polls a Bulk API job; later polls wait up to 2 s more.
BULK_POLL_SECONDS = 2.0
# Attempts of one call while Salesforce returns REQUEST_LIMIT_EXCEEDED.
LIMIT_ATTEMPTS = 6
REQUEST_TIMEOUT = (10, 120)
MODIFIED_FIELDS = ("SystemModstamp", "LastModifiedDate", "CreatedDate")

# Returns the requests.Session the connector sends through. Tests point it at a fake's session
# that trusts the fake's certificate. The default verifies certificates as usual.
session_factory = requests.Session


def connector_class():
    return SalesforceConnector


class _TimeoutAdapter(HTTPAdapter):
    """HTTPAdapter that applies REQUEST_TIMEOUT when the caller sets no timeout, as simple-salesforce never does."""

    def send(self, request, timeout=None, **kwargs):
        return super().send(request, timeout=timeout or REQUEST_TIMEOUT, **kwargs)


def build_session():
    """Return the session from session_factory with timeouts and retries of 5xx and connection errors."""
    retry = Retry(
        total=5,
        connect=3,
        read=3,
        backoff_factor=settings.VENDOR_RETRY_BACKOFF_SECONDS,
        backoff_max=30,
        status_forcelist=(500, 502, 503, 504),
        allowed_methods=None,
        raise_on_status=False,
    )
    session = session_factory()
    adapter = _TimeoutAdapter(max_retries=retry)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


class _ExpiredQueryLocator(Exception):
    """Salesforce rejected a nextRecordsUrl as INVALID_QUERY_LOCATOR, because query locators expire after inactivity."""


class SalesforceConnector(Connector):
    vendor = "salesforce"
    default_base_url = "https://login.salesforce.com"
    object_names = tuple(OBJECTS)

    def __init__(self, portal):
        super().__init__(portal)
        self._check_credentials()
        self.session = build_session()
        self.sf = None
        self._fields_by_sobject = {}
        self._lookups = {}
        self._bulk_streams = {}

    # Public interface.

    def check_connection(self):
        limits = self._call("limits", "User", lambda sf: sf.limits())
        requests_left = (limits.get("DailyApiRequests") or {}).get("Remaining")
        return f"Reached Salesforce org at {self.sf.sf_instance} ({requests_left} daily API requests left)."

    def fetch_page(self, object_name, *, cursor, since):
        spec = OBJECTS[object_name]
        if cursor is None:
            return self._first_page(object_name, spec, since)
        if cursor.startswith("{"):
            return self._bulk_page(object_name, spec, since, json.loads(cursor))
        return self._rest_page(object_name, spec, since, cursor)

    # Paging.

    def _first_page(self, object_name, spec, since):
        where = self._where(object_name, spec, since)
        count = self._call(object_name, spec.sobject, lambda sf: sf.query(f"SELECT COUNT() FROM {spec.sobject}{where}"))
        total = count.get("totalSize", 0)
        if total > BULK_THRESHOLD:
            logger.info("salesforce bulk query portal_id=%s object=%s records=%s", self.portal.pk, object_name, total)
            return self._bulk_page(object_name, spec, since, {"read": 0, "counted": 0, "total": total})

        soql = self._soql(object_name, spec, since)
        data = self._call(object_name, spec.sobject, lambda sf: sf.query(soql))
        return self._rest_result_page(object_name, data)

    def _rest_page(self, object_name, spec, since, next_records_url):
        try:
            data = self._call(
                object_name, spec.sobject, lambda sf: sf.query_more(next_records_url, identifier_is_url=True)
            )
        except _ExpiredQueryLocator:
            # Pages are upserts, so reading the object again from the start loses nothing.
            logger.warning("salesforce query locator expired, restarting portal_id=%s object=%s", self.portal.pk, object_name)
            return self._first_page(object_name, spec, since)
        return self._rest_result_page(object_name, data)

    def _rest_result_page(self, object_name, data):
        records = data.get("records") or []
        next_cursor = None if data.get("done", True) else data.get("nextRecordsUrl")
        return Page(rows=self._rows(object_name, records), count=len(records), next_cursor=next_cursor, total=data.get("totalSize"))

    def _bulk_page(self, object_name, spec, since, state):
        """Return the next CSV page of the object's Bulk API 2.0 query.

        The open job lives only as long as this connector. When a run resumes, or a retry drops the
        job, a new job starts and its first pages are written again. `counted` keeps them out of progress.
        """
        soql = self._soql(object_name, spec, since)
        csv_text = self._call(object_name, spec.sobject, lambda sf: self._next_bulk_csv(sf, object_name, spec, soql, state))
        if csv_text is None:
            self._bulk_streams.pop(object_name, None)
            return Page(count=0, next_cursor=None, total=state["total"])

        records = _csv_records(csv_text)
        state["read"] += 1
        count = len(records) if state["read"] > state["counted"] else 0
        state["counted"] = max(state["counted"], state["read"])
        return Page(rows=self._rows(object_name, records), count=count, next_cursor=json.dumps(state), total=state["total"])

    def _next_bulk_csv(self, sf, object_name, spec, soql, state):
        stream = self._bulk_streams.get(object_name)
        if stream is None:
            stream = getattr(sf.bulk2, spec.sobject).query(soql, max_records=BULK_PAGE_SIZE, wait=BULK_POLL_SECONDS)
            self._bulk_streams[object_name] = stream
            state["read"] = 0
        try:
            return next(stream, None)
        except Exception:
            # A generator that raised is finished, so the next attempt starts a new job.
            self._bulk_streams.pop(object_name, None)
            raise

    # Queries.

    def _soql(self, object_name, spec, since):
        fields = self._select_fields(object_name, spec.sobject, spec.required, spec.optional)
        return f"SELECT {', '.join(fields)} FROM {spec.sobject}{self._where(object_name, spec, since)}"

    def _where(self, object_name, spec, since):
        conditions = list(spec.filters)
        if since is not None:
            modified_field = self._modified_field(object_name, spec.sobject)
            conditions.append(f"{modified_field} > {since.astimezone(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')}")
        return " WHERE " + " AND ".join(conditions) if conditions else ""

    def _select_fields(self, object_name, sobject, required, optional):
        described = self._described_fields(object_name, sobject)
        return list(required) + [field for field in optional if not described or field in described]

    def _modified_field(self, object_name, sobject):
        described = self._described_fields(object_name, sobject)
        return next((field for field in MODIFIED_FIELDS if field in described), MODIFIED_FIELDS[0])

    def _described_fields(self, object_name, sobject):
        if sobject not in self._fields_by_sobject:
            data = self._call(object_name, sobject, lambda sf: getattr(sf, sobject).describe())
            self._fields_by_sobject[sobject] = {field["name"] for field in data.get("fields") or []}
        return self._fields_by_sobject[sobject]

    def _query_all(self, object_name, sobject, required, optional=(), where=""):
        """Return every record of a lookup query, following nextRecordsUrl. `where` is an optional SOQL condition."""
        fields = self._select_fields(object_name, sobject, required, optional)
        soql = f"SELECT {', '.join(fields)} FROM {sobject}" + (f" WHERE {where}" if where else "")
        data = self._call(object_name, sobject, lambda sf: sf.query(soql))
        records = list(data.get("records") or [])
        while not data.get("done", True):
            next_records_url = data["nextRecordsUrl"]
            data = self._call(object_name, sobject, lambda sf: sf.query_more(next_records_url, identifier_is_url=True))
            records.extend(data.get("records") or [])
        return records

    # Rows.

    def _rows(self, object_name, records):
        if object_name == "users":
            return {Owner: [owner_row(record) for record in records]}
        if object_name == "accounts":
            return {Company: [company_row(record) for record in records]}
        if object_name == "leads":
            # NOTE: sync only upserts, so a lead row written before the lead was converted stays next to its contact.
            return lead_rows(records)
        if object_name == "contacts":
            return self._contact_rows(records)
        if object_name == "opportunities":
            return self._deal_rows(records)
        if object_name == "campaigns":
            return {Campaign: [campaign_row(record) for record in records]}
        if object_name == "campaign_members":
            return self._member_rows(records)
        if object_name in ("tasks", "events"):
            return self._activity_rows(object_name, records)
        if not records:
            return {}
        if object_name == "lead_history":
            contact_of_lead = self._converted_leads(object_name)["contact_of_lead"]
            return history_rows(records, "LeadId", self._users(object_name), contact_of_lead)
        return history_rows(records, "ContactId", self._users(object_name))

    def _contact_rows(self, records):
        """Map contacts with their opportunities and converted leads, and their own first-touch UTM values.

        A contact's first touch has the external id of its converted lead's first touch, so the
        contact's values replace the lead's when both are set.
        """
        if not records:
            return {}
        roles = self._opportunity_roles("contacts")
        converted_leads = self._converted_leads("contacts")["by_contact"]
        accounts = self._accounts("contacts")
        contacts, touchpoints = [], []
        for record in records:
            opportunities = [roles["facts"][opportunity_id] for opportunity_id in roles["by_contact"].get(record["Id"], [])
                             if opportunity_id in roles["facts"]]
            converted_lead = converted_leads.get(record["Id"])
            contacts.append(contact_row(record, opportunities, converted_lead, accounts.get(record.get("AccountId"))))
            touchpoints.append(first_touch_row(record, record["Id"]))
        return {Contact: contacts, Touchpoint: _present(touchpoints)}

    def _deal_rows(self, records):
        if not records:
            return {}
        by_opportunity = self._opportunity_roles("opportunities")["by_opportunity"]
        return {Deal: [deal_row(record, by_opportunity.get(record["Id"], [])) for record in records]}

    def _activity_rows(self, object_name, records):
        """Map calls and meetings. Those logged on a converted lead belong to the lead's contact."""
        if not records:
            return {}
        row_function = task_row if object_name == "tasks" else event_row
        contact_of_lead = self._converted_leads(object_name)["contact_of_lead"]
        return {Touchpoint: _present(row_function(record, contact_of_lead) for record in records)}

    def _member_rows(self, records):
        if not records:
            return {}
        types = self._campaign_types("campaign_members")
        return {Touchpoint: _present(campaign_member_row(record, types.get(record.get("CampaignId"))) for record in records)}

    # Lookups, read once per connector.
    # NOTE: each lookup keeps a whole object in memory, an estimated 100 bytes per OpportunityContactRole.
    # An incremental run updates a contact's stage and stage dates only when the contact itself was modified.

    def _opportunity_roles(self, object_name):
        if "roles" not in self._lookups:
            roles = self._query_all(object_name, "OpportunityContactRole", ("OpportunityId", "ContactId"))
            opportunities = self._query_all(object_name, "Opportunity", ("Id", "IsClosed", "IsWon"), ("CreatedDate", "CloseDate"))
            by_contact, by_opportunity = {}, {}
            for role in roles:
                if role.get("ContactId") and role.get("OpportunityId"):
                    by_contact.setdefault(role["ContactId"], []).append(role["OpportunityId"])
                    by_opportunity.setdefault(role["OpportunityId"], []).append(role["ContactId"])
            facts = {record["Id"]: opportunity_facts(record) for record in opportunities}
            self._lookups["roles"] = {"by_contact": by_contact, "by_opportunity": by_opportunity, "facts": facts}
        return self._lookups["roles"]

    def _converted_leads(self, object_name):
        """Return the converted leads: {"by_contact": {contact id: earliest-created lead}, "contact_of_lead": {lead id: contact id}}."""
        if "converted_leads" not in self._lookups:
            leads = self._query_all(
                object_name, "Lead", ("Id", "ConvertedContactId", "CreatedDate"), (MQL_DATE_FIELD,), where="IsConverted = true",
            )
            by_contact, contact_of_lead = {}, {}
            for record in sorted(leads, key=lambda lead: lead.get("CreatedDate") or ""):
                if record.get("ConvertedContactId"):
                    by_contact.setdefault(record["ConvertedContactId"], record)
                    contact_of_lead[record["Id"]] = record["ConvertedContactId"]
            self._lookups["converted_leads"] = {"by_contact": by_contact, "contact_of_lead": contact_of_lead}
        return self._lookups["converted_leads"]

    def _accounts(self, object_name):
        """Return {Account id: Account record with Name and Website}, for the company fields of contacts."""
        if "accounts" not in self._lookups:
            accounts = self._query_all(object_name, "Account", ("Id", "Name"), ("Website",))
            self._lookups["accounts"] = {record["Id"]: record for record in accounts}
        return self._lookups["accounts"]

    def _campaign_types(self, object_name):
        if "campaign_types" not in self._lookups:
            campaigns = self._query_all(object_name, "Campaign", ("Id",), ("Type",))
            self._lookups["campaign_types"] = {record["Id"]: record.get("Type") for record in campaigns}
        return self._lookups["campaign_types"]

    def _users(self, object_name):
        if "users" not in self._lookups:
            users = self._query_all(object_name, "User", ("Id",), ("Name", "FirstName", "LastName", "Username", "UserType"))
            self._lookups["users"] = {record["Id"]: record for record in users}
        return self._lookups["users"]

    # Login.

    def _check_credentials(self):
        if self.credentials.get("access_token"):
            if not (self.credentials.get("instance_url") or self.portal.api_base_url):
                raise AuthenticationFailed(
                    f"Salesforce portal {self.portal.pk} has an access token but no instance_url. "
                    "Add the org's instance URL (https://<my-domain>.my.salesforce.com) to its credentials."
                )
            return
        missing = [name for name in ("username", "password", "client_id", "client_secret") if not self.credentials.get(name)]
        if missing:
            raise AuthenticationFailed(
                f"Salesforce portal {self.portal.pk} has incomplete credentials: {', '.join(missing)} missing. "
                "Add the integration user's username, password and security token and the connected app's "
                "client id and secret, or an access_token with its instance_url."
            )

    def _can_log_in(self):
        return not self.credentials.get("access_token")

    def _connect(self, object_name):
        if self._can_log_in():
            access_token, instance_url = self._log_in(object_name)
        else:
            access_token = self.credentials["access_token"]
            instance_url = self.credentials.get("instance_url") or self.portal.api_base_url
        self.sf = Salesforce(instance_url=instance_url, session_id=access_token, session=self.session, version=API_VERSION)
        self._bulk_streams.clear()

    def _log_in(self, object_name):
        """Run the OAuth username-password flow and return (access token, instance URL)."""
        url = self.base_url.rstrip("/") + "/services/oauth2/token"
        form = {
            "grant_type": "password",
            "client_id": self.credentials["client_id"],
            "client_secret": self.credentials["client_secret"],
            "username": self.credentials["username"],
            "password": self.credentials["password"] + self.credentials.get("security_token", ""),
        }
        try:
            response = self.session.post(url, data=form)
        except requests.RequestException as error:
            raise VendorUnavailable(
                f"Salesforce login at {self.base_url} failed ({error.__class__.__name__}). The sync resumes from the last page written.",
                object_name=object_name,
            ) from error
        if response.status_code >= 500:
            raise VendorUnavailable(
                f"Salesforce login at {self.base_url} kept returning {response.status_code} after retries. The sync resumes from the last page written.",
                object_name=object_name,
            )

        try:
            body = response.json()
        except ValueError as error:
            raise InvalidResponse(f"Salesforce login at {self.base_url} returned invalid JSON ({response.status_code}).", object_name=object_name) from error
        if response.status_code != 200 or not body.get("access_token"):
            raise _login_error(body, self.credentials["username"], object_name)

        logger.info("salesforce login succeeded portal_id=%s", self.portal.pk)
        return body["access_token"], body.get("instance_url") or self.base_url

    # Calls.

    def _call(self, object_name, sobject, function):
        """Run function(sf) and return its result, logging in when needed and turning failures into ConnectorErrors."""
        renewed = False
        for attempt in range(LIMIT_ATTEMPTS):
            if self.sf is None:
                self._connect(object_name)
            try:
                return function(self.sf)
            except SalesforceExpiredSession as error:
                if renewed or not self._can_log_in():
                    raise _session_error(error, object_name, renewed) from error
                logger.info("salesforce session expired, logging in again portal_id=%s object=%s", self.portal.pk, object_name)
                renewed = True
                self.sf = None
            except SalesforceRefusedRequest as error:
                code, message = _error_details(error)
                if code != "REQUEST_LIMIT_EXCEEDED":
                    raise _refused_error(code, message, object_name, sobject) from error
                delay = _backoff(attempt)
                logger.warning(
                    "salesforce request limit exceeded, retrying portal_id=%s object=%s attempt=%s delay=%.2f",
                    self.portal.pk, object_name, attempt + 1, delay,
                )
                time.sleep(delay)
            except SalesforceMalformedRequest as error:
                code, message = _error_details(error)
                if code == "INVALID_QUERY_LOCATOR":
                    raise _ExpiredQueryLocator(message) from error
                raise _malformed_error(code, message, object_name, sobject) from error
            except SalesforceGeneralError as error:
                raise _server_error(error, object_name) from error
            except SalesforceOperationError as error:
                raise InvalidResponse(
                    f"The Salesforce Bulk API query job on {sobject} failed while reading {object_name}: {str(error)[:300]}",
                    object_name=object_name,
                ) from error
            except SalesforceError as error:
                code, message = _error_details(error)
                raise InvalidResponse(
                    f"Salesforce returned {error.status} {code} while reading {object_name} ({sobject}): {message}",
                    object_name=object_name,
                ) from error
            except requests.RequestException as error:
                raise VendorUnavailable(
                    f"Salesforce request failed while reading {object_name} ({error.__class__.__name__}). The sync resumes from the last page written.",
                    object_name=object_name,
                ) from error

        raise VendorUnavailable(
            f"Salesforce kept returning 403 REQUEST_LIMIT_EXCEEDED while reading {object_name} after {LIMIT_ATTEMPTS} attempts. "
            "The org is over its API request allocation, so the sync resumes from the last page written once requests are available.",
            object_name=object_name,
        )


def _csv_records(csv_text):
    """Parse one Bulk API 2.0 CSV result page. Empty values become None, as null does in REST records."""
    reader = csv.DictReader(io.StringIO(csv_text))
    return [{key: (value if value != "" else None) for key, value in row.items()} for row in reader]


def _present(rows):
    return [row for row in rows if row]


def _backoff(attempt):
    return min(30.0, settings.VENDOR_RETRY_BACKOFF_SECONDS * 2**attempt)


def _error_details(error):
    """Return (errorCode, message) of a simple-salesforce error's response body."""
    content = error.content
    if isinstance(content, list) and content and isinstance(content[0], dict):
        return content[0].get("errorCode", "ERROR"), str(content[0].get("message", ""))[:300]
    if isinstance(content, dict):
        return content.get("errorCode") or content.get("error", "ERROR"), str(content.get("message") or content.get("error_description", ""))[:300]
    return "ERROR", text(content)[:300]


def _login_error(body, username, object_name):
    error = body.get("error", "")
    description = body.get("error_description", "")
    if error == "invalid_grant":
        return AuthenticationFailed(
            f"Salesforce rejected the login of {username} ({error}: {description}). "
            "Check the username and password, reset the user's security token, and update the portal's credentials.",
            object_name=object_name,
        )
    if error in ("invalid_client_id", "invalid_client"):
        return AuthenticationFailed(
            f"Salesforce rejected the connected app's client id or secret ({error}: {description}). "
            "Copy the consumer key and secret of the connected app into the portal's credentials.",
            object_name=object_name,
        )
    return AuthenticationFailed(
        f"Salesforce login of {username} failed ({error or 'no access token'}: {description}). "
        "Check that the connected app allows the OAuth username-password flow for this user.",
        object_name=object_name,
    )


def _session_error(error, object_name, renewed):
    code, _ = _error_details(error)
    if renewed:
        return AuthenticationFailed(
            f"Salesforce rejected a new session while reading {object_name} (401 {code}). "
            "Check the connected app's session policies and IP restrictions for the integration user.",
            object_name=object_name,
        )
    return AuthenticationFailed(
        f"Salesforce rejected the session while reading {object_name} (401 {code}). "
        "The access token is expired or revoked. Store a new access token, or the username, password, "
        "security token and connected app keys so that the connector logs in itself.",
        object_name=object_name,
    )


def _refused_error(code, message, object_name, sobject):
    return AuthenticationFailed(
        f"Salesforce refused to read {sobject} while reading {object_name} (403 {code}: {message}). "
        f"Give the integration user the API Enabled permission and Read access to {sobject}.",
        object_name=object_name,
    )


def _malformed_error(code, message, object_name, sobject):
    if code == "INVALID_FIELD":
        fix = f"Give the integration user read access to that {sobject} field (field-level security) and run the sync again."
    elif code == "INVALID_TYPE":
        fix = f"Give the integration user Read access to the {sobject} object, or enable the feature that provides it."
    else:
        fix = "This is a connector defect; report it with this message."
    return ConnectorError(
        f"Salesforce rejected the query on {sobject} while reading {object_name} ({code}: {message}). {fix}",
        object_name=object_name,
    )


def _server_error(error, object_name):
    code, message = _error_details(error)
    if error.status >= 500:
        return VendorUnavailable(
            f"Salesforce kept returning {error.status} {code} while reading {object_name} after retries. The sync resumes from the last page written.",
            object_name=object_name,
        )
    return InvalidResponse(f"Salesforce returned {error.status} {code} while reading {object_name}: {message}", object_name=object_name)
