"""Attribution check of offline interactions: events, trade shows and webinars that never became touchpoints."""
from collections import Counter, defaultdict
from functools import reduce
from operator import or_

from django.db.models import Q

from audits.checks.attribution import SAMPLE_SIZE, AttributionCheck, plural, severity_for_share, stable_key
from audits.checks.attribution_sources import EVENT_KINDS
from audits.checks.base import CheckOutcome, FindingData, Remediation, rate, register
from portals.models import Campaign, Deal, Touchpoint

# Words in Campaign.kind that mark an in-person or live event.
EVENT_CAMPAIGN_WORDS = ("event", "trade show", "tradeshow", "trade-show", "webinar", "conference", "seminar", "meetup")


@register
class OfflineInteractionsMissing(AttributionCheck):
    code = "attribution.offline_interactions_missing"
    title = "Event and webinar interactions missing as touchpoints"
    description = (
        "For campaigns whose kind is an event, trade show, conference or webinar, takes the contacts linked to them "
        "(contacts of deals with the campaign as primary campaign, and contacts with other touchpoints of the "
        "campaign) and counts those with no event or webinar touchpoint for it."
    )
    why_it_matters = (
        "When the booth scan or webinar attendance is not recorded as a touchpoint, multi-touch models never "
        "credit the event, and its pipeline shows up under whatever digital touch came next."
    )
    thresholds = ("tolerated_rate",)
    remediations = {
        "*": Remediation(
            title="Record event and webinar attendance as touchpoints",
            steps=[
                "Import each event's attendee and booth-scan list as campaign members with the attended status.",
                "Connect the webinar platform so that registrations and attendance create touchpoints on the contact.",
                "Backfill the contacts in the evidence from the event lists.",
            ],
            priority="p2",
            effort="medium",
            expected_impact="Events and webinars receive credit in attribution models and pipeline reports.",
        ),
    }

    def run(self, context):
        kind_matches = reduce(or_, (Q(kind__icontains=word) for word in EVENT_CAMPAIGN_WORDS))
        event_campaigns = context.scoped(Campaign).filter(kind_matches)
        campaigns = {(portal, external_id): (name, kind) for portal, external_id, name, kind in
                     event_campaigns.values_list("portal_id", "external_id", "name", "kind")}
        if not campaigns:
            return CheckOutcome(None, None, 1.0, skipped_reason="No campaign of kind event, trade show, conference or webinar was synced.")

        linked = self._linked_contacts(context, campaigns, event_campaigns.values("external_id"))
        if not linked:
            return CheckOutcome(None, None, 1.0, skipped_reason="No deal or touchpoint links a contact to an event or webinar campaign.")

        attended = set(context.scoped(Touchpoint).filter(kind__in=EVENT_KINDS)
                       .values_list("portal_id", "contact_external_id", "campaign_external_id").distinct())
        missing = defaultdict(set)
        for portal, contact, campaign in linked:
            if (portal, contact, campaign) not in attended and (portal, contact, "") not in attended:
                missing[(portal, campaign)].add(contact)

        per_campaign = Counter((portal, campaign) for portal, _, campaign in linked)
        tolerated = context.thresholds["tolerated_rate"]
        findings = [self._finding(key, campaigns[key], contacts, per_campaign[key], tolerated)
                    for key, contacts in sorted(missing.items()) if rate(len(contacts), per_campaign[key]) > tolerated]
        missing_pairs = sum(len(contacts) for contacts in missing.values())
        share = rate(missing_pairs, len(linked))
        return CheckOutcome(
            measured_value=share, threshold=tolerated, score=1.0 - share, findings=findings,
            metrics={"event_campaigns": len(campaigns), "linked_contact_campaign_pairs": len(linked), "missing_pairs": missing_pairs},
        )

    def _linked_contacts(self, context, campaigns, campaign_ids):
        """Return {(portal id, contact id, campaign id)} for contacts on deals of the campaigns or with other touchpoints of them."""
        linked = set()
        deals = context.scoped(Deal).filter(campaign_external_id__in=campaign_ids)
        for portal, campaign, contact_ids in deals.values_list("portal_id", "campaign_external_id", "contact_external_ids"):
            if (portal, campaign) in campaigns:
                linked.update((portal, str(contact), campaign) for contact in contact_ids or [])
        touchpoints = (context.scoped(Touchpoint).filter(campaign_external_id__in=campaign_ids).exclude(kind__in=EVENT_KINDS)
                       .values_list("portal_id", "contact_external_id", "campaign_external_id").distinct())
        linked.update(row for row in touchpoints if (row[0], row[2]) in campaigns)
        return linked

    def _finding(self, key, campaign, contacts, total, tolerated):
        portal, external_id = key
        name, kind = campaign
        return FindingData(
            key=stable_key("campaign", portal, external_id),
            severity=severity_for_share(rate(len(contacts), total)),
            title=f"{name}: {len(contacts)} of {plural(total, 'linked contact')} have no event touchpoint",
            summary=(f"The {kind.lower()} campaign {name} is linked to {total} contacts through deals or other touchpoints, "
                     f"but {len(contacts)} of them have no event or webinar touchpoint for it, so attribution cannot credit "
                     f"the {kind.lower()}."),
            measured_value=rate(len(contacts), total), threshold=tolerated, unit="share of linked contacts",
            affected_count=len(contacts), denominator=total,
            evidence={"campaign_id": external_id, "campaign_kind": kind, "sample_ids": sorted(contacts)[:SAMPLE_SIZE]},
        )
