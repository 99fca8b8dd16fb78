from datetime import datetime, timedelta, timezone

import pytest

from audits.inventory.catalog import load_catalog
from audits.inventory.classify import (
    INTEGRATED,
    ISLAND,
    PARTIALLY_INTEGRATED,
    UNKNOWN,
    AppLink,
    classify,
)
from audits.inventory.detection import Detection
from audits.inventory.values import detect_from_values

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def detection(catalog, slug, kind, evidence, *, count=10, last_seen=NOW, weak=False):
    return Detection(tool=catalog.get(slug), kind=kind, evidence=evidence, count=count, last_seen=last_seen, weak=weak)


def status_by_slug(classifications):
    return {item.slug: item.status for item in classifications}


def test_classify_integrated(catalog):
    detections = [detection(catalog, "zoom", "connected_app", "Zoom")]
    result = classify(detections, crm="hubspot", connected_apps={"Zoom": NOW - timedelta(days=2)}, now=NOW)
    assert result[0].status == INTEGRATED
    assert result[0].reason == "Connected to HubSpot as 'Zoom', and data last arrived 2 days ago."
    assert result[0].connected_app == "Zoom"


def test_classify_partially_integrated_when_silent(catalog):
    detections = [detection(catalog, "calendly", "connected_app", "Calendly")]
    result = classify(detections, crm="hubspot", connected_apps={"Calendly": NOW - timedelta(days=45)}, now=NOW)
    assert result[0].status == PARTIALLY_INTEGRATED
    assert result[0].reason == "Connected to HubSpot as 'Calendly', but no data has arrived for 45 days (more than 30)."


def test_classify_partially_integrated_when_one_way(catalog):
    detections = [detection(catalog, "zoominfo", "connected_app", "ZoomInfo Integration")]
    link = AppLink(last_data_at=NOW - timedelta(days=1), one_way=True, detail="writes only Title")
    result = classify(detections, crm="salesforce", connected_apps={"ZoomInfo Integration": link}, now=NOW)
    assert result[0].status == PARTIALLY_INTEGRATED
    assert result[0].reason.endswith("one-way or limited: writes only Title.")


def test_classify_partially_integrated_without_data(catalog):
    detections = [detection(catalog, "zapier", "connected_app", "Zapier")]
    result = classify(detections, crm="hubspot", connected_apps={"Zapier": None}, now=NOW)
    assert result[0].status == PARTIALLY_INTEGRATED
    assert "no data has arrived from it" in result[0].reason


def test_classify_recent_days_boundary(catalog):
    detections = [detection(catalog, "zoom", "connected_app", "Zoom")]
    apps = {"Zoom": NOW - timedelta(days=30)}
    assert classify(detections, crm="hubspot", connected_apps=apps, now=NOW)[0].status == INTEGRATED
    assert classify(detections, crm="hubspot", connected_apps=apps, now=NOW, recent_days=29)[0].status == PARTIALLY_INTEGRATED


def test_classify_island_from_utm_source(catalog):
    detections = [detection(catalog, "on24", "utm_source", "on24", count=120)]
    result = classify(detections, crm="hubspot", connected_apps={}, now=NOW)
    assert result[0].status == ISLAND
    assert result[0].reason == (
        "In use but not connected to HubSpot: utm_source 'on24' on 120 records. ON24 has a native HubSpot integration."
    )


def test_classify_island_from_website(catalog):
    detections = [detection(catalog, "drift", "script", "https://js.driftt.com/include/1/abc.js", count=1, last_seen=None)]
    result = classify(detections, crm="salesforce", connected_apps={}, now=NOW)
    assert result[0].status == ISLAND
    assert "website script https://js.driftt.com/include/1/abc.js" in result[0].reason


def test_classify_island_from_questionnaire(catalog):
    detections = detect_from_values([("questionnaire", "Swapcard", 1, None)], catalog=catalog)
    result = classify(detections, crm="hubspot", connected_apps={}, now=NOW)
    assert result[0].status == ISLAND
    assert "lists no native HubSpot integration" in result[0].reason


