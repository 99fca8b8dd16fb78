import hashlib
from pathlib import Path

import pytest

from attribution import channels
from attribution.channels import (
    ChannelOptions,
    channel_name,
    classify_channel,
    classify_channels,
    hubspot_source_channel,
    hubspot_source_label,
    normalize_utm,
    normalize_utms,
    referrer_host,
    session_source,
    source_categories,
    utm_key,
)

DATA_DIR = Path(channels.__file__).resolve().parent / "data"

# One case per GA4 rule, in rule order: (utm_source, utm_medium, utm_campaign) -> channel.
RULE_CASES = [
    (("(direct)", "(none)", ""), "Direct"),
    (("google", "cpc", "brand_cross-network_q1"), "Cross-network"),
    (("alibaba", "cpc", ""), "Paid Shopping"),
    (("newsletter", "paid", "shopping_spring"), "Paid Shopping"),
    (("google", "cpc", ""), "Paid Search"),
    (("facebook", "paid-social", ""), "Paid Social"),
    (("youtube", "cpv", ""), "Paid Video"),
    (("programmatic", "display", ""), "Display"),
    (("partnerx", "ppc", ""), "Paid Other"),
    (("alibaba", "", ""), "Organic Shopping"),
    (("lnkd.in", "referral", ""), "Organic Social"),
    (("community", "social-media", ""), "Organic Social"),
    (("brandsite", "video", ""), "Organic Video"),
    (("bing", "", ""), "Organic Search"),
    (("partner-blog", "organic", ""), "Organic Search"),
    (("partner-blog", "referral", ""), "Referral"),
    (("newsletter", "email", ""), "Email"),
    (("partner", "affiliate", ""), "Affiliates"),
    (("podcastnetwork", "audio", ""), "Audio"),
    (("sms", "", ""), "SMS"),
    (("firebase", "", ""), "Mobile Push Notifications"),
    (("app", "web-push", ""), "Mobile Push Notifications"),
    (("qr-code", "print", ""), "Unassigned"),
]


@pytest.mark.parametrize(("utm", "expected"), RULE_CASES)
def test_rule(utm, expected):
    assert classify_channel(*utm) == expected


@pytest.mark.parametrize(("utm", "expected"), [
    (("GOOGLE", "CPC", ""), "Paid Search"),
    (("Facebook", "Paid-Social", ""), "Paid Social"),
    (("LNKD.IN", "Referral", ""), "Organic Social"),
    (("Newsletter", "EMAIL", ""), "Email"),
    (("Google", "Organic", ""), "Organic Search"),
    (("(DIRECT)", "(NONE)", ""), "Direct"),
    ((" google ", " cpc ", ""), "Paid Search"),
])
def test_rule_ignores_case(utm, expected):
    assert classify_channel(*utm) == expected


def test_reference_case_1_all_organic_social():
    rows = [
        ("facebook", "social", "spring_sale", "", ""),
        ("Facebook", "Social", "Spring_Sale", "", ""),
        ("FACEBOOK", "SOCIAL", "SPRING_SALE", "", ""),
        ("facebook", "social", "spring_sale", "", ""),
    ]
    assert classify_channels(rows) == ["Organic Social"] * 4


def test_reference_case_9_direct_handling():
    # Visitor V: an Organic Search visit, then a Direct visit. Visitor W: one Direct visit.
    organic_visit = ("", "", "", "https://www.google.com/search?q=erp", "")
    direct_visit = ("", "", "", "", "")

    assert classify_channels([organic_visit, direct_visit, direct_visit]) == ["Organic Search", "Direct", "Direct"]


def test_direct_with_not_set_medium():
    assert classify_channel("(direct)", "(not set)") == "Direct"


def test_direct_source_with_medium_is_not_direct():
    assert classify_channel("(direct)", "email") == "Email"


def test_campaign_alone_is_unassigned():
    assert classify_channel(utm_campaign="spring") == "Unassigned"


def test_own_domain_referrer_is_direct():
    assert classify_channel(referrer="https://app.zebra-corp.test/pricing", own_domains=["www.zebra-corp.test"]) == "Direct"


def test_other_referrer_is_referral():
    assert classify_channel(referrer="https://reviews.example.com/best-tools") == "Referral"


@pytest.mark.parametrize(("referrer", "expected"), [
    ("https://www.google.co.uk/", "Organic Search"),
    ("https://duckduckgo.com/", "Organic Search"),
    ("https://l.facebook.com/l.php", "Organic Social"),
    ("https://www.linkedin.com/feed/", "Organic Social"),
    ("https://t.co/abc", "Organic Social"),
    ("https://www.youtube.com/watch", "Organic Video"),
    ("bing.com", "Organic Search"),
])
def test_referrer_channel(referrer, expected):
    assert classify_channel(referrer=referrer) == expected


def test_utm_values_win_over_referrer():
    assert classify_channel("newsletter", "email", "", "https://www.google.com/", "") == "Email"


def test_click_id_with_search_referrer_is_paid_search():
    assert classify_channel(referrer="https://www.google.com/", click_id="Cj0KCQ123") == "Paid Search"


def test_click_id_without_referrer_is_paid_other():
    assert classify_channel(click_id="Cj0KCQ123") == "Paid Other"


def test_prefixed_gclid_is_paid_search():
    assert classify_channel(click_id="gclid:Cj0KCQ123") == "Paid Search"


