"""Find catalog tools in CRM data values: UTM sources, referrers, connected apps, touchpoint sources, questionnaires."""
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from .detection import COUNTED_KINDS, VALUE_KINDS, Detection

# Below this many records, a UTM source, referrer or touchpoint source is weak evidence (a test link, a typo).
MIN_RECORDS = 3
SEPARATORS_RE = re.compile(r"[\s_\-]+")


@dataclass(frozen=True)
class _ValueIndex:
    names: dict  # normalized name or data value -> tool
    domains: dict  # referrer domain -> tool


def detect_from_values(values, *, catalog, min_count=MIN_RECORDS):
    """Return Detections for the values that name a catalog tool.

    `values` are (kind, value, count, last_seen) tuples, with kind one of VALUE_KINDS, count the number of
    records that carry the value, and last_seen a datetime or None. One value names at most one tool, the most
    specific match. Repeated (kind, value) pairs of one tool are merged: counts add up and the latest
    last_seen wins. utm_source, referrer and touchpoint_source values on fewer than `min_count` records are
    weak evidence.

    NOTE: a questionnaire value must be one tool name. A free-text answer that lists several tools is not
    split, so it matches at most one of them.
    """
    index = _build_index(catalog)
    merged = {}

    for kind, value, count, last_seen in values:
        _check_kind(kind)
        count = int(count or 0)
        tool = match_value(kind, value, index=index)
        if tool is None:
            continue

        key = (tool.slug, kind, value)
        if key in merged:
            previous_count, previous_seen = merged[key][1], merged[key][2]
            count += previous_count
            last_seen = _latest(previous_seen, last_seen)
        merged[key] = (tool, count, last_seen)

    detections = []
    for (slug, kind, value), (tool, count, last_seen) in merged.items():
        weak = kind in COUNTED_KINDS and count < min_count
        detections.append(Detection(tool=tool, kind=kind, evidence=value, count=count, last_seen=last_seen, weak=weak))
    return sorted(detections, key=lambda detection: (detection.slug, detection.kind, detection.evidence))


def unmatched_values(values, *, catalog):
    """Return the (kind, value, count, last_seen) tuples that name no catalog tool, for custom catalog entries."""
    index = _build_index(catalog)
    return [item for item in values if match_value(item[0], item[1], index=index) is None]


def match_value(kind, value, *, catalog=None, index=None):
    """Return the catalog tool that one value names, or None.

    Names match a tool's name or data value exactly or as the leading words ("Marketo Sync" is Marketo,
    "ZoomInfo Integration" is ZoomInfo, "Zoom" is Zoom). Referrers and values that contain a host name
    match a data value domain or any of its subdomains.
    """
    index = index or _build_index(catalog)
    text = (value or "").strip()
    if not text:
        return None

    if kind == "referrer":
        return _match_domain(text, index) or _match_name(text, index)
    return _match_name(text, index) or _match_domain(text, index)


def normalize_name(text):
    return SEPARATORS_RE.sub(" ", text.strip().lower()).strip()


def _build_index(catalog):
    names, domains = {}, {}
    for tool in catalog:
        for value in (tool.name.lower(),) + tool.data_values:
            names.setdefault(normalize_name(value), tool)
            if "." in value and " " not in value:
                domains.setdefault(value, tool)
    return _ValueIndex(names=names, domains=domains)


def _match_name(text, index):
    words = normalize_name(text).split(" ")
    for length in range(len(words), 0, -1):
        tool = index.names.get(" ".join(words[:length]))
        if tool is not None:
            return tool
    return None


def _match_domain(text, index):
    host = _host_of(text)
    if not host:
        return None
    labels = host.split(".")
    for start in range(len(labels) - 1):
        tool = index.domains.get(".".join(labels[start:]))
        if tool is not None:
            return tool
    return None


def _host_of(text):
    candidate = text.strip().lower()
    if "." not in candidate or " " in candidate:
        return ""
    if "://" not in candidate:
        candidate = "//" + candidate
    try:
        host = urlsplit(candidate).hostname or ""
    except ValueError:
        return ""
    return host.rstrip(".") if "." in host else ""


def _check_kind(kind):
    if kind not in VALUE_KINDS:
        raise ValueError("unknown value kind %r; use one of %s" % (kind, ", ".join(VALUE_KINDS)))


def _latest(first, second):
    if first is None or second is None:
        return first or second
    return max(first, second)
