"""Tests of the streaming CSV export parser (no database, no Django)."""

import io
import tracemalloc
from datetime import datetime, timedelta, timezone

import pytest

from portals.csv_import import (
    COMPANY_FIELDS,
    CONTACT_FIELDS,
    AmbiguousDateError,
    ColumnMapError,
    CsvImportError,
    ExportKind,
    ExtraFieldsError,
    InvalidDateError,
    MalformedCsvError,
    MissingColumnError,
    MissingValueError,
    UndecodableBytesError,
    UnknownExportError,
    inspect_headers,
    iter_batches,
    iter_rows,
    open_export,
    required_fields,
    validate_export,
)
from portals.csv_import.dates import DateParser, DateValueError

UTC = timezone.utc

EXPECTED_FORMATS = (
    "YYYY-MM-DD[ HH:MM[:SS]], ISO 8601 (2026-01-31T09:30:00Z), "
    "MM/DD/YYYY or DD/MM/YYYY[ HH:MM[:SS]][ AM/PM], DD.MM.YYYY[ HH:MM[:SS]], epoch milliseconds"
)

# HubSpot export with "Became a ... Date" columns; stages skipped and dates out of order.
BECAME_DATES_CSV = """\
Record ID,Lifecycle Stage,Became a Subscriber Date,Became a Lead Date,Became a Marketing Qualified Lead Date,Became a Sales Qualified Lead Date,Became an Opportunity Date,Became a Customer Date
201,Customer,,2026-01-02 09:00,,2026-01-05 10:00,,2026-02-01 12:00
202,Sales Qualified Lead,2025-12-01 08:00,2025-12-03 08:00,2025-12-10 08:00,2025-12-11 08:00,,
203,Customer,,2026-03-01 09:00,2026-03-02 09:00,2026-03-03 09:00,2026-03-04 09:00,2026-02-20 09:00
"""

# The 22-column "view" export of a HubSpot portal.
VIEW_EXPORT_HEADER = (
    "Record ID,First Name,Last Name,Full Name,Job Title,Company Name,Email,Phone Number,"
    "Country/Region,City,Lead Status,Lifecycle Stage,Original Source,Original Source Drill-Down 1,"
    "Contact Owner,Create Date,Last Modified Date,Notes,Annual Revenue,Marketing contact status,"
    "GDPR consent,Lead Score"
)


