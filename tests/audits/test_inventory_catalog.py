import json

import pytest

from audits.inventory.catalog import CATEGORIES, CRMS, CatalogError, load_catalog
from audits.inventory.catalog.loader import CATALOG_DIR

# Every tool that the sample portals plant, with the data values they plant for it.
SAMPLE_TOOLS = {
    "zoom": ["zoom"],
    "calendly": ["calendly", "calendly.com"],
    "on24": ["on24"],
    "drift": ["drift.com"],
    "cvent": ["cvent", "cvent.com"],
    "pardot": ["b2bma integration"],
    "zoominfo": ["zoominfo integration"],
    "vidyard": ["vidyard"],
    "intercom": ["intercom", "intercom.help"],
    "swapcard": ["swapcard", "swapcard.com"],
    "zapier": ["zapier"],
    "marketo": ["marketo sync"],
    "gotowebinar": ["gotowebinar"],
    "eventbrite": ["eventbrite", "eventbrite.com"],
}


def valid_entry(**overrides):
    entry = {
        "slug": "acme_chat", "name": "Acme Chat", "vendor": "Acme", "category": "chat", "domain": "acme-chat.test",
        "crm_integrations": ["hubspot"],
        "fingerprints": {"scripts": ["cdn.acme-chat.test"], "cookies": ["acme_id", "acme_s_*"], "globals": ["AcmeChat"],
                         "meta": [{"name": "acme-verification"}]},
        "data_values": ["acme chat"],
    }
    entry.update(overrides)
    return entry


def error_text(extra):
    with pytest.raises(CatalogError) as caught:
        load_catalog(extra_entries=[extra])
    return str(caught.value)


def test_catalog_has_150_tools():
    assert len(load_catalog()) >= 150


def test_catalog_covers_every_category():
    used = {entry.category for entry in load_catalog()}
    assert used == set(CATEGORIES)


def test_catalog_file_per_category():
    names = {path.stem for path in CATALOG_DIR.glob("*.json")}
    assert names == set(CATEGORIES)


def test_catalog_slugs_unique_across_files():
    slugs = []
    for path in CATALOG_DIR.glob("*.json"):
        slugs.extend(entry["slug"] for entry in json.loads(path.read_text()))
    assert len(slugs) == len(set(slugs))


def test_catalog_crm_integrations_known():
    for entry in load_catalog():
        assert set(entry.crm_integrations) <= set(CRMS), entry.slug


@pytest.mark.parametrize("slug", sorted(SAMPLE_TOOLS))
def test_catalog_has_sample_tool(slug):
    entry = load_catalog().get(slug)
    assert entry is not None
    for value in SAMPLE_TOOLS[slug]:
        assert value in entry.data_values, value


def test_catalog_brief_fingerprints_present():
    catalog = load_catalog()
    assert "js.hs-scripts.com" in catalog.get("hubspot").scripts
    assert "snap.licdn.com" in catalog.get("linkedin_ads").scripts
    assert "connect.facebook.net" in catalog.get("meta_ads").scripts
    assert "googletagmanager.com/gtm.js" in catalog.get("google_tag_manager").scripts
    assert "hubspotutk" in catalog.get("hubspot").cookies
    assert "_gcl_au" in catalog.get("google_ads").cookies
    assert "li_fat_id" in catalog.get("linkedin_ads").cookies
    assert "Intercom" in catalog.get("intercom").globals
    assert "goldcast" in catalog.get("goldcast").data_values
    assert "g2" in catalog.get("g2").data_values


def test_loader_merges_custom_entry():
    catalog = load_catalog(extra_entries=[valid_entry()])
    entry = catalog.get("acme_chat")
    assert entry.custom is True
    assert entry.cookies == ("acme_id", "acme_s_*")
    assert entry.meta[0].name == "acme-verification"


def test_loader_custom_entries_leave_shipped_alone():
    assert "acme_chat" not in load_catalog()


def test_loader_rejects_duplicate_slug():
    message = error_text(valid_entry(slug="drift"))
    assert "'drift'" in message
    assert "unique slug" in message


def test_loader_rejects_unknown_category():
    message = error_text(valid_entry(category="fax"))
    assert "entry 'acme_chat'" in message
    assert "category 'fax'" in message


def test_loader_rejects_unknown_crm():
    message = error_text(valid_entry(crm_integrations=["sugarcrm"]))
    assert "crm_integrations contains 'sugarcrm'" in message


def test_loader_rejects_bad_cookie_name():
    fingerprints = dict(valid_entry()["fingerprints"], cookies=["bad cookie"])
    message = error_text(valid_entry(fingerprints=fingerprints))
    assert "fingerprints.cookies[0] 'bad cookie'" in message


def test_loader_rejects_short_script_fragment():
    fingerprints = dict(valid_entry()["fingerprints"], scripts=["js"])
    message = error_text(valid_entry(fingerprints=fingerprints))
    assert "fingerprints.scripts[0] 'js'" in message


def test_loader_rejects_upper_case_script_fragment():
    fingerprints = dict(valid_entry()["fingerprints"], scripts=["CDN.Acme.test"])
    assert "lower case" in error_text(valid_entry(fingerprints=fingerprints))


def test_loader_rejects_bad_global():
    fingerprints = dict(valid_entry()["fingerprints"], globals=["acme-chat"])
    assert "fingerprints.globals[0] 'acme-chat'" in error_text(valid_entry(fingerprints=fingerprints))


def test_loader_rejects_meta_without_name():
    fingerprints = dict(valid_entry()["fingerprints"], meta=[{"content": "Acme"}])
    assert "fingerprints.meta[0]" in error_text(valid_entry(fingerprints=fingerprints))


def test_loader_rejects_unknown_fingerprint_key():
    fingerprints = dict(valid_entry()["fingerprints"], headers=["x-acme"])
    assert "fingerprints.headers" in error_text(valid_entry(fingerprints=fingerprints))


def test_loader_rejects_unknown_field():
    assert "unknown field 'website'" in error_text(valid_entry(website="acme.test"))


def test_loader_rejects_missing_name():
    assert "field name is missing" in error_text(valid_entry(name=""))


def test_loader_rejects_domain_with_scheme():
    assert "field domain 'https://acme.test'" in error_text(valid_entry(domain="https://acme.test"))


def test_loader_rejects_upper_case_data_value():
    assert "data_values[0] 'Acme'" in error_text(valid_entry(data_values=["Acme"]))


def test_loader_lists_every_problem():
    with pytest.raises(CatalogError) as caught:
        load_catalog(extra_entries=[valid_entry(category="fax"), valid_entry(slug="other", domain="nope")])
    assert len(caught.value.errors) == 2
