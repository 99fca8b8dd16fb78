"""Attribution checks on self-reported attribution: the "how did you hear about us" field on forms, its
coverage on new contacts, and its agreement with the original source."""
import re
from collections import Counter
from datetime import timedelta

from django.db.models import Count, Q

from attribution import channels
from attribution.channels import hubspot_source_channel
from audits.checks.attribution import SAMPLE_SIZE, AttributionCheck, percent, plural, sample_ids
from audits.checks.base import CheckOutcome, FindingData, Remediation, rate, register
from portals.models import Contact, Form

# Self-reported answers by keyword, first match wins: (pattern, answer channel, original source channels
# that agree with it). "Google ads" is Advertising, not Search engine, because advertising comes first.
SELF_REPORTED_ANSWERS = tuple((re.compile(pattern, re.IGNORECASE), label, frozenset(agreeing)) for pattern, label, agreeing in (
    (r"\b(ads?|advert\w*|sponsored|banner)\b", "Advertising",
     {channels.PAID_SEARCH, channels.PAID_SOCIAL, channels.PAID_VIDEO, channels.PAID_OTHER, channels.PAID_SHOPPING,
      channels.DISPLAY, channels.CROSS_NETWORK}),
    (r"podcast|radio", "Podcast", {channels.AUDIO, channels.DIRECT, channels.UNASSIGNED}),
    (r"webinar|webcast", "Webinar", {channels.EMAIL, channels.UNASSIGNED}),
    (r"event|trade ?show|conference|booth|expo|meetup", "Event", {channels.OFFLINE, channels.DIRECT, channels.UNASSIGNED}),
    (r"friend|colleague|co-?worker|word of mouth|recommend", "Word of mouth", {channels.REFERRAL, channels.DIRECT, channels.OFFLINE}),
    (r"partner|reseller|review|\bg2\b|capterra|referr", "Partner or referral", {channels.REFERRAL, channels.AFFILIATES}),
    (r"e-?mail|newsletter", "Email", {channels.EMAIL}),
    (r"linkedin|facebook|twitter|\bx\b|instagram|tiktok|reddit|social", "Social media", {channels.ORGANIC_SOCIAL, channels.PAID_SOCIAL}),
    (r"youtube|video", "Video", {channels.ORGANIC_VIDEO, channels.PAID_VIDEO, channels.ORGANIC_SOCIAL, channels.PAID_SOCIAL}),
    (r"google|bing|yahoo|duckduckgo|search", "Search engine", {channels.ORGANIC_SEARCH, channels.PAID_SEARCH}),
    (r"blog|article", "Content", {channels.ORGANIC_SEARCH, channels.REFERRAL, channels.ORGANIC_SOCIAL}),
    # An "Other" answer names no digital channel, so it agrees only with sources that name none either.
    (r"^\s*other\b", "Other", {channels.DIRECT, channels.UNASSIGNED, channels.OFFLINE}),
))
# Contacts created within this many days count for the coverage of the self-reported field.
COVERAGE_WINDOW_DAYS = 365


def self_reported_channel(answer):
    """Return (answer channel, agreeing original source channels) for a free-text answer, or None when no keyword matches."""
    for pattern, label, agreeing in SELF_REPORTED_ANSWERS:
        if pattern.search(answer or ""):
            return label, agreeing
    return None


def pair_groups(pairs):
    """Return evidence rows of ((answer channel, original source channel), contacts) pairs."""
    return [{"self_reported": answer, "original_source_channel": system, "contacts": count} for (answer, system), count in pairs]


