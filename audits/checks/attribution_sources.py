"""Attribution checks on the original source: coverage, offline sources and overwrites after creation."""
import re
from collections import Counter, defaultdict
from functools import reduce
from operator import or_

from django.db.models import Count, Exists, OuterRef, Q, TextField, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce

from attribution.channels import hubspot_source_label
from audits.checks.attribution import (
    SAMPLE_SIZE,
    AttributionCheck,
    percent,
    plural,
    sample_ids,
    severity_for_share,
    stable_key,
    verb_have,
)
from audits.checks.base import CheckOutcome, FindingData, Remediation, rate, register
from audits.checks.sql import fetch_all
from portals.models import ChangeSource, Contact, PropertyChange, Touchpoint

# The enum value and the UI label of HubSpot's offline original source.
OFFLINE_SOURCE = Q(original_source__iexact="OFFLINE") | Q(original_source__iexact="Offline sources")
EVENT_KINDS = (Touchpoint.Kind.EVENT, Touchpoint.Kind.WEBINAR)
_PROPERTY_NAME = re.compile(r"^[A-Za-z0-9]+(_[A-Za-z0-9]+)*$")
# Each change of a contact's original source to a different value than the item before it (LAG). A
# record whose history has one distinct value has no such change. The partition lists
# record_external_id first, the order of the (client, property, record_external_id) index, so the
# sort before the window only orders the items of each record.
ORIGINAL_SOURCE_CHANGES_SQL = """
SELECT portal_id, record_external_id, previous, value, changed_at, changed_by, source_type, user_external_id
FROM (
    SELECT id, portal_id, record_external_id, value, changed_at, changed_by, source_type, user_external_id,
           LAG(value) OVER (PARTITION BY record_external_id, portal_id ORDER BY changed_at, id) AS previous
    FROM portals_propertychange
    WHERE client_id = %(client)s AND portal_id = ANY(%(portals)s) AND object_type = 'contact'
      AND property = %(property)s
) history
WHERE previous IS NOT NULL AND previous <> value
ORDER BY portal_id, record_external_id, changed_at, id
"""


def same_contact_touchpoints(context):
    """Touchpoints of the outer contact row, in its portal."""
    return Touchpoint.objects.filter(
        client_id=context.client_id, portal_id=OuterRef("portal_id"), contact_external_id=OuterRef("external_id"),
    )


def tag_touchpoint():
    """Match touchpoints that tag a contact with its event or campaign: events, webinars, offline imports with a campaign."""
    return Q(kind__in=EVENT_KINDS) | (Q(kind=Touchpoint.Kind.OFFLINE_IMPORT) & ~Q(campaign_external_id=""))