def write_csv(tmp_path, text, name="contacts.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def read_all(source, **options):
    with open_export(source, **options) as export:
        rows = list(export)
    return rows, export.metadata


def utc(*parts):
    return datetime(*parts, tzinfo=UTC)


# HubSpot export with "Became a ... Date" columns


def test_became_dates_parse_exactly(tmp_path):
    path = write_csv(tmp_path, BECAME_DATES_CSV)

    rows, metadata = read_all(path, required=("external_id",))

    assert [row["external_id"] for row in rows] == ["201", "202", "203"]
    assert [row["lifecycle_stage"] for row in rows] == ["customer", "salesqualifiedlead", "customer"]
    assert rows[0]["stage_dates"] == {
        "lead": utc(2026, 1, 2, 9, 0),
        "salesqualifiedlead": utc(2026, 1, 5, 10, 0),
        "customer": utc(2026, 2, 1, 12, 0),
    }
    assert rows[1]["stage_dates"] == {
        "subscriber": utc(2025, 12, 1, 8, 0),
        "lead": utc(2025, 12, 3, 8, 0),
        "marketingqualifiedlead": utc(2025, 12, 10, 8, 0),
        "salesqualifiedlead": utc(2025, 12, 11, 8, 0),
    }
    assert rows[2]["stage_dates"] == {
        "lead": utc(2026, 3, 1, 9, 0),
        "marketingqualifiedlead": utc(2026, 3, 2, 9, 0),
        "salesqualifiedlead": utc(2026, 3, 3, 9, 0),
        "opportunity": utc(2026, 3, 4, 9, 0),
        "customer": utc(2026, 2, 20, 9, 0),
    }
    assert all(row["extra"] == {} for row in rows)
    assert metadata.kind == ExportKind.HUBSPOT_CONTACTS
    assert metadata.date_formats == {"YYYY-MM-DD HH:MM": 12}


def test_became_dates_import_without_email_column(tmp_path):
    path = write_csv(tmp_path, BECAME_DATES_CSV)

    rows, _ = read_all(path)

    assert [row["email"] for row in rows] == [None, None, None]


# Export kinds and header matching


def test_view_export_maps_every_known_column(tmp_path):
    row = (
        "101,Ana,Test,Ana Test,CMO,Acme Widgets,ana.test@example.com,+1 555 0100,"
        "United States,Boston,OPEN,Marketing Qualified Lead,Paid search,spring_campaign,"
        "Rep One,2026-01-02 09:15,2026-01-05 10:00,,,Marketing contact,,42"
    )
    path = write_csv(tmp_path, VIEW_EXPORT_HEADER + "\n" + row + "\n")

    rows, metadata = read_all(path)
    contact = rows[0]

    assert metadata.kind == ExportKind.HUBSPOT_CONTACTS
    assert set(contact) == set(CONTACT_FIELDS) | {"stage_dates", "extra"}
    assert contact["external_id"] == "101"
    assert contact["first_name"] == "Ana"
    assert contact["last_name"] == "Test"
    assert contact["job_title"] == "CMO"
    assert contact["company_name"] == "Acme Widgets"
    assert contact["email"] == "ana.test@example.com"
    assert contact["phone"] == "+1 555 0100"
    assert contact["country"] == "United States"
    assert contact["city"] == "Boston"
    assert contact["lead_status"] == "OPEN"
    assert contact["lifecycle_stage"] == "marketingqualifiedlead"
    assert contact["original_source"] == "PAID_SEARCH"
    assert contact["original_source_drill_down_1"] == "spring_campaign"
    assert contact["owner_name"] == "Rep One"
    assert contact["owner_external_id"] is None
    assert contact["created_at"] == utc(2026, 1, 2, 9, 15)
    assert contact["updated_at"] == utc(2026, 1, 5, 10, 0)
    assert contact["extra"] == {
        "Full Name": "Ana Test",
        "Marketing contact status": "Marketing contact",
        "Lead Score": "42",
    }


def test_view_export_lists_unmapped_headers(tmp_path):
    path = write_csv(tmp_path, VIEW_EXPORT_HEADER + "\n")

    report = inspect_headers(path)

    assert report.kind == ExportKind.HUBSPOT_CONTACTS
    assert report.unmapped == [
        "Full Name",
        "Notes",
        "Annual Revenue",
        "Marketing contact status",
        "GDPR consent",
        "Lead Score",
    ]
    assert report.missing_required == []
    assert report.mapping["Contact Owner"] == "owner_name"


def test_contact_id_header_of_older_portal(tmp_path):
    text = (
        "Contact ID,Email,Create Date,Lifecycle Stage,Lead Status,Contact owner,"
        "Original Source,Original Source Drill-Down 1,Original Source Drill-Down 2\n"
        "77,bo.demo@example.org,2026-02-03 10:00,Lead,NEW,Rep Two,Offline sources,IMPORT,list.csv\n"
    )
    path = write_csv(tmp_path, text)

    rows, metadata = read_all(path)

    assert metadata.kind == ExportKind.HUBSPOT_CONTACTS
    assert rows[0]["external_id"] == "77"
    assert rows[0]["owner_name"] == "Rep Two"
    assert rows[0]["original_source"] == "OFFLINE"
    assert rows[0]["original_source_drill_down_1"] == "IMPORT"
    assert rows[0]["original_source_drill_down_2"] == "list.csv"


def test_record_id_and_contact_id_give_same_row(tmp_path):
    record = write_csv(tmp_path, "Record ID,Email\n5,a@example.com\n", name="new.csv")
    contact = write_csv(tmp_path, "Contact ID,Email\n5,a@example.com\n", name="old.csv")
    internal = write_csv(tmp_path, "hs_object_id,email\n5,a@example.com\n", name="api.csv")

    rows = [read_all(path)[0][0] for path in (record, contact, internal)]

    assert rows[0] == rows[1]
    assert rows[1] == rows[2]


def test_headers_match_case_and_whitespace(tmp_path):
    text = (
        " record id ,EMAIL,  Contact   OWNER ,How did you hear about us? \n"
        "9,c@example.com,Rep Three,Podcast\n"
    )
    path = write_csv(tmp_path, text)

    rows, _ = read_all(path)

    assert rows[0]["external_id"] == "9"
    assert rows[0]["email"] == "c@example.com"
    assert rows[0]["owner_name"] == "Rep Three"
    assert rows[0]["self_reported_source"] == "Podcast"


def test_hundreds_of_unknown_and_empty_columns(tmp_path):
    custom = ["HelloSign Meta %d" % number for number in range(1, 301)]
    header = ",".join(["Record ID", "Email"] + custom)
    values = ["" for _ in custom]
    values[16] = "signed"
    row = ",".join(["1", "d@example.com"] + values)
    path = write_csv(tmp_path, header + "\n" + row + "\n")

    rows, _ = read_all(path)

    assert rows[0]["extra"] == {"HelloSign Meta 17": "signed"}


def test_duplicate_and_blank_headers_keep_values(tmp_path):
    text = "Record ID,Email,Notes,Notes,\n1,e@example.com,first,second,tail\n"
    path = write_csv(tmp_path, text)

    rows, _ = read_all(path)

    assert rows[0]["extra"] == {"Notes": "first", "Notes (2)": "second", "column 5": "tail"}


def test_company_export_by_domain_column(tmp_path):
    text = (
        "Record ID,Company name,Company Domain Name,Number of Employees,Company owner\n"
        "1,Acme Widgets,acme-widgets.test,\"1,200\",Rep One\n"
        "2,ACME Widgets Inc.,www.acme-widgets.test,,\n"
    )
    path = write_csv(tmp_path, text, name="companies.csv")

    rows, metadata = read_all(path)

    assert metadata.kind == ExportKind.HUBSPOT_COMPANIES
    assert set(rows[0]) == set(COMPANY_FIELDS) | {"extra"}
    assert rows[0]["name"] == "Acme Widgets"
    assert rows[0]["domain"] == "acme-widgets.test"
    assert rows[0]["employee_count"] == 1200
    assert rows[0]["owner_name"] == "Rep One"
    assert rows[1]["domain"] == "www.acme-widgets.test"


def test_company_export_by_name_and_record_id(tmp_path):
    path = write_csv(tmp_path, "Record ID,Name,City\n6,Gamma Co,Berlin\n")

    rows, metadata = read_all(path)

    assert metadata.kind == ExportKind.HUBSPOT_COMPANIES
    assert rows[0]["name"] == "Gamma Co"
    assert rows[0]["city"] == "Berlin"


def test_salesforce_lead_report(tmp_path):
    text = (
        '"Lead ID","First Name","Last Name","Title","Company / Account","Email","Lead Source",'
        '"Lead Status","Lead Owner","Created Date","No. of Employees"\n'
        '"00QXX0000000001","Ana","Test","CMO","Acme","ana.test@example.com","Web",'
        '"Open - Not Contacted","Rep One","1/13/2026, 9:05 AM","250"\n'
        '"00QXX0000000002","Bo","Demo","CFO","Beta","bo.demo@example.org","Phone Inquiry",'
        '"Working - Contacted","Rep Two","1/14/2026, 4:30 PM","25-50"\n'
        "\n"
        '"Grand Totals (2 records)"\n'
        "\n"
        '"Confidential Information - Do Not Distribute"\n'
        '"Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved."\n'
    )
    path = write_csv(tmp_path, text, name="leads.csv")

    rows, metadata = read_all(path)

    assert metadata.kind == ExportKind.SALESFORCE_LEADS
    assert len(rows) == 2
    assert metadata.skipped_rows == 5
    assert rows[0]["external_id"] == "00QXX0000000001"
    assert rows[0]["job_title"] == "CMO"
    assert rows[0]["company_name"] == "Acme"
    assert rows[0]["original_source"] == "Web"
    assert rows[0]["lead_status"] == "Open - Not Contacted"
    assert rows[0]["owner_name"] == "Rep One"
    assert rows[0]["created_at"] == utc(2026, 1, 13, 9, 5)
    assert rows[0]["employee_count"] == 250
    assert rows[1]["created_at"] == utc(2026, 1, 14, 16, 30)
    assert rows[1]["employee_count"] is None
    assert rows[1]["extra"] == {"No. of Employees": "25-50"}
    assert metadata.date_formats == {"MM/DD/YYYY h:mm AM/PM": 2}


def test_salesforce_contact_report(tmp_path):
    text = (
        "Contact ID,First Name,Last Name,Title,Account Name,Email,Lead Source,Contact Owner,"
        "Mailing City,Created Date\n"
        "003XX01,Cy,Sample,VP Sales,Gamma Co,cy.sample@example.net,Trade Show,Rep Three,"
        "Paris,2026-02-01\n"
    )
    path = write_csv(tmp_path, text)

    rows, metadata = read_all(path)

    assert metadata.kind == ExportKind.SALESFORCE_CONTACTS
    assert rows[0]["external_id"] == "003XX01"
    assert rows[0]["company_name"] == "Gamma Co"
    assert rows[0]["city"] == "Paris"
    assert rows[0]["original_source"] == "Trade Show"
    assert rows[0]["created_at"] == utc(2026, 2, 1)


def test_pardot_prospect_export(tmp_path):
    text = (
        "Prospect Id,Email,First Name,Last Name,Company,Source,Score,Grade,Created Date,Updated Date\n"
        "1001,dee.trial@example.com,Dee,Trial,Delta,Website,35,B,2026-05-01 16:47:30,"
        "2026-05-07 11:47:30\n"
    )
    path = write_csv(tmp_path, text)

    rows, metadata = read_all(path)

    assert metadata.kind == ExportKind.PARDOT_PROSPECTS
    assert rows[0]["external_id"] == "1001"
    assert rows[0]["company_name"] == "Delta"
    assert rows[0]["original_source"] == "Website"
    assert rows[0]["created_at"] == utc(2026, 5, 1, 16, 47, 30)
    assert rows[0]["updated_at"] == utc(2026, 5, 7, 11, 47, 30)
    assert rows[0]["extra"] == {"Score": "35", "Grade": "B"}


def test_unknown_export_is_rejected(tmp_path):
    path = write_csv(tmp_path, "Colour,Size\nblue,4\n", name="other.csv")

    with pytest.raises(UnknownExportError) as raised:
        open_export(path)

    assert str(raised.value) == (
        "other.csv: row 1: the columns match no supported export (HubSpot contacts, "
        "HubSpot companies, Salesforce leads, Salesforce contacts, Pardot prospects); "
        "choose the export kind, or export the file again with its ID column"
    )


def test_empty_file_is_rejected(tmp_path):
    path = write_csv(tmp_path, "")

    with pytest.raises(UnknownExportError) as raised:
        open_export(path, kind="hubspot_contacts")

    assert str(raised.value) == "contacts.csv: row 1: the file is empty; export the data again"


def test_blank_header_row_is_rejected(tmp_path):
    path = write_csv(tmp_path, "\nRecord ID,Email\n1,a@example.com\n")

    with pytest.raises(UnknownExportError) as raised:
        open_export(path)

    assert str(raised.value) == (
        "contacts.csv: row 1: the header row is empty; remove any blank lines above the header "
        "and upload the file again"
    )


def test_explicit_kind_skips_detection(tmp_path):
    path = write_csv(tmp_path, "ID,Email\nx1,f@example.com\n")

    rows, metadata = read_all(path, kind="salesforce_leads")

    assert metadata.kind == ExportKind.SALESFORCE_LEADS
    assert rows[0]["external_id"] == "x1"


# Values: lifecycle stages, original sources, numbers


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Subscriber", "subscriber"),
        ("Lead", "lead"),
        ("Marketing Qualified Lead", "marketingqualifiedlead"),
        ("sales qualified lead", "salesqualifiedlead"),
        ("Opportunity", "opportunity"),
        ("Customer", "customer"),
        ("Evangelist", "evangelist"),
        ("Other", "other"),
        ("marketingqualifiedlead", "marketingqualifiedlead"),
        ("Recycled", "Recycled"),
        ("1378463825", "1378463825"),
    ],
)
def test_lifecycle_stage_labels(tmp_path, label, expected):
    path = write_csv(tmp_path, "Record ID,Email,Lifecycle Stage\n1,g@example.com,%s\n" % label)

    rows, _ = read_all(path)

    assert rows[0]["lifecycle_stage"] == expected


