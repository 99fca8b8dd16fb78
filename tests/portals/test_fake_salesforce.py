"""The fake Salesforce org, driven by simple-salesforce over TLS."""

import csv
import io
import socket

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
)

from portals.fakes import SalesforceFake
from portals.fakes import soql


def make_lead(number):
    lead_id = "00Q%015dAA" % number
    return {
        "attributes": {"type": "Lead", "url": "/services/data/v62.0/sobjects/Lead/" + lead_id},
        "Id": lead_id,
        "Email": "lead%d@example.com" % number,
        "LeadSource": "Web" if number % 2 else "Partner Referral",
        "Status": "Open - Not Contacted",
        "IsConverted": number == 3,
        "ConvertedDate": "2026-03-06" if number == 3 else None,
        "CreatedDate": "2026-01-01T09:00:00.000+0000",
        "LastModifiedDate": "2026-01-%02dT10:00:00.000+0000" % (number + 1),
        "SystemModstamp": "2026-01-%02dT10:00:00.000+0000" % (number + 1),
    }


LEADS = [make_lead(number) for number in range(7)]


@pytest.fixture
def fake():
    with SalesforceFake(records={"Lead": LEADS, "User": []}, page_size=3) as server:
        yield server


def token_request(fake, **overrides):
    form = {
        "grant_type": "password", "client_id": fake.CLIENT_ID, "client_secret": fake.CLIENT_SECRET,
        "username": fake.USERNAME, "password": fake.PASSWORD + fake.SECURITY_TOKEN,
    }
    form.update(overrides)
    return fake.requests_session().post(fake.base_url + "/services/oauth2/token", data=form)


def connect(fake):
    token = token_request(fake).json()
    return Salesforce(instance_url=token["instance_url"], session_id=token["access_token"],
                      session=fake.requests_session())


def test_token_endpoint_returns_instance_url(fake):
    response = token_request(fake)

    assert response.status_code == 200
    assert response.json()["instance_url"] == fake.base_url
    assert response.json()["token_type"] == "Bearer"


def test_token_endpoint_rejects_bad_password(fake):
    response = token_request(fake, password="wrong")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_tls_rejects_untrusted_client(fake):
    session = requests.Session()
    session.trust_env = False

    with pytest.raises(requests.exceptions.SSLError):
        session.get(fake.base_url + "/services/data")


def test_stuck_tls_client_does_not_block_others(fake):
    silent = socket.create_connection(("127.0.0.1", fake.port))

    response = fake.requests_session().get(fake.base_url + "/services/data", timeout=5)
    silent.close()

    assert response.status_code == 200


def test_query_all_follows_three_pages(fake):
    sf = connect(fake)

    result = sf.query_all("SELECT Id, Email FROM Lead")

    assert result["totalSize"] == 7
    assert [record["Email"] for record in result["records"]] == ["lead%d@example.com" % number for number in range(7)]
    assert result["records"][0]["attributes"]["type"] == "Lead"
    query_paths = [entry.path for entry in fake.requests if "/query" in entry.path]
    assert len(query_paths) == 3
    assert query_paths[1].endswith("-3")
    assert query_paths[2].endswith("-6")


def test_query_first_page_has_next_records_url(fake):
    page = connect(fake).query("SELECT Id FROM Lead")

    assert page["done"] is False
    assert len(page["records"]) == 3
    assert page["nextRecordsUrl"].startswith("/services/data/v59.0/query/01g")


def test_query_filters_on_last_modified_date(fake):
    result = connect(fake).query_all(
        "SELECT Id, LastModifiedDate FROM Lead WHERE LastModifiedDate > 2026-01-05T00:00:00Z ORDER BY Email DESC")

    assert [record["Id"] for record in result["records"]] == [LEADS[6]["Id"], LEADS[5]["Id"], LEADS[4]["Id"]]


def test_query_filters_on_system_modstamp_and_limit(fake):
    result = connect(fake).query_all(
        "select Id from Lead where SystemModstamp >= 2026-01-02T10:00:00Z order by SystemModstamp limit 2")

    assert [record["Id"] for record in result["records"]] == [LEADS[1]["Id"], LEADS[2]["Id"]]


def test_query_filters_on_id_list(fake):
    ids = "'%s', '%s'" % (LEADS[2]["Id"], LEADS[5]["Id"])

    result = connect(fake).query_all("SELECT Id, IsConverted FROM Lead WHERE Id IN (%s)" % ids)

    assert [record["Id"] for record in result["records"]] == [LEADS[2]["Id"], LEADS[5]["Id"]]


def test_query_compares_strings_and_dates(fake):
    sf = connect(fake)

    web = sf.query_all("SELECT Id FROM Lead WHERE LeadSource = 'web' AND IsConverted = false")
    converted = sf.query_all("SELECT Id FROM Lead WHERE ConvertedDate >= 2026-03-01")

    assert web["totalSize"] == 2
    assert [record["Id"] for record in converted["records"]] == [LEADS[3]["Id"]]


def test_query_skips_deleted_but_query_all_keeps_them():
    deleted = dict(make_lead(8), IsDeleted=True)
    with SalesforceFake(records={"Lead": [dict(LEADS[0], IsDeleted=False), deleted]}) as fake:
        sf = connect(fake)
        live = sf.query_all("SELECT Id FROM Lead")
        everything = sf.query_all("SELECT Id FROM Lead", include_deleted=True)

    assert live["totalSize"] == 1
    assert everything["totalSize"] == 2


