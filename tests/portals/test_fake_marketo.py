"""The fake Marketo REST API, driven with requests."""

import pytest
import requests

from portals.fakes import MarketoFake
from portals.fakes.marketo import decode_page_token, encode_page_token

# Activity n happens on May n+1; type ids cycle through 1 (visit), 2 (form) and 12 (new lead).
ACTIVITIES = [
    {"id": 5000 + number, "marketoGUID": "guid-%d" % number, "leadId": 1 + number % 3,
     "activityDate": "2026-05-%02dT10:00:00Z" % (number + 1), "activityTypeId": (1, 2, 12)[number % 3],
     "primaryAttributeValueId": 7, "primaryAttributeValue": "Demo request", "attributes": []}
    for number in range(10)
]
LEADS = [
    {"id": number, "email": "Lead%d@Example.com" % number, "firstName": "Ana", "lastName": "Test",
     "company": "Acme", "leadSource": "Web", "createdAt": "2026-05-01T00:00:00Z", "updatedAt": "2026-05-02T00:00:00Z"}
    for number in range(1, 6)
]
PROGRAMS = [{"id": number, "name": "Program %d" % number, "updatedAt": "2026-0%d-01T00:00:00Z" % number}
            for number in range(1, 4)]


@pytest.fixture
def fake():
    with MarketoFake(records={"activities": ACTIVITIES, "leads": LEADS, "programs": PROGRAMS}) as server:
        yield server


@pytest.fixture
def session():
    client = requests.Session()
    client.trust_env = False
    return client


def fetch_token(fake, session):
    params = {"grant_type": "client_credentials", "client_id": fake.CLIENT_ID, "client_secret": fake.CLIENT_SECRET}
    return session.get(fake.base_url + "/identity/oauth/token", params=params).json()["access_token"]


def call(fake, session, path, token, **params):
    response = session.get(fake.base_url + path, params=params, headers={"Authorization": "Bearer " + token})
    assert response.status_code == 200
    return response.json()


def error_codes(body):
    return [error["code"] for error in body.get("errors", [])]


def test_token_is_reused_until_expiry(fake, session):
    first = fetch_token(fake, session)
    second = fetch_token(fake, session)

    assert first == second
    assert first.endswith(":ab")


def test_token_rejects_bad_secret(fake, session):
    params = {"grant_type": "client_credentials", "client_id": fake.CLIENT_ID, "client_secret": "wrong"}
    response = session.get(fake.base_url + "/identity/oauth/token", params=params)

    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"


def test_activities_page_through_next_page_token(fake, session):
    token = fetch_token(fake, session)
    paging = call(fake, session, "/rest/v1/activities/pagingtoken.json", token, sinceDatetime="2026-05-02T00:00:00Z")
    next_page_token, seen, pages = paging["nextPageToken"], [], []

    while True:
        body = call(fake, session, "/rest/v1/activities.json", token, nextPageToken=next_page_token,
                    activityTypeIds="2,12", batchSize=3)
        seen.extend(activity["id"] for activity in body.get("result", []))
        pages.append((len(body.get("result", [])), body["moreResult"]))
        if not body["moreResult"]:
            break
        next_page_token = body["nextPageToken"]

    # Activities 1..9 are walked three at a time; types 2 and 12 sit at numbers 1, 2, 4, 5, 7, 8.
    assert seen == [5001, 5002, 5004, 5005, 5007, 5008]
    assert pages == [(2, True), (2, True), (2, False)]


def test_filtered_activity_page_can_be_empty(fake, session):
    token = fetch_token(fake, session)
    start = call(fake, session, "/rest/v1/activities/pagingtoken.json", token,
                 sinceDatetime="2026-05-01T00:00:00Z")["nextPageToken"]

    body = call(fake, session, "/rest/v1/activities.json", token, nextPageToken=start,
                activityTypeIds="12", batchSize=2)

    assert "result" not in body
    assert body["moreResult"] is True
    assert body["success"] is True


def test_activities_require_type_ids(fake, session):
    token = fetch_token(fake, session)

    body = call(fake, session, "/rest/v1/activities.json", token, nextPageToken=encode_page_token(0))

    assert body["success"] is False
    assert error_codes(body) == ["1003"]


def test_leads_filter_by_email_ignores_case(fake, session):
    token = fetch_token(fake, session)

    body = call(fake, session, "/rest/v1/leads.json", token, filterType="email",
                filterValues="lead2@example.com,LEAD4@EXAMPLE.COM", fields="email,company")

    assert body["result"] == [{"id": 2, "email": "Lead2@Example.com", "company": "Acme"},
                              {"id": 4, "email": "Lead4@Example.com", "company": "Acme"}]


