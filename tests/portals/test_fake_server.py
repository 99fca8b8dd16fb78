"""The shared parts of the fake vendor servers: stores, faults, dataset directories and the command line."""

import json

import hubspot
import pytest
import requests

from portals.fakes import HubSpotFake, MarketoFake, SalesforceFake
from portals.fakes.__main__ import build_fake, describe_access, parse_arguments
from portals.fakes.faults import Faults, SlidingWindowLimiter
from portals.fakes.store import JsonlStore, parse_timestamp


def write_jsonl(path, records):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")


def contact(number):
    return {"id": str(number), "properties": {"email": "c%d@example.com" % number},
            "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-02T00:00:00Z", "archived": False}


def test_jsonl_store_reads_records_by_position(tmp_path):
    path = tmp_path / "contacts.jsonl"
    path.write_text('{"id": "1"}\n\n{"id": "2", "name": "é"}\n', encoding="utf-8")

    store = JsonlStore(str(path), columns={"id": lambda record: record["id"]})

    assert len(store) == 2
    assert store.get(1) == {"id": "2", "name": "é"}
    assert store.columns["id"] == ["1", "2"]
    store.close()


def test_jsonl_store_names_bad_line(tmp_path):
    path = tmp_path / "contacts.jsonl"
    path.write_text('{"id": "1"}\n{"id": \n', encoding="utf-8")

    with pytest.raises(ValueError, match="line 2"):
        JsonlStore(str(path))


def test_parse_timestamp_accepts_vendor_forms():
    expected = 1767607203.12

    assert parse_timestamp("2026-01-05T10:00:03.120Z") == pytest.approx(expected)
    assert parse_timestamp("2026-01-05T10:00:03.120+0000") == pytest.approx(expected)
    assert parse_timestamp("1767607203120") == pytest.approx(expected)
    assert parse_timestamp("2026-01-05") == 1767571200.0
    assert parse_timestamp("not a date") is None
    assert parse_timestamp("") is None


def test_limiter_rejects_past_max_and_reports_wait():
    limiter = SlidingWindowLimiter(max_requests=2, window_seconds=10)

    first = limiter.acquire(100.0)
    second = limiter.acquire(101.0)
    third = limiter.acquire(102.0)
    later = limiter.acquire(110.5)

    assert first.allowed and second.allowed
    assert second.remaining == 0
    assert not third.allowed
    assert third.retry_after_seconds == 8
    assert later.allowed


def test_limiter_rounds_short_waits_up_to_one_second():
    limiter = SlidingWindowLimiter(max_requests=1, window_seconds=0.05)
    limiter.acquire(1.0)

    assert limiter.acquire(1.01).retry_after_seconds == 1


def test_request_log_is_bounded():
    faults = Faults(log_size=3)
    for number in range(5):
        faults.register("GET", "/path/%d" % number, {})

    assert [entry.number for entry in faults.requests] == [3, 4, 5]
    assert faults.request_count == 5


def test_hubspot_serves_dataset_directory(tmp_path):
    write_jsonl(tmp_path / "hubspot" / "contacts.jsonl", [contact(number) for number in range(1, 8)])

    with HubSpotFake(data_dir=str(tmp_path)) as fake:
        client = hubspot.HubSpot(access_token=HubSpotFake.DEFAULT_TOKEN, host=fake.base_url)
        contacts = client.crm.contacts.get_all(properties=["email"])

    assert [item.properties["email"] for item in contacts] == ["c%d@example.com" % number for number in range(1, 8)]


def test_hubspot_reads_lifecyclestage_file(tmp_path):
    stage_property = {"name": "lifecyclestage", "label": "Lifecycle Stage", "type": "enumeration",
                      "fieldType": "radio", "groupName": "contactinformation", "description": "",
                      "options": [{"label": "Lead", "value": "lead", "displayOrder": 0, "hidden": False},
                                  {"label": "Nurture", "value": "1378463825", "displayOrder": 1, "hidden": False}]}
    (tmp_path / "hubspot").mkdir()
    (tmp_path / "hubspot" / "lifecyclestage_property.json").write_text(json.dumps(stage_property))

    with HubSpotFake(data_dir=str(tmp_path)) as fake:
        client = hubspot.HubSpot(access_token=HubSpotFake.DEFAULT_TOKEN, host=fake.base_url)
        loaded = client.crm.properties.core_api.get_by_name("contacts", "lifecyclestage")

    assert [option.value for option in loaded.options] == ["lead", "1378463825"]


def test_salesforce_serves_dataset_directory(tmp_path):
    leads = [{"attributes": {"type": "Lead"}, "Id": "00Q00000000000%dAA" % number, "Email": "l%d@example.com" % number}
             for number in range(1, 4)]
    write_jsonl(tmp_path / "salesforce" / "Lead.jsonl", leads)

    with SalesforceFake(data_dir=str(tmp_path)) as fake:
        session = fake.requests_session()
        response = session.get(fake.base_url + "/services/data/v62.0/query", params={"q": "SELECT Email FROM Lead"},
                               headers={"Authorization": "Bearer " + fake.DEFAULT_SESSION_ID})

    assert response.json()["totalSize"] == 3
    assert response.json()["records"][2]["Email"] == "l3@example.com"


def test_marketo_serves_vendor_folder_directly(tmp_path):
    write_jsonl(tmp_path / "leads.jsonl", [{"id": 7, "email": "a@example.com"}])

    with MarketoFake(data_dir=str(tmp_path)) as fake:
        token, _ = fake.access_token()
        session = requests.Session()
        session.trust_env = False
        body = session.get(fake.base_url + "/rest/v1/leads.json",
                           params={"access_token": token, "filterType": "id", "filterValues": "7"}).json()

    assert body["result"][0]["email"] == "a@example.com"


def test_missing_dataset_file_serves_empty_list(tmp_path):
    with HubSpotFake(data_dir=str(tmp_path)) as fake:
        client = hubspot.HubSpot(access_token=HubSpotFake.DEFAULT_TOKEN, host=fake.base_url)
        page = client.crm.deals.basic_api.get_page()

    assert page.results == []


def test_command_line_builds_fake_with_rate_limit():
    arguments = parse_arguments(["--vendor", "hubspot", "--rate-limit", "100/10"])
    fake = build_fake(arguments)

    with fake:
        lines = describe_access(fake)
        decision = fake.faults.check_rate_limit()

    assert lines == ["base_url=%s" % fake.base_url, "access_token=%s" % HubSpotFake.DEFAULT_TOKEN]
    assert decision.max_requests == 100
    assert decision.window_seconds == 10.0


def test_command_line_prints_salesforce_credentials():
    fake = build_fake(parse_arguments(["--vendor", "salesforce", "--page-size", "500"]))

    with fake:
        lines = describe_access(fake)

    assert fake.page_size == 500
    assert lines[0].startswith("base_url=https://127.0.0.1:")
    assert "session_id=%s" % SalesforceFake.DEFAULT_SESSION_ID in lines


def test_command_line_rejects_bad_rate_limit():
    with pytest.raises(SystemExit):
        parse_arguments(["--vendor", "hubspot", "--rate-limit", "many"])