def test_custom_stage_labels_from_portal(tmp_path):
    text = (
        'Record ID,Email,Lifecycle Stage,"Date entered ""Recycled (Lifecycle Stage Pipeline)"""\n'
        "1,h@example.com,Recycled,2026-04-01 10:00\n"
    )
    path = write_csv(tmp_path, text)

    rows, _ = read_all(path, lifecycle_stage_labels={"Recycled": "1378463825"})

    assert rows[0]["lifecycle_stage"] == "1378463825"
    assert rows[0]["stage_dates"] == {"1378463825": utc(2026, 4, 1, 10, 0)}


def test_date_entered_pipeline_columns(tmp_path):
    text = (
        'Record ID,Email,"Date entered ""Marketing Qualified Lead (Lifecycle Stage Pipeline)""",'
        '"Date entered ""Nurture (Lifecycle Stage Pipeline)""",'
        '"Date exited ""Lead (Lifecycle Stage Pipeline)"""\n'
        "1,i@example.com,2026-04-02T08:00:00Z,2026-04-03T08:00:00Z,2026-04-02T08:00:00Z\n"
    )
    path = write_csv(tmp_path, text)

    rows, _ = read_all(path)

    assert rows[0]["stage_dates"] == {
        "marketingqualifiedlead": utc(2026, 4, 2, 8, 0),
        "Nurture": utc(2026, 4, 3, 8, 0),
    }
    assert rows[0]["extra"] == {
        'Date exited "Lead (Lifecycle Stage Pipeline)"': "2026-04-02T08:00:00Z"
    }


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Organic search", "ORGANIC_SEARCH"),
        ("Paid search", "PAID_SEARCH"),
        ("Email marketing", "EMAIL_MARKETING"),
        ("Organic social", "SOCIAL_MEDIA"),
        ("Social media", "SOCIAL_MEDIA"),
        ("Referrals", "REFERRALS"),
        ("Other campaigns", "OTHER_CAMPAIGNS"),
        ("Direct traffic", "DIRECT_TRAFFIC"),
        ("Offline sources", "OFFLINE"),
        ("Paid social", "PAID_SOCIAL"),
        ("OFFLINE", "OFFLINE"),
        ("AI_REFERRALS", "AI_REFERRALS"),
    ],
)
def test_original_source_labels(tmp_path, label, expected):
    text = "Record ID,Email,Original Source,Latest Source\n1,j@example.com,%s,%s\n" % (label, label)
    path = write_csv(tmp_path, text)

    rows, _ = read_all(path)

    assert rows[0]["original_source"] == expected
    assert rows[0]["latest_source"] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1200", 1200), ("1,200", 1200), ("1.200", 1200), ("1200.0", 1200), ("25-50", None)],
)
def test_employee_count_values(tmp_path, text, expected):
    path = write_csv(tmp_path, 'Record ID,Email,Number of Employees\n1,k@example.com,"%s"\n' % text)

    rows, _ = read_all(path)

    assert rows[0]["employee_count"] == expected