def test_batch_size_header_shrinks_pages():
    with SalesforceFake(records={"Lead": [make_lead(number) for number in range(250)]}) as fake:
        sf = connect(fake)
        page = sf.query("SELECT Id FROM Lead", headers={"Sforce-Query-Options": "batchSize=200"})

    assert len(page["records"]) == 200
    assert page["totalSize"] == 250


def test_count_query(fake):
    assert connect(fake).query("SELECT COUNT() FROM Lead")["totalSize"] == 7


def test_malformed_query_is_rejected(fake):
    with pytest.raises(SalesforceMalformedRequest) as raised:
        connect(fake).query("SELECT Id FROM Lead WHERE Email = 'a' OR Email = 'b'")

    assert raised.value.content[0]["errorCode"] == "MALFORMED_QUERY"


def test_unknown_field_is_rejected(fake):
    with pytest.raises(SalesforceMalformedRequest) as raised:
        connect(fake).query("SELECT Id, Shoe_Size__c FROM Lead")

    assert raised.value.content[0]["errorCode"] == "INVALID_FIELD"


def test_unknown_object_is_rejected(fake):
    with pytest.raises(SalesforceMalformedRequest) as raised:
        connect(fake).query("SELECT Id FROM Invoice__c")

    assert raised.value.content[0]["errorCode"] == "INVALID_TYPE"


def test_bulk2_query_returns_csv_chunks(fake):
    sf = connect(fake)

    chunks = list(sf.bulk2.Lead.query("SELECT Id, Email, IsConverted FROM Lead", max_records=3, wait=0.1))

    rows = [row for chunk in chunks for row in csv.DictReader(io.StringIO(chunk))]
    assert len(chunks) == 3
    assert [row["Id"] for row in rows] == [lead["Id"] for lead in LEADS]
    assert rows[3]["IsConverted"] == "true"
    result_requests = [entry for entry in fake.requests if entry.path.endswith("/results")]
    assert result_requests[1].query["locator"] == ["Mw"]


def test_bulk2_results_headers(fake):
    sf = connect(fake)
    job = sf.bulk2.Lead._client.create_job("query", "SELECT Id FROM Lead")

    result = sf.bulk2.Lead._client.get_query_results(job["id"], max_records=5)

    assert result["number_of_records"] == 5
    assert result["locator"] == "NQ"


def test_revoked_session_gets_401(fake):
    sf = Salesforce(instance_url=fake.base_url, session_id=fake.DEFAULT_SESSION_ID, session=fake.requests_session())
    fake.tokens.revoke(fake.DEFAULT_SESSION_ID)

    with pytest.raises(SalesforceExpiredSession) as raised:
        sf.query("SELECT Id FROM Lead")

    assert raised.value.content == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


def test_rate_limit_returns_request_limit_exceeded(fake):
    fake.faults.set_rate_limit(max_requests=1, window_seconds=60)
    sf = connect(fake)
    sf.query("SELECT Id FROM Lead")

    with pytest.raises(SalesforceRefusedRequest) as raised:
        sf.query("SELECT Id FROM Lead")

    assert raised.value.status == 403
    assert raised.value.content[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"


def test_api_usage_header_is_parsed(fake):
    sf = connect(fake)
    sf.query("SELECT Id FROM Lead")

    assert sf.api_usage["api-usage"].total == 15_000
    assert sf.api_usage["api-usage"].used == 2


def test_describe_lists_picklist_values(fake):
    description = connect(fake).Lead.describe()

    fields = {field["name"]: field for field in description["fields"]}
    assert fields["LeadSource"]["type"] == "picklist"
    assert [value["value"] for value in fields["LeadSource"]["picklistValues"]] == ["Partner Referral", "Web"]
    assert fields["LastModifiedDate"]["type"] == "datetime"
    assert fields["ConvertedDate"]["type"] == "string"


def test_versions_and_global_describe(fake):
    session = fake.requests_session()
    versions = session.get(fake.base_url + "/services/data").json()
    sobjects = connect(fake).describe()["sobjects"]

    assert {"label": "Winter '24", "url": "/services/data/v59.0", "version": "59.0"} in versions
    assert [sobject["name"] for sobject in sobjects] == ["Lead", "User"]


def test_record_read_by_id(fake):
    record = connect(fake).Lead.get(LEADS[4]["Id"])

    assert record["Email"] == "lead4@example.com"


def test_soql_parser_reads_clauses():
    query = soql.parse("SELECT Id, Email FROM Lead WHERE Status != 'Closed' AND CreatedDate < 2026-02-01T00:00:00Z "
                       "ORDER BY CreatedDate DESC NULLS LAST, Id LIMIT 10 OFFSET 5")

    assert query.object_name == "Lead"
    assert query.fields == ["Id", "Email"]
    assert [condition.operator for condition in query.conditions] == ["!=", "<"]
    assert query.order_by == [("CreatedDate", True, True), ("Id", False, True)]
    assert query.limit == 10
    assert query.offset == 5


def test_soql_parser_rejects_relationship_fields():
    with pytest.raises(soql.SoqlError):
        soql.parse("SELECT Owner.Name FROM Lead")
