"""Syncing a Salesforce org through simple-salesforce against the local fake Salesforce server."""
import pytest

from portals.connectors import AuthenticationFailed, VendorUnavailable, get_connector, salesforce
from portals.fakes import SalesforceFake
from portals.models import (
    Campaign,
    Company,
    Contact,
    Deal,
    LifecycleChange,
    Owner,
    Portal,
    PropertyChange,
    SyncRun,
    Touchpoint,
)
from portals.sync import engine
from tests.factories import PortalFactory
from tests.portals import salesforce_records as org

PASSWORD_CREDENTIALS = {
    "username": SalesforceFake.USERNAME,
    "password": SalesforceFake.PASSWORD,
    "security_token": SalesforceFake.SECURITY_TOKEN,
    "client_id": SalesforceFake.CLIENT_ID,
    "client_secret": SalesforceFake.CLIENT_SECRET,
}


def _start_fake(monkeypatch, **kwargs):
    kwargs.setdefault("records", org.records())
    fake = SalesforceFake(**kwargs).start()
    monkeypatch.setattr(salesforce, "session_factory", fake.requests_session)
    return fake


@pytest.fixture
def fake(monkeypatch):
    server = _start_fake(monkeypatch)
    yield server
    server.stop()


def _portal(world, fake, credentials=None):
    return PortalFactory(
        client=world.client,
        vendor=Portal.Vendor.SALESFORCE,
        api_base_url=fake.base_url,
        credentials=credentials or PASSWORD_CREDENTIALS,
    )


@pytest.fixture
def portal(world, fake):
    return _portal(world, fake)


def _run(portal, mode=SyncRun.Mode.FULL):
    sync_run = engine.sync_run_create(portal=portal, mode=mode)
    return engine.sync_run_execute(sync_run_id=sync_run.pk)


def _query_paths(fake, fragment):
    return [entry for entry in fake.requests if fragment in entry.path]


@pytest.mark.django_db
def test_full_sync_writes_snapshot(portal):
    sync_run = _run(portal)

    assert sync_run.status == SyncRun.Status.SUCCEEDED
    assert Owner.objects.filter(portal=portal).count() == 4
    assert Company.objects.filter(portal=portal).count() == 1
    assert Contact.objects.filter(portal=portal).count() == 4
    assert Deal.objects.filter(portal=portal).count() == 1
    assert Campaign.objects.filter(portal=portal).count() == 3
    assert Touchpoint.objects.filter(portal=portal).count() == 8
    assert sync_run.progress["leads"] == {"done": 3, "total": 3}


@pytest.mark.django_db
def test_users_map_custom_fields(portal):
    _run(portal)

    rep = Owner.objects.get(portal=portal, external_id=org.REP)
    former = Owner.objects.get(portal=portal, external_id=org.FORMER_REP)
    assert rep.client_id == portal.client_id
    assert (rep.territory, rep.segment, rep.is_active) == ("North", "Enterprise", True)
    assert (rep.email, rep.team, rep.time_zone) == ("rep@acme.test", "Sales", "America/Bogota")
    assert former.is_active is False


@pytest.mark.django_db
def test_users_without_custom_fields_are_blank(world, monkeypatch):
    fake = _start_fake(monkeypatch, records=org.records(user_custom_fields=False))
    try:
        sync_run = _run(_portal(world, fake))
    finally:
        fake.stop()

    rep = Owner.objects.get(external_id=org.REP)
    assert sync_run.status == SyncRun.Status.SUCCEEDED
    assert (rep.territory, rep.segment) == ("", "")
    assert not any("Territory__c" in str(entry.query) for entry in fake.requests)


@pytest.mark.django_db
def test_lead_fields_are_mapped(portal):
    _run(portal)

    lead = Contact.objects.get(portal=portal, external_id=org.MQL_LEAD)
    assert lead.email == "lead02@acme.test"
    assert lead.lead_status == "Marketing Qualified"
    assert lead.original_source == "List Import"
    assert lead.owner_external_id == org.REP
    assert lead.company_name == "Acme"
    assert lead.company_domain == "acme.test"
    assert lead.employee_count == 250
    assert lead.created_at.isoformat() == "2026-01-02T09:00:00+00:00"
    assert lead.extra == {"sobject": "Lead", "is_converted": False}


