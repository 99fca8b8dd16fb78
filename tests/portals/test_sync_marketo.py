"""Syncing a Marketo instance through its REST API against the local fake Marketo server."""
import logging

import pytest

from portals.connectors import ConnectorError, InvalidResponse, VendorUnavailable, get_connector, marketo
from portals.fakes import MarketoFake
from portals.models import Campaign, Contact, LifecycleChange, Portal, PropertyChange, SyncRun, Touchpoint
from portals.sync import engine
from tests.factories import PortalFactory
from tests.portals import marketo_records

CREDENTIALS = {"client_id": MarketoFake.CLIENT_ID, "client_secret": MarketoFake.CLIENT_SECRET}


@pytest.fixture
def fake():
    with MarketoFake(records=marketo_records.records()) as server:
        yield server


def _portal(world, fake, credentials=None):
    return PortalFactory(
        client=world.client, vendor=Portal.Vendor.MARKETO, api_base_url=fake.base_url, credentials=credentials or CREDENTIALS
    )


@pytest.fixture
def portal(world, fake):
    return _portal(world, fake)


def _run(portal, mode=SyncRun.Mode.FULL):
    sync_run = engine.sync_run_create(portal=portal, mode=mode)
    return engine.sync_run_execute(sync_run_id=sync_run.pk)


def _touch(portal, activity_id):
    return Touchpoint.objects.get(portal=portal, external_id=f"activity:{activity_id}")


@pytest.mark.django_db
def test_full_sync_writes_snapshot(portal):
    sync_run = _run(portal)

    assert sync_run.status == SyncRun.Status.SUCCEEDED
    assert Contact.objects.filter(portal=portal).count() == 4
    assert Campaign.objects.filter(portal=portal).count() == 3
    assert Touchpoint.objects.filter(portal=portal).count() == 7
    assert PropertyChange.objects.filter(portal=portal).count() == 3
    assert LifecycleChange.objects.filter(portal=portal).count() == 2
    assert sync_run.progress["leads"]["done"] == 4


@pytest.mark.django_db
def test_lead_fields_are_mapped(portal):
    _run(portal)

    lead = Contact.objects.get(portal=portal, external_id="1001")
    assert lead.client_id == portal.client_id
    assert lead.email == "person1001@acme.test"
    assert lead.company_domain == "acme.test"
    assert lead.employee_count == 250
    assert lead.lead_status == "Sales Qualified Lead"
    assert lead.lifecycle_stage == "salesqualifiedlead"
    assert lead.original_source == "Paid Search"
    assert lead.record_source == "Web form fillout"
    assert lead.original_source_drill_down_2 == "https://acme.test/demo"
    assert lead.created_at.isoformat() == "2026-01-02T09:00:00+00:00"
    assert lead.extra == {"acquisitionProgramId": marketo_records.ADS_PROGRAM}


@pytest.mark.django_db
def test_lead_status_sets_lifecycle_stage(portal):
    _run(portal)

    stages = dict(Contact.objects.filter(portal=portal).values_list("external_id", "lifecycle_stage"))
    assert stages == {"1001": "salesqualifiedlead", "1002": "lead", "1003": "subscriber", "1004": "lead"}


@pytest.mark.django_db
def test_web_touchpoints_carry_utm_values(portal):
    _run(portal)

    visit = _touch(portal, 5)
    assert (visit.kind, visit.contact_external_id) == ("page_view", "1001")
    assert (visit.utm_source, visit.utm_medium, visit.utm_campaign) == ("LinkedIn", "cpc", "2026-q1-robots")
    assert visit.click_id == "abc123"
    assert visit.referrer == "https://www.linkedin.com/"
    assert visit.landing_url.startswith("https://acme.test/pricing")
    assert visit.occurred_at.isoformat() == "2026-01-03T10:00:00+00:00"


@pytest.mark.django_db
def test_form_link_and_email_touchpoints(portal):
    _run(portal)

    assert (_touch(portal, 6).kind, _touch(portal, 6).form_external_id) == ("form_submission", "3001")
    assert (_touch(portal, 8).kind, _touch(portal, 8).utm_source) == ("page_view", "blog")
    assert _touch(portal, 9).kind == "email_open"
    assert (_touch(portal, 10).kind, _touch(portal, 10).utm_medium) == ("email_click", "email")
    assert not Touchpoint.objects.filter(portal=portal, external_id="activity:7").exists()


