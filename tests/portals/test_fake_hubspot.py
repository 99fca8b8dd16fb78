"""The fake HubSpot server, driven by the official hubspot-api-client."""

import json

import hubspot
import pytest
import requests
from hubspot.crm.companies import ApiException as CompaniesApiException
from hubspot.crm.contacts import ApiException, BatchReadInputSimplePublicObjectId, PublicObjectSearchRequest
from urllib3.util.retry import Retry

from portals.fakes import HubSpotFake

HISTORY = {"value": "lead", "timestamp": "2026-01-01T09:00:00.000Z", "sourceType": "FORM", "sourceId": "form-1"}


def make_contact(number, day=None, archived=False):
    modified = "2026-01-%02dT10:00:00.000Z" % (day or (number % 28) + 1)
    return {
        "id": str(100 + number),
        "properties": {
            "email": "contact%d@example.com" % number, "firstname": "Ana", "lastname": "Test%d" % number,
            "lifecyclestage": "lead", "createdate": "2026-01-01T09:00:00.000Z", "lastmodifieddate": modified,
        },
        "propertiesWithHistory": {"lifecyclestage": [HISTORY]},
        "createdAt": "2026-01-01T09:00:00.000Z",
        "updatedAt": modified,
        "archived": archived,
        "associations": {"companies": {"results": [{"id": "900", "type": "contact_to_company"}]}},
    }


OWNERS = [
    {"id": "9001", "email": "rep.one@example.com", "firstName": "Rep", "lastName": "One", "userId": 501,
     "createdAt": "2025-01-01T00:00:00Z", "updatedAt": "2025-06-01T00:00:00Z", "archived": False,
     "teams": [{"id": "77", "name": "EMEA SDR", "membership": "PRIMARY"}]},
    {"id": "9002", "email": "rep.gone@example.com", "firstName": "Rep", "lastName": "Gone", "userId": 502,
     "createdAt": "2025-01-01T00:00:00Z", "updatedAt": "2025-06-01T00:00:00Z", "archived": True, "teams": []},
]

EVENTS = [
    {"id": "e%d" % number, "objectType": "contact", "objectId": str(101 + number % 2),
     "eventType": "e_visited_page", "occurredAt": "2026-02-%02dT08:00:00Z" % (number + 1),
     "properties": {"hs_url": "https://example.com/page%d" % number, "hs_utm_source": "google"}}
    for number in range(5)
]


@pytest.fixture
def fake():
    records = {
        "contacts": [make_contact(number) for number in range(25)] + [make_contact(99, archived=True)],
        "owners": OWNERS,
        "events": EVENTS,
        "forms": [{"id": "form-1", "name": "Demo request", "fieldGroups": [{"fields": [{"name": "email"}]}]}],
    }
    tokens = {HubSpotFake.DEFAULT_TOKEN: None, "pat-contacts-only": {"crm.objects.contacts.read"}}
    with HubSpotFake(records=records, tokens=tokens) as server:
        yield server


def make_client(fake, token=HubSpotFake.DEFAULT_TOKEN, **config):
    return hubspot.HubSpot(access_token=token, host=fake.base_url, **config)


def search_request(**body):
    return PublicObjectSearchRequest(**body)


def test_get_page_walks_several_pages(fake):
    client = make_client(fake)
    seen, after, pages = [], None, 0

    while True:
        page = client.crm.contacts.basic_api.get_page(limit=10, after=after, properties=["email"])
        seen.extend(contact.id for contact in page.results)
        pages += 1
        if page.paging is None:
            break
        after = page.paging.next.after

    assert pages == 3
    assert seen == [str(100 + number) for number in range(25)]
    assert [entry.query.get("after") for entry in fake.requests] == [None, ["110"], ["120"]]


def test_get_page_link_repeats_query(fake):
    page = make_client(fake).crm.contacts.basic_api.get_page(limit=5, properties=["email"])

    assert "after=105" in page.paging.next.link
    assert "properties=email" in page.paging.next.link


