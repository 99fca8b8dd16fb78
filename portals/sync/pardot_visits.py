"""Pardot visits exports: web visits with their UTM parameters, imported as touchpoints of the CRM's people.

The file has one row per visit and the Pardot API v5 Visit field names as its header (id, prospectId,
firstVisitorPageViewAt, sourceParameter, ...), as a v5 query of /api/v5/objects/visits returns them.
NOTE: the header follows the v5 field names and has not been compared with a real export file.

A visit names only its Pardot prospect, so the import ties it to the Salesforce person that the prospect is
synced with. That is the prospect's CRM Contact FID, else its CRM Lead FID (or the contact that lead was converted
to), else the one Salesforce person with the prospect's e-mail address. The prospects are the rows of the Pardot
prospect export imported into the client's Pardot portal, so that export is imported first.

Each visit becomes a page-view touchpoint in the Salesforce portal of its person, with the external id
"pardot:visit:<id>", because the audit and the checks read a person's touchpoints in the person's own portal.
Visits of anonymous visitors (no prospectId) and of prospects without a CRM person are counted and skipped.
"""
import codecs
import csv
import logging
from collections import defaultdict
from datetime import datetime

from django.db.models.functions import Lower

from portals.csv_import import CsvImportError
from portals.models import Contact, Portal, Touchpoint

logger = logging.getLogger(__name__)

VISITS_KIND = "pardot_visits"
EXTERNAL_ID_PREFIX = "pardot:visit:"
# Columns that a visits export must have, by their v5 field names.
REQUIRED_COLUMNS = ("id", "prospectId", "firstVisitorPageViewAt")
# v5 UTM parameters of a visit and the touchpoint fields they fill, with the fields' maximum lengths.
UTM_COLUMNS = {
    "sourceParameter": ("utm_source", 200),
    "mediumParameter": ("utm_medium", 200),
    "campaignParameter": ("utm_campaign", 300),
    "termParameter": ("utm_term", 300),
    "contentParameter": ("utm_content", 300),
}
# Keys of the prospect export's CRM link columns in Contact.extra, matched case-insensitively: the headers of
# the export from the Pardot UI and the v5 field names.
CONTACT_ID_KEYS = ("crm contact fid", "crm_contact_fid", "salesforcecontactid", "salesforce contact id")
LEAD_ID_KEYS = ("crm lead fid", "crm_lead_fid", "salesforceleadid", "salesforce lead id")


def _normalise(header):
    return header.strip().lower().replace("_", "").replace(" ", "")


def is_visits_header(headers):
    """True when the header has the id, prospectId and firstVisitorPageViewAt columns of a visits export."""
    present = {_normalise(header) for header in headers}
    return {_normalise(name) for name in REQUIRED_COLUMNS} <= present


def iter_visit_rows(handle, *, file_name, on_error):
    """Yield parsed visits ({"id", "prospect_id", "occurred_at", utm fields}) of a binary file, streaming it.

    A row with an invalid value goes to on_error as a CsvImportError and is not yielded.
    """
    text = codecs.getreader("utf-8-sig")(handle)
    reader = csv.reader(text)
    header = next(reader, [])
    columns = {_normalise(name): index for index, name in enumerate(header)}
    missing = [name for name in REQUIRED_COLUMNS if _normalise(name) not in columns]
    if missing:
        on_error(CsvImportError(
            "the %s column is missing" % missing[0],
            "export the visits with the v5 Visit field names id, prospectId and firstVisitorPageViewAt",
            file_name=file_name, row=1, column=missing[0],
        ))
        return
    for row_number, values in enumerate(reader, start=2):
        if not "".join(values).strip():
            continue
        try:
            yield _visit(values, columns, header, row_number, file_name)
        except CsvImportError as error:
            on_error(error)


def visit_errors(handle, *, file_name, max_errors=50):
    """Return (error messages of the whole file, up to max_errors, and its number of visit rows), reading it once."""
    errors = []
    rows = 0

    def collect(error):
        errors.append(str(error))
        if len(errors) >= max_errors:
            raise _TooManyErrors

    try:
        for _ in iter_visit_rows(handle, file_name=file_name, on_error=collect):
            rows += 1
    except _TooManyErrors:
        pass
    except UnicodeDecodeError as error:
        errors.append(f"{file_name} is not valid UTF-8 ({error}); save it as CSV UTF-8 and upload it again.")
    except csv.Error as error:
        # For example a field over the csv module's 128 KiB limit, or a NUL byte.
        errors.append(f"{file_name} is not a readable CSV file after row {rows + 1} ({error}); export it again as CSV.")
    return errors, rows


class _TooManyErrors(Exception):
    pass


