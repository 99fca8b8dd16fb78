"""A Pardot visits export with a field over the csv module's 128 KiB limit is rejected with a clear error.

The upload step reads only the header, so the file is accepted as a visits export. Validation then reads
every row, where the csv module raises csv.Error ("field larger than field limit").
"""
from django.core.files.uploadedfile import SimpleUploadedFile

from portals.models import CsvUpload, Portal, Touchpoint

from tests.security.conftest import api_as

VISITS_HEADER = b"id,prospectId,firstVisitorPageViewAt,sourceParameter,mediumParameter,campaignParameter\n"


def _pardot_portal(tenants):
    return Portal.objects.create(client=tenants.northwind, vendor=Portal.Vendor.PARDOT, name="Northwind Pardot")


def test_visits_huge_field_rejected(tenants):
    portal = _pardot_portal(tenants)
    api = api_as(tenants.casey)
    api.raise_request_exception = False
    content = VISITS_HEADER + b"1,101,2026-01-05T10:00:00+00:00," + b"x" * 200_000 + b",cpc,spring\n"
    upload = api.post(
        "/api/v1/csv-uploads/", {"portal": portal.pk, "file": SimpleUploadedFile("visits.csv", content, "text/csv")}, format="multipart"
    )
    assert upload.status_code == 201, upload.content

    response = api.post(f"/api/v1/csv-uploads/{upload.json()['id']}/import/")

    assert response.status_code == 400
    assert any("visits.csv is not a readable CSV file" in error for error in response.json()["errors"])
    assert CsvUpload.objects.get(pk=upload.json()["id"]).status != CsvUpload.Status.IMPORTED
    assert not Touchpoint.objects.filter(client=tenants.northwind).exists()