def test_get_page_returns_requested_fields(fake):
    page = make_client(fake).crm.contacts.basic_api.get_page(
        limit=2, properties=["email", "lifecyclestage"], properties_with_history=["lifecyclestage"],
        associations=["companies"])
    contact = page.results[0]

    assert contact.properties["email"] == "contact0@example.com"
    assert contact.properties["hs_object_id"] == "100"
    assert contact.properties_with_history["lifecyclestage"][0].source_type == "FORM"
    assert contact.associations["companies"].results[0].id == "900"


def test_get_page_hides_archived_by_default(fake):
    ids = [contact.id for contact in make_client(fake).crm.contacts.get_all()]
    archived = make_client(fake).crm.contacts.basic_api.get_page(archived=True)

    assert "199" not in ids
    assert [contact.id for contact in archived.results] == ["199"]


def test_history_limit_over_50_rejected(fake):
    with pytest.raises(ApiException) as raised:
        make_client(fake).crm.contacts.basic_api.get_page(limit=100, properties_with_history=["lifecyclestage"])

    assert raised.value.status == 400
    assert json.loads(raised.value.body)["category"] == "VALIDATION_ERROR"


def test_get_all_with_history_pages_by_50(fake):
    contacts = make_client(fake).crm.contacts.get_all(properties_with_history=["lifecyclestage"])

    assert len(contacts) == 25
    assert fake.requests[0].query["limit"] == ["50"]


def test_batch_read_returns_inputs(fake):
    batch = BatchReadInputSimplePublicObjectId(
        inputs=[{"id": "103"}, {"id": "107"}], properties=["email"], properties_with_history=["lifecyclestage"])
    response = make_client(fake).crm.contacts.batch_api.read(batch)

    assert response.status == "COMPLETE"
    assert [contact.id for contact in response.results] == ["103", "107"]
    assert response.results[1].properties_with_history["lifecyclestage"][0].value == "lead"


def test_batch_read_reports_missing_ids(fake):
    batch = BatchReadInputSimplePublicObjectId(inputs=[{"id": "103"}, {"id": "999"}], properties=["email"])
    response = make_client(fake).crm.contacts.batch_api.read(batch)

    assert fake.requests[-1].status == 207
    assert response.num_errors == 1
    assert response.errors[0].context == {"ids": ["999"]}


def test_batch_read_by_email(fake):
    batch = BatchReadInputSimplePublicObjectId(inputs=[{"id": "contact4@example.com"}], id_property="email")
    response = make_client(fake).crm.contacts.batch_api.read(batch)

    assert [contact.id for contact in response.results] == ["104"]


def test_batch_read_over_100_rejected(fake):
    batch = BatchReadInputSimplePublicObjectId(inputs=[{"id": str(number)} for number in range(101)])
    with pytest.raises(ApiException) as raised:
        make_client(fake).crm.contacts.batch_api.read(batch)

    assert raised.value.status == 400


def test_search_filters_on_lastmodifieddate(fake):
    request = search_request(
        filter_groups=[{"filters": [{"propertyName": "lastmodifieddate", "operator": "GTE",
                                     "value": "2026-01-20T00:00:00Z"}]}],
        sorts=[{"propertyName": "lastmodifieddate", "direction": "DESCENDING"}],
        properties=["email", "lastmodifieddate"], limit=3)
    response = make_client(fake).crm.contacts.search_api.do_search(request)

    # Contacts 19..24 were modified on January 20..25; the newest come first.
    assert response.total == 6
    assert [contact.id for contact in response.results] == ["124", "123", "122"]
    assert response.paging.next.after == "3"


def test_search_accepts_epoch_milliseconds(fake):
    # 1768867200000 ms is 2026-01-20T00:00:00Z.
    request = search_request(filter_groups=[{"filters": [
        {"propertyName": "lastmodifieddate", "operator": "LT", "value": "1768867200000"}]}])
    response = make_client(fake).crm.contacts.search_api.do_search(request)

    assert response.total == 19


