"""Bad inputs get clear errors instead of a 500, and responses do not reveal whether another tenant's id exists."""
import pytest
import time

from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from audits.models import AuditRun, InventoryRun
from portals.models import CsvUpload

from tests.security.conftest import api_as, pages_as

HUBSPOT_HEADER = "Record ID,First Name,Last Name,Email,Create Date,Last Modified Date,Lifecycle Stage\n"
SPEND_HEADER = b"campaign,channel,period_start,period_end,spend,currency\n"


def _quiet(client):
    client.raise_request_exception = False
    return client


def _upload(tenants, name, content):
    return _quiet(api_as(tenants.casey)).post(
        "/api/v1/csv-uploads/", {"portal": tenants.northwind_csv.pk, "file": SimpleUploadedFile(name, content, "text/csv")}, format="multipart"
    )


def test_compare_other_not_number(tenants):
    run = AuditRun.objects.create(client=tenants.northwind, status="succeeded")

    response = _quiet(api_as(tenants.casey)).get(f"/api/v1/audit-runs/{run.pk}/compare/?other=abc")

    assert response.status_code < 500


def test_upload_lone_carriage_return(tenants):
    response = _upload(tenants, "export.zip", b"PK\x03\x04\r\x00\x00garbage\n")

    assert response.status_code == 400
    assert not CsvUpload.objects.filter(original_name="export.zip").exists()


def test_upload_one_long_line(tenants):
    response = _upload(tenants, "long.csv", b"A" * 200_000)

    assert response.status_code == 400


def test_column_map_not_object(tenants):
    upload = _upload(tenants, "contacts.csv", (HUBSPOT_HEADER + "1,A,B,a@x.test,2025-01-01,2025-01-02,lead\n").encode()).json()

    response = _quiet(api_as(tenants.casey)).patch(f"/api/v1/csv-uploads/{upload['id']}/", {"column_map": ["Email"]}, format="json")

    assert response.status_code == 400


def test_spend_file_not_utf8(tenants):
    upload = _upload(tenants, "spend.csv", SPEND_HEADER + b"Caf\xe9,Paid Search,2025-01-01,2025-01-31,10,EUR\n").json()

    response = _quiet(api_as(tenants.casey)).post(f"/api/v1/csv-uploads/{upload['id']}/import/")

    assert response.status_code < 500


def test_inventory_filter_nul(tenants):
    run = InventoryRun.objects.create(client=tenants.northwind, status="succeeded")
    client = pages_as(tenants.casey)
    client.raise_request_exception = False

    response = client.get(f"/inventories/{run.pk}/?status=%00&category=%00")

    assert response.status_code < 500


def test_duplicate_headers_inspected_fast(tenants):
    # 8,000 copies of one column name: about 16 KB. Suffixing each copy by trial from 2 took quadratic time.
    content = b"Record ID,Email," + b"x," * 8000 + b"\n1,a@x.test\n"

    started = time.monotonic()
    _upload(tenants, "dupes.csv", content)
    elapsed = time.monotonic() - started

    assert elapsed < 3.0


def test_client_filter_same_for_foreign_and_missing(tenants):
    eve_api = api_as(tenants.eve)

    foreign = eve_api.get(f"/api/v1/engagements/?client={tenants.northwind.pk}")
    missing = eve_api.get("/api/v1/engagements/?client=987654")

    assert foreign.status_code == missing.status_code


def test_client_filter_still_filters(tenants):
    casey_api = api_as(tenants.casey)

    own = casey_api.get(f"/api/v1/portals/?client={tenants.northwind.pk}").json()
    not_a_number = casey_api.get("/api/v1/portals/?client=abc")

    assert {row["name"] for row in own["results"]} == {"Northwind HubSpot", "Northwind CSV"}
    assert not_a_number.status_code == 400
    assert "client" in not_a_number.json()


def test_task_owner_same_for_foreign_and_missing(tenants):
    eve_api = api_as(tenants.eve)
    body = {"client": tenants.evil_client.pk, "title": "x", "steps": ["a"]}

    foreign = eve_api.post("/api/v1/remediation-tasks/", {**body, "owner": tenants.casey.pk}, format="json")
    missing = eve_api.post("/api/v1/remediation-tasks/", {**body, "owner": 987654}, format="json")

    assert foreign.json()["owner"] == [message.replace("987654", str(tenants.casey.pk)) for message in missing.json()["owner"]]


def test_anonymous_memberships_rejected(db):
    response = APIClient().get("/api/v1/memberships/")

    assert response.status_code in (401, 403)


def test_anonymous_client_users_rejected(db):
    response = APIClient().get("/api/v1/client-users/")

    assert response.status_code in (401, 403)
