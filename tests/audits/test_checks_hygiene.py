from datetime import datetime, timezone

import pytest

from audits.checks.base import CheckContext
from audits.checks.hygiene import FreeMailLeads, InvalidEmails, MissingFitFields
from audits.checks.hygiene_duplicates import DuplicateCompanies, DuplicateContacts
from audits.dedupe import (
    RULE_EMAIL,
    RULE_EMAIL_PLUS_TAG,
    RULE_NAME_COMPANY,
    RULE_NAME_PHONE,
    ContactRow,
    cluster_contacts,
    surviving_company,
)
from audits.thresholds import effective_thresholds
from portals.models import Portal
from tests.audits.snapshot_factories import CompanyFactory, ContactFactory
from tests.factories import PortalFactory

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
MQL = "marketingqualifiedlead"

CASE_6_EMAILS = [
    "ana.test@example.com",
    "Ana.Test@Example.com",
    "ana.test+events@example.com",
    "bo.demo@example.org",
    " bo.demo@example.org ",
    "cy.sample@example.net",
    "dee.trial@example.com",
    "eli.case@example.com",
    "fay.mock@example.com",
    "gus.probe@example.com",
]

CASE_7_COMPANIES = [
    ("1", "Acme Widgets", "acme-widgets.test"),
    ("2", "ACME Widgets Inc.", "www.acme-widgets.test"),
    ("3", "Acme Widgets", "https://acme-widgets.test/"),
    ("4", "Beta Labs", "beta-labs.test"),
    ("5", "Beta Labs GmbH", "betalabs-eu.test"),
    ("6", "Gamma Co", "gamma.test"),
]


def context_for(portal, portal_ids=None, **overrides):
    return CheckContext(
        client_id=portal.client_id,
        portal_ids=portal_ids or [portal.pk],
        thresholds=effective_thresholds(overrides),
        now=NOW,
    )


@pytest.fixture
def portal(world):
    """A portal of the client under test with only the rows a test creates."""
    return PortalFactory(client=world.client, name="Zebra audited portal")


def other_portal(world):
    return Portal.objects.get(client=world.other_client)


def build_case_6(portal):
    for index, email in enumerate(CASE_6_EMAILS, start=1):
        ContactFactory(portal=portal, external_id=str(index), email=email)


def build_case_7(portal, created_at=None):
    for external_id, name, domain in CASE_7_COMPANIES:
        CompanyFactory(portal=portal, external_id=external_id, name=name, domain=domain, created_at=created_at)


# Duplicate contacts


@pytest.mark.django_db
def test_case_6_with_plus_tags(world, portal):
    build_case_6(portal)

    outcome = DuplicateContacts().run(context_for(portal))

    assert outcome.measured_value == 0.3
    assert outcome.metrics["surplus"] == 3
    assert outcome.metrics["exact_string_surplus"] == 0
    assert outcome.metrics["surplus_by_rule"][RULE_EMAIL] == 2
    assert outcome.metrics["surplus_by_rule"][RULE_EMAIL_PLUS_TAG] == 1


@pytest.mark.django_db
def test_case_6_groups_and_rules(world, portal):
    build_case_6(portal)

    (finding,) = DuplicateContacts().run(context_for(portal)).findings
    groups = [(group["ids"], group["rules"]) for group in finding.evidence["groups"]]

    assert groups == [(["1", "2", "3"], [RULE_EMAIL, RULE_EMAIL_PLUS_TAG]), (["4", "5"], [RULE_EMAIL])]
    assert finding.key == "contacts:duplicates"
    assert finding.affected_count == 3
    assert finding.denominator == 10
    assert finding.threshold == 0.1
    assert finding.evidence["sample_ids"] == ["2", "3", "5"]


@pytest.mark.django_db
def test_case_6_without_plus_tags(world, portal):
    build_case_6(portal)

    outcome = DuplicateContacts().run(context_for(portal, duplicate_strip_plus_tags=False))
    (finding,) = outcome.findings

    assert outcome.measured_value == 0.2
    assert [group["ids"] for group in finding.evidence["groups"]] == [["1", "2"], ["4", "5"]]
    assert outcome.metrics["surplus_by_rule"][RULE_EMAIL_PLUS_TAG] == 0