def test_search_ors_filter_groups(fake):
    request = search_request(filter_groups=[
        {"filters": [{"propertyName": "email", "operator": "EQ", "value": "CONTACT1@example.com"}]},
        {"filters": [{"propertyName": "hs_object_id", "operator": "IN", "values": ["105", "106"]}]},
    ])
    response = make_client(fake).crm.contacts.search_api.do_search(request)

    assert [contact.id for contact in response.results] == ["101", "105", "106"]


def test_search_limit_over_200_rejected(fake):
    with pytest.raises(ApiException) as raised:
        make_client(fake).crm.contacts.search_api.do_search(search_request(limit=201))

    assert raised.value.status == 400


def test_search_stops_at_10000_results():
    contacts = [{"id": str(number), "properties": {"lastmodifieddate": "2026-01-01T00:00:00Z"}}
                for number in range(1, 10_051)]
    with HubSpotFake(records={"contacts": contacts}) as fake:
        client = make_client(fake)
        last_page = client.crm.contacts.search_api.do_search(search_request(limit=100, after="9900"))
        with pytest.raises(ApiException) as raised:
            client.crm.contacts.search_api.do_search(search_request(limit=100, after="10000"))

    assert last_page.total == 10_050
    assert last_page.results[-1].id == "10000"
    assert last_page.paging.next.after == "10000"
    assert raised.value.status == 400


def test_rate_limit_returns_429(fake):
    # Search is a POST, which urllib3 never retries, so the 429 reaches the caller.
    fake.faults.set_rate_limit(max_requests=2, window_seconds=10)
    client = make_client(fake)
    client.crm.contacts.search_api.do_search(search_request())
    client.crm.contacts.search_api.do_search(search_request())

    with pytest.raises(ApiException) as raised:
        client.crm.contacts.search_api.do_search(search_request())

    body = json.loads(raised.value.body)
    assert raised.value.status == 429
    assert raised.value.headers["Retry-After"] == "10"
    assert raised.value.headers["X-HubSpot-RateLimit-Remaining"] == "0"
    assert raised.value.headers["X-HubSpot-RateLimit-Max"] == "2"
    assert raised.value.headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
    assert body["errorType"] == "RATE_LIMIT"
    assert body["policyName"] == "TEN_SECONDLY_ROLLING"
    assert [entry.status for entry in fake.requests] == [200, 200, 429]


def test_sdk_retries_get_after_429(fake):
    # hubspot-api-client's default urllib3 Retry repeats a GET that got 429 with a
    # Retry-After header, after waiting that long (1 s here).
    fake.faults.set_rate_limit(max_requests=1, window_seconds=1)
    client = make_client(fake)
    client.crm.contacts.basic_api.get_page()

    page = client.crm.contacts.basic_api.get_page()

    assert len(page.results) == 10
    assert [entry.status for entry in fake.requests] == [200, 429, 200]


def test_sdk_without_retries_raises_429(fake):
    fake.faults.set_rate_limit(max_requests=1, window_seconds=10)
    client = make_client(fake, retry=Retry(total=0, respect_retry_after_header=False))
    client.crm.contacts.basic_api.get_page()

    with pytest.raises(ApiException) as raised:
        client.crm.contacts.basic_api.get_page()

    assert raised.value.status == 429


def test_revoked_token_gets_401(fake):
    fake.tokens.revoke(HubSpotFake.DEFAULT_TOKEN)

    with pytest.raises(ApiException) as raised:
        make_client(fake).crm.contacts.basic_api.get_page()

    assert raised.value.status == 401
    assert json.loads(raised.value.body)["category"] == "INVALID_AUTHENTICATION"


def test_unknown_token_gets_401(fake):
    with pytest.raises(ApiException) as raised:
        make_client(fake, token="pat-na1-unknown").crm.contacts.basic_api.get_page()

    assert raised.value.status == 401


