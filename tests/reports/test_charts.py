import xml.etree.ElementTree as ET

from reports import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg):
    return ET.fromstring(str(svg))


def test_score_trend_parses_as_svg():
    root = parse(charts.score_trend_svg([("2026-01-01", 58.0), ("2026-02-01", 71.5)]))

    assert root.tag == f"{SVG}svg"
    assert len(root.findall(f"{SVG}polyline")) == 1
    assert len(root.findall(f"{SVG}circle")) == 2


def test_score_trend_labels_are_escaped():
    root = parse(charts.score_trend_svg([("<run & 1>", 40.0)], title="Trend <of> & scores"))

    labels = [text.text for text in root.findall(f"{SVG}text")]
    assert "<run & 1>" in labels
    assert root.find(f"{SVG}title").text == "Trend <of> & scores"


def test_score_trend_gap_breaks_line():
    root = parse(charts.score_trend_svg([("a", 50.0), ("b", 60.0), ("c", None), ("d", 70.0), ("e", 80.0)]))

    assert len(root.findall(f"{SVG}polyline")) == 2
    assert len(root.findall(f"{SVG}circle")) == 4


def test_score_trend_without_scores():
    root = parse(charts.score_trend_svg([("a", None)]))

    assert root.findall(f"{SVG}circle") == []
    assert "No scored audit yet" in [text.text for text in root.findall(f"{SVG}text")]


def test_score_trend_rejects_bad_colour():
    svg = str(charts.score_trend_svg([("a", 10.0), ("b", 20.0)], color='red"/><script>alert(1)</script>'))

    assert "<script>" not in svg
    parse(svg)


def test_severity_bars_parse_as_svg():
    root = parse(charts.severity_bars_svg([("High", 3, "#b3261e"), ("Low", 1, "#a16207"), ("Info", 0, "#5b6875")]))

    bars = root.findall(f"{SVG}rect")
    assert len(bars) == 3
    assert float(bars[0].get("width")) > float(bars[1].get("width"))
    assert float(bars[2].get("width")) == 0.0


def test_severity_bars_without_findings():
    root = parse(charts.severity_bars_svg([("High", 0, "#b3261e")]))

    assert root.findall(f"{SVG}rect") == []


def test_sparkline_parses_as_svg():
    root = parse(charts.sparkline_svg([40.0, 55.5, 71.0]))

    assert root.find(f"{SVG}polyline") is not None
    assert len(root.findall(f"{SVG}circle")) == 1


def test_sparkline_of_one_score():
    root = parse(charts.sparkline_svg([40.0]))

    assert root.find(f"{SVG}polyline") is None