@pytest.mark.django_db
def test_lifecycle_stage_is_derived(portal):
    _run(portal)

    stages = dict(Contact.objects.filter(portal=portal).values_list("external_id", "lifecycle_stage"))
    assert stages[org.OPEN_LEAD] == "lead"
    assert stages[org.MQL_LEAD] == "marketingqualifiedlead"
    assert stages[org.CUSTOMER_CONTACT] == "customer"
    assert stages[org.PLAIN_CONTACT] == "salesqualifiedlead"


@pytest.mark.django_db
def test_converted_lead_is_not_a_contact(portal):
    _run(portal)

    contact = Contact.objects.get(portal=portal, external_id=org.CUSTOMER_CONTACT)
    assert not Contact.objects.filter(portal=portal, external_id=org.CONVERTED_LEAD).exists()
    assert contact.extra["ConvertedLeadId"] == org.CONVERTED_LEAD
    assert contact.extra["ContactCreatedDate"] == "2026-02-01T11:00:00.000+0000"
    assert contact.created_at.isoformat() == "2026-01-02T09:00:00+00:00"


@pytest.mark.django_db
def test_contact_company_from_account(portal):
    _run(portal)

    contact = Contact.objects.get(portal=portal, external_id=org.PLAIN_CONTACT)
    assert contact.company_external_id == org.ACCOUNT
    assert contact.company_name == "Acme"
    assert contact.company_domain == "acme.test"


@pytest.mark.django_db
def test_lead_stage_dates(portal):
    _run(portal)

    lead = Contact.objects.get(portal=portal, external_id=org.MQL_LEAD)
    assert lead.became_lead_at.isoformat() == "2026-01-02T09:00:00+00:00"
    assert lead.became_mql_at.isoformat() == "2026-01-05T10:00:00+00:00"
    assert lead.became_subscriber_at is None
    assert lead.became_sql_at is None


@pytest.mark.django_db
def test_nurture_lead_is_subscriber_from_creation(world, monkeypatch):
    records = org.records()
    records["Lead"].append(org.lead(org.sf_id("00Q", 9), "Nurture"))
    fake = _start_fake(monkeypatch, records=records)
    try:
        portal = _portal(world, fake)
        _run(portal)
    finally:
        fake.stop()

    lead = Contact.objects.get(portal=portal, external_id=org.sf_id("00Q", 9))
    assert lead.lifecycle_stage == "subscriber"
    assert lead.became_subscriber_at.isoformat() == "2026-01-02T09:00:00+00:00"
    assert lead.became_lead_at is None


@pytest.mark.django_db
def test_contact_stage_dates_from_lead_and_opportunity(portal):
    _run(portal)

    contact = Contact.objects.get(portal=portal, external_id=org.CUSTOMER_CONTACT)
    assert contact.became_lead_at.isoformat() == "2026-01-02T09:00:00+00:00"
    assert contact.became_mql_at.isoformat() == "2026-01-20T12:00:00+00:00"
    assert contact.became_sql_at.isoformat() == "2026-02-01T11:00:00+00:00"
    assert contact.became_opportunity_at.isoformat() == "2026-02-01T12:00:00+00:00"
    assert contact.became_customer_at.isoformat() == "2026-03-15T00:00:00+00:00"


@pytest.mark.django_db
def test_contact_mql_date_from_contact(portal):
    _run(portal)

    contact = Contact.objects.get(portal=portal, external_id=org.PLAIN_CONTACT)
    assert contact.became_mql_at.isoformat() == "2026-01-15T08:00:00+00:00"
    assert contact.became_lead_at is None
    assert contact.became_opportunity_at is None


@pytest.mark.django_db
def test_first_touch_utm_becomes_touchpoint(portal):
    _run(portal)

    touches = {touch.contact_external_id: touch for touch in Touchpoint.objects.filter(portal=portal, external_id__startswith="first_touch:")}
    assert sorted(touches) == sorted([org.OPEN_LEAD, org.CUSTOMER_CONTACT, org.PLAIN_CONTACT])
    assert (touches[org.OPEN_LEAD].utm_source, touches[org.OPEN_LEAD].utm_medium) == ("LinkedIn", "paid-social")
    assert touches[org.OPEN_LEAD].utm_campaign == "2026-q1-robots"
    assert touches[org.OPEN_LEAD].kind == "form_submission"
    assert touches[org.OPEN_LEAD].occurred_at.isoformat() == "2026-01-02T09:00:00+00:00"
    assert touches[org.PLAIN_CONTACT].utm_source == "newsletter"