@pytest.mark.django_db
def test_duplicates_at_threshold_not_flagged(world, portal):
    build_case_6(portal)

    outcome = DuplicateContacts().run(context_for(portal, duplicate_strip_plus_tags=False, duplicate_rate=0.2))

    assert outcome.findings == []


@pytest.mark.django_db
def test_fuzzy_name_and_company(world, portal):
    ContactFactory(portal=portal, external_id="1", email="dana@acme-widgets.test", first_name="Dana", last_name="Smith", company_name="Acme Widgets")
    ContactFactory(portal=portal, external_id="2", email="d.smith@acme-widgets.test", first_name="dana", last_name="SMITH", company_name="ACME Widgets Inc.")
    ContactFactory(portal=portal, external_id="3", email="dana@zeta.test", first_name="Dana", last_name="Smith", company_name="Zeta Corp")

    (finding,) = DuplicateContacts().run(context_for(portal)).findings

    assert [(group["ids"], group["rules"]) for group in finding.evidence["groups"]] == [(["1", "2"], [RULE_NAME_COMPANY])]


@pytest.mark.django_db
def test_fuzzy_name_and_phone(world, portal):
    ContactFactory(portal=portal, external_id="1", email="lee@one.test", first_name="Lee", last_name="Park", phone="+1 (555) 010-2000")
    ContactFactory(portal=portal, external_id="2", email="lee@two.test", first_name="Lee", last_name="Parke", phone="555.010.2000")
    ContactFactory(portal=portal, external_id="3", email="bo@two.test", first_name="Bo", last_name="Demo", phone="555.010.2000")

    (finding,) = DuplicateContacts().run(context_for(portal)).findings

    assert [(group["ids"], group["rules"]) for group in finding.evidence["groups"]] == [(["1", "2"], [RULE_NAME_PHONE])]


@pytest.mark.django_db
def test_duplicates_per_portal_only(world, portal):
    second_portal = PortalFactory(client=world.client, name="Zebra Salesforce", vendor=Portal.Vendor.SALESFORCE)
    ContactFactory(portal=portal, external_id="1", email="ana@example.com")
    ContactFactory(portal=second_portal, external_id="1", email="ana@example.com")

    outcome = DuplicateContacts().run(context_for(portal, portal_ids=[portal.pk, second_portal.pk]))

    assert outcome.metrics["contacts"] == 2
    assert outcome.metrics["surplus"] == 0


@pytest.mark.django_db
def test_duplicates_other_client_not_counted(world, portal):
    build_case_6(portal)
    for index, email in enumerate(CASE_6_EMAILS[:3], start=1):
        ContactFactory(portal=other_portal(world), external_id=str(index), email=email)

    outcome = DuplicateContacts().run(context_for(portal))

    assert outcome.metrics["contacts"] == 10
    assert outcome.metrics["surplus"] == 3


@pytest.mark.django_db
def test_duplicate_contacts_skipped_without_contacts(world, portal):
    ContactFactory(portal=other_portal(world))

    assert DuplicateContacts().run(context_for(portal)).skipped_reason


def test_contact_survivor_is_oldest():
    rows = [
        ContactRow(1, "10", "ana@example.com", "", "", "", "", datetime(2026, 2, 1, tzinfo=timezone.utc)),
        ContactRow(1, "11", "ANA@example.com", "", "", "", "", datetime(2026, 1, 1, tzinfo=timezone.utc)),
        ContactRow(1, "9", "ana@example.com ", "", "", "", "", None),
    ]

    (cluster,) = cluster_contacts(rows, strip_plus_tags=True).clusters

    assert cluster.survivor == "11"
    assert cluster.ids == ["9", "10", "11"]


def dana_smith(external_id, company):
    return ContactRow(1, external_id, f"dana{external_id}@example.com", "Dana", "Smith", company, "", None)


def test_oversize_block_split_by_company(monkeypatch):
    monkeypatch.setattr("audits.dedupe.MAX_BLOCK_SIZE", 2)
    rows = [dana_smith("1", "Acme"), dana_smith("2", "Acme Inc."), dana_smith("3", "Zeta")]

    report = cluster_contacts(rows, strip_plus_tags=True)

    assert [cluster.ids for cluster in report.clusters] == [["1", "2"]]
    assert report.skipped_blocks == 0