@register
class OriginalSourceCoverage(AttributionCheck):
    code = "attribution.original_source_coverage"
    title = "Contacts without a usable original source"
    description = (
        "Counts contacts with no original source, contacts with the original source Offline sources broken down "
        "by drill-down 1 (IMPORT, API, CRM_UI, ...), offline contacts with both drill-downs empty, and offline contacts "
        "with no event or campaign tag: no event or webinar touchpoint, no offline import touchpoint with a campaign, "
        "and no value in the offline_tag_properties. Untagged contacts are counted only in portals that can tag them: "
        "a portal where no contact has one of the offline_tag_properties and no touchpoint is a tag has no way to record one."
    )
    why_it_matters = (
        "A contact without a source, or an offline contact without the event or list it came from, is invisible "
        "in channel reports: trade shows, list purchases and sales-created records all look the same."
    )
    thresholds = ("tolerated_rate", "offline_source_max_rate", "offline_tag_properties")
    weight = 2.0
    remediations = {
        "no_source": Remediation(
            title="Give every contact an original source",
            steps=[
                "Find how the contacts in the evidence were created (record source, import file, integration) and set "
                "the original source or a custom first-source property from that.",
                "Make the source a required column of every import and a mapped field of every integration that creates contacts.",
                "Copy first-touch UTM values into properties that nothing overwrites.",
            ],
            priority="p2",
            effort="medium",
            expected_impact="Every contact counts in channel reports and in cost per MQL.",
        ),
        "offline": Remediation(
            title="Split offline sources by the event, list or integration behind them",
            steps=[
                "Add a custom property such as offline_source (trade show, list purchase, partner, sales-created) and "
                "require it on every import.",
                "Create a campaign per event or list and add the imported contacts as campaign members.",
                "Review the drill-down 1 breakdown in the evidence: API and CRM_UI contacts need the integration or rep that created them.",
            ],
            priority="p2",
            effort="medium",
            expected_impact="Events, list purchases and integrations can be compared by MQLs and pipeline.",
        ),
        "offline_no_drill_down": Remediation(
            title="Record how offline contacts were created",
            steps=[
                "Look up the record source and the creating user or app of the contacts in the evidence.",
                "Set the offline source property from it (import file, integration name or sales rep).",
                "Check whether an integration or script clears the drill-downs after creation, and stop it.",
            ],
            priority="p3",
            effort="small",
            expected_impact="Every offline contact names the channel that created it.",
        ),
        "offline_untagged": Remediation(
            title="Tag offline contacts with their event or campaign",
            steps=[
                "For each import file in drill-down 2, find the event or list and set the offline source property of its contacts.",
                "Add the contacts to the event's campaign, or log an event touchpoint for them.",
                "Make the event or campaign a required column of future imports.",
            ],
            priority="p2",
            effort="medium",
            expected_impact="Offline contacts can be credited to the event or campaign that brought them.",
        ),
    }

    def run(self, context):
        contacts, properties = self._annotated(context)
        tagging_portals = self._tagging_portals(context, properties)
        # A filter on an empty id list would make Django skip the whole aggregate, so it gets a match-nothing condition.
        can_tag = Q(portal_id__in=tagging_portals) if tagging_portals else Q(pk__isnull=True)
        offline_untagged = OFFLINE_SOURCE & can_tag & Q(has_tag_touchpoint=False) & ~self._has_tag_property(properties)
        counts = contacts.aggregate(
            total=Count("pk"),
            no_source=Count("pk", filter=Q(original_source="")),
            offline=Count("pk", filter=OFFLINE_SOURCE),
            offline_untagged=Count("pk", filter=offline_untagged),
            offline_no_drill_down=Count("pk", filter=OFFLINE_SOURCE & Q(original_source_drill_down_1="", original_source_drill_down_2="")),
        )
        total = counts["total"]
        if not total:
            return CheckOutcome(None, None, 1.0, skipped_reason="No contacts were synced.")

        offline = contacts.filter(OFFLINE_SOURCE)
        by_drill_down = Counter({value or "(blank)": count for value, count in
                                 offline.values_list("original_source_drill_down_1").annotate(n=Count("pk")).order_by()})
        counts["online"] = total - counts["no_source"] - counts["offline"]
        counts["offline_by_drill_down_1"] = dict(by_drill_down.most_common())
        counts["tag_properties"] = properties
        counts["portals_with_tagging"] = len(tagging_portals)

        thresholds = context.thresholds
        tolerated = thresholds["tolerated_rate"]
        findings = []
        if counts["no_source"] and rate(counts["no_source"], total) > tolerated:
            findings.append(self._no_source(counts, contacts.filter(original_source=""), tolerated))
        if counts["offline"] and rate(counts["offline"], total) > thresholds["offline_source_max_rate"]:
            findings.append(self._offline(counts, by_drill_down, offline, thresholds["offline_source_max_rate"]))
        if counts["offline_untagged"] and rate(counts["offline_untagged"], total) > tolerated:
            findings.append(self._offline_untagged(counts, contacts.filter(offline_untagged), tolerated))
        if counts["offline_no_drill_down"] and rate(counts["offline_no_drill_down"], total) > tolerated:
            no_drill_down = offline.filter(original_source_drill_down_1="", original_source_drill_down_2="")
            findings.append(self._offline_no_drill_down(counts, no_drill_down, tolerated))

        share = rate(counts["no_source"] + counts["offline_untagged"], total)
        return CheckOutcome(measured_value=share, threshold=tolerated, score=1.0 - share, findings=findings, metrics=counts)

    def _annotated(self, context):
        """Contacts annotated with has_tag_touchpoint and one tag_<n> text column per valid tag property."""
        contacts = context.scoped(Contact).annotate(has_tag_touchpoint=Exists(same_contact_touchpoints(context).filter(tag_touchpoint())))
        properties = [name for name in context.thresholds["offline_tag_properties"] if _PROPERTY_NAME.match(name)]
        # Coalesce turns a missing key into "", so that the negated tag condition is not NULL.
        tags = {
            f"tag_{index}": Coalesce(KT(f"extra__{name}"), Value(""), output_field=TextField())
            for index, name in enumerate(properties)
        }
        return contacts.annotate(**tags), properties

    def _tagging_portals(self, context, properties):
        """Return the ids of the portals where an offline contact can carry a tag.

        Such a portal has a contact with one of the tag properties (an empty value counts, because it shows that the
        property exists) or a touchpoint that tags a contact. Elsewhere a missing tag is not the client's omission.
        """
        tag_touchpoints = context.scoped(Touchpoint).filter(tag_touchpoint())
        portals = set(tag_touchpoints.values_list("portal_id", flat=True).distinct())
        if properties:
            with_property = context.scoped(Contact).filter(extra__has_any_keys=properties)
            portals.update(with_property.values_list("portal_id", flat=True).distinct())
        return sorted(portals)

    def _has_tag_property(self, properties):
        return reduce(or_, (Q(**{f"tag_{index}__gt": ""}) for index in range(len(properties))), Q(pk__in=[]))

    def _no_source(self, counts, queryset, tolerated):
        share = rate(counts["no_source"], counts["total"])
        return FindingData(
            key="no_source",
            severity=severity_for_share(share),
            title=f"{counts['no_source']} of {counts['total']} contacts have no original source",
            summary=(f"{percent(share)} of contacts have an empty original source and both drill-downs, so no channel "
                     "report or attribution model can credit them."),
            measured_value=share, threshold=tolerated, unit="share of contacts",
            affected_count=counts["no_source"], denominator=counts["total"],
            evidence={"sample_ids": sample_ids(queryset)},
        )

    def _offline(self, counts, by_drill_down, queryset, maximum):
        share = rate(counts["offline"], counts["total"])
        listing = ", ".join(f"{value} {count}" for value, count in by_drill_down.most_common())
        return FindingData(
            key="offline",
            severity="medium",
            title=f"{counts['offline']} of {counts['total']} contacts ({percent(share)}) have the original source Offline sources",
            summary=(f"Offline sources covers imports, API and integration writes and records created by hand, so it "
                     f"does not say which event or list brought a contact. Drill-down 1: {listing}."),
            measured_value=share, threshold=maximum, unit="share of contacts",
            affected_count=counts["offline"], denominator=counts["total"],
            evidence={"groups": [{"drill_down_1": value, "contacts": count} for value, count in by_drill_down.most_common(SAMPLE_SIZE)],
                      "sample_ids": sample_ids(queryset)},
        )

    def _offline_untagged(self, counts, queryset, tolerated):
        count = counts["offline_untagged"]
        share = rate(count, counts["total"])
        return FindingData(
            key="offline_untagged",
            severity="medium",
            title=f"{plural(count, 'offline contact')} {verb_have(count)} no event or campaign tag",
            summary=(f"{counts['offline_untagged']} of {counts['offline']} contacts with the original source Offline "
                     "sources have no event or webinar touchpoint, no campaign on their import and no offline source "
                     "property, so nobody can tell a trade-show contact from a purchased list."),
            measured_value=share, threshold=tolerated, unit="share of contacts",
            affected_count=counts["offline_untagged"], denominator=counts["total"],
            evidence={"offline_contacts": counts["offline"], "tag_properties": counts["tag_properties"],
                      "sample_ids": sample_ids(queryset)},
        )

    def _offline_no_drill_down(self, counts, queryset, tolerated):
        count = counts["offline_no_drill_down"]
        share = rate(count, counts["total"])
        return FindingData(
            key="offline_no_drill_down",
            severity="medium",
            title=f"{plural(count, 'offline contact')} {verb_have(count)} neither drill-down",
            summary=(f"{counts['offline_no_drill_down']} contacts with the original source Offline sources have empty drill-downs, "
                     "so not even the creation channel (import, API, integration or manual entry) is known."),
            measured_value=share, threshold=tolerated, unit="share of contacts",
            affected_count=counts["offline_no_drill_down"], denominator=counts["total"],
            evidence={"offline_contacts": counts["offline"], "sample_ids": sample_ids(queryset)},
        )


