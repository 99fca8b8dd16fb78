"""Charts drawn on the server as SVG strings, so a report page and its PDF show the same picture.

Every function returns a complete <svg> element. Text is XML-escaped and colours are checked
against #rrggbb, so the output can be marked safe in templates.
"""
import re
from xml.sax.saxutils import escape, quoteattr

from django.utils.safestring import mark_safe

SVG_NS = "http://www.w3.org/2000/svg"
FONT = "DejaVu Sans, Arial, sans-serif"
HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
GRID_COLOR = "#d5dbe2"
TEXT_COLOR = "#1d2733"
MUTED_COLOR = "#5b6875"


def _color(value, default):
    return value if isinstance(value, str) and HEX_COLOR.match(value) else default


def _svg(width, height, title, body):
    return mark_safe(
        f'<svg xmlns="{SVG_NS}" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'font-family={quoteattr(FONT)} font-size="11"><title>{escape(title)}</title>{"".join(body)}</svg>'
    )


def _text(x, y, text, anchor="start", color=TEXT_COLOR, size=None, weight=None):
    size_attr = f' font-size="{size}"' if size else ""
    weight_attr = f' font-weight="{weight}"' if weight else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{color}"{size_attr}{weight_attr}>{escape(str(text))}</text>'


def score_trend_svg(points, *, color="#1f4e79", width=560, height=200, title="Health score trend"):
    """Draw a line of health scores (0-100) over audit runs.

    `points` is a list of (label, score) in time order; a score of None leaves a gap in the line.
    """
    color = _color(color, "#1f4e79")
    left, right, top, bottom = 44, 40, 16, 34
    plot_width, plot_height = width - left - right, height - top - bottom
    body = []

    for value in (0, 25, 50, 75, 100):
        y = top + plot_height * (1 - value / 100)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID_COLOR}" stroke-width="1"/>')
        body.append(_text(left - 6, y + 4, value, anchor="end", color=MUTED_COLOR))

    scored = [(index, label, score) for index, (label, score) in enumerate(points) if score is not None]
    if not scored:
        body.append(_text(left + plot_width / 2, top + plot_height / 2, "No scored audit yet", anchor="middle", color=MUTED_COLOR))
        return _svg(width, height, title, body)

    step = plot_width / (len(points) - 1) if len(points) > 1 else 0
    coordinates = {}
    for index, (label, score) in enumerate(points):
        x = left + (step * index if len(points) > 1 else plot_width / 2)
        body.append(_text(x, height - 12, label, anchor="middle", color=MUTED_COLOR))
        if score is not None:
            coordinates[index] = (x, top + plot_height * (1 - max(0.0, min(100.0, score)) / 100))

    for segment in _segments(sorted(coordinates)):
        if len(segment) > 1:
            path = " ".join(f"{coordinates[i][0]:.1f},{coordinates[i][1]:.1f}" for i in segment)
            body.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2.5"/>')

    for index, label, score in scored:
        x, y = coordinates[index]
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{color}"/>')
        body.append(_text(x, y - 8, f"{score:g}", anchor="middle", weight="bold"))
    return _svg(width, height, title, body)


def _segments(indexes):
    """Split sorted point indexes into runs of consecutive indexes, so a missing score breaks the line."""
    segments, current = [], []
    for index in indexes:
        if current and index != current[-1] + 1:
            segments.append(current)
            current = []
        current.append(index)
    if current:
        segments.append(current)
    return segments


def severity_bars_svg(rows, *, width=560, title="Findings by severity"):
    """Draw horizontal bars of finding counts. `rows` is a list of (label, count, #rrggbb colour)."""
    bar_height, gap, label_width, top = 22, 8, 90, 6
    height = top * 2 + max(1, len(rows)) * (bar_height + gap)
    largest = max((count for _, count, _ in rows), default=0)
    plot_width = width - label_width - 50
    body = []

    if not largest:
        body.append(_text(width / 2, height / 2 + 4, "No findings", anchor="middle", color=MUTED_COLOR))
        return _svg(width, height, title, body)

    for position, (label, count, color) in enumerate(rows):
        y = top + position * (bar_height + gap)
        bar = plot_width * count / largest
        body.append(_text(label_width - 8, y + bar_height * 0.7, label, anchor="end"))
        body.append(f'<rect x="{label_width}" y="{y}" width="{bar:.1f}" height="{bar_height}" rx="2" fill="{_color(color, MUTED_COLOR)}"/>')
        body.append(_text(label_width + bar + 6, y + bar_height * 0.7, count, weight="bold"))
    return _svg(width, height, title, body)


def sparkline_svg(scores, *, color="#1f4e79", width=120, height=28, title="Health score trend"):
    """Draw a small line of recent health scores (0-100, oldest first) for tables."""
    color = _color(color, "#1f4e79")
    values = [score for score in scores if score is not None]
    if not values:
        return _svg(width, height, title, [])

    pad = 3
    step = (width - 2 * pad) / (len(values) - 1) if len(values) > 1 else 0
    points = []
    for index, score in enumerate(values):
        x = pad + step * index if len(values) > 1 else width / 2
        y = pad + (height - 2 * pad) * (1 - max(0.0, min(100.0, score)) / 100)
        points.append((x, y))

    body = []
    if len(points) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        body.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="1.5"/>')
    last_x, last_y = points[-1]
    body.append(f'<circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="2.5" fill="{color}"/>')
    return _svg(width, height, title, body)