def test_classify_unknown_with_weak_evidence(catalog):
    detections = [detection(catalog, "intercom", "global", "window.Intercom('boot')", count=1, last_seen=None, weak=True)]
    result = classify(detections, crm="hubspot", connected_apps={}, now=NOW)
    assert result[0].status == UNKNOWN
    assert result[0].reason.startswith("Only weak evidence: JavaScript global window.Intercom('boot').")


def test_classify_unknown_when_evidence_stale(catalog):
    detections = [detection(catalog, "vidyard", "utm_source", "vidyard", count=50, last_seen=NOW - timedelta(days=500))]
    result = classify(detections, crm="salesforce", connected_apps={}, now=NOW)
    assert result[0].status == UNKNOWN
    assert "last seen 500 days ago" in result[0].reason


def test_classify_connection_beats_weak_evidence(catalog):
    detections = [
        detection(catalog, "drift", "global", "drift.load('x')", weak=True),
        detection(catalog, "drift", "connected_app", "Drift"),
    ]
    result = classify(detections, crm="hubspot", connected_apps={"Drift": NOW}, now=NOW)
    assert result[0].status == INTEGRATED
    assert len(result[0].evidence) == 2


def test_classify_uses_freshest_connection(catalog):
    detections = [
        detection(catalog, "marketo", "connected_app", "Marketo Sync"),
        detection(catalog, "marketo", "connected_app", "Marketo"),
    ]
    apps = {"Marketo Sync": NOW - timedelta(days=90), "Marketo": NOW - timedelta(days=1)}
    result = classify(detections, crm="hubspot", connected_apps=apps, now=NOW)
    assert result[0].status == INTEGRATED
    assert result[0].connected_app == "Marketo"


def test_classify_matches_connected_apps_with_catalog(catalog):
    result = classify([], crm="salesforce", connected_apps={"B2BMA Integration": NOW}, now=NOW, catalog=catalog)
    assert status_by_slug(result) == {"pardot": INTEGRATED}


def test_classify_ignores_unmatched_apps_without_catalog(catalog):
    assert classify([], crm="salesforce", connected_apps={"B2BMA Integration": NOW}, now=NOW) == []


def test_classify_leaves_out_the_crm(catalog):
    detections = [detection(catalog, "hubspot", "script", "https://js.hs-scripts.com/1.js", last_seen=None)]
    assert classify(detections, crm="hubspot", connected_apps={}, now=NOW) == []


def test_classify_sample_northwind_stack(catalog):
    values = [
        ("connected_app", "Zoom", 400, NOW - timedelta(days=3)),
        ("connected_app", "Calendly", 60, NOW - timedelta(days=3)),
        ("referrer", "https://calendly.com/northwind-sales", 40, NOW),
        ("utm_source", "on24", 120, NOW),
        ("referrer", "https://app.drift.com/", 30, NOW),
        ("utm_source", "cvent", 25, NOW),
        ("referrer", "https://web.cvent.com/event/", 25, NOW),
    ]
    apps = {
        "Zoom": NOW - timedelta(days=3),
        "Calendly": AppLink(NOW - timedelta(days=3), one_way=True, detail="writes only lifecycle stage"),
    }
    result = classify(detect_from_values(values, catalog=catalog), crm="hubspot", connected_apps=apps, now=NOW)
    assert status_by_slug(result) == {
        "zoom": INTEGRATED, "calendly": PARTIALLY_INTEGRATED, "on24": ISLAND, "drift": ISLAND, "cvent": ISLAND,
    }


def test_classify_orders_by_status(catalog):
    detections = [
        detection(catalog, "on24", "utm_source", "on24"),
        detection(catalog, "zoom", "connected_app", "Zoom"),
        detection(catalog, "intercom", "global", "Intercom(", weak=True),
    ]
    result = classify(detections, crm="hubspot", connected_apps={"Zoom": NOW}, now=NOW)
    assert [item.status for item in result] == [INTEGRATED, ISLAND, UNKNOWN]


def test_classification_as_dict(catalog):
    detections = [detection(catalog, "zoom", "connected_app", "Zoom")]
    data = classify(detections, crm="hubspot", connected_apps={"Zoom": NOW}, now=NOW)[0].as_dict()
    assert data["status"] == INTEGRATED
    assert data["last_data_at"] == NOW.isoformat()
    assert data["evidence"][0]["kind"] == "connected_app"