def test_empty_values_are_none(tmp_path):
    path = write_csv(tmp_path, "Record ID,Email,City,Create Date\n1,  ,   ,\n")

    rows, _ = read_all(path)

    assert rows[0]["email"] is None
    assert rows[0]["city"] is None
    assert rows[0]["created_at"] is None


# User column map and required fields


def test_column_map_adds_and_ignores_columns(tmp_path):
    text = "Record ID,Email,My Custom Header,Ignore me,Other\n1,l@example.com,Podcast,x,y\n"
    path = write_csv(tmp_path, text)

    column_map = {"My Custom Header": "self_reported_source", "Ignore me": None}
    rows, _ = read_all(path, column_map=column_map)

    assert rows[0]["self_reported_source"] == "Podcast"
    assert rows[0]["extra"] == {"Other": "y"}


def test_column_map_overrides_alias(tmp_path):
    text = "Record ID,Email,Work Email\n1,private@example.com,work@example.com\n"
    path = write_csv(tmp_path, text)

    rows, _ = read_all(path, column_map={"work email": "email"})

    assert rows[0]["email"] == "work@example.com"
    assert rows[0]["extra"] == {"Email": "private@example.com"}


def test_column_map_supplies_required_column(tmp_path):
    path = write_csv(tmp_path, "Identifier,Mail\n1,m@example.com\n")

    column_map = {"Identifier": "external_id", "Mail": "email"}
    rows, _ = read_all(path, kind=ExportKind.HUBSPOT_CONTACTS, column_map=column_map)

    assert rows[0]["external_id"] == "1"
    assert rows[0]["email"] == "m@example.com"


def test_column_map_stage_date_target(tmp_path):
    path = write_csv(tmp_path, "Record ID,Email,MQL since\n1,n@example.com,2026-01-09\n")

    column_map = {"MQL since": "stage_dates.marketingqualifiedlead"}
    rows, _ = read_all(path, column_map=column_map)

    assert rows[0]["stage_dates"] == {"marketingqualifiedlead": utc(2026, 1, 9)}