def _visit(values, columns, header, row_number, file_name):
    def value(name):
        index = columns.get(_normalise(name))
        return values[index].strip() if index is not None and index < len(values) else ""

    def error(name, problem, hint):
        raw = value(name)
        return CsvImportError(problem, hint, file_name=file_name, row=row_number,
                              column=header[columns[_normalise(name)]], value=raw)

    visit_id = value("id")
    if not visit_id.isdigit():
        raise error("id", f'"{visit_id}" is not a visit id', "every row needs the numeric Pardot id of the visit")
    prospect_id = value("prospectId")
    if prospect_id and not prospect_id.isdigit():
        raise error("prospectId", f'"{prospect_id}" is not a prospect id', "use the numeric Pardot prospect id or leave it empty")
    occurred_at = _datetime(value("firstVisitorPageViewAt"))
    if occurred_at is None:
        raise error("firstVisitorPageViewAt", f'"{value("firstVisitorPageViewAt")}" is not a date and time with a UTC offset',
                    "use ISO 8601 with the offset, as the v5 API writes it: 2026-06-18T07:53:00-05:00")

    row = {"id": visit_id, "prospect_id": prospect_id, "occurred_at": occurred_at}
    for column, (field, max_length) in UTM_COLUMNS.items():
        row[field] = value(column)[:max_length]
    return row


def _datetime(raw):
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def link_errors(*, client_id):
    """Return the errors that make an import impossible for this client: no prospects, or no Salesforce portal."""
    errors = []
    if not Portal.objects.filter(client_id=client_id, vendor=Portal.Vendor.SALESFORCE).exists():
        errors.append("The client has no Salesforce portal, so Pardot visits cannot be tied to leads or contacts; "
                      "connect and sync the Salesforce portal first.")
    if not Contact.objects.filter(client_id=client_id, portal__vendor=Portal.Vendor.PARDOT).exists():
        errors.append("No Pardot prospects of this client are imported, so visits cannot be tied to people; "
                      "import the Pardot prospect export (with the CRM Lead FID and CRM Contact FID columns) first.")
    return errors


def touchpoint_rows(*, client_id, visits):
    """Return ({Salesforce portal id: touchpoint rows}, {"anonymous": n, "unmatched": n}) for one batch of visits.

    At most four queries per batch, whatever its size: the prospects, the Salesforce people by id, the contacts
    of converted leads, and the people by e-mail address.
    """
    prospect_ids = {visit["prospect_id"] for visit in visits if visit["prospect_id"]}
    people = _people_of_prospects(client_id, prospect_ids)
    by_portal = defaultdict(list)
    skipped = {"anonymous": 0, "unmatched": 0}
    for visit in visits:
        if not visit["prospect_id"]:
            skipped["anonymous"] += 1
            continue
        person = people.get(visit["prospect_id"])
        if person is None:
            skipped["unmatched"] += 1
            continue
        portal_id, person_id = person
        by_portal[portal_id].append({
            "external_id": EXTERNAL_ID_PREFIX + visit["id"],
            "contact_external_id": person_id,
            "occurred_at": visit["occurred_at"],
            "kind": Touchpoint.Kind.PAGE_VIEW.value,
            **{field: visit[field] for field, _ in UTM_COLUMNS.values()},
        })
    return by_portal, skipped


def _people_of_prospects(client_id, prospect_ids):
    """Map prospect ids to (Salesforce portal id, person external id)."""
    if not prospect_ids:
        return {}
    prospects = Contact.objects.filter(
        client_id=client_id, portal__vendor=Portal.Vendor.PARDOT, external_id__in=prospect_ids,
    ).values_list("external_id", "email", "extra")
    links = {}
    for prospect_id, email, extra in prospects:
        keys = {str(key).strip().lower(): str(value).strip() for key, value in (extra or {}).items() if value}
        contact_id = next((keys[key] for key in CONTACT_ID_KEYS if keys.get(key)), "")
        lead_id = next((keys[key] for key in LEAD_ID_KEYS if keys.get(key)), "")
        links[prospect_id] = (contact_id, lead_id, email.strip().lower())

    crm_people = Contact.objects.filter(client_id=client_id, portal__vendor=Portal.Vendor.SALESFORCE)
    salesforce_ids = {value for contact_id, lead_id, _ in links.values() for value in (contact_id, lead_id) if value}
    by_id = {
        external_id: (portal_id, external_id)
        for external_id, portal_id in crm_people.filter(external_id__in=salesforce_ids).values_list("external_id", "portal_id")
    }
    # A converted lead has no row of its own: its person is the contact whose extra names the lead.
    lead_ids = [lead_id for _, lead_id, _ in links.values() if lead_id and lead_id not in by_id]
    for external_id, portal_id, lead_id in crm_people.filter(extra__ConvertedLeadId__in=lead_ids).values_list(
            "external_id", "portal_id", "extra__ConvertedLeadId"):
        by_id.setdefault(lead_id, (portal_id, external_id))

    people = {}
    for prospect_id, (contact_id, lead_id, _) in links.items():
        person = by_id.get(contact_id) or by_id.get(lead_id)
        if person:
            people[prospect_id] = person
    people.update(_people_by_email(crm_people, {p: link[2] for p, link in links.items() if p not in people and link[2]}))
    return people


def _people_by_email(crm_people, email_of_prospect):
    """Map prospects to the one Salesforce person with their e-mail address (case-insensitive); skip ambiguous ones."""
    if not email_of_prospect:
        return {}
    matches = defaultdict(list)
    rows = crm_people.annotate(email_lower=Lower("email")).filter(email_lower__in=set(email_of_prospect.values()))
    for email, portal_id, external_id in rows.values_list("email_lower", "portal_id", "external_id"):
        matches[email].append((portal_id, external_id))
    return {prospect_id: matches[email][0] for prospect_id, email in email_of_prospect.items() if len(matches[email]) == 1}