@pytest.mark.django_db
def test_converted_lead_first_touch_moves_to_contact(portal):
    _run(portal)

    touch = Touchpoint.objects.get(portal=portal, contact_external_id=org.CUSTOMER_CONTACT, external_id__startswith="first_touch:")
    assert (touch.utm_source, touch.utm_medium, touch.utm_campaign) == ("google", "cpc", "2026-q1-brand")
    assert touch.occurred_at.isoformat() == "2026-01-02T09:00:00+00:00"


@pytest.mark.django_db
def test_org_without_custom_fields(world, monkeypatch):
    fake = _start_fake(monkeypatch, records=org.records(person_custom_fields=False))
    try:
        portal = _portal(world, fake)
        sync_run = _run(portal)
    finally:
        fake.stop()

    lead = Contact.objects.get(portal=portal, external_id=org.MQL_LEAD)
    assert sync_run.status == SyncRun.Status.SUCCEEDED
    assert lead.became_mql_at is None
    assert not Touchpoint.objects.filter(portal=portal, external_id__startswith="first_touch:").exists()
    assert not any("MQL_Date__c" in str(entry.query) for entry in fake.requests)
    assert not any("UTM_Source__c" in str(entry.query) for entry in fake.requests)


@pytest.mark.django_db
def test_deal_has_contacts_and_campaign(portal):
    _run(portal)

    deal = Deal.objects.get(portal=portal, external_id=org.OPPORTUNITY)
    assert deal.contact_external_ids == [org.CUSTOMER_CONTACT]
    assert deal.campaign_external_id == org.TRADE_SHOW
    assert deal.company_external_id == org.ACCOUNT
    assert (deal.stage, deal.is_closed, deal.is_won) == ("Closed Won", True, True)
    assert str(deal.amount) == "48000.00"


@pytest.mark.django_db
def test_campaign_fields_are_mapped(portal):
    _run(portal)

    trade_show = Campaign.objects.get(portal=portal, external_id=org.TRADE_SHOW)
    assert trade_show.kind == "Trade Show"
    assert str(trade_show.spend) == "12000.00"
    assert (trade_show.period_start.isoformat(), trade_show.period_end.isoformat()) == ("2026-01-10", "2026-01-12")


@pytest.mark.django_db
def test_campaign_members_become_touchpoints(portal):
    _run(portal)

    members = {touch.campaign_external_id: touch for touch in Touchpoint.objects.filter(portal=portal).exclude(campaign_external_id="")}
    assert members[org.TRADE_SHOW].kind == "event"
    assert members[org.TRADE_SHOW].contact_external_id == org.OPEN_LEAD
    assert members[org.TRADE_SHOW].occurred_at.isoformat() == "2026-01-11T15:00:00+00:00"
    assert members[org.WEBINAR].kind == "webinar"
    assert members[org.WEBINAR].contact_external_id == org.CUSTOMER_CONTACT
    assert members[org.NEWSLETTER].kind == "other"


@pytest.mark.django_db
def test_calls_and_meetings_are_sales_activity(portal):
    _run(portal)

    activities = Touchpoint.objects.filter(portal=portal, is_sales_activity=True).order_by("occurred_at")
    assert [(touch.kind, touch.contact_external_id) for touch in activities] == [
        ("call", org.OPEN_LEAD),
        ("meeting", org.CUSTOMER_CONTACT),
    ]
    assert activities[0].owner_external_id == org.REP
    assert activities[0].occurred_at.isoformat() == "2026-01-03T14:30:00+00:00"


@pytest.mark.django_db
def test_history_becomes_changes(portal):
    _run(portal)

    changes = PropertyChange.objects.filter(portal=portal).exclude(external_id__endswith=":old").order_by("changed_at")
    assert [(change.property, change.value, change.changed_by) for change in changes] == [
        ("owner", org.REP, "integration"),
        ("lead_status", "Marketing Qualified", "integration"),
        ("original_source", "List Import", "user"),
        ("job_title", "CMO", "integration"),
        ("original_source", "List Import", "import"),
        ("original_source", "Trade Show", "user"),
    ]
    assert changes[2].user_external_id == org.REP
    assert changes[2].source_label == "Rita Rep"
    assert changes[4].source_label == "Data Loader"
    assert changes[5].record_external_id == org.PLAIN_CONTACT


