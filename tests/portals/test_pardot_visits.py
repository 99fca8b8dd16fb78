"""Importing a Pardot visits export as touchpoints of the Salesforce leads and contacts of its prospects."""
from datetime import datetime, timezone

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portals.models import CsvUpload, Portal, SyncRun, Touchpoint
from portals.sync import csv_service, pardot_visits
from tests.audits.snapshot_factories import ContactFactory
from tests.factories import ClientFactory, PortalFactory

HEADER = (
    "id,visitorId,prospectId,visitorPageViewCount,firstVisitorPageViewAt,lastVisitorPageViewAt,durationInSeconds,"
    "campaignParameter,mediumParameter,sourceParameter,contentParameter,termParameter,createdAt,updatedAt"
)
OPEN_LEAD, CONVERTED_LEAD, CONTACT = "00Q5g0000000001EAA", "00Q5g0000000002EAA", "0035g0000000002AAA"


def visit(visit_id, prospect_id, at="2026-05-04T14:00:00+00:00", source="vidyard", medium="video"):
    return f"{visit_id},6000,{prospect_id},1,{at},{at},90,2026-q2-demo,{medium},{source},,,{at},{at}"


def export(*lines):
    return ("\n".join([HEADER, *lines]) + "\n").encode()


def _org(client):
    """A Salesforce portal with an open lead and a converted lead's contact, and a Pardot portal with 4 prospects."""
    salesforce = PortalFactory(client=client, vendor=Portal.Vendor.SALESFORCE, name=f"{client.name} Salesforce")
    pardot = PortalFactory(client=client, vendor=Portal.Vendor.PARDOT, name=f"{client.name} Pardot")
    ContactFactory(portal=salesforce, external_id=OPEN_LEAD, email="ana.open@harbor.test")
    ContactFactory(portal=salesforce, external_id=CONTACT, email="ben.converted@harbor.test", extra={"ConvertedLeadId": CONVERTED_LEAD})
    ContactFactory(portal=salesforce, external_id="00Q5g0000000003EAA", email="Cleo.Mail@Harbor.test")
    ContactFactory(portal=pardot, external_id="401", email="ana.open@harbor.test", extra={"CRM Lead FID": OPEN_LEAD})
    # The prospect names the lead it was created from; the lead was converted, so its contact is the person.
    ContactFactory(portal=pardot, external_id="402", email="ben.converted@harbor.test", extra={"CRM Lead FID": CONVERTED_LEAD})
    ContactFactory(portal=pardot, external_id="403", email="cleo.mail@harbor.test", extra={})
    ContactFactory(portal=pardot, external_id="404", email="nobody@elsewhere.test", extra={})
    return salesforce, pardot


@pytest.fixture
def org(world):
    return _org(world.client)


def _upload(portal, content, name="pardot_visits.csv"):
    return csv_service.csv_upload_create(portal=portal, uploaded_file=SimpleUploadedFile(name, content))


def _import(portal, content):
    upload = _upload(portal, content)
    csv_service.csv_upload_start_import(upload=upload)
    return csv_service.csv_import_execute(upload_id=upload.pk)


@pytest.mark.django_db
def test_visits_tied_to_crm_people(org):
    salesforce, pardot = org

    run = _import(pardot, export(visit(1, 401), visit(2, 402), visit(3, 403), visit(4, 404), visit(5, "")))

    touches = dict(Touchpoint.objects.filter(portal=salesforce).values_list("external_id", "contact_external_id"))
    assert run.status == SyncRun.Status.SUCCEEDED
    assert touches == {
        "pardot:visit:1": OPEN_LEAD,
        "pardot:visit:2": CONTACT,
        # No CRM id: the one Salesforce person with the prospect's address, compared case-insensitively.
        "pardot:visit:3": "00Q5g0000000003EAA",
    }
    assert run.progress["visits"] == {"done": 5, "total": 5, "touchpoints": 3, "anonymous": 1, "unmatched": 1}
    assert not Touchpoint.objects.filter(portal=pardot).exists()


@pytest.mark.django_db
def test_visit_fields_mapped(org):
    salesforce, pardot = org

    _import(pardot, export(visit(7, 401, at="2026-05-04T09:15:00-05:00", source="LinkedIn", medium="paid-social")))

    touch = Touchpoint.objects.get(portal=salesforce, external_id="pardot:visit:7")
    assert touch.occurred_at == datetime(2026, 5, 4, 14, 15, tzinfo=timezone.utc)
    assert (touch.kind, touch.utm_source, touch.utm_medium, touch.utm_campaign) == ("page_view", "LinkedIn", "paid-social", "2026-q2-demo")
    assert touch.is_sales_activity is False
    assert touch.client_id == salesforce.client_id


