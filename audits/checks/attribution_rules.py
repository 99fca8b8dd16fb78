"""Attribution checks of UTM values against rules: the GA4 channel rules and the campaign naming convention."""
import re
from collections import Counter
from functools import reduce
from operator import or_

from django.db.models import Q

from attribution.channels import UNASSIGNED, classify_channels
from audits.checks.attribution import (
    SAMPLE_SIZE,
    AttributionCheck,
    channel_options,
    percent,
    sample_ids,
    severity_for_share,
    shorten,
    tagged_filter,
    value_counts,
)
from audits.checks.base import CheckOutcome, FindingData, Remediation, rate, register
from portals.models import Touchpoint

CAMPAIGN_FIELDS = ("utm_source", "utm_medium", "utm_campaign")


@register
class UnassignedChannel(AttributionCheck):
    code = "attribution.unassigned_channel"
    title = "UTM values that no channel rule classifies"
    description = (
        "Classifies every touchpoint with utm_source, utm_medium or utm_campaign by the GA4 default channel group "
        "rules and counts the ones that no rule matches (GA4's Unassigned). Touchpoints without these values "
        "always get a channel (Direct, Referral, Organic Search or Social, or Paid Other for an ad click id)."
    )
    why_it_matters = (
        "Unassigned traffic drops out of every channel report and of cost per MQL by channel. It usually comes "
        "from utm_medium words that no rule knows (print, merch, offline-qr) or from a missing utm_medium."
    )
    thresholds = ("tolerated_rate", "channel_email_match", "channel_affiliate_mediums", "channel_referral_mediums")
    weight = 1.5
    remediations = {
        "*": Remediation(
            title="Tag campaigns with utm_medium values that the channel rules know",
            steps=[
                "Map each source/medium pair in the evidence to a channel and pick the utm_medium that puts it there "
                "(cpc, paid-social, display, email, social, referral, affiliate, sms, audio).",
                "Update the UTM dictionary and the links of the live campaigns.",
                "For offline campaigns with QR codes or print, use utm_medium=referral or a custom channel group in GA4 and the CRM.",
            ],
            priority="p2",
            effort="small",
            expected_impact="Every tagged visit is credited to a channel instead of Unassigned.",
        ),
    }

    def run(self, context):
        touchpoints = context.scoped(Touchpoint).filter(tagged_filter(CAMPAIGN_FIELDS))
        counts = value_counts(touchpoints, *CAMPAIGN_FIELDS)
        if not counts:
            return CheckOutcome(None, None, 1.0, skipped_reason="No touchpoint has utm_source, utm_medium or utm_campaign.")

        # With campaign parameters set, the referrer and click id do not change the channel.
        combinations = list(counts)
        channels = classify_channels([(*combination, "", "") for combination in combinations], **channel_options(context))
        by_channel = Counter()
        unassigned = []
        for combination, channel in zip(combinations, channels):
            by_channel[channel] += counts[combination]
            if channel == UNASSIGNED:
                unassigned.append(combination)

        total = sum(counts.values())
        count = by_channel[UNASSIGNED]
        share = rate(count, total)
        tolerated = context.thresholds["tolerated_rate"]
        findings = []
        if count and share > tolerated:
            findings.append(self._finding(touchpoints, unassigned, counts, count, total, tolerated))
        return CheckOutcome(
            measured_value=share, threshold=tolerated, score=1.0 - share, findings=findings,
            metrics={"tagged_touchpoints": total, "unassigned_touchpoints": count, "touchpoints_by_channel": dict(by_channel)},
        )

    def _finding(self, touchpoints, unassigned, counts, count, total, tolerated):
        top = sorted(unassigned, key=lambda combination: (-counts[combination], combination))[:SAMPLE_SIZE]
        groups = [{"utm_source": source, "utm_medium": medium, "utm_campaign": campaign, "touchpoints": counts[(source, medium, campaign)]}
                  for source, medium, campaign in top]
        listing = ", ".join(f"{group['utm_source'] or '(not set)'} / {group['utm_medium'] or '(not set)'}" for group in groups[:5])
        matches = reduce(or_, (Q(utm_source=source, utm_medium=medium, utm_campaign=campaign) for source, medium, campaign in top))
        share = rate(count, total)
        return FindingData(
            key="unassigned",
            severity=severity_for_share(share),
            title=f"{count} of {total} tagged touchpoints match no channel rule",
            summary=(
                f"{percent(share)} of the touchpoints with UTM values fall into no channel of the GA4 default channel "
                f"group (Unassigned). The most common source / medium pairs: {shorten(listing, 200)}."
            ),
            measured_value=share,
            threshold=tolerated,
            unit="share of tagged touchpoints",
            affected_count=count,
            denominator=total,
            evidence={"groups": groups, "distinct_combinations": len(unassigned), "sample_ids": sample_ids(touchpoints.filter(matches))},
        )


