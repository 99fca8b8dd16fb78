import pytest

from audits.inventory.catalog import load_catalog
from audits.inventory.classify import INTEGRATED, ISLAND, PARTIALLY_INTEGRATED, UNKNOWN, ToolClassification
from audits.inventory.summary import diff, headline, missing_categories, overlaps


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def stack(catalog, statuses):
    """Build classifications from {slug: status}."""
    return [
        ToolClassification(tool=catalog.get(slug), status=status, reason="test", evidence=())
        for slug, status in statuses.items()
    ]


NINETEEN_TOOLS = {
    "zoom": INTEGRATED, "pardot": INTEGRATED, "zoominfo": INTEGRATED, "zapier": INTEGRATED,
    "on24": ISLAND, "drift": ISLAND, "cvent": ISLAND, "vidyard": ISLAND, "intercom": ISLAND, "swapcard": ISLAND,
    "gotowebinar": ISLAND, "eventbrite": ISLAND, "google_analytics": ISLAND, "hotjar": ISLAND, "linkedin_ads": ISLAND,
    "g2": ISLAND, "wordpress": ISLAND, "calendly": UNKNOWN, "segment": UNKNOWN,
}


def test_headline_counts(catalog):
    assert headline(stack(catalog, NINETEEN_TOOLS)) == "19 tools, 4 integrated, 13 islands, 2 unknown"


def test_headline_names_partially_integrated(catalog):
    statuses = {"zoom": INTEGRATED, "calendly": PARTIALLY_INTEGRATED, "on24": ISLAND}
    assert headline(stack(catalog, statuses)) == "3 tools, 1 integrated, 1 partially integrated, 1 island, 0 unknown"


def test_headline_empty():
    assert headline([]) == "0 tools, 0 integrated, 0 islands, 0 unknown"


def test_headline_accepts_dicts():
    assert headline([{"slug": "zoom", "name": "Zoom", "status": INTEGRATED}]) == "1 tool, 1 integrated, 0 islands, 0 unknown"


def test_overlaps_two_chat_tools(catalog):
    found = overlaps(stack(catalog, {"drift": ISLAND, "intercom": INTEGRATED, "zoom": INTEGRATED}))
    assert len(found) == 1
    assert found[0].category == "chat"
    assert found[0].tools == ("Drift", "Intercom")
    assert found[0].reason == "2 chat tools in use: Drift (island), Intercom (integrated)."


def test_overlaps_ignore_unknown(catalog):
    assert overlaps(stack(catalog, {"drift": ISLAND, "intercom": UNKNOWN})) == []


def test_overlaps_ignore_social_networks(catalog):
    assert overlaps(stack(catalog, {"linkedin": ISLAND, "facebook": ISLAND, "youtube": ISLAND})) == []


def test_missing_all_three(catalog):
    found = missing_categories(stack(catalog, {"zoom": INTEGRATED}), has_self_reported_field=False)
    assert [item.key for item in found] == ["call_tracking", "self_reported_attribution", "events"]
    assert all(item.reason for item in found)


def test_missing_none(catalog):
    statuses = {"callrail": ISLAND, "cvent": INTEGRATED}
    assert missing_categories(stack(catalog, statuses), has_self_reported_field=True) == []


def test_missing_unknown_tool_does_not_cover(catalog):
    found = missing_categories(stack(catalog, {"callrail": UNKNOWN, "cvent": ISLAND}), has_self_reported_field=True)
    assert [item.key for item in found] == ["call_tracking"]


def test_diff_moves_and_counts(catalog):
    previous = stack(catalog, {"drift": ISLAND, "on24": ISLAND, "cvent": ISLAND, "zoom": INTEGRATED, "vidyard": ISLAND})
    current = stack(catalog, {"drift": INTEGRATED, "on24": INTEGRATED, "cvent": ISLAND, "zoom": PARTIALLY_INTEGRATED,
                              "intercom": ISLAND})
    result = diff(previous, current)
    assert result.summary == (
        "1 tool added (island)",
        "1 tool moved from integrated to partially integrated",
        "2 tools moved from island to integrated",
        "1 tool no longer found (was island)",
    )
    assert [(change.slug, change.before, change.after) for change in result.changes] == [
        ("intercom", None, ISLAND),
        ("zoom", INTEGRATED, PARTIALLY_INTEGRATED),
        ("drift", ISLAND, INTEGRATED),
        ("on24", ISLAND, INTEGRATED),
        ("vidyard", ISLAND, None),
    ]


def test_diff_no_changes(catalog):
    same = stack(catalog, {"drift": ISLAND})
    result = diff(same, same)
    assert result.summary == ()
    assert result.changes == ()


def test_diff_accepts_stored_dicts(catalog):
    previous = [{"slug": "drift", "name": "Drift", "status": ISLAND}]
    current = stack(catalog, {"drift": INTEGRATED})
    assert diff(previous, current).summary == ("1 tool moved from island to integrated",)


def test_diff_rejects_unknown_status():
    with pytest.raises(ValueError, match="unknown status 'connected' for tool 'drift'"):
        diff([{"slug": "drift", "name": "Drift", "status": "connected"}], [])