def test_column_map_unknown_field_message(tmp_path):
    path = write_csv(tmp_path, "Record ID,Email,Source?\n1,o@example.com,x\n")

    with pytest.raises(ColumnMapError) as raised:
        open_export(path, column_map={"Source?": "how_heard"})

    assert str(raised.value).startswith(
        'contacts.csv: row 1, column "Source?": "how_heard" is not a field of HubSpot contacts '
        "exports; map the column to one of city, company_domain, "
    )
    assert raised.value.value == "how_heard"


def test_column_map_same_field_twice(tmp_path):
    path = write_csv(tmp_path, "Record ID,Email,A,B\n1,p@example.com,x,y\n")

    with pytest.raises(ColumnMapError) as raised:
        open_export(path, column_map={"A": "city", "B": "city"})

    assert str(raised.value) == (
        'contacts.csv: row 1, column "B": "city" is already mapped to another column; '
        "map only one column to each field"
    )


def test_required_fields_per_kind():
    assert required_fields(ExportKind.HUBSPOT_CONTACTS) == ("external_id",)
    assert required_fields("salesforce_leads") == ("external_id", "email")
    assert required_fields("pardot_prospects") == ("external_id", "email")
    assert required_fields(ExportKind.HUBSPOT_COMPANIES) == ("external_id",)


def test_missing_email_column_message(tmp_path):
    path = write_csv(tmp_path, "Lead ID,First Name\n00Q1,Ana\n")

    with pytest.raises(MissingColumnError) as raised:
        open_export(path, kind="salesforce_leads")

    assert str(raised.value) == (
        'contacts.csv: row 1, column "Email": the required column is missing (headers accepted '
        'for email: "email", "email address", "e-mail"); add the column to the Salesforce leads '
        "export, or map one of its columns to email"
    )
    assert raised.value.row == 1
    assert raised.value.column == "Email"
    assert raised.value.value is None


def test_missing_lead_id_column_message(tmp_path):
    text = "First Name,Last Name,Email,Lead Source,Lead Owner,Created Date\nAna,Test,a@x.test,Web,Rep,\n"
    path = write_csv(tmp_path, text, name="leads.csv")

    with pytest.raises(MissingColumnError) as raised:
        open_export(path)

    assert str(raised.value) == (
        'leads.csv: row 1, column "Lead ID": the required column is missing (headers accepted '
        'for external_id: "lead id", "id"); add the column to the Salesforce leads export, or '
        "map one of its columns to external_id"
    )


def test_inspect_headers_reports_missing_required(tmp_path):
    path = write_csv(tmp_path, "Lead ID,Mail,Favourite Colour\n00Q1,q@example.com,red\n")

    report = inspect_headers(path, kind="salesforce_leads")

    assert report.missing_required == ["email"]
    assert report.unmapped == ["Mail", "Favourite Colour"]
    assert report.mapping == {"Lead ID": "external_id"}


# Streaming


def test_memory_stays_flat_on_200k_rows(tmp_path):
    path = tmp_path / "big.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write("Record ID,Email\n")
        for number in range(200_000):
            handle.write("%d,user%d@example.com\n" % (number, number))
    file_size = path.stat().st_size

    tracemalloc.start()
    try:
        count = 0
        with open_export(path) as export:
            for _row in export:
                count += 1
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert count == 200_000
    assert file_size > 5_000_000
    assert peak < 2_000_000


def test_first_row_arrives_before_file_is_read(tmp_path):
    lines = ["Record ID,Email,Create Date"]
    lines += ["%d,r%d@example.com,2026-01-02T09:00:00Z" % (number, number) for number in range(50_000)]
    data = io.BytesIO(("\n".join(lines) + "\n").encode("utf-8"))

    with open_export(data) as export:
        rows = iter(export)
        first = next(rows)
        position = data.tell()

    assert first["external_id"] == "0"
    assert position < 100_000
    assert len(data.getvalue()) > 1_000_000


class ReadOnlyPipe:
    """Object with read() only, like a socket or HTTP body stream."""

    def __init__(self, data):
        self._buffer = io.BytesIO(data)

    def read(self, size=-1):
        return self._buffer.read(size)


def test_non_seekable_stream(tmp_path):
    data = b"\xef\xbb\xbfRecord ID,Email,Create Date\n1,ba@example.com,2026-01-01\n2,bb@example.com,03/04/2026\n"

    with open_export(ReadOnlyPipe(data)) as export:
        rows = iter(export)
        first = next(rows)
        with pytest.raises(AmbiguousDateError) as raised:
            next(rows)

    assert first["external_id"] == "1"
    assert export.metadata.encoding == "utf-8-sig"
    assert raised.value.row == 3


def test_iter_batches_sizes():
    batches = list(iter_batches(range(12), size=5))

    assert [len(batch) for batch in batches] == [5, 5, 2]
    assert batches[2] == [10, 11]


def test_iter_batches_rejects_zero_size():
    with pytest.raises(ValueError):
        list(iter_batches([1], size=0))


def test_iter_batches_over_export(tmp_path):
    text = "Record ID,Email\n" + "".join("%d,s%d@example.com\n" % (n, n) for n in range(12))
    path = write_csv(tmp_path, text)

    batches = list(iter_batches(iter_rows(path), size=5000))

    assert len(batches) == 1
    assert len(batches[0]) == 12