def test_oversize_block_skipped_and_counted(monkeypatch):
    monkeypatch.setattr("audits.dedupe.MAX_BLOCK_SIZE", 2)
    rows = [dana_smith("1", "Acme"), dana_smith("2", "Acme"), dana_smith("3", "Acme")]

    report = cluster_contacts(rows, strip_plus_tags=True)

    assert report.clusters == []
    assert report.skipped_blocks == 1


# Duplicate companies


@pytest.mark.django_db
def test_case_7_domain_group(world, portal):
    build_case_7(portal)

    outcome = DuplicateCompanies().run(context_for(portal))
    findings = {finding.key: finding for finding in outcome.findings}
    (group,) = findings["companies:domain"].evidence["groups"]

    assert outcome.measured_value == pytest.approx(2 / 6)
    assert group["ids"] == ["1", "2", "3"]
    assert group["survivor"] == "1"
    assert findings["companies:domain"].affected_count == 2


@pytest.mark.django_db
def test_case_7_name_candidates_review_only(world, portal):
    build_case_7(portal)

    findings = {finding.key: finding for finding in DuplicateCompanies().run(context_for(portal)).findings}
    (candidate,) = findings["companies:name_candidates"].evidence["groups"]

    assert candidate["ids"] == ["4", "5"]
    assert findings["companies:name_candidates"].evidence["review_only"] is True
    assert findings["companies:name_candidates"].severity == "low"


@pytest.mark.django_db
def test_company_survivor_oldest_created(world, portal):
    CompanyFactory(portal=portal, external_id="1", domain="acme-widgets.test", created_at=datetime(2025, 5, 1, tzinfo=timezone.utc))
    CompanyFactory(portal=portal, external_id="3", domain="https://acme-widgets.test/", created_at=datetime(2024, 1, 1, tzinfo=timezone.utc))

    (finding,) = DuplicateCompanies().run(context_for(portal)).findings

    assert finding.evidence["groups"][0]["survivor"] == "3"


@pytest.mark.django_db
def test_duplicate_companies_other_client_not_counted(world, portal):
    build_case_7(portal)
    CompanyFactory(portal=other_portal(world), external_id="1", domain="acme-widgets.test")

    outcome = DuplicateCompanies().run(context_for(portal))

    assert outcome.metrics["companies"] == 6
    assert outcome.metrics["domain_surplus"] == 2


@pytest.mark.django_db
def test_duplicate_companies_skipped_without_companies(world, portal):
    assert DuplicateCompanies().run(context_for(portal)).skipped_reason


@pytest.mark.django_db
def test_routing_matches_surviving_account(world, portal):
    build_case_7(portal)

    company = surviving_company(world.client.pk, "kim.lee@acme-widgets.test")

    assert company.external_id == "1"
    assert company.client_id == world.client.pk


@pytest.mark.django_db
def test_surviving_company_from_url(world, portal):
    build_case_7(portal)

    assert surviving_company(world.client.pk, "https://www.Acme-Widgets.test/pricing").external_id == "1"


@pytest.mark.django_db
def test_surviving_company_ignores_other_client(world, portal):
    build_case_7(portal, created_at=datetime(2025, 1, 1, tzinfo=timezone.utc))
    CompanyFactory(portal=other_portal(world), external_id="0", domain="acme-widgets.test", created_at=datetime(2020, 1, 1, tzinfo=timezone.utc))

    assert surviving_company(world.client.pk, "acme-widgets.test").external_id == "1"


@pytest.mark.django_db
def test_surviving_company_no_match(world, portal):
    build_case_7(portal)
    CompanyFactory(portal=portal, external_id="7", domain="notacme-widgets.test")

    assert surviving_company(world.client.pk, "kim@widgets.test") is None
    assert surviving_company(world.client.pk, "") is None


@pytest.mark.django_db
def test_surviving_company_skips_lookalike_domain(world, portal):
    CompanyFactory(portal=portal, external_id="1", domain="notacme-widgets.test")
    CompanyFactory(portal=portal, external_id="2", domain="www.acme-widgets.test")

    assert surviving_company(world.client.pk, "acme-widgets.test").external_id == "2"