def actor_label(changed_by, user_id):
    if user_id:
        return f"user {user_id}"
    labels = {ChangeSource.IMPORT: "an import", ChangeSource.WORKFLOW: "a workflow", ChangeSource.INTEGRATION: "an integration",
              ChangeSource.API: "the API", ChangeSource.ANALYTICS: "HubSpot analytics", ChangeSource.FORM: "a form",
              ChangeSource.USER: "a user"}
    return labels.get(changed_by, "an unknown source")


@register
class OriginalSourceOverwritten(AttributionCheck):
    code = "attribution.original_source_overwritten"
    title = "Original source changed after the contact was created"
    description = (
        "Reads the original source property history and finds each change to a different value after the first. "
        "A change by HubSpot analytics is explained when the first tracked visit precedes the contact's creation "
        "(an earlier anonymous visit was linked to the contact). Every other change overwrote the original source."
    )
    why_it_matters = (
        "The original source is the first-touch record of how a contact was acquired. A user, import or "
        "integration that overwrites it moves the contact to another channel, and HubSpot clears both "
        "drill-downs, so the campaign and referrer detail is gone."
    )
    thresholds = ("tolerated_rate",)
    weight = 2.0
    remediations = {
        "overwritten": Remediation(
            title="Protect the original source from overwrites",
            steps=[
                "Remove edit permission on Original Source for users who do not need it, and take the property out of import mappings.",
                "Copy first-touch UTM values and the original source into properties that nothing overwrites, set once "
                "at creation by a workflow.",
                "Restore the values in the evidence from the property history (the value before the overwrite).",
            ],
            priority="p1",
            effort="small",
            expected_impact="First-touch attribution stays as it was recorded, with its drill-downs.",
        ),
    }

    def run(self, context):
        history = context.scoped(PropertyChange).filter(object_type="contact", property=PropertyChange.Property.ORIGINAL_SOURCE)
        if not history.exists():
            return CheckOutcome(None, None, 1.0, skipped_reason="No original source history was synced, so changes cannot be seen.")

        changes = self._changes(context, history)
        contacts_with_history = history.values("portal_id", "record_external_id").distinct().count()
        explained, overwritten = {}, defaultdict(list)
        for change in changes:
            if change["explained"]:
                explained.setdefault(change["key"], change)
            else:
                overwritten[(change["changed_by"], change["user"], change["old"], change["new"])].append(change)

        overwritten_contacts = {change["key"] for group in overwritten.values() for change in group}
        explained_only = {contact: change for contact, change in explained.items() if contact not in overwritten_contacts}
        changed = len(overwritten_contacts) + len(explained_only)
        share = rate(len(overwritten_contacts), changed)
        tolerated = context.thresholds["tolerated_rate"]

        largest_first = sorted(overwritten.items(), key=lambda item: -len(item[1]))
        findings = [self._overwritten(key, group, changed, tolerated) for key, group in largest_first]
        if explained_only:
            findings.append(self._explained(list(explained_only.values()), changed))
        return CheckOutcome(
            measured_value=share, threshold=tolerated, score=1.0 - rate(len(overwritten_contacts), contacts_with_history),
            findings=[finding for finding in findings if finding.severity == "info" or share > tolerated],
            metrics={"contacts_with_history": contacts_with_history, "changed_contacts": changed,
                     "overwritten_contacts": len(overwritten_contacts), "explained_contacts": len(explained_only)},
        )

    def _changes(self, context, history):
        """Every history item whose value differs from the item before it, with the contact's dates and drill-downs.

        One statement reads the history once, and a second one the contacts of the changed items only.
        """
        parameters = {"client": context.client_id, "portals": list(context.portal_ids),
                      "property": PropertyChange.Property.ORIGINAL_SOURCE.value}
        rows = fetch_all(ORIGINAL_SOURCE_CHANGES_SQL, parameters, datetime_columns=(4,))
        contact_rows = context.scoped(Contact).filter(external_id__in={row[1] for row in rows}).values_list(
            "portal_id", "external_id", "created_at", "first_seen_at", "original_source_drill_down_1", "original_source_drill_down_2",
        )
        contacts = {(portal, external_id): rest for portal, external_id, *rest in contact_rows}

        changes = []
        for portal, contact_id, old, new, changed_at, changed_by, source_type, user in rows:
            created_at, first_seen_at, dd1, dd2 = contacts.get((portal, contact_id), (None, None, "", ""))
            earlier_visit = bool(first_seen_at and created_at and first_seen_at < created_at)
            changes.append({
                "key": (portal, contact_id), "contact": contact_id, "old": old, "new": new, "changed_at": changed_at,
                "changed_by": changed_by, "source_type": source_type, "user": user, "created_at": created_at,
                "first_seen_at": first_seen_at, "explained": changed_by == ChangeSource.ANALYTICS and earlier_visit,
                "drill_downs_lost": not dd1 and not dd2,
            })
        return sorted(changes, key=lambda change: (change["contact"], change["changed_at"]))

    def _overwritten(self, key, group, changed, tolerated):
        changed_by, user, old, new = key
        contacts = sorted({change["contact"] for change in group})
        affected = len({change["key"] for change in group})
        lost = len({change["key"] for change in group if change["drill_downs_lost"]})
        actor = actor_label(changed_by, user)
        pair = f"{hubspot_source_label(old)} → {hubspot_source_label(new)}"
        lost_note = f"; drill-downs lost on {lost}" if lost else ""
        return FindingData(
            key=stable_key("overwritten", changed_by, user or "-", old or "(blank)", new or "(blank)"),
            severity="medium",
            title=f"Original source overwritten by {actor} on {plural(affected, 'contact')} ({pair}){lost_note}",
            summary=(f"After the contacts were created, {actor} changed their original source from {hubspot_source_label(old)} "
                     f"to {hubspot_source_label(new)} (history source type {group[0]['source_type'] or changed_by}). "
                     f"Both drill-downs are now empty on {lost} of them, so the campaign and referrer detail is lost."),
            measured_value=rate(affected, changed), threshold=tolerated, unit="share of contacts with a changed original source",
            affected_count=affected, denominator=changed,
            evidence={
                "changed_by": changed_by, "user_id": user, "old_value": old, "new_value": new, "drill_downs_lost": lost,
                "sample_ids": contacts[:SAMPLE_SIZE],
                "groups": [{"contact": change["contact"], "changed_at": change["changed_at"].isoformat(),
                            "source_type": change["source_type"], "drill_downs_lost": change["drill_downs_lost"]}
                           for change in group[:SAMPLE_SIZE]],
            },
        )

    def _explained(self, changes, changed):
        earliest = min(change["first_seen_at"] for change in changes)
        return FindingData(
            key="explained",
            severity="info",
            title=f"Original source changed on {plural(len(changes), 'contact')}, explained by an earlier tracked visit",
            summary=(f"HubSpot analytics changed the original source after creation because the first tracked visit "
                     f"(earliest {earliest.date().isoformat()}) precedes the creation date. The new value is the real first touch."),
            measured_value=rate(len(changes), changed), threshold=None, unit="share of contacts with a changed original source",
            affected_count=len(changes), denominator=changed,
            evidence={
                "sample_ids": sorted(change["contact"] for change in changes)[:SAMPLE_SIZE],
                "groups": [{"contact": change["contact"], "old_value": change["old"], "new_value": change["new"],
                            "first_seen_at": change["first_seen_at"].isoformat(), "created_at": change["created_at"].isoformat()}
                           for change in changes[:SAMPLE_SIZE]],
            },
        )