@pytest.mark.django_db
def test_status_history_becomes_lifecycle_change(portal):
    _run(portal)

    change = LifecycleChange.objects.get(portal=portal)
    assert (change.from_stage, change.to_stage, change.changed_by) == ("lead", "marketingqualifiedlead", "integration")
    assert change.contact_external_id == org.MQL_LEAD
    assert change.user_external_id == org.INTEGRATION_USER


@pytest.mark.django_db
def test_source_history_keeps_previous_value(portal):
    _run(portal)

    values = list(PropertyChange.objects.filter(portal=portal, record_external_id=org.MQL_LEAD, property="original_source")
                  .order_by("changed_at").values_list("value", "changed_by"))
    assert values == [("Web", "other"), ("List Import", "user")]


@pytest.mark.django_db
def test_converted_lead_history_moves_to_contact(world, monkeypatch):
    records = org.records()
    records["LeadHistory"].append(org.history("LeadHistory", "LeadId", 9, org.CONVERTED_LEAD, "Status", "Open - Not Contacted",
                                              "Marketing Qualified", org.INTEGRATION_USER, "2026-01-20T12:00:00.000+0000"))
    fake = _start_fake(monkeypatch, records=records)
    try:
        portal = _portal(world, fake)
        _run(portal)
    finally:
        fake.stop()

    change = PropertyChange.objects.get(portal=portal, external_id=org.sf_id("017", 9))
    lifecycle = LifecycleChange.objects.get(portal=portal, external_id=org.sf_id("017", 9))
    assert change.record_external_id == org.CUSTOMER_CONTACT
    assert lifecycle.contact_external_id == org.CUSTOMER_CONTACT


@pytest.mark.django_db
def test_converted_lead_activity_moves_to_contact(world, monkeypatch):
    records = org.records()
    records["Task"].append(org.record("Task", org.sf_id("00T", 3), WhoId=org.CONVERTED_LEAD, OwnerId=org.REP, Subject="Call",
                                      TaskSubtype="Call", CallType="Outbound", ActivityDate="2026-01-21",
                                      CompletedDateTime="2026-01-21T14:00:00.000+0000"))
    fake = _start_fake(monkeypatch, records=records)
    try:
        portal = _portal(world, fake)
        _run(portal)
    finally:
        fake.stop()

    call = Touchpoint.objects.get(portal=portal, external_id=org.sf_id("00T", 3))
    assert call.contact_external_id == org.CUSTOMER_CONTACT


@pytest.mark.django_db
def test_history_query_reads_audited_fields_only(portal, fake):
    _run(portal)

    history_queries = [str(entry.query) for entry in _query_paths(fake, "/query") if "LeadHistory" in str(entry.query)]
    assert any("Field IN ('LeadSource', 'Status', 'Owner', 'OwnerId', 'Title')" in query for query in history_queries)


@pytest.mark.django_db
def test_title_history_names_enrichment_app(world, monkeypatch):
    records = org.records()
    zoominfo = org.sf_id("005", 9)
    records["User"].append(org.user(zoominfo, "ZoomInfo", "Integration"))
    records["ContactHistory"].append(org.history("ContactHistory", "ContactId", 9, org.PLAIN_CONTACT, "Title", None,
                                                 "VP Operations", zoominfo, "2026-01-22T08:00:00.000+0000"))
    fake = _start_fake(monkeypatch, records=records)
    try:
        portal = _portal(world, fake)
        _run(portal)
    finally:
        fake.stop()

    change = PropertyChange.objects.get(portal=portal, external_id=org.sf_id("017", 9))
    assert (change.property, change.value, change.changed_by) == ("job_title", "VP Operations", "integration")
    assert change.source_label == "ZoomInfo Integration"
    assert change.record_external_id == org.PLAIN_CONTACT


@pytest.mark.django_db
def test_paging_follows_next_records_url(world, monkeypatch):
    records = org.records()
    records["Lead"] = [org.lead(org.sf_id("00Q", 100 + number), "Open - Not Contacted") for number in range(7)]
    fake = _start_fake(monkeypatch, records=records, page_size=2)
    try:
        portal = _portal(world, fake)
        sync_run = _run(portal)
    finally:
        fake.stop()

    lead_pages = [entry for entry in _query_paths(fake, "/query/01g")]
    assert sync_run.status == SyncRun.Status.SUCCEEDED
    assert Contact.objects.filter(portal=portal, extra__sobject="Lead").count() == 7
    assert sync_run.progress["leads"] == {"done": 7, "total": 7}
    assert len(lead_pages) >= 3