# Missing fit fields


@pytest.mark.django_db
def test_missing_fit_fields(world, portal):
    CompanyFactory(portal=portal, external_id="co1", employee_count=300, industry="Software")
    complete = {"employee_count": 120, "industry": "Software", "job_title": "CMO"}
    ContactFactory(portal=portal, external_id="1", lifecycle_stage="lead", **complete)
    ContactFactory(portal=portal, external_id="2", lifecycle_stage=MQL, **{**complete, "job_title": ""})
    ContactFactory(portal=portal, external_id="3", lifecycle_stage="lead", job_title="CMO", company_external_id="co1")
    ContactFactory(portal=portal, external_id="4", lifecycle_stage=MQL)
    ContactFactory(portal=portal, external_id="5", lifecycle_stage="customer")
    ContactFactory(portal=other_portal(world), lifecycle_stage="lead")

    outcome = MissingFitFields().run(context_for(portal))
    findings = {finding.key: finding for finding in outcome.findings}

    assert outcome.metrics["total"] == 4
    assert outcome.metrics["any_missing"] == 2
    assert findings["missing:company_size"].affected_count == 1
    assert findings["missing:industry"].affected_count == 1
    assert findings["missing:job_title"].affected_count == 2
    assert findings["missing:job_title"].evidence["sample_ids"] == ["2", "4"]


@pytest.mark.django_db
def test_missing_fit_fields_skipped_without_leads(world, portal):
    ContactFactory(portal=portal, lifecycle_stage="customer")

    assert MissingFitFields().run(context_for(portal)).skipped_reason


# Invalid emails


@pytest.mark.django_db
def test_invalid_emails(world, portal):
    for external_id, email in [("1", "ana@example.com"), ("2", "ana.example.com"), ("3", "ana@@example.com"), ("4", " bo@example.org "), ("5", "")]:
        ContactFactory(portal=portal, external_id=external_id, email=email)
    ContactFactory(portal=other_portal(world), email="broken")

    outcome = InvalidEmails().run(context_for(portal))
    (finding,) = outcome.findings

    assert finding.affected_count == 2
    assert finding.denominator == 4
    assert finding.evidence["sample_ids"] == ["2", "3"]
    assert outcome.metrics["without_email"] == 1


@pytest.mark.django_db
def test_invalid_emails_skipped_without_emails(world, portal):
    ContactFactory(portal=portal, email="")

    assert InvalidEmails().run(context_for(portal)).skipped_reason


# Free-mail domains


@pytest.mark.django_db
def test_free_mail_leads(world, portal):
    leads = [("1", "ana@gmail.com", "lead"), ("2", "bo@GMX.de", MQL), ("3", "cy@yahoo.co.uk", "salesqualifiedlead"), ("4", "dee@acme.test", "lead")]
    for external_id, email, stage in leads:
        ContactFactory(portal=portal, external_id=external_id, email=email, lifecycle_stage=stage)
    ContactFactory(portal=portal, external_id="5", email="eli@gmail.com", lifecycle_stage="subscriber")
    ContactFactory(portal=other_portal(world), email="x@gmail.com", lifecycle_stage="lead")

    outcome = FreeMailLeads().run(context_for(portal))
    (finding,) = outcome.findings

    assert finding.affected_count == 3
    assert finding.denominator == 4
    assert finding.evidence["by_domain"] == {"gmail.com": 1, "gmx.de": 1, "yahoo.co.uk": 1}
    assert finding.evidence["sample_ids"] == ["1", "2", "3"]


@pytest.mark.django_db
def test_free_mail_skipped_without_leads(world, portal):
    ContactFactory(portal=portal, email="eli@gmail.com", lifecycle_stage="subscriber")

    assert FreeMailLeads().run(context_for(portal)).skipped_reason


@pytest.mark.django_db
def test_hygiene_remediations(world, portal):
    build_case_6(portal)
    build_case_7(portal)

    findings = DuplicateContacts().run(context_for(portal)).findings + DuplicateCompanies().run(context_for(portal)).findings

    for finding in findings:
        assert (DuplicateContacts() if finding.key.startswith("contacts") else DuplicateCompanies()).remediation(finding).steps