def test_missing_scope_gets_403(fake):
    client = make_client(fake, token="pat-contacts-only")
    client.crm.contacts.basic_api.get_page()

    with pytest.raises(CompaniesApiException) as raised:
        client.crm.companies.basic_api.get_page()

    body = json.loads(raised.value.body)
    assert raised.value.status == 403
    assert body["category"] == "MISSING_SCOPES"
    assert body["errors"][0]["context"]["requiredGranularScopes"] == ["crm.objects.companies.read"]


def test_server_error_at_request_number(fake):
    fake.faults.fail_requests(2, status=502)
    client = make_client(fake)
    client.crm.contacts.basic_api.get_page()

    with pytest.raises(ApiException) as raised:
        client.crm.contacts.basic_api.get_page()
    client.crm.contacts.basic_api.get_page()

    assert raised.value.status == 502
    assert [entry.status for entry in fake.requests] == [200, 502, 200]


def test_random_server_errors_repeat_with_seed():
    outcomes = []
    for _ in range(2):
        with HubSpotFake(records={"contacts": []}) as fake:
            fake.faults.fail_randomly(0.5, seed=7)
            session = requests.Session()
            session.trust_env = False
            headers = {"Authorization": "Bearer " + HubSpotFake.DEFAULT_TOKEN}
            outcomes.append([session.get(fake.base_url + "/crm/v3/objects/contacts", headers=headers).status_code
                             for _ in range(12)])

    assert outcomes[0] == outcomes[1]
    assert 503 in outcomes[0]
    assert 200 in outcomes[0]


def test_timeout_fault_makes_client_retry(fake):
    # urllib3's default Retry repeats a GET after a read timeout, so the SDK succeeds on try 2.
    fake.faults.time_out_requests(1, delay_seconds=2)

    page = make_client(fake).crm.contacts.basic_api.get_page(_request_timeout=0.5)

    assert len(page.results) == 10
    assert [entry.number for entry in fake.requests] == [1, 2]


def test_owners_split_active_and_archived(fake):
    client = make_client(fake)
    active = client.crm.owners.owners_api.get_page()
    archived = client.crm.owners.owners_api.get_page(archived=True)

    assert [owner.id for owner in active.results] == ["9001"]
    assert active.results[0].teams[0].primary is True
    assert [owner.id for owner in archived.results] == ["9002"]


def test_lifecyclestage_property_has_default_stages(fake):
    stage_property = make_client(fake).crm.properties.core_api.get_by_name("contacts", "lifecyclestage")

    assert [option.value for option in stage_property.options][:3] == ["subscriber", "lead", "marketingqualifiedlead"]
    assert len(stage_property.options) == 8


def test_events_filter_by_contact_and_time(fake):
    client = make_client(fake)
    page = client.events.events_api.get_page(object_type="contact", object_id=101,
                                             occurred_after="2026-02-01T12:00:00Z", limit=1)
    rest = client.events.events_api.get_page(object_type="contact", object_id=101,
                                             occurred_after="2026-02-01T12:00:00Z", after=page.paging.next.after)

    assert [event.id for event in page.results] == ["e2"]
    assert [event.id for event in rest.results] == ["e4"]


def test_forms_list(fake):
    session = requests.Session()
    session.trust_env = False
    response = session.get(fake.base_url + "/marketing/v3/forms",
                           headers={"Authorization": "Bearer " + HubSpotFake.DEFAULT_TOKEN})

    assert response.json()["results"][0]["fieldGroups"][0]["fields"][0]["name"] == "email"


def test_v4_associations_list(fake):
    page = make_client(fake).crm.associations.v4.basic_api.get_page("contacts", "103", "companies")

    assert page.results[0].to_object_id == "900"
    assert page.results[0].association_types[0].type_id == 1


def test_request_log_records_method_path_query(fake):
    make_client(fake).crm.contacts.basic_api.get_page(limit=3)

    entry = fake.requests[0]
    assert entry.method == "GET"
    assert entry.path == "/crm/v3/objects/contacts"
    assert entry.query["limit"] == ["3"]
