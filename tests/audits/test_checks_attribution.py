from datetime import datetime, timezone

import pytest

from audits.checks.attribution import UTM_FIELDS, UtmMediumSynonyms, UtmMissingValues, UtmVariants
from audits.checks.attribution_rules import CampaignNaming, UnassignedChannel
from audits.checks.attribution_self_reported import SelfReportedAgreement, SelfReportedField, self_reported_channel
from audits.checks.attribution_events import OfflineInteractionsMissing
from audits.checks.attribution_sources import OriginalSourceCoverage, OriginalSourceOverwritten
from audits.checks.base import CheckContext, all_checks
from audits.thresholds import effective_thresholds
from portals.models import Contact, Portal, Touchpoint
from tests.audits.snapshot_factories import (
    CampaignFactory,
    ContactFactory,
    DealFactory,
    FormFactory,
    PropertyChangeFactory,
    TouchpointFactory,
)

NOW = datetime(2026, 10, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def world(db, world):
    """The shared world without its synced sample contact, so that each snapshot holds only what a test builds."""
    Contact.objects.filter(client=world.client).delete()
    return world


def context_for(world, **overrides):
    return CheckContext(client_id=world.client.pk, portal_ids=[world.portal.pk], thresholds=effective_thresholds(overrides), now=NOW)


def other_portal(world):
    return Portal.objects.get(client=world.other_client)


def touch(portal, contact="1", **fields):
    return TouchpointFactory(portal=portal, contact_external_id=contact, **fields).external_id


def finding(outcome, key):
    matches = [item for item in outcome.findings if item.key == key]
    assert matches, f"no finding {key!r}; keys: {[item.key for item in outcome.findings]}"
    return matches[0]


def build_case_1(portal):
    """Reference case 1: four contacts whose UTM values differ only in letter case. Returns the touchpoint ids."""
    rows = [
        ("c1", "facebook", "social", "spring_sale"),
        ("c2", "Facebook", "Social", "Spring_Sale"),
        ("c3", "FACEBOOK", "SOCIAL", "SPRING_SALE"),
        ("c4", "facebook", "social", "spring_sale"),
    ]
    return [touch(portal, contact, utm_source=source, utm_medium=medium, utm_campaign=campaign)
            for contact, source, medium, campaign in rows]


def test_checks_registered():
    codes = set(all_checks())
    assert {
        "attribution.utm_variants", "attribution.utm_medium_synonyms", "attribution.utm_missing_values",
        "attribution.unassigned_channel", "attribution.campaign_naming", "attribution.original_source_coverage",
        "attribution.original_source_overwritten", "attribution.offline_interactions_missing",
        "attribution.self_reported_field", "attribution.self_reported_agreement",
    } <= codes


# UTM case and spelling variants

@pytest.mark.parametrize("field", ["utm_source", "utm_medium", "utm_campaign"])
def test_variants_case_1_distinct_counts(world, field):
    build_case_1(world.portal)

    outcome = UtmVariants().run(context_for(world))

    assert outcome.metrics[field]["raw_distinct"] == 3
    assert outcome.metrics[field]["normalised_distinct"] == 1


def test_variants_case_1_source_finding(world):
    ids = build_case_1(world.portal)

    result = finding(UtmVariants().run(context_for(world)), "utm_source:facebook")

    assert result.title == "utm_source has 3 case variants of `facebook`"
    assert result.severity == "medium"
    assert result.evidence["groups"] == [
        {"value": "facebook", "touchpoints": 2}, {"value": "FACEBOOK", "touchpoints": 1}, {"value": "Facebook", "touchpoints": 1},
    ]
    assert result.evidence["normalised_groups"] == [{"value": "facebook", "touchpoints": 4}]
    assert result.affected_count == 2
    assert result.denominator == 4
    assert result.evidence["sample_ids"] == sorted([ids[1], ids[2]])


def test_variants_case_1_medium_and_campaign(world):
    build_case_1(world.portal)

    outcome = UtmVariants().run(context_for(world))

    assert finding(outcome, "utm_medium:social").title == "utm_medium has 3 case variants of `social`"
    assert finding(outcome, "utm_campaign:springsale").title == "utm_campaign has 3 case variants of `spring_sale`"
    assert finding(outcome, "utm_campaign:springsale").severity == "low"
    assert len(outcome.findings) == 3


def test_variants_case_1_measured_share(world):
    build_case_1(world.portal)

    outcome = UtmVariants().run(context_for(world))

    # 2 off-spelling values in each of source, medium and campaign, of 12 set values.
    assert outcome.measured_value == pytest.approx(0.5)
    assert outcome.metrics["utm_values_set"] == 12


@pytest.mark.parametrize("field", UTM_FIELDS)
def test_variants_every_field(world, field):
    touch(world.portal, **{field: "Alpha_One"})
    touch(world.portal, **{field: "alpha-one"})
    touch(world.portal, **{field: "alpha-one"})

    outcome = UtmVariants().run(context_for(world))

    result = finding(outcome, f"{field}:alphaone")
    assert result.title == f"{field} has 2 spelling variants of `alpha-one`"
    assert result.affected_count == 1
    assert outcome.metrics[field] == {"raw_distinct": 2, "normalised_distinct": 1, "groups_with_variants": 1}


def test_variants_synonym_aliases(world):
    for value in ("fb", "facebook.com", "facebook", "facebook"):
        touch(world.portal, utm_source=value)

    result = finding(UtmVariants().run(context_for(world)), "utm_source:facebook")

    assert result.title == "utm_source has 3 spelling variants of `facebook`"
    assert result.affected_count == 2


def test_variants_clean_values_no_finding(world):
    touch(world.portal, utm_source="google", utm_medium="cpc")
    touch(world.portal, utm_source="bing", utm_medium="cpc")

    outcome = UtmVariants().run(context_for(world))

    assert outcome.findings == []
    assert outcome.measured_value == 0.0


def test_variants_other_client_not_counted(world):
    build_case_1(world.portal)
    touch(other_portal(world), utm_source="FaceBook", utm_medium="Social")

    outcome = UtmVariants().run(context_for(world))

    assert outcome.metrics["utm_source"]["raw_distinct"] == 3
    assert finding(outcome, "utm_source:facebook").denominator == 4


def test_variants_skipped_without_utm(world):
    touch(world.portal, referrer="https://www.google.com/")

    outcome = UtmVariants().run(context_for(world))

    assert outcome.skipped_reason.startswith("No touchpoint carries a UTM value")


def test_variants_remediation(world):
    build_case_1(world.portal)

    outcome = UtmVariants().run(context_for(world))

    assert UtmVariants().remediation(outcome.findings[0]).title == "Standardise UTM values on one lower-case spelling"


# Medium synonyms

def build_mediums(portal):
    ids = {}
    for medium, count in (("cpc", 3), ("CPC", 1), ("ppc", 2), ("paid", 1), ("Paid-Search", 1), ("social", 2), ("sm", 1)):
        ids[medium] = [touch(portal, utm_source="google", utm_medium=medium) for _ in range(count)]
    return ids


def test_synonyms_cpc_group(world):
    ids = build_mediums(world.portal)

    result = finding(UtmMediumSynonyms().run(context_for(world)), "utm_medium:cpc")

    assert result.title == "utm_medium uses 4 words for `cpc`: cpc, ppc, paid, paidsearch"
    assert result.affected_count == 4
    assert result.denominator == 8
    assert result.evidence["groups"][0] == {"word": "cpc", "values": ["CPC", "cpc"], "touchpoints": 4}
    assert result.evidence["sample_ids"] == sorted(ids["ppc"] + ids["paid"] + ids["Paid-Search"])


def test_synonyms_social_group(world):
    build_mediums(world.portal)

    result = finding(UtmMediumSynonyms().run(context_for(world)), "utm_medium:social")

    assert result.affected_count == 1
    assert result.denominator == 3


def test_synonyms_measured_share(world):
    build_mediums(world.portal)

    outcome = UtmMediumSynonyms().run(context_for(world))

    assert outcome.measured_value == pytest.approx(5 / 11)
    assert outcome.metrics["touchpoints_with_medium"] == 11


def test_synonyms_case_only_no_finding(world):
    touch(world.portal, utm_medium="cpc")
    touch(world.portal, utm_medium="CPC")

    assert UtmMediumSynonyms().run(context_for(world)).findings == []


def test_synonyms_skipped_without_medium(world):
    touch(world.portal, utm_source="google")

    assert UtmMediumSynonyms().run(context_for(world)).skipped_reason == "No touchpoint has a utm_medium value."


# Missing utm_source / utm_medium

def build_missing(portal):
    return {
        "full": touch(portal, kind=Touchpoint.Kind.AD_CLICK, utm_source="google", utm_medium="cpc", utm_campaign="brand"),
        "no_source": touch(portal, utm_medium="cpc", utm_campaign="brand"),
        "no_medium": touch(portal, utm_source="newsletter", utm_campaign="may"),
        "term_only": touch(portal, utm_term="erp software"),
        "bare_ad_click": touch(portal, kind=Touchpoint.Kind.AD_CLICK, click_id="Cj0KCQ1"),
        "untagged": touch(portal, referrer="https://www.google.com/"),
    }


def test_missing_tagged_source(world):
    ids = build_missing(world.portal)

    result = finding(UtmMissingValues().run(context_for(world)), "tagged:utm_source")

    assert result.title == "utm_source missing on 2 of 4 tagged touchpoints"
    assert result.affected_count == 2
    assert result.denominator == 4
    assert result.evidence["sample_ids"] == sorted([ids["no_source"], ids["term_only"]])


def test_missing_tagged_medium(world):
    ids = build_missing(world.portal)

    result = finding(UtmMissingValues().run(context_for(world)), "tagged:utm_medium")

    assert result.affected_count == 2
    assert result.evidence["sample_ids"] == sorted([ids["no_medium"], ids["term_only"]])


def test_missing_on_ad_clicks(world):
    ids = build_missing(world.portal)

    outcome = UtmMissingValues().run(context_for(world))

    assert finding(outcome, "ad_click:utm_source").title == "utm_source missing on 1 of 2 ad clicks"
    assert finding(outcome, "ad_click:utm_medium").evidence["sample_ids"] == [ids["bare_ad_click"]]
    assert UtmMissingValues().remediation(finding(outcome, "ad_click:utm_source")).priority == "p1"


def test_missing_measured_share(world):
    build_missing(world.portal)

    outcome = UtmMissingValues().run(context_for(world))

    assert outcome.measured_value == pytest.approx(0.75)
    assert outcome.metrics["tagged"] == 4
    assert outcome.metrics["ad_click"] == 2


def test_missing_other_client_not_counted(world):
    build_missing(world.portal)
    touch(other_portal(world), utm_medium="cpc")
    touch(other_portal(world), kind=Touchpoint.Kind.AD_CLICK)

    outcome = UtmMissingValues().run(context_for(world))

    assert outcome.metrics["tagged:utm_source"] == 2
    assert outcome.metrics["ad_click"] == 2


def test_missing_skipped_without_data(world):
    touch(world.portal)

    assert UtmMissingValues().run(context_for(world)).skipped_reason


# Unassigned channel

def build_unassigned(portal):
    ids = {"paid": [touch(portal, utm_source="google", utm_medium="cpc", utm_campaign="a") for _ in range(2)]}
    ids["qr"] = [touch(portal, utm_source="qr-code", utm_medium="print") for _ in range(3)]
    ids["flyer"] = [touch(portal, utm_source="flyer", utm_medium="offline-qr")]
    ids["campaign_only"] = [touch(portal, utm_campaign="spring")]
    for _ in range(5):
        touch(portal, referrer="https://www.google.com/")
    return ids


def test_unassigned_share(world):
    build_unassigned(world.portal)

    outcome = UnassignedChannel().run(context_for(world))

    assert outcome.measured_value == pytest.approx(5 / 7)
    assert outcome.metrics["touchpoints_by_channel"] == {"Paid Search": 2, "Unassigned": 5}


def test_unassigned_finding(world):
    ids = build_unassigned(world.portal)

    result = finding(UnassignedChannel().run(context_for(world)), "unassigned")

    assert result.title == "5 of 7 tagged touchpoints match no channel rule"
    assert result.evidence["groups"][0] == {"utm_source": "qr-code", "utm_medium": "print", "utm_campaign": "", "touchpoints": 3}
    assert len(result.evidence["groups"]) == 3
    assert result.evidence["sample_ids"] == sorted(ids["qr"] + ids["flyer"] + ids["campaign_only"])


def test_unassigned_email_match_threshold(world):
    touch(world.portal, utm_source="crm", utm_medium="email_blast")

    contains = UnassignedChannel().run(context_for(world))
    exact = UnassignedChannel().run(context_for(world, channel_email_match="exact"))

    assert contains.findings == []
    assert exact.metrics["unassigned_touchpoints"] == 1


def test_unassigned_other_client_not_counted(world):
    build_unassigned(world.portal)
    touch(other_portal(world), utm_source="swag-bag", utm_medium="merch")

    outcome = UnassignedChannel().run(context_for(world))

    assert outcome.metrics["unassigned_touchpoints"] == 5


def test_unassigned_skipped_without_campaign_values(world):
    touch(world.portal, referrer="https://www.google.com/")

    assert UnassignedChannel().run(context_for(world)).skipped_reason


# Campaign naming

def build_campaigns(portal):
    for value, count in (("spring_sale", 3), ("Spring Promo", 2), ("ERP_Demo_Q1", 1), ("webinar-march", 1)):
        for _ in range(count):
            touch(portal, utm_source="google", utm_medium="cpc", utm_campaign=value)


def test_naming_finding(world):
    build_campaigns(world.portal)

    result = finding(CampaignNaming().run(context_for(world)), "utm_campaign:naming")

    assert result.title == "3 of 4 utm_campaign values break the naming convention"
    assert result.affected_count == 4
    assert result.denominator == 7
    assert result.evidence["groups"] == [
        {"value": "Spring Promo", "touchpoints": 2}, {"value": "ERP_Demo_Q1", "touchpoints": 1}, {"value": "webinar-march", "touchpoints": 1},
    ]


def test_naming_custom_pattern(world):
    touch(world.portal, utm_campaign="2026-q1-erp")
    touch(world.portal, utm_campaign="2026_q1_erp")

    outcome = CampaignNaming().run(context_for(world, campaign_naming_pattern=r"^20\d{2}-q[1-4]-[a-z0-9]+(-[a-z0-9]+)*$"))

    assert outcome.metrics["breaking_values"] == 1
    assert outcome.findings[0].evidence["groups"] == [{"value": "2026_q1_erp", "touchpoints": 1}]


def test_naming_skipped_without_pattern(world):
    build_campaigns(world.portal)

    outcome = CampaignNaming().run(context_for(world, campaign_naming_pattern=""))

    assert "campaign_naming_pattern threshold is empty" in outcome.skipped_reason


def test_naming_skipped_on_invalid_pattern(world):
    build_campaigns(world.portal)

    outcome = CampaignNaming().run(context_for(world, campaign_naming_pattern="(["))

    assert "not a valid regular expression" in outcome.skipped_reason


def test_naming_other_client_not_counted(world):
    build_campaigns(world.portal)
    touch(other_portal(world), utm_campaign="Other Client Campaign")

    outcome = CampaignNaming().run(context_for(world))

    assert outcome.metrics["breaking_values"] == 3


def test_naming_skipped_without_campaigns(world):
    touch(world.portal, utm_source="google")

    assert CampaignNaming().run(context_for(world)).skipped_reason == "No touchpoint has a utm_campaign value."


# Original source coverage

def contact(portal, external_id, source="", dd1="", dd2="", **fields):
    return ContactFactory(portal=portal, external_id=external_id, original_source=source,
                          original_source_drill_down_1=dd1, original_source_drill_down_2=dd2, **fields)


def build_case_3(portal):
    """Reference case 3: four offline contacts, two online and two without a source.

    The portal has the offline_source property, but no contact has a value in it.
    """
    rows = [
        ("OFFLINE", "IMPORT", "tradeshow-2026.csv"), ("OFFLINE", "IMPORT", "list-buy.csv"), ("OFFLINE", "API", "contacts-upsert"),
        ("OFFLINE", "CRM_UI", ""), ("PAID_SEARCH", "spring_campaign", ""), ("ORGANIC_SEARCH", "", "google"), ("", "", ""), ("", "", ""),
    ]
    for index, (source, dd1, dd2) in enumerate(rows, start=1):
        contact(portal, str(index), source, dd1, dd2, extra={"offline_source": ""})


def test_coverage_case_3_counts(world):
    build_case_3(world.portal)

    metrics = OriginalSourceCoverage().run(context_for(world)).metrics

    assert metrics["total"] == 8
    assert metrics["offline"] == 4
    assert metrics["offline_by_drill_down_1"] == {"IMPORT": 2, "API": 1, "CRM_UI": 1}
    assert metrics["no_source"] == 2
    assert metrics["offline_untagged"] == 4
    assert metrics["online"] == 2


def test_coverage_case_3_findings(world):
    build_case_3(world.portal)

    outcome = OriginalSourceCoverage().run(context_for(world))

    assert finding(outcome, "no_source").title == "2 of 8 contacts have no original source"
    assert finding(outcome, "no_source").evidence["sample_ids"] == ["7", "8"]
    assert finding(outcome, "offline").title == "4 of 8 contacts (50%) have the original source Offline sources"
    assert finding(outcome, "offline").measured_value == 0.5
    assert finding(outcome, "offline").evidence["groups"][0] == {"drill_down_1": "IMPORT", "contacts": 2}
    assert finding(outcome, "offline_untagged").affected_count == 4
    assert outcome.measured_value == pytest.approx(6 / 8)


def test_coverage_case_3_no_blank_drill_downs(world):
    build_case_3(world.portal)

    outcome = OriginalSourceCoverage().run(context_for(world))

    assert outcome.metrics["offline_no_drill_down"] == 0
    assert "offline_no_drill_down" not in {item.key for item in outcome.findings}


def test_coverage_offline_without_drill_downs(world):
    contact(world.portal, "1", "OFFLINE", "IMPORT", "list.csv")
    contact(world.portal, "2", "OFFLINE")

    result = finding(OriginalSourceCoverage().run(context_for(world)), "offline_no_drill_down")

    assert result.title == "1 offline contact has neither drill-down"
    assert result.evidence["sample_ids"] == ["2"]


def test_coverage_offline_tags(world):
    portal = world.portal
    for external_id in ("a", "b", "c", "d", "e"):
        contact(portal, external_id, "OFFLINE", "IMPORT")
    touch(portal, "a", kind=Touchpoint.Kind.EVENT)
    Contact.objects.filter(external_id="b").update(extra={"offline_source": "Trade show Berlin"})
    Contact.objects.filter(external_id="c").update(extra={"offline_source": ""})
    touch(portal, "d", kind=Touchpoint.Kind.OFFLINE_IMPORT, campaign_external_id="701")
    touch(portal, "e", kind=Touchpoint.Kind.EMAIL_CLICK, campaign_external_id="702")

    result = finding(OriginalSourceCoverage().run(context_for(world)), "offline_untagged")

    assert result.evidence["sample_ids"] == ["c", "e"]


def test_coverage_without_tag_properties(world):
    build_case_3(world.portal)
    Contact.objects.filter(external_id="1").update(extra={"offline_source": "Trade show Berlin"})
    touch(world.portal, "5", kind=Touchpoint.Kind.EVENT)

    outcome = OriginalSourceCoverage().run(context_for(world, offline_tag_properties=[]))

    assert outcome.metrics["offline_untagged"] == 4


def test_coverage_portal_that_cannot_tag(world):
    contact(world.portal, "1", "OFFLINE", "IMPORT", "list.csv")
    contact(world.portal, "2", "OFFLINE", "CRM_UI")

    outcome = OriginalSourceCoverage().run(context_for(world))

    assert outcome.metrics["offline_untagged"] == 0
    assert outcome.metrics["portals_with_tagging"] == 0
    assert "offline_untagged" not in {item.key for item in outcome.findings}


def test_coverage_offline_label(world):
    contact(world.portal, "1", "Offline sources", "IMPORT")

    assert OriginalSourceCoverage().run(context_for(world)).metrics["offline"] == 1


def test_coverage_offline_share_below_maximum(world):
    build_case_3(world.portal)

    outcome = OriginalSourceCoverage().run(context_for(world, offline_source_max_rate=0.6))

    assert "offline" not in {item.key for item in outcome.findings}


def test_coverage_other_client_not_counted(world):
    build_case_3(world.portal)
    contact(other_portal(world), "9", "OFFLINE", "IMPORT")
    contact(other_portal(world), "10", "")

    metrics = OriginalSourceCoverage().run(context_for(world)).metrics

    assert metrics["total"] == 8
    assert metrics["offline"] == 4
    assert metrics["no_source"] == 2


def test_coverage_skipped_without_contacts(world):
    assert OriginalSourceCoverage().run(context_for(world)).skipped_reason == "No contacts were synced."


# Original source overwritten

def at(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def history(portal, record, value, changed_at, changed_by, source_type, user=""):
    PropertyChangeFactory(portal=portal, record_external_id=record, value=value, changed_at=at(changed_at),
                          changed_by=changed_by, source_type=source_type, user_external_id=user)


def build_case_2(portal):
    """Reference case 2: A re-attributed by analytics after an earlier visit, B overwritten by user 501."""
    contact(portal, "A", "ORGANIC_SEARCH", "unknown keywords (SSL)", "google",
            created_at=at("2026-07-01T08:00Z"), first_seen_at=at("2026-03-05T11:00Z"))
    history(portal, "A", "OFFLINE", "2026-07-01T08:00Z", "import", "IMPORT")
    history(portal, "A", "ORGANIC_SEARCH", "2026-09-10T14:00Z", "analytics", "ANALYTICS")
    contact(portal, "B", "DIRECT_TRAFFIC", created_at=at("2026-02-01T10:00Z"), first_seen_at=at("2026-02-01T10:00Z"))
    history(portal, "B", "PAID_SEARCH", "2026-02-01T10:00Z", "form", "FORM")
    history(portal, "B", "DIRECT_TRAFFIC", "2026-04-20T16:00Z", "user", "CRM_UI", user="501")


def test_overwritten_case_2_counts(world):
    build_case_2(world.portal)

    outcome = OriginalSourceOverwritten().run(context_for(world))

    assert outcome.metrics["overwritten_contacts"] == 1
    assert outcome.metrics["changed_contacts"] == 2
    assert outcome.metrics["explained_contacts"] == 1
    assert outcome.measured_value == 0.5


def test_overwritten_case_2_user_finding(world):
    build_case_2(world.portal)

    result = finding(OriginalSourceOverwritten().run(context_for(world)), "overwritten:user:501:PAID_SEARCH:DIRECT_TRAFFIC")

    assert result.title == "Original source overwritten by user 501 on 1 contact (Paid search → Direct traffic); drill-downs lost on 1"
    assert result.severity == "medium"
    assert result.affected_count == 1
    assert result.denominator == 2
    assert result.evidence["sample_ids"] == ["B"]
    assert result.evidence["drill_downs_lost"] == 1


def test_overwritten_case_2_explained_finding(world):
    build_case_2(world.portal)

    result = finding(OriginalSourceOverwritten().run(context_for(world)), "explained")

    assert result.severity == "info"
    assert result.evidence["sample_ids"] == ["A"]
    assert "2026-03-05" in result.summary
    assert OriginalSourceOverwritten().remediation(result) is None


def test_overwritten_by_import(world):
    contact(world.portal, "C", "OFFLINE", created_at=at("2026-01-10T09:00Z"))
    history(world.portal, "C", "PAID_SEARCH", "2026-01-10T09:00Z", "form", "FORM")
    history(world.portal, "C", "OFFLINE", "2026-05-02T07:00Z", "import", "IMPORT")

    result = finding(OriginalSourceOverwritten().run(context_for(world)), "overwritten:import:-:PAID_SEARCH:OFFLINE")

    assert result.title.startswith("Original source overwritten by an import on 1 contact (Paid search → Offline sources)")


def test_overwritten_analytics_without_earlier_visit(world):
    contact(world.portal, "D", "ORGANIC_SEARCH", created_at=at("2026-01-10T09:00Z"), first_seen_at=at("2026-01-10T09:00Z"))
    history(world.portal, "D", "OFFLINE", "2026-01-10T09:00Z", "import", "IMPORT")
    history(world.portal, "D", "ORGANIC_SEARCH", "2026-03-01T09:00Z", "analytics", "ANALYTICS")

    outcome = OriginalSourceOverwritten().run(context_for(world))

    assert outcome.metrics["overwritten_contacts"] == 1
    assert outcome.metrics["explained_contacts"] == 0


def test_overwritten_same_value_is_no_change(world):
    contact(world.portal, "E", "PAID_SEARCH", created_at=at("2026-01-10T09:00Z"))
    history(world.portal, "E", "PAID_SEARCH", "2026-01-10T09:00Z", "form", "FORM")
    history(world.portal, "E", "PAID_SEARCH", "2026-02-10T09:00Z", "user", "CRM_UI", user="7")

    outcome = OriginalSourceOverwritten().run(context_for(world))

    assert outcome.metrics["changed_contacts"] == 0
    assert outcome.findings == []


def test_overwritten_other_client_not_counted(world):
    build_case_2(world.portal)
    other = other_portal(world)
    contact(other, "B", "DIRECT_TRAFFIC", created_at=at("2026-02-01T10:00Z"))
    history(other, "B", "PAID_SEARCH", "2026-02-01T10:00Z", "form", "FORM")
    history(other, "B", "REFERRALS", "2026-03-20T16:00Z", "user", "CRM_UI", user="999")

    outcome = OriginalSourceOverwritten().run(context_for(world))

    assert outcome.metrics["overwritten_contacts"] == 1
    assert outcome.metrics["contacts_with_history"] == 2


def test_overwritten_skipped_without_history(world):
    contact(world.portal, "A", "PAID_SEARCH")

    assert OriginalSourceOverwritten().run(context_for(world)).skipped_reason.startswith("No original source history")


# Offline interactions missing as touchpoints

def build_events(portal):
    CampaignFactory(portal=portal, external_id="C1", name="Expo Berlin 2026", kind="Trade Show")
    CampaignFactory(portal=portal, external_id="C2", name="ERP webinar", kind="Webinar")
    CampaignFactory(portal=portal, external_id="C3", name="May newsletter", kind="Email")
    DealFactory(portal=portal, campaign_external_id="C1", contact_external_ids=["10", "11", "12"])
    DealFactory(portal=portal, campaign_external_id="C3", contact_external_ids=["13"])
    touch(portal, "10", kind=Touchpoint.Kind.EVENT, campaign_external_id="C1")
    touch(portal, "11", kind=Touchpoint.Kind.EVENT)
    touch(portal, "14", kind=Touchpoint.Kind.FORM_SUBMISSION, campaign_external_id="C2")
    touch(portal, "15", kind=Touchpoint.Kind.EMAIL_CLICK, campaign_external_id="C2")
    touch(portal, "15", kind=Touchpoint.Kind.WEBINAR, campaign_external_id="C2")


def test_offline_interactions_counts(world):
    build_events(world.portal)

    outcome = OfflineInteractionsMissing().run(context_for(world))

    assert outcome.metrics == {"event_campaigns": 2, "linked_contact_campaign_pairs": 5, "missing_pairs": 2}
    assert outcome.measured_value == pytest.approx(0.4)


def test_offline_interactions_findings(world):
    build_events(world.portal)

    outcome = OfflineInteractionsMissing().run(context_for(world))

    trade_show = finding(outcome, f"campaign:{world.portal.pk}:C1")
    webinar = finding(outcome, f"campaign:{world.portal.pk}:C2")
    assert trade_show.title == "Expo Berlin 2026: 1 of 3 linked contacts have no event touchpoint"
    assert trade_show.evidence["sample_ids"] == ["12"]
    assert webinar.evidence["sample_ids"] == ["14"]
    assert webinar.denominator == 2


def test_offline_interactions_other_client_not_counted(world):
    build_events(world.portal)
    other = other_portal(world)
    CampaignFactory(portal=other, external_id="C1", name="Other expo", kind="Trade Show")
    DealFactory(portal=other, campaign_external_id="C1", contact_external_ids=["90", "91"])

    outcome = OfflineInteractionsMissing().run(context_for(world))

    assert outcome.metrics["linked_contact_campaign_pairs"] == 5


def test_offline_interactions_skipped_without_event_campaigns(world):
    CampaignFactory(portal=world.portal, kind="Email")

    assert OfflineInteractionsMissing().run(context_for(world)).skipped_reason.startswith("No campaign of kind event")


# Self-reported field and agreement

def test_self_reported_field_findings(world):
    for index in range(8):
        FormFactory(portal=world.portal, name=f"Form {index}", has_self_reported_field=index >= 3)
    for index in range(10):
        contact(world.portal, f"n{index}", created_at=at("2026-05-01T09:00Z"), self_reported_source="LinkedIn" if index < 2 else "")
    contact(world.portal, "old", created_at=at("2024-05-01T09:00Z"), self_reported_source="Google")

    outcome = SelfReportedField().run(context_for(world))

    assert finding(outcome, "forms_without_field").title == "3 of 8 forms do not ask how the contact heard about you"
    assert finding(outcome, "coverage").title == "20% of contacts created in the last 12 months answered how they heard about you"
    assert finding(outcome, "coverage").severity == "low"
    assert outcome.measured_value == pytest.approx(0.2)
    assert outcome.metrics["contacts_created_last_12_months"] == 10


def test_self_reported_field_other_client_not_counted(world):
    FormFactory(portal=world.portal, has_self_reported_field=True)
    FormFactory(portal=other_portal(world), has_self_reported_field=False)

    outcome = SelfReportedField().run(context_for(world))

    assert outcome.metrics["forms_without_field"] == 0
    assert outcome.findings == []


def test_self_reported_field_skipped_without_data(world):
    assert SelfReportedField().run(context_for(world)).skipped_reason


@pytest.mark.parametrize(("answer", "expected"), [
    ("Google", "Search engine"),
    ("Search engine (Google, Bing)", "Search engine"),
    ("LinkedIn", "Social media"),
    ("a friend", "Word of mouth"),
    ("Colleague or friend", "Word of mouth"),
    ("Podcast", "Podcast"),
    ("event", "Event"),
    ("Event or trade show", "Event"),
    ("Webinar", "Webinar"),
    ("Email or newsletter", "Email"),
    ("Google ads", "Advertising"),
    ("Partner", "Partner or referral"),
    ("Other", "Other"),
])
def test_self_reported_channel(answer, expected):
    assert self_reported_channel(answer)[0] == expected


def test_self_reported_channel_unknown():
    assert self_reported_channel("Saw a billboard") is None


def build_answers(portal):
    rows = [
        ("Google", "PAID_SEARCH"), ("Search engine (Google, Bing)", "ORGANIC_SEARCH"), ("LinkedIn", "PAID_SEARCH"),
        ("LinkedIn", "PAID_SEARCH"), ("a friend", "DIRECT_TRAFFIC"), ("A friend told me", "PAID_SOCIAL"),
        ("Podcast", "DIRECT_TRAFFIC"), ("podcast", "ORGANIC_SEARCH"), ("Event or trade show", "OFFLINE"),
        ("event", "EMAIL_MARKETING"), ("Saw a billboard", "PAID_SEARCH"), ("LinkedIn", ""),
    ]
    for index, (answer, source) in enumerate(rows, start=1):
        contact(portal, f"s{index}", source, self_reported_source=answer)


def test_agreement_counts(world):
    build_answers(world.portal)

    outcome = SelfReportedAgreement().run(context_for(world))

    assert outcome.metrics["answered_contacts"] == 12
    assert outcome.metrics["compared_contacts"] == 10
    assert outcome.metrics["disagreeing_contacts"] == 5
    assert outcome.measured_value == 0.5


def test_agreement_finding(world):
    build_answers(world.portal)

    result = finding(SelfReportedAgreement().run(context_for(world)), "disagreement")

    assert result.title == "Self-reported source disagrees with the original source for 5 of 10 contacts (50%)"
    assert result.severity == "medium"
    assert result.evidence["groups"][0] == {"self_reported": "Social media", "original_source_channel": "Paid Search", "contacts": 2}
    assert result.evidence["sample_ids"] == ["s10", "s3", "s4", "s6", "s8"]


def test_agreement_low_share_is_low_severity(world):
    build_answers(world.portal)

    result = finding(SelfReportedAgreement().run(context_for(world, self_reported_max_disagreement=0.6)), "disagreement")

    assert result.severity == "low"


def test_agreement_other_client_not_counted(world):
    build_answers(world.portal)
    contact(other_portal(world), "x1", "PAID_SEARCH", self_reported_source="Podcast")

    assert SelfReportedAgreement().run(context_for(world)).metrics["answered_contacts"] == 12


def test_agreement_skipped_without_answers(world):
    contact(world.portal, "1", "PAID_SEARCH")

    assert SelfReportedAgreement().run(context_for(world)).skipped_reason.startswith("No contact has")
