"""Summaries of a classified stack: overlapping tools, missing capabilities, the headline, and changes between runs."""
from dataclasses import dataclass

from .catalog import CATEGORIES
from .classify import INTEGRATED, ISLAND, PARTIALLY_INTEGRATED, STATUS_LABELS, STATUSES, UNKNOWN

# Categories where clients use several tools on purpose (one per network or site), so several is no overlap.
OVERLAP_EXEMPT_CATEGORIES = {"social", "ad_platform", "reviews", "seo"}


@dataclass(frozen=True)
class Overlap:
    category: str
    tools: tuple
    reason: str


@dataclass(frozen=True)
class MissingCapability:
    key: str
    label: str
    reason: str


@dataclass(frozen=True)
class ToolChange:
    """A tool whose status changed between two runs. `before` is None for a new tool, `after` for a removed one."""

    slug: str
    name: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class StackDiff:
    summary: tuple
    changes: tuple


def overlaps(classifications):
    """Return one Overlap per category with two or more tools in use (any status but unknown)."""
    by_category = {}
    for item in classifications:
        if item.status != UNKNOWN and item.category not in OVERLAP_EXEMPT_CATEGORIES:
            by_category.setdefault(item.category, []).append(item)

    found = []
    for category in sorted(by_category):
        items = sorted(by_category[category], key=lambda item: item.name.lower())
        if len(items) < 2:
            continue
        listed = ", ".join("%s (%s)" % (item.name, item.status_label) for item in items)
        label = CATEGORIES.get(category, category)
        reason = "%d %s tools in use: %s." % (len(items), label.lower(), listed)
        found.append(Overlap(category=category, tools=tuple(item.name for item in items), reason=reason))
    return found


def missing_categories(classifications, *, has_self_reported_field):
    """Return the attribution capabilities the stack lacks: call tracking, self-reported attribution, event capture.

    A category counts as covered when a tool of it is in use (any status but unknown).
    """
    in_use = {item.category for item in classifications if item.status != UNKNOWN}
    missing = []

    if "call_tracking" not in in_use:
        missing.append(MissingCapability(
            key="call_tracking", label="Call tracking",
            reason="No call tracking tool found, so phone calls from ads and web pages reach sales without a source.",
        ))
    if not has_self_reported_field:
        missing.append(MissingCapability(
            key="self_reported_attribution", label="Self-reported attribution",
            reason='No form asks "How did you hear about us?", so there is no self-reported source to check '
                   "software attribution against.",
        ))
    if "events" not in in_use:
        missing.append(MissingCapability(
            key="events", label="Offline event capture",
            reason="No event tool found, so leads from trade shows and field events carry no event source "
                   "unless they are imported with one.",
        ))
    return missing


def headline(classifications):
    """Return counts per status, such as "19 tools, 4 integrated, 13 islands, 2 unknown".

    Partially integrated tools are named only when there are some.
    """
    counts = {status: 0 for status in STATUSES}
    for item in classifications:
        counts[_status_of(item)] += 1

    total = sum(counts.values())
    parts = [_count(total, "tool", "tools"), "%d integrated" % counts[INTEGRATED]]
    if counts[PARTIALLY_INTEGRATED]:
        parts.append("%d partially integrated" % counts[PARTIALLY_INTEGRATED])
    parts.append(_count(counts[ISLAND], "island", "islands"))
    parts.append("%d unknown" % counts[UNKNOWN])
    return ", ".join(parts)


def diff(previous, current):
    """Compare two runs' classifications (objects or their as_dict() dicts) and return a StackDiff.

    `summary` contains lines such as "2 tools moved from island to integrated"; `changes` lists each tool
    that appeared, moved or disappeared, in that order, then by status and name.
    """
    before = {_slug_of(item): item for item in previous}
    after = {_slug_of(item): item for item in current}

    changes = []
    for slug in sorted(set(before) | set(after)):
        old_status = _status_of(before[slug]) if slug in before else None
        new_status = _status_of(after[slug]) if slug in after else None
        if old_status != new_status:
            name = _name_of(after.get(slug) or before[slug])
            changes.append(ToolChange(slug=slug, name=name, before=old_status, after=new_status))

    changes.sort(key=_change_order)
    return StackDiff(summary=tuple(_summary_lines(changes)), changes=tuple(changes))


def _summary_lines(changes):
    groups = {}
    for change in changes:
        groups.setdefault((change.before, change.after), []).append(change)

    lines = []
    for (old_status, new_status), members in groups.items():
        tools = _count(len(members), "tool", "tools")
        if old_status is None:
            lines.append("%s added (%s)" % (tools, STATUS_LABELS[new_status]))
        elif new_status is None:
            lines.append("%s no longer found (was %s)" % (tools, STATUS_LABELS[old_status]))
        else:
            lines.append("%s moved from %s to %s" % (tools, STATUS_LABELS[old_status], STATUS_LABELS[new_status]))
    return lines


def _change_order(change):
    """Added tools first, then moves by old and new status, then removed tools."""
    if change.before is None:
        group = 0
    elif change.after is None:
        group = 2
    else:
        group = 1
    return (group, _status_rank(change.before), _status_rank(change.after), change.name.lower())


def _status_rank(status):
    return -1 if status is None else STATUSES.index(status)


def _field(item, name):
    return item[name] if isinstance(item, dict) else getattr(item, name)


def _slug_of(item):
    return _field(item, "slug")


def _name_of(item):
    return _field(item, "name")


def _status_of(item):
    status = _field(item, "status")
    if status not in STATUSES:
        raise ValueError("unknown status %r for tool %r; use one of %s" % (status, _slug_of(item), ", ".join(STATUSES)))
    return status


def _count(number, singular, plural):
    return "%d %s" % (number, singular if number == 1 else plural)