def test_leads_page_with_next_page_token(fake, session):
    token = fetch_token(fake, session)

    first = call(fake, session, "/rest/v1/leads.json", token, filterType="id", filterValues="1,2,3", batchSize=2)
    rest = call(fake, session, "/rest/v1/leads.json", token, filterType="id", filterValues="1,2,3", batchSize=2,
                nextPageToken=first["nextPageToken"])

    assert [lead["id"] for lead in first["result"]] == [1, 2]
    assert [lead["id"] for lead in rest["result"]] == [3]
    assert "nextPageToken" not in rest
    assert sorted(first["result"][0]) == ["createdAt", "email", "firstName", "id", "lastName", "updatedAt"]


def test_lead_describe_lists_rest_names(fake, session):
    token = fetch_token(fake, session)

    fields = call(fake, session, "/rest/v1/leads/describe.json", token)["result"]

    names = [field["rest"]["name"] for field in fields]
    assert "company" in names
    assert "leadSource" in names
    assert {field["rest"]["name"]: field["dataType"] for field in fields}["updatedAt"] == "datetime"


def test_activity_types_default_list(fake, session):
    token = fetch_token(fake, session)

    types = call(fake, session, "/rest/v1/activities/types.json", token)["result"]

    assert {"id": 2, "name": "Fill Out Form"}.items() <= types[1].items()


def test_programs_page_by_offset(fake, session):
    token = fetch_token(fake, session)

    first = call(fake, session, "/rest/asset/v1/programs.json", token, offset=0, maxReturn=2)
    past_end = call(fake, session, "/rest/asset/v1/programs.json", token, offset=3, maxReturn=2)

    assert [program["id"] for program in first["result"]] == [1, 2]
    assert "result" not in past_end
    assert past_end["warnings"] == ["No assets found for the given search criteria."]


def test_invalid_token_gets_601(fake, session):
    body = call(fake, session, "/rest/v1/leads.json", "not-a-token", filterType="id", filterValues="1")

    assert body["success"] is False
    assert error_codes(body) == ["601"]


def test_revoked_token_gets_601(fake, session):
    token = fetch_token(fake, session)
    fake.tokens.revoke(token)

    body = call(fake, session, "/rest/v1/leads.json", token, filterType="id", filterValues="1")

    assert error_codes(body) == ["601"]


def test_expired_token_gets_602_then_new_token(fake, session):
    token = fetch_token(fake, session)
    fake.tokens.expire(token)

    body = call(fake, session, "/rest/v1/leads.json", token, filterType="id", filterValues="1")
    renewed = fetch_token(fake, session)

    assert error_codes(body) == ["602"]
    assert body["errors"][0]["message"] == "Access token expired"
    assert renewed != token


def test_token_lifetime_sets_expires_in(session):
    with MarketoFake(token_lifetime_seconds=120) as fake:
        params = {"grant_type": "client_credentials", "client_id": fake.CLIENT_ID,
                  "client_secret": fake.CLIENT_SECRET}
        body = session.get(fake.base_url + "/identity/oauth/token", params=params).json()

    assert 118 <= body["expires_in"] <= 120


def test_missing_token_gets_600(fake, session):
    body = session.get(fake.base_url + "/rest/v1/leads.json", params={"filterType": "id", "filterValues": "1"}).json()

    assert error_codes(body) == ["600"]


def test_access_token_query_parameter_is_accepted(fake, session):
    token = fetch_token(fake, session)

    body = session.get(fake.base_url + "/rest/v1/leads.json",
                       params={"access_token": token, "filterType": "id", "filterValues": "1"}).json()

    assert body["success"] is True


def test_rate_limit_gets_606_with_http_200(fake, session):
    fake.faults.set_rate_limit(max_requests=2, window_seconds=20)
    token = fetch_token(fake, session)
    for _ in range(2):
        call(fake, session, "/rest/v1/activities/types.json", token)

    response = session.get(fake.base_url + "/rest/v1/activities/types.json",
                           headers={"Authorization": "Bearer " + token})

    assert response.status_code == 200
    assert response.json()["success"] is False
    assert error_codes(response.json()) == ["606"]
    assert response.json()["errors"][0]["message"] == "Max rate limit '2' exceeded with in '20' secs"


def test_server_error_becomes_611(fake, session):
    token = fetch_token(fake, session)
    fake.faults.fail_requests(2, status=500)

    body = call(fake, session, "/rest/v1/activities/types.json", token)

    assert error_codes(body) == ["611"]


def test_page_token_round_trip():
    assert decode_page_token(encode_page_token(4321)) == 4321
