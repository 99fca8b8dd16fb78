"""Uploading and importing vendor CSV exports into the snapshot tables."""
from datetime import datetime, timezone

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portals.models import Campaign, Contact, CsvUpload, SyncRun
from portals.sync import csv_service
from tests.factories import PortalFactory

# A HubSpot contact export with the "Became a ... Date" columns, as HubSpot labels them.
LIFECYCLE_EXPORT = (
    "Record ID,Lifecycle Stage,Became a Subscriber Date,Became a Lead Date,Became a Marketing Qualified Lead Date,"
    "Became a Sales Qualified Lead Date,Became an Opportunity Date,Became a Customer Date\n"
    "201,Customer,,2026-01-02 09:00,,2026-01-05 10:00,,2026-02-01 12:00\n"
    "202,Sales Qualified Lead,2025-12-01 08:00,2025-12-03 08:00,2025-12-10 08:00,2025-12-11 08:00,,\n"
    "203,Customer,,2026-03-01 09:00,2026-03-02 09:00,2026-03-03 09:00,2026-03-04 09:00,2026-02-20 09:00\n"
)


def utc(*parts):
    return datetime(*parts, tzinfo=timezone.utc)


@pytest.fixture
def csv_portal(world):
    return PortalFactory(client=world.client, vendor="csv", account_id="", name="Exports")


def _import(portal, name, content, column_map=None):
    upload = csv_service.csv_upload_create(portal=portal, uploaded_file=SimpleUploadedFile(name, content))
    if column_map is not None:
        upload.column_map = column_map
        upload.save()
    csv_service.csv_upload_start_import(upload=upload)
    return csv_service.csv_import_execute(upload_id=upload.pk)


@pytest.mark.django_db
def test_lifecycle_export_imports_exactly(csv_portal):
    sync_run = _import(csv_portal, "hubspot-crm-exports-all-contacts-2026-03-05.csv", LIFECYCLE_EXPORT.encode())

    contacts = {c.external_id: c for c in Contact.objects.filter(portal=csv_portal)}
    assert sync_run.status == SyncRun.Status.SUCCEEDED
    assert set(contacts) == {"201", "202", "203"}
    assert contacts["201"].lifecycle_stage == "customer"
    assert contacts["201"].became_lead_at == utc(2026, 1, 2, 9, 0)
    assert contacts["201"].became_mql_at is None
    assert contacts["201"].became_sql_at == utc(2026, 1, 5, 10, 0)
    assert contacts["201"].became_opportunity_at is None
    assert contacts["201"].became_customer_at == utc(2026, 2, 1, 12, 0)
    assert contacts["202"].lifecycle_stage == "salesqualifiedlead"
    assert contacts["202"].became_subscriber_at == utc(2025, 12, 1, 8, 0)
    assert contacts["202"].became_mql_at == utc(2025, 12, 10, 8, 0)
    assert contacts["203"].became_customer_at == utc(2026, 2, 20, 9, 0)
    assert contacts["203"].became_opportunity_at == utc(2026, 3, 4, 9, 0)


@pytest.mark.django_db
def test_semicolon_export_with_bom_imports(csv_portal):
    content = "\ufeffRecord ID;Email;Lifecycle Stage;Create Date\n7;ana@example.test;Lead;31.01.2026 10:00\n".encode()

    _import(csv_portal, "export.csv", content)

    contact = Contact.objects.get(portal=csv_portal, external_id="7")
    assert contact.email == "ana@example.test"
    assert contact.created_at == utc(2026, 1, 31, 10, 0)


@pytest.mark.django_db
def test_unknown_column_is_mapped_by_user(csv_portal):
    content = b"Record ID,Email,Where did you find us? \n8,bo@example.test,Podcast\n"

    _import(csv_portal, "export.csv", content, column_map={"Where did you find us? ": "self_reported_source"})

    assert Contact.objects.get(portal=csv_portal, external_id="8").self_reported_source == "Podcast"


@pytest.mark.django_db
def test_bad_date_rejects_file_and_writes_nothing(csv_portal):
    Contact.objects.create(client=csv_portal.client, portal=csv_portal, external_id="1", email="kept@example.test")
    content = b"Record ID,Email,Create Date\n1,changed@example.test,2026-01-01\n2,b@example.test,31/31/2026\n"
    upload = csv_service.csv_upload_create(portal=csv_portal, uploaded_file=SimpleUploadedFile("bad.csv", content))

    with pytest.raises(csv_service.CsvUploadError) as raised:
        csv_service.csv_upload_start_import(upload=upload)

    upload.refresh_from_db()
    assert "nothing was imported" in str(raised.value)
    assert 'row 3, column "Create Date": "31/31/2026"' in upload.errors[0]
    assert upload.status == CsvUpload.Status.FAILED
    assert Contact.objects.get(portal=csv_portal, external_id="1").email == "kept@example.test"
    assert not Contact.objects.filter(portal=csv_portal, external_id="2").exists()


@pytest.mark.django_db
def test_unrecognised_file_is_rejected_on_upload(csv_portal):
    with pytest.raises(csv_service.CsvUploadError):
        csv_service.csv_upload_create(portal=csv_portal, uploaded_file=SimpleUploadedFile("x.csv", b"foo,bar\n1,2\n"))

    assert not CsvUpload.objects.filter(portal=csv_portal).exists()


@pytest.mark.django_db
def test_import_twice_is_idempotent(csv_portal):
    _import(csv_portal, "a.csv", LIFECYCLE_EXPORT.encode())
    _import(csv_portal, "a.csv", LIFECYCLE_EXPORT.encode())

    assert Contact.objects.filter(portal=csv_portal).count() == 3


@pytest.mark.django_db
def test_progress_reports_rows(csv_portal):
    sync_run = _import(csv_portal, "a.csv", LIFECYCLE_EXPORT.encode())

    assert sync_run.progress["contacts"] == {"done": 3, "total": 3}
    assert sync_run.percent == 100.0


@pytest.mark.django_db
def test_spend_export_imports_campaigns(csv_portal):
    content = b"campaign,channel,period_start,period_end,spend,currency\nq1_search,Paid Search,2026-01-01,2026-01-31,1200.50,usd\n"

    _import(csv_portal, "ad_spend.csv", content)

    campaign = Campaign.objects.get(portal=csv_portal)
    assert campaign.channel == "Paid Search"
    assert str(campaign.spend) == "1200.50"
    assert campaign.currency == "USD"


@pytest.mark.django_db
def test_spend_export_with_bad_amount_is_rejected(csv_portal):
    content = b"campaign,channel,period_start,period_end,spend,currency\nq1,Paid Search,2026-01-01,2026-01-31,12 EUR,EUR\n"
    upload = csv_service.csv_upload_create(portal=csv_portal, uploaded_file=SimpleUploadedFile("spend.csv", content))

    with pytest.raises(csv_service.CsvUploadError):
        csv_service.csv_upload_start_import(upload=upload)

    upload.refresh_from_db()
    assert upload.errors == ['spend.csv: row 2, column "spend": "12 EUR" is not a number; use digits with a dot for decimals']
    assert not Campaign.objects.filter(portal=csv_portal).exists()