@pytest.mark.django_db
def test_event_and_webinar_status_changes(portal):
    _run(portal)

    programs = Touchpoint.objects.filter(portal=portal).exclude(campaign_external_id="").order_by("occurred_at")
    assert [(touch.external_id, touch.kind, touch.campaign_external_id) for touch in programs] == [
        ("activity:15", "webinar", str(marketo_records.WEBINAR_PROGRAM)),
        ("activity:18", "event", str(marketo_records.TRADE_SHOW_PROGRAM)),
    ]


@pytest.mark.django_db
def test_data_value_changes_become_changes(portal):
    _run(portal)

    changes = PropertyChange.objects.filter(portal=portal).order_by("changed_at")
    assert [(change.record_external_id, change.property, change.value, change.changed_by) for change in changes] == [
        ("1001", "lead_status", "Marketing Qualified Lead", "workflow"),
        ("1002", "lead_source", "List Import", "import"),
        ("1001", "lifecycle_stage", "SQL", "other"),
    ]
    assert changes[0].source_label.startswith("Changed by Smart Campaign MQL Scoring")


@pytest.mark.django_db
def test_stage_changes_become_lifecycle_changes(portal):
    _run(portal)

    stages = LifecycleChange.objects.filter(portal=portal).order_by("changed_at")
    assert [(change.contact_external_id, change.from_stage, change.to_stage) for change in stages] == [
        ("1001", "lead", "marketingqualifiedlead"),
        ("1001", "marketingqualifiedlead", "salesqualifiedlead"),
    ]


@pytest.mark.django_db
def test_program_fields_are_mapped(portal):
    _run(portal)

    trade_show = Campaign.objects.get(portal=portal, external_id=str(marketo_records.TRADE_SHOW_PROGRAM))
    assert (trade_show.kind, trade_show.channel) == ("Event", "Tradeshow")
    assert str(trade_show.spend) == "10500.00"
    assert trade_show.period_start.isoformat() == "2026-01-15"
    assert Campaign.objects.get(portal=portal, external_id=str(marketo_records.ADS_PROGRAM)).spend is None


@pytest.mark.django_db
def test_paging_continues_over_empty_pages(portal, fake, monkeypatch):
    monkeypatch.setattr(marketo, "ACTIVITY_BATCH_SIZE", 2)
    monkeypatch.setattr(marketo, "LEAD_BATCH_SIZE", 2)
    monkeypatch.setattr(marketo, "PROGRAM_PAGE_SIZE", 2)
    monkeypatch.setattr(marketo, "EMPTY_PAGES_PER_CALL", 1)

    sync_run = _run(portal)

    activity_calls = [entry for entry in fake.requests if entry.path == "/rest/v1/activities.json"]
    assert sync_run.status == SyncRun.Status.SUCCEEDED
    assert Contact.objects.filter(portal=portal).count() == 4
    assert Touchpoint.objects.filter(portal=portal).count() == 7
    assert Campaign.objects.filter(portal=portal).count() == 3
    assert LifecycleChange.objects.filter(portal=portal).count() == 2
    # 18 activities in pages of 2, walked once for the leads and once for the touchpoints.
    assert len(activity_calls) == 2 * 9
    assert sync_run.progress["leads"]["done"] == 4


@pytest.mark.django_db
def test_incremental_reads_only_new_activities(portal, fake):
    _run(portal)
    records = marketo_records.records()
    records["leads"][3] = marketo_records.lead(
        1004, status="Marketing Qualified Lead", title="VP Marketing", updated="2099-01-01T00:00:00Z"
    )
    records["activities"].append(marketo_records.activity(
        19, 1004, "12-31T00:00", 13, 48, "Lead Status", New_Value="Marketing Qualified Lead", Old_Value="Open", Source="Web service API",
    ))
    records["activities"][-1]["activityDate"] = "2099-01-01T00:00:00Z"
    fake.replace_records("leads", records["leads"])
    fake.replace_records("activities", records["activities"])

    sync_run = _run(portal, mode=SyncRun.Mode.INCREMENTAL)

    lead = Contact.objects.get(portal=portal, external_id="1004")
    assert sync_run.status == SyncRun.Status.SUCCEEDED
    assert sync_run.since is not None
    assert sync_run.progress["leads"]["done"] == 1
    assert sync_run.progress["programs"]["done"] == 0
    assert (lead.job_title, lead.lifecycle_stage) == ("VP Marketing", "marketingqualifiedlead")
    assert LifecycleChange.objects.get(portal=portal, external_id="activity:19").changed_by == "api"