@pytest.mark.django_db
def test_bulk_path_reads_csv_pages(portal, fake, monkeypatch):
    monkeypatch.setattr(salesforce, "BULK_THRESHOLD", 2)
    monkeypatch.setattr(salesforce, "BULK_PAGE_SIZE", 2)
    monkeypatch.setattr(salesforce, "BULK_POLL_SECONDS", 0)

    sync_run = _run(portal)

    bulk_requests = _query_paths(fake, "/jobs/query")
    lead = Contact.objects.get(portal=portal, external_id=org.MQL_LEAD)
    assert sync_run.status == SyncRun.Status.SUCCEEDED
    assert any(entry.method == "POST" for entry in bulk_requests)
    assert any("locator" in entry.query for entry in bulk_requests)
    assert Contact.objects.filter(portal=portal).count() == 4
    assert sync_run.progress["leads"] == {"done": 3, "total": 3}
    assert (lead.lifecycle_stage, lead.employee_count, lead.extra["is_converted"]) == ("marketingqualifiedlead", 250, False)
    assert lead.became_mql_at.isoformat() == "2026-01-05T10:00:00+00:00"
    assert Owner.objects.get(portal=portal, external_id=org.FORMER_REP).is_active is False


@pytest.mark.django_db
def test_bulk_resume_rereads_without_recounting(portal, fake, monkeypatch):
    monkeypatch.setattr(salesforce, "BULK_THRESHOLD", 2)
    monkeypatch.setattr(salesforce, "BULK_PAGE_SIZE", 2)
    monkeypatch.setattr(salesforce, "BULK_POLL_SECONDS", 0)
    first = get_connector(portal).fetch_page("leads", cursor=None, since=None)

    # A new connector, as in a resumed run, starts a new job and writes its first page again.
    resumed = get_connector(portal)
    again = resumed.fetch_page("leads", cursor=first.next_cursor, since=None)
    second = resumed.fetch_page("leads", cursor=again.next_cursor, since=None)
    last = resumed.fetch_page("leads", cursor=second.next_cursor, since=None)

    assert (first.count, again.count, second.count) == (2, 0, 1)
    assert len(again.rows[Contact]) == 2
    assert last.next_cursor is None
    assert len([entry for entry in _query_paths(fake, "/jobs/query") if entry.method == "POST"]) == 2


@pytest.mark.django_db
def test_incremental_reads_only_modified(portal, fake):
    _run(portal)
    leads = org.records()["Lead"]
    leads[0] = org.lead(org.OPEN_LEAD, "Working - Contacted", modified="2099-01-01T00:00:00.000+0000")
    fake.replace_records("Lead", leads)

    sync_run = _run(portal, mode=SyncRun.Mode.INCREMENTAL)

    assert sync_run.status == SyncRun.Status.SUCCEEDED
    assert sync_run.since is not None
    assert sync_run.progress["leads"]["done"] == 1
    assert Contact.objects.get(portal=portal, external_id=org.OPEN_LEAD).lead_status == "Working - Contacted"
    assert any("SystemModstamp > " in str(entry.query) for entry in _query_paths(fake, "/query"))


@pytest.mark.django_db
def test_revoked_session_fails_with_clear_error(world, fake):
    portal = _portal(world, fake, {"access_token": "00DFAKE000000001!revoked", "instance_url": fake.base_url})

    sync_run = _run(portal)

    portal.refresh_from_db()
    assert sync_run.status == SyncRun.Status.FAILED
    assert sync_run.error_object == "users"
    assert "Salesforce rejected the session while reading users (401 INVALID_SESSION_ID)" in sync_run.error_message
    assert "Store a new access token" in sync_run.error_message
    assert portal.status == Portal.Status.ERROR
    assert not Owner.objects.filter(portal=portal).exists()


@pytest.mark.django_db
def test_wrong_password_fails_with_clear_error(world, fake):
    portal = _portal(world, fake, {**PASSWORD_CREDENTIALS, "password": "wrong"})

    sync_run = _run(portal)

    assert sync_run.status == SyncRun.Status.FAILED
    assert "Salesforce rejected the login of integration.user@example.com (invalid_grant" in sync_run.error_message
    assert "reset the user's security token" in sync_run.error_message