@register
class SelfReportedField(AttributionCheck):
    code = "attribution.self_reported_field"
    title = "Self-reported attribution field missing or unanswered"
    description = (
        "Counts the forms without a \"how did you hear about us\" field, and the share of contacts created in the "
        "last 12 months that have an answer."
    )
    why_it_matters = (
        "Software attribution misses podcasts, word of mouth, communities and events. The self-reported answer is "
        "the only record of them, and it is the cross-check for the original source."
    )
    thresholds = ("self_reported_min_coverage",)
    remediations = {
        "forms_without_field": Remediation(
            title="Add \"How did you hear about us?\" to every conversion form",
            steps=[
                "Add one shared property (a dropdown with an Other free-text option) to the forms in the evidence, "
                "starting with demo and contact-sales forms.",
                "Use the same answer list on every form and in the sales call notes.",
                "Report the answers next to the original source every month.",
            ],
            priority="p2",
            effort="small",
            expected_impact="Dark-social, word-of-mouth and event demand becomes visible.",
        ),
        "coverage": Remediation(
            title="Raise the answer rate of the self-reported source",
            steps=[
                "Make the field required on high-intent forms (demo, pricing, contact sales).",
                "Ask sales to fill it on the first call for contacts created by hand or import.",
                "Check that the form field maps to the contact property that the CRM reports on.",
            ],
            priority="p3",
            effort="small",
            expected_impact="Enough answers to compare self-reported and system attribution by channel.",
        ),
    }

    def run(self, context):
        forms = context.scoped(Form)
        form_counts = forms.aggregate(total=Count("pk"), without=Count("pk", filter=Q(has_self_reported_field=False)))
        since = context.now - timedelta(days=COVERAGE_WINDOW_DAYS)
        new_contacts = context.scoped(Contact).filter(created_at__gte=since, created_at__lte=context.now)
        contact_counts = new_contacts.aggregate(total=Count("pk"), answered=Count("pk", filter=~Q(self_reported_source="")))
        if not form_counts["total"] and not contact_counts["total"]:
            return CheckOutcome(None, None, 1.0, skipped_reason="No forms were synced and no contact was created in the last 12 months.")

        minimum = context.thresholds["self_reported_min_coverage"]
        coverage = rate(contact_counts["answered"], contact_counts["total"]) if contact_counts["total"] else None
        findings = []
        if form_counts["without"]:
            findings.append(self._forms(forms.filter(has_self_reported_field=False), form_counts))
        if coverage is not None and coverage < minimum:
            findings.append(self._coverage(contact_counts, coverage, minimum, new_contacts.filter(self_reported_source="")))

        form_share = rate(form_counts["total"] - form_counts["without"], form_counts["total"]) if form_counts["total"] else 1.0
        score = form_share if coverage is None else (form_share + min(1.0, rate(coverage, minimum))) / 2
        return CheckOutcome(
            measured_value=coverage, threshold=minimum, score=score, findings=findings,
            metrics={"forms": form_counts["total"], "forms_without_field": form_counts["without"],
                     "contacts_created_last_12_months": contact_counts["total"], "contacts_answered": contact_counts["answered"]},
        )

    def _forms(self, queryset, counts):
        names = list(queryset.order_by("name").values_list("name", flat=True)[:SAMPLE_SIZE])
        return FindingData(
            key="forms_without_field",
            severity="medium",
            title=f"{counts['without']} of {plural(counts['total'], 'form')} do not ask how the contact heard about you",
            summary=(f"{counts['without']} forms have no \"how did you hear about us\" field, so contacts who convert on "
                     f"them leave no self-reported source. Forms: {', '.join(names[:5])}."),
            measured_value=rate(counts["without"], counts["total"]), threshold=0.0, unit="share of forms",
            affected_count=counts["without"], denominator=counts["total"],
            evidence={"form_names": names, "sample_ids": sample_ids(queryset)},
        )

    def _coverage(self, counts, coverage, minimum, unanswered):
        return FindingData(
            key="coverage",
            severity="medium" if coverage < minimum / 2 else "low",
            title=f"{percent(coverage)} of contacts created in the last 12 months answered how they heard about you",
            summary=(f"{counts['answered']} of {counts['total']} contacts created in the last 12 months have a self-reported "
                     f"source, and the target is {percent(minimum)}. Too few answers cannot cross-check the original source."),
            measured_value=coverage, threshold=minimum, unit="share of new contacts",
            affected_count=counts["total"] - counts["answered"], denominator=counts["total"],
            evidence={"sample_ids": sample_ids(unanswered)},
        )


