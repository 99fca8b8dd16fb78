"""Classify each tool in use as integrated with the CRM, partially integrated, a data island, or unknown."""
from dataclasses import dataclass
from datetime import datetime

from .catalog import CRMS
from .detection import Detection
from .values import match_value, normalize_name

INTEGRATED = "integrated"
PARTIALLY_INTEGRATED = "partially_integrated"
ISLAND = "island"
UNKNOWN = "unknown"
STATUSES = (INTEGRATED, PARTIALLY_INTEGRATED, ISLAND, UNKNOWN)
STATUS_LABELS = {INTEGRATED: "integrated", PARTIALLY_INTEGRATED: "partially integrated", ISLAND: "island", UNKNOWN: "unknown"}

RECENT_DAYS = 30
# Evidence last seen longer ago than this is weak: the tool may have been dropped since.
STALE_DAYS = 365


@dataclass(frozen=True)
class AppLink:
    """The CRM's record of one connected app: when its data last arrived, and whether the sync is limited.

    `one_way` marks a sync that covers one direction or one narrow step only (for example an app that writes
    only a job title, or only the MQL lifecycle step). `detail` describes what it covers, for the reason text.
    """

    last_data_at: datetime | None
    one_way: bool = False
    detail: str = ""


# History properties that move people through the CRM: where they came from, their stage and their owner.
# An app that writes none of them only fills profile fields of people that other apps created.
FUNNEL_PROPERTIES = frozenset({
    "original_source", "original_source_drill_down_1", "lifecycle_stage", "lead_status", "lead_source", "owner",
})


def app_link(last_data_at, *, properties, funnel_properties, only_property="", lifecycle_stages=0):
    """Return the AppLink of an app from a summary of its history writes.

    `properties` and `funnel_properties` count the distinct properties the app wrote, all and those in
    FUNNEL_PROPERTIES. `only_property` names its property when it wrote one. `lifecycle_stages` counts the
    distinct stages its lifecycle changes set. An app that sets one lifecycle stage and nothing else, or that
    writes only profile fields (a job title from an enrichment tool), is linked for one narrow step.
    """
    if properties == 1 and lifecycle_stages == 1:
        return AppLink(last_data_at, one_way=True, detail="writes a single lifecycle step")
    if properties and not funnel_properties:
        if properties == 1 and only_property:
            detail = "writes only the %s field" % only_property.replace("_", " ")
        else:
            detail = "writes only profile fields"
        return AppLink(last_data_at, one_way=True, detail=detail)
    return AppLink(last_data_at)


@dataclass(frozen=True)
class ToolClassification:
    """One tool in the client's stack, its status, and the evidence and reason behind the status."""

    tool: object
    status: str
    reason: str
    evidence: tuple
    connected_app: str = ""
    last_data_at: datetime | None = None

    @property
    def slug(self):
        return self.tool.slug

    @property
    def name(self):
        return self.tool.name

    @property
    def category(self):
        return self.tool.category

    @property
    def status_label(self):
        return STATUS_LABELS[self.status]

    def as_dict(self):
        return {
            "slug": self.slug, "name": self.name, "category": self.category, "status": self.status,
            "reason": self.reason, "connected_app": self.connected_app,
            "last_data_at": self.last_data_at.isoformat() if self.last_data_at else None,
            "evidence": [detection.as_dict() for detection in self.evidence],
        }


def classify(detections, *, crm, connected_apps, now, recent_days=RECENT_DAYS, catalog=None, stale_days=STALE_DAYS):
    """Return one ToolClassification per tool in `detections`, ordered by status, category and name.

    `crm` is the CRM's catalog slug (hubspot, salesforce, dynamics, pipedrive). Its own detections are left
    out because the CRM is the centre of the stack. `connected_apps` maps an app name as the CRM shows it to
    its last data time (a datetime or None) or to an AppLink. A connected_app detection links its tool to the
    app of that name, and when `connected_apps` lacks that name, the detection's last_seen is the last data
    time. With `catalog`, connected apps that no detection names are matched to tools too. `now` and every
    datetime must be all timezone-aware or all naive.
    """
    links = {normalize_name(name): (name, _as_link(value)) for name, value in connected_apps.items()}
    by_slug = {}
    for detection in list(detections) + _connected_app_detections(connected_apps, detections, catalog):
        by_slug.setdefault(detection.slug, []).append(detection)

    classifications = []
    for slug, group in by_slug.items():
        if slug == crm:
            continue
        classifications.append(_classify_tool(group, crm, links, now, recent_days, stale_days))

    status_order = {status: position for position, status in enumerate(STATUSES)}
    return sorted(classifications, key=lambda item: (status_order[item.status], item.category, item.name.lower()))