@pytest.mark.django_db
def test_reimport_is_idempotent(org):
    salesforce, pardot = org
    _import(pardot, export(visit(1, 401), visit(2, 402)))

    _import(pardot, export(visit(1, 401, source="intercom"), visit(2, 402)))

    touches = Touchpoint.objects.filter(portal=salesforce)
    assert touches.count() == 2
    assert touches.get(external_id="pardot:visit:1").utm_source == "intercom"


@pytest.mark.django_db
def test_other_client_people_not_used(world, org):
    salesforce, pardot = org
    other = ClientFactory(organization=world.organization, name="Other Harbor")
    other_salesforce, _ = _org(other)
    # The other client has the same lead ids, and a Salesforce person with the address of our unmatched prospect 404.
    ContactFactory(portal=other_salesforce, external_id="00Q5g0000000009EAA", email="nobody@elsewhere.test")

    run = _import(pardot, export(visit(1, 401), visit(4, 404)))

    assert run.progress["visits"]["unmatched"] == 1
    assert list(Touchpoint.objects.filter(external_id="pardot:visit:1").values_list("portal_id", flat=True)) == [salesforce.pk]
    assert not Touchpoint.objects.filter(client=other).exists()


@pytest.mark.django_db
def test_queries_per_batch_constant(org):
    salesforce, pardot = org
    small = export(*[visit(index, 401 + index % 4) for index in range(1, 5)])
    large = export(*[visit(index, 401 + index % 4) for index in range(1, 401)])

    with CaptureQueriesContext(connection) as small_queries:
        _import(pardot, small)
    with CaptureQueriesContext(connection) as large_queries:
        _import(pardot, large)

    assert Touchpoint.objects.filter(portal=salesforce).count() == 300
    assert len(large_queries) == len(small_queries)


@pytest.mark.django_db
def test_bad_values_reject_file(org):
    salesforce, pardot = org
    upload = _upload(pardot, export(visit(1, 401), visit("x9", 401), visit(3, "p-12"), visit(4, 401, at="2026-05-04 14:00")))

    with pytest.raises(csv_service.CsvUploadError, match="has 3 errors; nothing was imported"):
        csv_service.csv_upload_start_import(upload=upload)

    upload.refresh_from_db()
    assert upload.status == CsvUpload.Status.FAILED
    assert upload.errors == [
        'pardot_visits.csv: row 3, column "id": "x9" is not a visit id; every row needs the numeric Pardot id of the visit',
        'pardot_visits.csv: row 4, column "prospectId": "p-12" is not a prospect id; use the numeric Pardot prospect id or leave it empty',
        'pardot_visits.csv: row 5, column "firstVisitorPageViewAt": "2026-05-04 14:00" is not a date and time with a UTC offset; '
        "use ISO 8601 with the offset, as the v5 API writes it: 2026-06-18T07:53:00-05:00",
    ]
    assert not Touchpoint.objects.filter(portal=salesforce).exists()


@pytest.mark.django_db
def test_visits_need_prospects_first(world):
    PortalFactory(client=world.client, vendor=Portal.Vendor.SALESFORCE, name="Zebra Salesforce")
    pardot = PortalFactory(client=world.client, vendor=Portal.Vendor.PARDOT, name="Zebra Pardot")
    upload = _upload(pardot, export(visit(1, 401)))

    errors = csv_service.csv_upload_validate(upload=upload)

    assert errors == [
        "No Pardot prospects of this client are imported, so visits cannot be tied to people; import the Pardot prospect "
        "export (with the CRM Lead FID and CRM Contact FID columns) first."
    ]


@pytest.mark.django_db
def test_visits_rejected_on_crm_portal(org):
    salesforce, _ = org

    with pytest.raises(csv_service.CsvUploadError, match="is a Pardot visits export, but portal .* is a Salesforce portal"):
        _upload(salesforce, export(visit(1, 401)))


def test_header_recognised():
    assert pardot_visits.is_visits_header(HEADER.split(","))
    assert pardot_visits.is_visits_header(["ID", "Prospect ID", "First Visitor Page View At", "Source Parameter"])
    assert not pardot_visits.is_visits_header(["Prospect Id", "Email", "Created Date"])
