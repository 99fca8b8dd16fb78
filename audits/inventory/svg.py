"""Draw the stack as a standalone SVG: the CRM at the centre, each tool on a ring around it, lines for integrations.

The output uses only basic SVG elements (no scripts, no CSS, no external fonts or images), so it can be
inlined in HTML pages and rendered by WeasyPrint in PDF reports.
"""
import math
import xml.etree.ElementTree as ET

from .classify import INTEGRATED, ISLAND, PARTIALLY_INTEGRATED, STATUS_LABELS, STATUSES, UNKNOWN
from .summary import headline

SVG_NS = "http://www.w3.org/2000/svg"
FONT = "Helvetica, Arial, sans-serif"

WIDTH, HEIGHT = 960, 660
CENTRE_X, CENTRE_Y = 480, 300
RING_RX, RING_RY = 300, 230  # an ellipse, because horizontal labels need more room at the sides
CRM_RADIUS = 60
NODE_RADIUS = 11
LABEL_OFFSET = 18
MAX_LABEL_CHARS = 22
# Labels of nodes near the vertical axis (|cos| below the value) go above or below the node, and only a node
# on the axis itself gets a centred label, so neighbouring labels grow away from each other.
VERTICAL_LABEL_COS = 0.2
CENTRED_LABEL_COS = 0.05

COLOURS = {INTEGRATED: "#2e7d32", PARTIALLY_INTEGRATED: "#ef6c00", ISLAND: "#c62828", UNKNOWN: "#757575"}
DASHES = {PARTIALLY_INTEGRATED: "7 5"}
LINKED_STATUSES = (INTEGRATED, PARTIALLY_INTEGRATED)


def stack_svg(classifications, *, crm_name):
    """Return an SVG document (a string) with one node per classified tool around the CRM.

    Integrated tools get a solid line to the CRM, partially integrated tools a dashed line, islands and
    unknown tools none. Node colour shows the status, and a legend with the counts runs along the bottom.
    The same input always gives the same text.
    """
    order = {status: position for position, status in enumerate(STATUSES)}
    tools = sorted(classifications, key=lambda item: (order[item.status], item.category, item.name.lower(), item.slug))

    root = ET.Element("svg", {
        "xmlns": SVG_NS, "version": "1.1", "width": str(WIDTH), "height": str(HEIGHT),
        "viewBox": "0 0 %d %d" % (WIDTH, HEIGHT), "font-family": FONT,
    })
    ET.SubElement(root, "title").text = "%s stack: %s" % (crm_name, headline(tools))
    ET.SubElement(root, "rect", {"x": "0", "y": "0", "width": str(WIDTH), "height": str(HEIGHT), "fill": "#ffffff"})

    positions = [_position(index, len(tools)) for index in range(len(tools))]
    _draw_links(root, tools, positions)
    _draw_crm(root, crm_name)
    for item, (x, y, angle) in zip(tools, positions):
        _draw_tool(root, item, x, y, angle)
    if not tools:
        _text(root, CENTRE_X, CENTRE_Y + CRM_RADIUS + 40, "No tools found", size=13, anchor="middle", fill="#555555")
    _draw_legend(root, tools)

    return ET.tostring(root, encoding="unicode")


def _position(index, count):
    angle = -math.pi / 2 + 2 * math.pi * index / max(count, 1)
    return CENTRE_X + RING_RX * math.cos(angle), CENTRE_Y + RING_RY * math.sin(angle), angle


def _draw_links(root, tools, positions):
    group = ET.SubElement(root, "g", {"class": "links"})
    for item, (x, y, _angle) in zip(tools, positions):
        if item.status not in LINKED_STATUSES:
            continue
        attributes = {
            "x1": _number(CENTRE_X), "y1": _number(CENTRE_Y), "x2": _number(x), "y2": _number(y),
            "stroke": COLOURS[item.status], "stroke-width": "2",
        }
        if item.status in DASHES:
            attributes["stroke-dasharray"] = DASHES[item.status]
        ET.SubElement(group, "line", attributes)


def _draw_crm(root, crm_name):
    group = ET.SubElement(root, "g", {"class": "crm"})
    ET.SubElement(group, "circle", {
        "cx": _number(CENTRE_X), "cy": _number(CENTRE_Y), "r": str(CRM_RADIUS), "fill": "#1f3a5f",
    })
    lines = _wrap(crm_name)
    first_y = CENTRE_Y + 5 - 8 * (len(lines) - 1)
    for number, line in enumerate(lines):
        _text(group, CENTRE_X, first_y + 16 * number, line, size=14, anchor="middle", fill="#ffffff", weight="bold")


