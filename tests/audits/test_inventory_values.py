from datetime import datetime, timedelta, timezone

import pytest

from audits.inventory.catalog import load_catalog
from audits.inventory.values import detect_from_values, match_value, unmatched_values

NOW = datetime(2026, 6, 30, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


# (kind, value as the sample portals plant it) -> catalog slug
SAMPLE_VALUES = [
    ("connected_app", "Zoom", "zoom"),
    ("connected_app", "Calendly", "calendly"),
    ("referrer", "https://calendly.com/northwind-sales", "calendly"),
    ("utm_source", "on24", "on24"),
    ("referrer", "https://app.drift.com/", "drift"),
    ("utm_source", "cvent", "cvent"),
    ("referrer", "https://web.cvent.com/event/", "cvent"),
    ("connected_app", "B2BMA Integration", "pardot"),
    ("connected_app", "ZoomInfo Integration", "zoominfo"),
    ("utm_source", "vidyard", "vidyard"),
    ("utm_source", "intercom", "intercom"),
    ("utm_source", "swapcard", "swapcard"),
    ("referrer", "https://app.swapcard.com/event/", "swapcard"),
    ("connected_app", "Zapier", "zapier"),
    ("connected_app", "Marketo Sync", "marketo"),
    ("utm_source", "gotowebinar", "gotowebinar"),
    ("referrer", "https://intercom.help/summit", "intercom"),
    ("utm_source", "eventbrite", "eventbrite"),
    ("referrer", "https://www.eventbrite.com/e/", "eventbrite"),
]


@pytest.mark.parametrize("kind, value, slug", SAMPLE_VALUES)
def test_match_sample_value(catalog, kind, value, slug):
    tool = match_value(kind, value, catalog=catalog)
    assert tool is not None
    assert tool.slug == slug


@pytest.mark.parametrize("kind, value", [
    ("utm_source", "google"),
    ("utm_source", "newsletter"),
    ("utm_source", "programmatic"),
    ("referrer", "https://www.google.com/"),
    ("referrer", "https://reviews.example.com/best-tools"),
    ("connected_app", "Data Loader"),
    ("utm_source", ""),
])
def test_match_non_tool_value(catalog, kind, value):
    assert match_value(kind, value, catalog=catalog) is None


def test_match_prefers_longest_name(catalog):
    assert match_value("questionnaire", "Salesforce Marketing Cloud", catalog=catalog).slug == "salesforce_marketing_cloud"


def test_match_zoom_is_not_zoominfo(catalog):
    assert match_value("connected_app", "ZoomInfo", catalog=catalog).slug == "zoominfo"


def test_match_separators_normalized(catalog):
    assert match_value("utm_source", "HS_Email", catalog=catalog).slug == "hubspot"


def test_match_referrer_subdomain(catalog):
    assert match_value("referrer", "https://l.facebook.com/l.php?u=x", catalog=catalog).slug == "facebook"


def test_match_utm_source_domain(catalog):
    assert match_value("utm_source", "www.linkedin.com", catalog=catalog).slug == "linkedin"


def test_detect_returns_counts_and_last_seen(catalog):
    detections = detect_from_values([("utm_source", "on24", 120, NOW)], catalog=catalog)
    assert len(detections) == 1
    assert detections[0].slug == "on24"
    assert detections[0].count == 120
    assert detections[0].last_seen == NOW
    assert detections[0].weak is False


def test_detect_merges_repeated_values(catalog):
    older = NOW - timedelta(days=10)
    values = [("utm_source", "on24", 100, older), ("utm_source", "on24", 20, NOW)]
    detection = detect_from_values(values, catalog=catalog)[0]
    assert detection.count == 120
    assert detection.last_seen == NOW


def test_detect_low_count_is_weak(catalog):
    detection = detect_from_values([("referrer", "https://app.drift.com/", 2, NOW)], catalog=catalog)[0]
    assert detection.weak is True


def test_detect_questionnaire_never_weak(catalog):
    detection = detect_from_values([("questionnaire", "Drift", 1, None)], catalog=catalog)[0]
    assert detection.weak is False


def test_detect_skips_unknown_values(catalog):
    assert detect_from_values([("utm_source", "newsletter", 900, NOW)], catalog=catalog) == []


def test_detect_rejects_unknown_kind(catalog):
    with pytest.raises(ValueError, match="unknown value kind 'utm_medium'"):
        detect_from_values([("utm_medium", "email", 1, NOW)], catalog=catalog)


def test_unmatched_values(catalog):
    values = [("utm_source", "on24", 5, NOW), ("utm_source", "newsletter", 9, NOW)]
    assert unmatched_values(values, catalog=catalog) == [("utm_source", "newsletter", 9, NOW)]


def planted_values():
    """(profile tool names, kind, value) for every tool value the sample portals plant."""
    from portals.sample_data.profiles import PROFILES
    from portals.sample_data.salesforce_records import INTEGRATION_USERS

    rows = []
    for profile in PROFILES.values():
        names = {tool["name"].lower().replace(" ", "") for tool in profile.tools}
        for source, _medium, referrer, _topic in profile.extra.get("tool_touches", ()):
            if source:
                rows.append((names, "utm_source", source))
            if referrer:
                rows.append((names, "referrer", referrer))
        labels = [profile.integration_label]
        if "stage_integration" in profile.extra:
            labels.append(profile.extra["stage_integration"][1])
        if profile.crm_of_record == "salesforce":
            labels.extend(user_name for key, (_id, user_name) in INTEGRATION_USERS.items() if key != "loader")
        rows.extend((names, "connected_app", label) for label in labels)
    return rows


@pytest.mark.parametrize("names, kind, value", planted_values())
def test_match_every_planted_value(catalog, names, kind, value):
    tool = match_value(kind, value, catalog=catalog)
    assert tool is not None
    assert any(name in tool.name.lower().replace(" ", "") for name in names), tool.name