@register
class SelfReportedAgreement(AttributionCheck):
    code = "attribution.self_reported_agreement"
    title = "Self-reported source disagrees with the original source"
    description = (
        "Maps each \"how did you hear about us\" answer to a channel by keywords (Google = search engine, LinkedIn = "
        "social media, a friend = word of mouth, podcast, event, ...) and compares it with the channel of the "
        "contact's original source. Answers that match no keyword and contacts without an original source are left out."
    )
    why_it_matters = (
        "Where the two disagree, the original source credits the last trackable click and hides the channel that "
        "created the demand. A high share means budget decisions rest on the wrong channel."
    )
    thresholds = ("tolerated_rate", "self_reported_max_disagreement")
    remediations = {
        "*": Remediation(
            title="Report self-reported and system attribution side by side",
            steps=[
                "Add a report of original source by self-reported answer, and review the top disagreement pairs in the "
                "evidence with the channel owners.",
                "Where word of mouth, podcasts or events show up as Direct or Paid Search, give those channels credit in budget decisions.",
                "Check the pairs that point to tracking gaps (for example Search engine answers with the source Offline sources).",
            ],
            priority="p3",
            effort="small",
            expected_impact="Budget follows the channels that create demand, not only the last trackable click.",
        ),
    }

    def run(self, context):
        answered = context.scoped(Contact).exclude(self_reported_source="")
        rows = answered.values_list("self_reported_source", "original_source").annotate(n=Count("pk")).order_by()
        if not rows:
            return CheckOutcome(None, None, 1.0, skipped_reason="No contact has a \"how did you hear about us\" answer.")

        total_answered, compared, disagree = 0, 0, Counter()
        answers_of, sources_of = {}, {}
        for answer, source, count in rows:
            total_answered += count
            mapped, system = self_reported_channel(answer), hubspot_source_channel(source)
            if mapped is None or system is None:
                continue
            compared += count
            if system not in mapped[1]:
                disagree[(mapped[0], system)] += count
                answers_of.setdefault((mapped[0], system), set()).add(answer)
                sources_of.setdefault((mapped[0], system), set()).add(source)
        if not compared:
            return CheckOutcome(None, None, 1.0, skipped_reason="No answer maps to a channel for a contact with a known original source.")

        count = sum(disagree.values())
        share = rate(count, compared)
        thresholds = context.thresholds
        findings = []
        if count and share > thresholds["tolerated_rate"]:
            findings.append(self._finding(answered, disagree, answers_of, sources_of, count, compared, thresholds))
        return CheckOutcome(
            measured_value=share, threshold=thresholds["self_reported_max_disagreement"], score=1.0 - share, findings=findings,
            metrics={"answered_contacts": total_answered, "compared_contacts": compared, "disagreeing_contacts": count,
                     "top_pairs": pair_groups(disagree.most_common(10))},
        )

    def _finding(self, answered, disagree, answers_of, sources_of, count, compared, thresholds):
        share = rate(count, compared)
        top = disagree.most_common(10)
        samples = []
        for pair, _ in top[:5]:
            matching = answered.filter(self_reported_source__in=answers_of[pair], original_source__in=sources_of[pair])
            samples.extend(sample_ids(matching))
        listing = "; ".join(f"{answer} vs {system} ({n})" for (answer, system), n in top[:3])
        return FindingData(
            key="disagreement",
            severity="medium" if share > thresholds["self_reported_max_disagreement"] else "low",
            title=f"Self-reported source disagrees with the original source for {count} of {compared} contacts ({percent(share)})",
            summary=(f"For {count} of {compared} contacts whose answer names a channel, the answer and the channel of the original "
                     f"source disagree. Most common pairs (answer vs original source channel): {listing}."),
            measured_value=share, threshold=thresholds["self_reported_max_disagreement"], unit="share of compared contacts",
            affected_count=count, denominator=compared,
            evidence={"groups": pair_groups(top),
                      "sample_ids": sorted(set(samples))[:SAMPLE_SIZE]},
        )