@pytest.mark.django_db
def test_missing_credentials_are_named(world):
    portal = Portal(client=world.client, vendor=Portal.Vendor.SALESFORCE)
    portal.set_credentials({"username": "someone@example.com"})

    with pytest.raises(AuthenticationFailed, match="password, client_id, client_secret missing"):
        get_connector(portal)


@pytest.mark.django_db
def test_expired_session_is_renewed(portal, fake):
    connector = get_connector(portal)
    connector.fetch_page("users", cursor=None, since=None)
    first_session = connector.sf.session_id
    fake.tokens.expire(first_session)

    page = connector.fetch_page("accounts", cursor=None, since=None)

    assert page.count == 1
    assert connector.sf.session_id != first_session


@pytest.mark.django_db
def test_hidden_field_fails_with_clear_error(world, monkeypatch):
    records = org.records()
    for lead in records["Lead"]:
        del lead["Status"]
    fake = _start_fake(monkeypatch, records=records)
    try:
        sync_run = _run(_portal(world, fake))
    finally:
        fake.stop()

    assert sync_run.status == SyncRun.Status.FAILED
    assert sync_run.error_object == "leads"
    assert "Salesforce rejected the query on Lead while reading leads (INVALID_FIELD: No such column 'Status' on entity 'Lead'.)" in sync_run.error_message
    assert "read access to that Lead field" in sync_run.error_message


@pytest.mark.django_db
def test_missing_object_fails_with_clear_error(world, monkeypatch):
    records = org.records()
    del records["Campaign"]
    fake = _start_fake(monkeypatch, records=records)
    try:
        sync_run = _run(_portal(world, fake))
    finally:
        fake.stop()

    assert sync_run.status == SyncRun.Status.FAILED
    assert sync_run.error_object == "campaigns"
    assert "Salesforce rejected the query on Campaign while reading campaigns (INVALID_TYPE" in sync_run.error_message
    assert "Read access to the Campaign object" in sync_run.error_message


@pytest.mark.django_db
def test_request_limit_is_retried(portal, fake):
    fake.faults.set_rate_limit(4, 0.3)

    sync_run = _run(portal)

    assert sync_run.status == SyncRun.Status.SUCCEEDED
    assert any(entry.status == 403 for entry in fake.faults.requests)


@pytest.mark.django_db
def test_request_limit_gives_up_after_retries(portal, fake, monkeypatch):
    monkeypatch.setattr(salesforce, "LIMIT_ATTEMPTS", 2)
    fake.faults.set_rate_limit(1, 60)

    with pytest.raises(VendorUnavailable):
        _run(portal)

    sync_run = SyncRun.objects.get(portal=portal)
    assert sync_run.status == SyncRun.Status.FAILED
    assert "kept returning 403 REQUEST_LIMIT_EXCEEDED while reading users after 2 attempts" in sync_run.error_message


@pytest.mark.django_db
def test_outage_keeps_written_pages_and_resumes(world, monkeypatch):
    fake = _start_fake(monkeypatch, page_size=2)
    try:
        portal = _portal(world, fake)
        # given: the fake fails every request once the users and accounts are read
        start = fake.faults.request_count
        fake.faults.fail_requests(*range(start + 9, start + 400), status=503)

        # when
        with pytest.raises(VendorUnavailable):
            _run(portal)

        # then: the run failed naming the object, kept its pages and cursor, and resumes to the end
        sync_run = SyncRun.objects.get(portal=portal)
        assert sync_run.status == SyncRun.Status.FAILED
        assert "kept returning 503" in sync_run.error_message
        assert Owner.objects.filter(portal=portal).count() == 4
        assert sync_run.cursor["users"] == engine.DONE
        fake.faults.clear()
        engine.sync_run_requeue(sync_run=sync_run)
        resumed = engine.sync_run_execute(sync_run_id=sync_run.pk)
    finally:
        fake.stop()

    assert resumed.status == SyncRun.Status.SUCCEEDED
    assert resumed.attempts == 2
    assert Contact.objects.filter(portal=portal).count() == 4
    assert resumed.progress["users"] == {"done": 4, "total": 4}