def _draw_tool(root, item, x, y, angle):
    group = ET.SubElement(root, "g", {"class": "tool", "id": "tool-%s" % item.slug})
    ET.SubElement(group, "title").text = "%s (%s): %s" % (item.name, item.tool.category_label, STATUS_LABELS[item.status])

    circle = {"cx": _number(x), "cy": _number(y), "r": str(NODE_RADIUS), "fill": COLOURS[item.status]}
    if item.status == UNKNOWN:
        # Hollow, so unknown and island nodes differ in grey-scale print too.
        circle.update({"fill": "#ffffff", "stroke": COLOURS[UNKNOWN], "stroke-width": "2", "stroke-dasharray": "3 2"})
    ET.SubElement(group, "circle", circle)

    cos, sin = math.cos(angle), math.sin(angle)
    label_x = x + cos * LABEL_OFFSET
    label_y = y + sin * LABEL_OFFSET
    anchor = "start" if cos > 0 else "end"
    if abs(cos) < CENTRED_LABEL_COS:
        anchor = "middle"
    if abs(cos) < VERTICAL_LABEL_COS:
        label_y += 10 if sin > 0 else -2
    else:
        label_y += 4
    _text(group, label_x, label_y, _shorten(item.name), size=11, anchor=anchor, fill="#222222")


def _draw_legend(root, tools):
    group = ET.SubElement(root, "g", {"class": "legend"})
    counts = {status: sum(1 for item in tools if item.status == status) for status in STATUSES}
    legend_y = HEIGHT - 56

    for position, status in enumerate(STATUSES):
        x = 40 + 225 * position
        if status in LINKED_STATUSES:
            line = {"x1": _number(x), "y1": _number(legend_y), "x2": _number(x + 30), "y2": _number(legend_y),
                    "stroke": COLOURS[status], "stroke-width": "2"}
            if status in DASHES:
                line["stroke-dasharray"] = DASHES[status]
            ET.SubElement(group, "line", line)
        circle = {"cx": _number(x + 30), "cy": _number(legend_y), "r": "7", "fill": COLOURS[status]}
        if status == UNKNOWN:
            circle.update({"fill": "#ffffff", "stroke": COLOURS[UNKNOWN], "stroke-width": "2", "stroke-dasharray": "3 2"})
        ET.SubElement(group, "circle", circle)
        label = "%s (%d)" % (STATUS_LABELS[status].capitalize(), counts[status])
        _text(group, x + 44, legend_y + 4, label, size=12, anchor="start", fill="#222222")

    _text(group, 40, HEIGHT - 20, headline(tools), size=12, anchor="start", fill="#555555")


def _text(parent, x, y, content, *, size, anchor, fill, weight=None):
    attributes = {"x": _number(x), "y": _number(y), "font-size": str(size), "text-anchor": anchor, "fill": fill}
    if weight:
        attributes["font-weight"] = weight
    element = ET.SubElement(parent, "text", attributes)
    element.text = content
    return element


def _wrap(name, width=12):
    words = name.split()
    if len(name) <= width or len(words) == 1:
        return [_shorten(name, 16)]
    split = min(range(1, len(words)), key=lambda cut: abs(len(" ".join(words[:cut])) - len(" ".join(words[cut:]))))
    return [_shorten(" ".join(words[:split]), 16), _shorten(" ".join(words[split:]), 16)]


def _shorten(text, limit=MAX_LABEL_CHARS):
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _number(value):
    return ("%.1f" % value).rstrip("0").rstrip(".")


# Elements and attributes that stack_svg draws. safe_svg_markup accepts nothing else.
SVG_NAMESPACE = "{http://www.w3.org/2000/svg}"
ALLOWED_ELEMENTS = frozenset({"svg", "g", "title", "desc", "rect", "line", "circle", "text"})
ALLOWED_ATTRIBUTES = frozenset({
    "xmlns", "version", "viewBox", "width", "height", "role", "aria-label", "class", "id", "x", "y", "x1", "y1", "x2", "y2",
    "cx", "cy", "r", "fill", "stroke", "stroke-width", "stroke-dasharray", "font-size", "font-family",
    "font-weight", "text-anchor", "dominant-baseline",
})


def safe_svg_markup(svg):
    """Return `svg` unchanged when it parses as an SVG of the drawn elements and attributes only, else "".

    The check runs on the parsed tree, so character references in a value cannot hide a script URL,
    and an element or attribute outside the allowlist (script, a, animate, on* handlers, href) rejects the whole picture.
    """
    text = (svg or "").strip()
    if not text:
        return ""
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        return ""
    for element in root.iter():
        if not isinstance(element.tag, str) or element.tag.removeprefix(SVG_NAMESPACE) not in ALLOWED_ELEMENTS:
            return ""
        if any(name not in ALLOWED_ATTRIBUTES for name in element.attrib):
            return ""
    return text