@register
class CampaignNaming(AttributionCheck):
    code = "attribution.campaign_naming"
    title = "utm_campaign values that break the naming convention"
    description = (
        "Tests every distinct utm_campaign value of the touchpoints against the naming convention, the regular "
        "expression in the threshold campaign_naming_pattern, which must match the whole value."
    )
    why_it_matters = (
        "Campaign reports, spend matching and cost per MQL join on the campaign name. Names outside the "
        "convention (spaces, capitals, missing date or topic) split one campaign and cannot be matched to spend rows."
    )
    thresholds = ("campaign_naming_pattern", "tolerated_rate")
    remediations = {
        "*": Remediation(
            title="Enforce the campaign naming convention",
            steps=[
                "Write the convention down with examples and share it with everyone who builds links or ads.",
                "Generate utm_campaign values only from a campaign brief template or UTM builder that applies the convention.",
                "Rename the campaigns in the evidence at the source (ad accounts, email tool) and map the old names "
                "to the new ones in the CRM campaign property.",
            ],
            priority="p3",
            effort="small",
            expected_impact="Each campaign is one row in reports and can be matched to its spend.",
        ),
    }

    def run(self, context):
        pattern_text = context.thresholds["campaign_naming_pattern"]
        if not pattern_text:
            reason = "The campaign_naming_pattern threshold is empty, so campaign names are not checked."
            return CheckOutcome(None, None, 1.0, skipped_reason=reason)
        try:
            pattern = re.compile(pattern_text)
        except re.error as error:
            reason = f"The campaign_naming_pattern {pattern_text!r} is not a valid regular expression ({error}). Fix the threshold."
            return CheckOutcome(None, None, 1.0, skipped_reason=reason)

        touchpoints = context.scoped(Touchpoint).exclude(utm_campaign="")
        counts = value_counts(touchpoints, "utm_campaign")
        if not counts:
            return CheckOutcome(None, None, 1.0, skipped_reason="No touchpoint has a utm_campaign value.")

        breaking = {value: count for value, count in counts.items() if not pattern.fullmatch(value)}
        total = sum(counts.values())
        affected = sum(breaking.values())
        share = rate(affected, total)
        tolerated = context.thresholds["tolerated_rate"]
        findings = []
        if breaking and share > tolerated:
            findings.append(self._finding(touchpoints, pattern_text, breaking, counts, affected, total, tolerated))
        return CheckOutcome(
            measured_value=share, threshold=tolerated, score=1.0 - share, findings=findings,
            metrics={"campaign_values": len(counts), "breaking_values": len(breaking), "touchpoints_with_campaign": total,
                     "touchpoints_with_breaking_value": affected, "pattern": pattern_text},
        )

    def _finding(self, touchpoints, pattern_text, breaking, counts, affected, total, tolerated):
        top = sorted(breaking, key=lambda value: (-breaking[value], value))[:SAMPLE_SIZE]
        listing = ", ".join(f"`{shorten(value, 40)}`" for value in top[:5])
        share = rate(affected, total)
        return FindingData(
            key="utm_campaign:naming",
            severity="low",
            title=f"{len(breaking)} of {len(counts)} utm_campaign values break the naming convention",
            summary=(
                f"{affected} of {total} touchpoints with a campaign ({percent(share)}) use a name that does not match "
                f"the convention {pattern_text}, for example {listing}."
            ),
            measured_value=share,
            threshold=tolerated,
            unit="share of touchpoints with a campaign",
            affected_count=affected,
            denominator=total,
            evidence={"pattern": pattern_text, "breaking_values": len(breaking),
                      "groups": [{"value": value, "touchpoints": breaking[value]} for value in top],
                      "sample_ids": sample_ids(touchpoints.filter(utm_campaign__in=top))},
        )