def _as_link(value):
    return value if isinstance(value, AppLink) else AppLink(last_data_at=value)


def _connected_app_detections(connected_apps, detections, catalog):
    if catalog is None:
        return []
    named = {normalize_name(d.evidence) for d in detections if d.kind == "connected_app"}
    added = []
    for name, value in connected_apps.items():
        tool = match_value("connected_app", name, catalog=catalog)
        if tool is not None and normalize_name(name) not in named:
            added.append(Detection(tool=tool, kind="connected_app", evidence=name, count=0, last_seen=_as_link(value).last_data_at))
    return added


def _classify_tool(group, crm, links, now, recent_days, stale_days):
    tool = group[0].tool
    evidence = tuple(sorted(group, key=_evidence_order))
    crm_name = CRMS.get(crm, crm)

    app_links = []
    for detection in group:
        if detection.kind == "connected_app":
            name, link = links.get(normalize_name(detection.evidence), (detection.evidence, AppLink(detection.last_seen)))
            app_links.append((name, link))

    if app_links:
        return _classify_connected(tool, evidence, app_links, crm_name, now, recent_days)

    strong = [d for d in evidence if not d.weak and not _is_stale(d, now, stale_days)]
    if strong:
        reason = "In use but not connected to %s: %s. %s." % (crm_name, _summary(strong), _native_note(tool, crm, crm_name))
        return ToolClassification(tool=tool, status=ISLAND, reason=reason, evidence=evidence)

    reason = "Only weak evidence: %s. Confirm with the client whether %s is still in use." % (
        _summary(evidence, now=now, stale_days=stale_days), tool.name)
    return ToolClassification(tool=tool, status=UNKNOWN, reason=reason, evidence=evidence)


def _classify_connected(tool, evidence, app_links, crm_name, now, recent_days):
    def freshness(item):
        link = item[1]
        recent = link.last_data_at is not None and (now - link.last_data_at).days <= recent_days
        return (recent and not link.one_way, recent, link.last_data_at or datetime.min.replace(tzinfo=now.tzinfo))

    name, link = max(app_links, key=freshness)
    connected = "Connected to %s as %r" % (crm_name, name)
    result = {"tool": tool, "evidence": evidence, "connected_app": name, "last_data_at": link.last_data_at}

    if link.last_data_at is None:
        return ToolClassification(status=PARTIALLY_INTEGRATED, reason="%s, but no data has arrived from it." % connected, **result)

    age_days = (now - link.last_data_at).days
    if age_days > recent_days:
        reason = "%s, but no data has arrived for %d days (more than %d)." % (connected, age_days, recent_days)
        return ToolClassification(status=PARTIALLY_INTEGRATED, reason=reason, **result)

    if link.one_way:
        detail = ": %s" % link.detail if link.detail else ""
        reason = "%s, but the sync is one-way or limited%s." % (connected, detail)
        return ToolClassification(status=PARTIALLY_INTEGRATED, reason=reason, **result)

    reason = "%s, and data last arrived %s." % (connected, _days_ago(age_days))
    return ToolClassification(status=INTEGRATED, reason=reason, **result)


def _native_note(tool, crm, crm_name):
    if tool.has_native_integration(crm):
        return "%s has a native %s integration" % (tool.name, crm_name)
    return "The catalog lists no native %s integration, so it needs a connector or a custom sync" % crm_name


def _is_stale(detection, now, stale_days):
    return detection.last_seen is not None and (now - detection.last_seen).days > stale_days


def _summary(detections, *, now=None, stale_days=STALE_DAYS, limit=2):
    parts = []
    for detection in list(detections)[:limit]:
        text = detection.describe()
        if now is not None and _is_stale(detection, now, stale_days):
            text += ", last seen %s" % _days_ago((now - detection.last_seen).days)
        parts.append(text)
    text = ", ".join(parts)
    extra = len(detections) - limit
    if extra > 0:
        text += " and %d more" % extra
    return text


def _evidence_order(detection):
    return (detection.weak, -detection.count, detection.kind, detection.evidence)


def _days_ago(days):
    if days <= 0:
        return "today"
    return "1 day ago" if days == 1 else "%d days ago" % days