@pytest.mark.django_db
def test_bad_client_secret_fails_with_clear_error(world, fake):
    portal = _portal(world, fake, {**CREDENTIALS, "client_secret": "wrong"})

    sync_run = _run(portal)

    portal.refresh_from_db()
    assert sync_run.status == SyncRun.Status.FAILED
    assert sync_run.error_object == "activity_types"
    assert "Marketo rejected the client id or secret while reading activity_types (401 unauthorized: Bad client credentials)" in sync_run.error_message
    assert "LaunchPoint custom service" in sync_run.error_message
    assert portal.status == Portal.Status.ERROR


@pytest.mark.django_db
def test_missing_instance_url_is_named(world):
    portal = PortalFactory(client=world.client, vendor=Portal.Vendor.MARKETO, api_base_url="", credentials=CREDENTIALS)

    with pytest.raises(ConnectorError, match="has no API base URL"):
        get_connector(portal)


@pytest.mark.django_db
def test_invalid_request_names_code_and_object(portal):
    connector = get_connector(portal)

    with pytest.raises(InvalidResponse, match=r"Marketo rejected the request for leads \(error 1003: Invalid nextPageToken\)"):
        connector.fetch_page("leads", cursor="not-a-paging-token", since=None)


@pytest.mark.django_db
def test_expired_token_is_renewed(portal, fake):
    connector = get_connector(portal)
    connector.fetch_page("activity_types", cursor=None, since=None)
    first_token, _ = fake.access_token()
    fake.tokens.expire(first_token)

    page = connector.fetch_page("programs", cursor=None, since=None)

    token_calls = [entry for entry in fake.requests if entry.path == "/identity/oauth/token"]
    assert page.count == 3
    assert len(token_calls) == 2
    assert connector._token != first_token


@pytest.mark.django_db
def test_rate_limit_is_retried(portal, fake, caplog):
    fake.faults.set_rate_limit(3, 0.3)

    with caplog.at_level(logging.WARNING, logger="portals.connectors.marketo"):
        sync_run = _run(portal)

    assert sync_run.status == SyncRun.Status.SUCCEEDED
    assert any("error 606" in record.getMessage() for record in caplog.records)
    assert Touchpoint.objects.filter(portal=portal).count() == 7


@pytest.mark.django_db
def test_bad_gateway_is_retried(portal, fake):
    start = fake.faults.request_count
    fake.faults.fail_requests(start + 3, start + 4, status=502)

    sync_run = _run(portal)

    assert sync_run.status == SyncRun.Status.SUCCEEDED
    assert Contact.objects.filter(portal=portal).count() == 4


@pytest.mark.django_db
def test_outage_keeps_written_pages_and_resumes(portal, fake, monkeypatch):
    monkeypatch.setattr(marketo, "MAX_ATTEMPTS", 3)
    # given: the fake fails every request after the token, activity types and programs calls
    start = fake.faults.request_count
    fake.faults.fail_requests(*range(start + 4, start + 100), status=503)

    # when
    with pytest.raises(VendorUnavailable):
        _run(portal)

    # then: the run failed naming the object, kept its pages and cursor, and resumes to the end
    sync_run = SyncRun.objects.get(portal=portal)
    assert sync_run.status == SyncRun.Status.FAILED
    assert sync_run.error_object == "leads"
    assert "Marketo kept returning error 611 (System error) while reading leads after 3 attempts" in sync_run.error_message
    assert Campaign.objects.filter(portal=portal).count() == 3
    fake.faults.clear()
    engine.sync_run_requeue(sync_run=sync_run)
    resumed = engine.sync_run_execute(sync_run_id=sync_run.pk)
    assert resumed.status == SyncRun.Status.SUCCEEDED
    assert resumed.attempts == 2
    assert Contact.objects.filter(portal=portal).count() == 4
    assert resumed.progress["programs"]["done"] == 3