def test_binary_file_object_stays_open(tmp_path):
    path = write_csv(tmp_path, "Record ID,Email\n1,t@example.com\n")

    with open(path, "rb") as handle:
        rows, metadata = read_all(handle)
        assert not handle.closed

    assert rows[0]["email"] == "t@example.com"
    assert metadata.file_name == "contacts.csv"


def test_text_file_object_is_rejected(tmp_path):
    path = write_csv(tmp_path, "Record ID,Email\n1,t@example.com\n")

    with open(path, encoding="utf-8") as handle:
        with pytest.raises(TypeError):
            open_export(handle)


def test_export_iterates_only_once(tmp_path):
    path = write_csv(tmp_path, "Record ID,Email\n1,u@example.com\n")

    with open_export(path) as export:
        list(export)
        with pytest.raises(RuntimeError):
            list(export)


# Encodings and dialects


def test_utf8_bom_file(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfRecord ID,Email,City\n1,v@example.com,M\xc3\xbcnchen\n")

    rows, metadata = read_all(path)

    assert rows[0]["external_id"] == "1"
    assert rows[0]["city"] == "München"
    assert metadata.encoding == "utf-8-sig"


def test_utf8_without_bom(tmp_path):
    path = write_csv(tmp_path, "Record ID,Email,City\n1,w@example.com,Zoë\n")

    rows, metadata = read_all(path)

    assert rows[0]["city"] == "Zoë"
    assert metadata.encoding == "utf-8"


def test_semicolon_file_with_dotted_dates(tmp_path):
    text = (
        "Record ID;Email;Vorname;Create Date;Lifecycle Stage\n"
        "1;x@example.de;Jürgen;31.01.2026 14:05;Lead\n"
        "2;y@example.de;Maria;02.03.2026 08:00;Customer\n"
    )
    path = write_csv(tmp_path, text, encoding="cp1252")

    rows, metadata = read_all(path)

    assert metadata.delimiter == ";"
    assert metadata.encoding == "cp1252"
    assert rows[0]["created_at"] == utc(2026, 1, 31, 14, 5)
    assert rows[1]["created_at"] == utc(2026, 3, 2, 8, 0)
    assert rows[0]["extra"] == {"Vorname": "Jürgen"}
    assert metadata.date_formats == {"DD.MM.YYYY HH:MM": 2}


def test_semicolon_file_with_day_first_slashes(tmp_path):
    text = "Record ID;Email;Create Date\n1;a@example.fr;03/04/2026\n2;b@example.fr;25/04/2026\n"
    path = write_csv(tmp_path, text)

    rows, metadata = read_all(path)

    assert rows[0]["created_at"] == utc(2026, 4, 3)
    assert rows[1]["created_at"] == utc(2026, 4, 25)
    assert metadata.dayfirst is True


def test_windows_1252_fallback_is_reported(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(b"Record ID,Email,Job Title\n1,z@example.com,Gesch\xe4ftsf\xfchrer \x96 CEO\n")

    rows, metadata = read_all(path)

    assert rows[0]["job_title"] == "Geschäftsführer – CEO"
    assert metadata.encoding == "cp1252"


def test_tab_delimited_utf16_file(tmp_path):
    path = write_csv(tmp_path, "Record ID\tEmail\tCity\n1\tab@example.com\tKöln\n", encoding="utf-16")

    rows, metadata = read_all(path)

    assert metadata.delimiter == "\t"
    assert metadata.encoding == "utf-16"
    assert rows[0]["city"] == "Köln"


def test_excel_separator_hint_line(tmp_path):
    path = write_csv(tmp_path, "sep=;\nRecord ID;Email\n1;ac@example.com\n")

    rows, metadata = read_all(path)

    assert metadata.delimiter == ";"
    assert rows[0]["email"] == "ac@example.com"


def test_quoted_fields_with_embedded_newlines(tmp_path):
    text = (
        "Record ID,Email,Notes,Create Date\n"
        '1,ad@example.com,"first line\nsecond line, with comma",2026-01-02\n'
        '2,ae@example.com,"say ""hi""",2026-13-45\n'
    )
    path = write_csv(tmp_path, text)

    with open_export(path) as export:
        rows = iter(export)
        first = next(rows)
        with pytest.raises(InvalidDateError) as raised:
            next(rows)

    assert first["extra"] == {"Notes": "first line\nsecond line, with comma"}
    assert raised.value.row == 3


def test_crlf_line_endings(tmp_path):
    path = write_csv(tmp_path, "Record ID,Email\r\n1,af@example.com\r\n2,ag@example.com\r\n")

    rows, _ = read_all(path)

    assert [row["email"] for row in rows] == ["af@example.com", "ag@example.com"]


# Dates


@pytest.mark.parametrize(
    ("text", "expected", "label"),
    [
        ("2026-01-02T09:15:00.000Z", utc(2026, 1, 2, 9, 15), "ISO 8601"),
        ("2026-01-02T10:15:00+01:00", utc(2026, 1, 2, 9, 15), "ISO 8601"),
        ("2026-03-06T22:30:00.000+0000", utc(2026, 3, 6, 22, 30), "ISO 8601"),
        ("2026-01-02 09:15", utc(2026, 1, 2, 9, 15), "YYYY-MM-DD HH:MM"),
        ("2026-01-02 09:15:30", utc(2026, 1, 2, 9, 15, 30), "YYYY-MM-DD HH:MM:SS"),
        ("2026-01-02", utc(2026, 1, 2), "YYYY-MM-DD"),
        ("01/13/2026 09:15", utc(2026, 1, 13, 9, 15), "MM/DD/YYYY HH:MM"),
        ("1/13/2026 9:15 PM", utc(2026, 1, 13, 21, 15), "MM/DD/YYYY h:mm AM/PM"),
        ("1/13/2026 12:05 AM", utc(2026, 1, 13, 0, 5), "MM/DD/YYYY h:mm AM/PM"),
        ("31.01.2026 14:05", utc(2026, 1, 31, 14, 5), "DD.MM.YYYY HH:MM"),
        ("31.01.2026", utc(2026, 1, 31), "DD.MM.YYYY"),
        ("1767345300000", utc(2026, 1, 2, 9, 15), "epoch milliseconds"),
    ],
)
def test_date_formats(text, expected, label):
    parser = DateParser()

    parsed = parser.parse(text)

    assert parsed == expected
    assert parsed.tzinfo is not None
    assert dict(parser.formats_seen) == {label: 1}


@pytest.mark.parametrize(
    "text", ["31/31/2026", "30/02/2026", "2026-02-30", "13:00", "yesterday", "1/2/26", "1/3/2026 13:00 PM"]
)
def test_date_rejects_invalid_values(text):
    with pytest.raises(DateValueError):
        DateParser(dayfirst=True).parse(text)


def test_dayfirst_parameter():
    assert DateParser(dayfirst=True).parse("03/04/2026") == utc(2026, 4, 3)
    assert DateParser(dayfirst=False).parse("03/04/2026") == utc(2026, 3, 4)


def test_naive_dates_use_timezone_parameter(tmp_path):
    text = "Record ID,Email,Create Date,Last Modified Date\n1,ah@example.com,2026-01-02 09:00,2026-01-02T09:00:00Z\n"
    path = write_csv(tmp_path, text)

    rows, metadata = read_all(path, tz="Europe/Berlin")

    assert rows[0]["created_at"] == utc(2026, 1, 2, 8, 0)
    assert rows[0]["updated_at"] == utc(2026, 1, 2, 9, 0)
    assert rows[0]["created_at"].utcoffset() == timedelta(hours=1)
    assert metadata.timezone == "Europe/Berlin"


def test_date_order_decided_by_later_row(tmp_path):
    text = (
        "Record ID,Email,Create Date\n"
        "1,ai@example.com,03/04/2026 10:00\n"
        "2,aj@example.com,04/25/2026 10:00\n"
    )
    path = write_csv(tmp_path, text)

    rows, metadata = read_all(path)

    assert rows[0]["created_at"] == utc(2026, 3, 4, 10, 0)
    assert rows[1]["created_at"] == utc(2026, 4, 25, 10, 0)
    assert metadata.dayfirst is False
    assert metadata.date_formats == {"MM/DD/YYYY HH:MM": 2}


def test_date_order_never_mixed_in_one_file(tmp_path):
    text = (
        "Record ID,Email,Create Date\n"
        "1,ak@example.com,25/04/2026\n"
        "2,al@example.com,04/25/2026\n"
    )
    path = write_csv(tmp_path, text)

    with pytest.raises(InvalidDateError) as raised:
        read_all(path)

    assert raised.value.row == 3
    assert "DD/MM/YYYY[ HH:MM[:SS]]" in str(raised.value)


def test_ambiguous_dates_message(tmp_path):
    path = write_csv(tmp_path, "Record ID,Email,Create Date\n1,am@example.com,03/04/2026\n")

    with pytest.raises(AmbiguousDateError) as raised:
        read_all(path)

    assert str(raised.value) == (
        'contacts.csv: row 2, column "Create Date": "03/04/2026" could be MM/DD/YYYY or '
        "DD/MM/YYYY and no value read so far decides the order; choose the date format "
        "(day first or month first)"
    )


def test_ambiguous_dates_with_parameter(tmp_path):
    path = write_csv(tmp_path, "Record ID,Email,Create Date\n1,an@example.com,03/04/2026\n")

    rows, metadata = read_all(path, dayfirst=True)

    assert rows[0]["created_at"] == utc(2026, 4, 3)
    assert metadata.date_formats == {"DD/MM/YYYY": 1}


# Errors


def test_invalid_date_message(tmp_path):
    lines = ["Record ID,Email,Create Date"]
    lines += ["%d,ao%d@example.com,2026-01-02" % (number, number) for number in range(12)]
    lines.append("99,ap@example.com,31/31/2026")
    path = write_csv(tmp_path, "\n".join(lines) + "\n")

    with pytest.raises(InvalidDateError) as raised:
        read_all(path)

    assert str(raised.value) == (
        'contacts.csv: row 14, column "Create Date": "31/31/2026" is not a date; expected '
        "formats: %s; fix the value or choose the date format" % EXPECTED_FORMATS
    )
    assert raised.value.row == 14
    assert raised.value.column == "Create Date"
    assert raised.value.value == "31/31/2026"
    assert raised.value.file_name == "contacts.csv"


def test_extra_fields_message(tmp_path):
    path = write_csv(tmp_path, "Record ID,Email,City\n1,aq@example.com,Paris,France,EU\n")

    with pytest.raises(ExtraFieldsError) as raised:
        read_all(path)

    assert str(raised.value) == (
        'contacts.csv: row 2: 5 values but the header has 3 columns (first extra value "France"); '
        'put values that contain "," in double quotes, or remove the extra values'
    )
    assert raised.value.row == 2
    assert raised.value.column is None
    assert raised.value.value == "France"


def test_empty_extra_fields_are_ignored(tmp_path):
    path = write_csv(tmp_path, "Record ID,Email\n1,ar@example.com,,\n")

    rows, _ = read_all(path)

    assert rows[0]["email"] == "ar@example.com"


def test_short_rows_are_padded(tmp_path):
    path = write_csv(tmp_path, "Record ID,Email,City\n1,as@example.com\n")

    rows, _ = read_all(path)

    assert rows[0]["city"] is None


def test_undecodable_bytes_message(tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_bytes(b"Record ID,Email,City\n1,at@example.com,Paris\n2,au@example.com,M\xfcnchen\n")

    with pytest.raises(UndecodableBytesError) as raised:
        read_all(path, encoding="utf-8")

    assert str(raised.value) == (
        'contacts.csv: row 3, column "City": "M\\xfcnchen" contains bytes that are not valid '
        'UTF-8; save the file as UTF-8 (in Excel: "CSV UTF-8") or choose its encoding'
    )
    assert raised.value.row == 3
    assert raised.value.column == "City"
    assert raised.value.value == "M\\xfcnchen"


def test_bytes_invalid_in_both_encodings(tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_bytes(b"Record ID,Email,City\n1,av@example.com,A\x81B\n")

    with pytest.raises(UndecodableBytesError) as raised:
        read_all(path)

    assert str(raised.value) == (
        'contacts.csv: row 2, column "City": "A\\x81B" contains bytes that are not valid '
        'UTF-8 or Windows-1252; save the file as UTF-8 (in Excel: "CSV UTF-8") or choose its '
        "encoding"
    )


def test_missing_record_id_value_message(tmp_path):
    path = write_csv(tmp_path, "Record ID,Email\n1,aw@example.com\n,ax@example.com\n")

    with pytest.raises(MissingValueError) as raised:
        read_all(path)

    assert str(raised.value) == (
        'contacts.csv: row 3, column "Record ID": the record ID is empty; fill in the ID or '
        "remove the row; every row needs the ID that identifies the record"
    )
    assert raised.value.row == 3


def test_unbalanced_quote_message(tmp_path):
    path = write_csv(tmp_path, 'Record ID,Email,Notes\n1,ay@example.com,"quoted"text\n')

    with pytest.raises(MalformedCsvError) as raised:
        read_all(path)

    assert str(raised.value) == (
        "contacts.csv: row 2: the row is not valid CSV (',' expected after '\"'); put values "
        "that contain the delimiter, a quote or a line break in double quotes, and double the "
        "quotes inside them"
    )


def test_errors_share_base_class():
    for error_class in (
        AmbiguousDateError,
        ColumnMapError,
        ExtraFieldsError,
        InvalidDateError,
        MalformedCsvError,
        MissingColumnError,
        MissingValueError,
        UndecodableBytesError,
        UnknownExportError,
    ):
        assert issubclass(error_class, CsvImportError)


def test_unnamed_stream_message_has_no_file_name():
    data = io.BytesIO(b"Record ID,Email,Create Date\n1,az@example.com,soon\n")

    with pytest.raises(InvalidDateError) as raised:
        read_all(data)

    assert str(raised.value).startswith('row 2, column "Create Date": "soon" is not a date;')


# Validation mode


def test_validation_collects_every_error(tmp_path):
    text = (
        "Record ID,Email,Create Date,City\n"
        "1,ba@example.com,2026-01-02,Paris\n"
        "2,bb@example.com,31/31/2026,Rome\n"
        ",bc@example.com,2026-01-03,Oslo\n"
        "4,bd@example.com,2026-01-04,Lima,Peru\n"
        "5,be@example.com,soon,Kyiv\n"
    )
    path = write_csv(tmp_path, text)

    report = validate_export(path)

    assert not report.is_valid
    assert [(type(error), error.row) for error in report.errors] == [
        (InvalidDateError, 3),
        (MissingValueError, 4),
        (ExtraFieldsError, 5),
        (InvalidDateError, 6),
    ]
    assert report.truncated is False
    assert report.metadata.rows == 5


def test_validation_stops_at_max_errors(tmp_path):
    lines = ["Record ID,Email,Create Date"]
    lines += ["%d,bf%d@example.com,never" % (number, number) for number in range(50)]
    path = write_csv(tmp_path, "\n".join(lines) + "\n")

    report = validate_export(path, max_errors=10)

    assert len(report.errors) == 10
    assert report.truncated is True
    assert report.errors[-1].row == 11


def test_validation_reports_header_error(tmp_path):
    path = write_csv(tmp_path, "Lead ID,Name Only\n00Q1,x\n")

    report = validate_export(path, kind="salesforce_leads")

    assert len(report.errors) == 1
    assert isinstance(report.errors[0], MissingColumnError)
    assert report.metadata is None


def test_validation_of_clean_file(tmp_path):
    path = write_csv(tmp_path, BECAME_DATES_CSV)

    report = validate_export(path, required=("external_id",))

    assert report.is_valid
    assert report.metadata.rows == 3


def test_validation_collects_undecodable_rows(tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_bytes(b"Record ID,Email,City\n1,bg@example.com,M\xfcnchen\n2,bh@example.com,K\xf6ln\n")

    report = validate_export(path, encoding="utf-8")

    assert [error.row for error in report.errors] == [2, 3]
    assert all(isinstance(error, UndecodableBytesError) for error in report.errors)