def test_prefixed_fbclid_is_not_an_ad_click():
    assert classify_channel(referrer="https://l.facebook.com/", click_id="fbclid=IwAR1") == "Organic Social"


def test_session_source_of_untagged_search_visit():
    assert session_source("", "", "", "https://www.google.com/", "") == ("google", "organic", "")


def test_session_source_fills_not_set():
    assert session_source("", "cpc", "x", "", "") == ("(not set)", "cpc", "x")


def test_referrer_host_strips_www_and_port():
    assert referrer_host("HTTPS://WWW.Example.com:8443/path") == "example.com"


def test_referrer_host_of_invalid_url():
    assert referrer_host("http://[broken") == ""


def test_email_contains_by_default():
    assert classify_channel("crm", "email_blast") == "Email"


def test_email_exact_option():
    assert classify_channel("crm", "email_blast", email_match="exact") == "Unassigned"


def test_email_exact_option_keeps_exact_value():
    assert classify_channel("crm", "e-mail", email_match="exact") == "Email"


def test_affiliates_plural_needs_option():
    assert classify_channel("partner", "affiliates") == "Unassigned"
    assert classify_channel("partner", "affiliates", affiliate_mediums=["affiliate", "affiliates"]) == "Affiliates"


def test_referral_set_option():
    assert classify_channel("partner-site", "link") == "Referral"
    assert classify_channel("partner-site", "link", referral_mediums=["referral"]) == "Unassigned"


def test_invalid_email_match_raises():
    with pytest.raises(ValueError, match="email_match"):
        ChannelOptions(email_match="regex")


def test_bulk_classifies_each_distinct_row_once():
    channels._classify_row.cache_clear()
    rows = [("google", "cpc", "", "", ""), ("qr-code", "print", "", "", "")] * 500

    result = classify_channels(rows)

    assert result[:2] == ["Paid Search", "Unassigned"]
    assert len(result) == 1000
    assert channels._classify_row.cache_info().misses == 2


def test_bulk_accepts_none_and_lists():
    assert classify_channels([[None, None, None, None, None]]) == ["Direct"]


def test_source_list_loaded_once():
    assert source_categories() is source_categories()


def test_source_list_counts():
    counts = {}
    for category in source_categories().values():
        counts[category] = counts.get(category, 0) + 1
    assert counts == {
        "SOURCE_CATEGORY_SEARCH": 129, "SOURCE_CATEGORY_SOCIAL": 592,
        "SOURCE_CATEGORY_SHOPPING": 52, "SOURCE_CATEGORY_VIDEO": 46,
    }


def test_source_list_is_lower_case():
    assert source_categories()["google shopping"] == "SOURCE_CATEGORY_SHOPPING"


def test_source_list_matches_provenance_hash():
    digest = hashlib.sha256((DATA_DIR / "ga4_source_categories.csv").read_bytes()).hexdigest()
    assert digest in (DATA_DIR / "ga4_source_categories.md").read_text()


@pytest.mark.parametrize(("value", "expected"), [
    ("PAID_SEARCH", "Paid Search"),
    ("ORGANIC_SEARCH", "Organic Search"),
    ("SOCIAL_MEDIA", "Organic Social"),
    ("PAID_SOCIAL", "Paid Social"),
    ("EMAIL_MARKETING", "Email"),
    ("REFERRALS", "Referral"),
    ("OTHER_CAMPAIGNS", "Unassigned"),
    ("DIRECT_TRAFFIC", "Direct"),
    ("OFFLINE", "Offline"),
    ("Offline sources", "Offline"),
    ("Organic social", "Organic Social"),
    ("Paid search", "Paid Search"),
    ("AI_REFERRALS", None),
    ("", None),
])
def test_hubspot_source_channel(value, expected):
    assert hubspot_source_channel(value) == expected


def test_hubspot_source_label():
    assert hubspot_source_label("DIRECT_TRAFFIC") == "Direct traffic"


def test_hubspot_source_label_of_blank():
    assert hubspot_source_label("") == "(blank)"


@pytest.mark.parametrize(("value", "expected"), [
    ("linked-in", "linkedin"),
    ("linked_in", "linkedin"),
    ("LinkedIn", "linkedin"),
    ("lnkd.in", "linkedin"),
    (" Facebook ", "facebook"),
    ("fb", "facebook"),
    ("facebook.com", "facebook"),
    ("m.facebook.com", "facebook"),
    ("l.facebook.com", "facebook"),
    ("cpc", "cpc"),
    ("PPC", "cpc"),
    ("paid", "cpc"),
    ("Paid-Search", "cpc"),
    ("paidsearch", "cpc"),
    ("social-media", "social"),
    ("SM", "social"),
    ("Spring_Sale", "springsale"),
    ("spring sale", "springsale"),
    ("", ""),
    (None, ""),
])
def test_normalize_utm(value, expected):
    assert normalize_utm(value) == expected


def test_utm_key_keeps_dots():
    assert utm_key("Facebook.com") == "facebook.com"


def test_normalize_utms_column():
    assert normalize_utms(["FB", "fb", "Twitter"]) == ["facebook", "facebook", "twitter"]


@pytest.mark.parametrize(("label", "expected"), [
    ("paid search", "Paid Search"),
    ("Paid_Social", "Paid Social"),
    ("cross network", "Cross-network"),
    ("Google Ads ", "Google Ads"),
])
def test_channel_name(label, expected):
    assert channel_name(label) == expected
