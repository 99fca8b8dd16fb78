import xml.etree.ElementTree as ET

import pytest

from audits.inventory.catalog import load_catalog
from audits.inventory.classify import INTEGRATED, ISLAND, PARTIALLY_INTEGRATED, STATUSES, UNKNOWN, ToolClassification
from audits.inventory.svg import COLOURS, stack_svg

NS = {"svg": "http://www.w3.org/2000/svg"}


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def stack(catalog):
    """25 tools: 5 integrated, 3 partially integrated, 14 islands, 3 unknown."""
    slugs = [entry.slug for entry in catalog if entry.category != "crm"][:25]
    statuses = [INTEGRATED] * 5 + [PARTIALLY_INTEGRATED] * 3 + [ISLAND] * 14 + [UNKNOWN] * 3
    return [
        ToolClassification(tool=catalog.get(slug), status=status, reason="test", evidence=())
        for slug, status in zip(slugs, statuses)
    ]


def tool_groups(root):
    return [group for group in root.iter("{%s}g" % NS["svg"]) if group.get("class") == "tool"]


def test_svg_parses(stack):
    root = ET.fromstring(stack_svg(stack, crm_name="HubSpot"))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"


def test_svg_one_node_per_tool(stack):
    root = ET.fromstring(stack_svg(stack, crm_name="HubSpot"))
    ids = [group.get("id") for group in tool_groups(root)]
    assert len(ids) == 25
    assert set(ids) == {"tool-%s" % item.slug for item in stack}


def test_svg_lines_for_linked_tools_only(stack):
    root = ET.fromstring(stack_svg(stack, crm_name="HubSpot"))
    links = root.find("svg:g[@class='links']", NS)
    lines = links.findall("svg:line", NS)
    assert len(lines) == 8
    assert sum(1 for line in lines if line.get("stroke-dasharray")) == 3


def test_svg_node_colour_by_status(stack):
    root = ET.fromstring(stack_svg(stack, crm_name="HubSpot"))
    by_id = {group.get("id"): group for group in tool_groups(root)}
    for item in stack:
        circle = by_id["tool-%s" % item.slug].find("svg:circle", NS)
        colour = circle.get("stroke") if item.status == UNKNOWN else circle.get("fill")
        assert colour == COLOURS[item.status], item.slug


def test_svg_legend_names_every_status(stack):
    root = ET.fromstring(stack_svg(stack, crm_name="HubSpot"))
    legend = root.find("svg:g[@class='legend']", NS)
    texts = [text.text for text in legend.findall("svg:text", NS)]
    assert texts[:4] == ["Integrated (5)", "Partially integrated (3)", "Island (14)", "Unknown (3)"]
    assert texts[4] == "25 tools, 5 integrated, 3 partially integrated, 14 islands, 3 unknown"
    assert len(STATUSES) == 4


def test_svg_crm_at_centre(stack):
    root = ET.fromstring(stack_svg(stack, crm_name="Microsoft Dynamics 365"))
    crm = root.find("svg:g[@class='crm']", NS)
    assert [text.text for text in crm.findall("svg:text", NS)] == ["Microsoft", "Dynamics 365"]


def test_svg_is_deterministic(stack):
    assert stack_svg(stack, crm_name="HubSpot") == stack_svg(list(reversed(stack)), crm_name="HubSpot")


def test_svg_uses_basic_elements_only(stack):
    root = ET.fromstring(stack_svg(stack, crm_name="HubSpot"))
    tags = {element.tag.split("}")[1] for element in root.iter()}
    assert tags <= {"svg", "title", "rect", "g", "line", "circle", "text"}


def test_svg_escapes_names(catalog):
    custom = load_catalog(extra_entries=[{
        "slug": "ampersand_tool", "name": "A&B <Tool>", "vendor": "A&B", "category": "chat", "domain": "ab.test",
    }])
    item = ToolClassification(tool=custom.get("ampersand_tool"), status=ISLAND, reason="test", evidence=())
    root = ET.fromstring(stack_svg([item], crm_name="HubSpot"))
    texts = [text.text for text in root.iter("{%s}text" % NS["svg"])]
    assert "A&B <Tool>" in texts


def test_svg_without_tools():
    root = ET.fromstring(stack_svg([], crm_name="Salesforce"))
    assert tool_groups(root) == []
    assert "No tools found" in [text.text for text in root.iter("{%s}text" % NS["svg"])]
