"""Attribution checks on UTM values (case and spelling variants, medium synonyms, missing values) and the
helpers that all attribution check modules share.

The channel-rule and naming checks are in attribution_rules.py, the original source checks in
attribution_sources.py, the offline interaction check in attribution_events.py and the self-reported
checks in attribution_self_reported.py. This module imports them at its end, so importing
audits.checks.attribution registers every attribution check.
"""
import hashlib
from collections import Counter, defaultdict

from django.db import connection
from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber

from attribution.channels import UTM_SYNONYMS, normalize_utm, utm_key
from audits.checks.base import Check, CheckOutcome, FindingData, Remediation, rate, register
from portals.models import Client, Touchpoint

UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
# Evidence lists at most this many record ids or value groups.
SAMPLE_SIZE = 20
# sample_ids reads SAMPLE_SIZE ids for each of this many portals before it falls back to DISTINCT.
SAMPLE_PORTALS = 5
# Finding keys and titles are stored in 300-character columns.
MAX_KEY_LENGTH = 300
# A share of records at or above this is a serious data problem (the duplicate-rate default is the same).
HIGH_SHARE = 0.10


def tagged_filter(fields=UTM_FIELDS):
    """Return a filter of the touchpoints with at least one of the given UTM fields set."""
    condition = Q()
    for name in fields:
        condition |= ~Q(**{name: ""})
    return condition


def channel_options(context):
    """Return the classify_channels keyword options of an audit: threshold variants and the client's own domains."""
    thresholds = context.thresholds
    domains = Client.objects.filter(pk=context.client_id).values_list("website_domains", flat=True).first() or []
    return {
        "email_match": thresholds["channel_email_match"],
        "affiliate_mediums": tuple(thresholds["channel_affiliate_mediums"]),
        "referral_mediums": tuple(thresholds["channel_referral_mediums"]),
        "own_domains": tuple(domains),
    }


def sample_ids(queryset, field="external_id"):
    """Return up to SAMPLE_SIZE distinct values of `field` (external ids by default), in the database's order.

    An external id is unique within a portal, so the first SAMPLE_SIZE * SAMPLE_PORTALS rows in id
    order hold the first SAMPLE_SIZE distinct ids whenever the rows come from at most SAMPLE_PORTALS
    portals. PostgreSQL keeps only that many rows in a top-N sort, where DISTINCT sorts every matching
    row (millions at 1,000,000 contacts, spilling to disk). When the short read cannot prove the
    result, the DISTINCT query runs.
    """
    ordered = queryset.order_by(field).values_list(field, flat=True)
    if field == "external_id":
        limit = SAMPLE_SIZE * SAMPLE_PORTALS
        rows = list(ordered[:limit])
        distinct = list(dict.fromkeys(rows))
        if len(distinct) >= SAMPLE_SIZE or len(rows) < limit:
            return distinct[:SAMPLE_SIZE]
    return list(ordered.distinct()[:SAMPLE_SIZE])


def stable_key(*parts):
    """Join key parts with ":". A key too long for the column is cut and ends in a hash of the whole key."""
    key = ":".join(str(part) for part in parts)
    if len(key) <= MAX_KEY_LENGTH:
        return key
    digest = hashlib.sha1(key.encode()).hexdigest()[:16]
    return f"{key[:MAX_KEY_LENGTH - 17]}~{digest}"


def shorten(value, length=80):
    text = str(value)
    return text if len(text) <= length else text[: length - 1] + "…"


def percent(share):
    value = share * 100
    return f"{value:.0f}%" if value >= 1 or value == 0 else f"{value:.1f}%"


def plural(count, singular, plural_form=None):
    return f"{count} {singular if count == 1 else (plural_form or singular + 's')}"


def verb_have(count):
    return "has" if count == 1 else "have"


def severity_for_share(share):
    return "high" if share >= HIGH_SHARE else "medium"


def value_counts(queryset, *fields):
    """Return {value: row count} of a queryset grouped by the fields; with several fields the value is a tuple."""
    rows = queryset.values_list(*fields).annotate(count=Count("pk")).order_by()
    if len(fields) == 1:
        return {row[0]: row[1] for row in rows}
    return {row[:-1]: row[-1] for row in rows}


class AttributionCheck(Check):
    category = "attribution"
    # Remediation per finding-key prefix (the text before the first ":").
    remediations = {}

    def remediation(self, finding):
        prefix = finding.key.split(":", 1)[0]
        return self.remediations.get(prefix, self.remediations.get("*"))


def utm_field_counts(touchpoints):
    """Return (tagged touchpoints, {field: {non-empty value: touchpoints}}) for every UTM field.

    One GROUP BY over the five fields reads the touchpoints once, in parallel, and the count of each
    field's values is the sum over the combinations. One GROUP BY per field would read the table once
    per field.
    """
    counts = {name: Counter() for name in UTM_FIELDS}
    tagged = 0
    for values, count in value_counts(touchpoints, *UTM_FIELDS).items():
        if any(values):
            tagged += count
        for name, value in zip(UTM_FIELDS, values):
            if value:
                counts[name][value] += count
    return tagged, {name: dict(values) for name, values in counts.items()}


def variant_samples(context, variants_by_field):
    """Return {(field, raw value): up to SAMPLE_SIZE touchpoint ids} for the variants of several UTM fields.

    One scan reads the touchpoints that carry any of the variants and ranks their ids per field and
    value, so the fields do not cost one scan each.
    """
    variants_by_field = {field: list(values) for field, values in variants_by_field.items() if values}
    if not variants_by_field:
        return {}
    unknown = [field for field in variants_by_field if field not in UTM_FIELDS]
    if unknown:
        raise ValueError(f"variant_samples reads UTM fields only, not {unknown}. Pass fields from UTM_FIELDS.")
    if connection.vendor != "postgresql":
        return _variant_samples_per_field(context, variants_by_field)

    fields = list(variants_by_field)
    any_variant = " OR ".join(f"t.{field} = ANY(%s)" for field in fields)
    pairs = ", ".join(f"('{field}', t.{field})" for field in fields)
    value_filter = " OR ".join("(v.field = %s AND v.value = ANY(%s))" for _ in fields)
    sql = (
        "SELECT field, value, external_id FROM ("
        " SELECT v.field, v.value, t.external_id,"
        " ROW_NUMBER() OVER (PARTITION BY v.field, v.value ORDER BY t.external_id) AS position"
        " FROM portals_touchpoint t"
        f" CROSS JOIN LATERAL (VALUES {pairs}) AS v(field, value)"
        f" WHERE t.client_id = %s AND t.portal_id = ANY(%s) AND ({any_variant}) AND ({value_filter})"
        f") ranked WHERE position <= {SAMPLE_SIZE}"
    )
    parameters = [context.client_id, list(context.portal_ids), *variants_by_field.values()]
    for field, values in variants_by_field.items():
        parameters += [field, values]
    samples = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(sql, parameters)
        for field, value, external_id in cursor.fetchall():
            samples[(field, value)].append(external_id)
    return samples


def _variant_samples_per_field(context, variants_by_field):
    """Return what variant_samples returns with one windowed query per field, for SQLite, which has no LATERAL join."""
    samples = defaultdict(list)
    for field, values in variants_by_field.items():
        ranked = context.scoped(Touchpoint).filter(**{f"{field}__in": values}).annotate(
            position=Window(RowNumber(), partition_by=[F(field)], order_by=[F("external_id").asc()]),
        )
        for value, external_id in ranked.filter(position__lte=SAMPLE_SIZE).values_list(field, "external_id"):
            samples[(field, value)].append(external_id)
    return samples


def dominant_variant(counts):
    """Return the raw value used most. Ties go to an all-lower-case value, then to the alphabetically first."""
    return min(counts, key=lambda value: (-counts[value], value != value.lower(), value))


@register
class UtmVariants(AttributionCheck):
    code = "attribution.utm_variants"
    title = "UTM values with case and spelling variants"
    description = (
        "For each UTM field (utm_source, utm_medium, utm_campaign, utm_term, utm_content), groups the raw values of "
        "the touchpoints that normalise to one value (trimmed, lower-cased, without spaces, hyphens or underscores, "
        "and with known synonyms such as fb = facebook) and reports every group with two or more raw spellings."
    )
    why_it_matters = (
        "Reports group by the raw value, so facebook, Facebook and FACEBOOK show as three sources and each "
        "looks smaller than the one channel they are. Channel rules that match exact values can miss some spellings."
    )
    thresholds = ("tolerated_rate",)
    weight = 2.0
    remediations = {
        "*": Remediation(
            title="Standardise UTM values on one lower-case spelling",
            steps=[
                "Publish a UTM dictionary: the allowed utm_source, utm_medium and utm_campaign values, all lower case, "
                "with words joined by one separator.",
                "Build tagged links only with a UTM builder or spreadsheet that offers the dictionary values.",
                "Add a workflow or formula property that lower-cases and maps known variants (fb, Facebook) to the "
                "dictionary value before reports read it.",
                "Rewrite the variant values on existing records to the dictionary value.",
            ],
            priority="p2",
            effort="medium",
            expected_impact="Each source, medium and campaign shows as one row in reports, with all of its contacts.",
        ),
    }

    def run(self, context):
        touchpoints = context.scoped(Touchpoint)
        tagged, field_counts = utm_field_counts(touchpoints)
        if not tagged:
            return CheckOutcome(None, None, 1.0, skipped_reason="No touchpoint carries a UTM value, so there are no values to compare.")

        findings, metrics, affected, values_set = [], {"tagged_touchpoints": tagged}, 0, 0
        findings_by_field = {}
        for field in UTM_FIELDS:
            counts = field_counts[field]
            values_set += sum(counts.values())
            groups = defaultdict(dict)
            for value, count in counts.items():
                groups[normalize_utm(value)][value] = count

            field_findings = [
                self._finding(field, normalised, variants)
                for normalised, variants in sorted(groups.items())
                if len(variants) >= 2
            ]
            findings_by_field[field] = field_findings
            findings.extend(field_findings)
            affected += sum(finding.affected_count for finding in field_findings)
            metrics[field] = {"raw_distinct": len(counts), "normalised_distinct": len(groups), "groups_with_variants": len(field_findings)}
        self._add_samples(context, findings_by_field)

        # The measured value is the share of set UTM values (one per touchpoint and field) that do not use
        # the most common spelling of their group.
        share = rate(affected, values_set)
        tolerated = context.thresholds["tolerated_rate"]
        findings = [finding for finding in findings if rate(finding.affected_count, finding.denominator) > tolerated]
        metrics.update({"utm_values_set": values_set, "utm_values_off_dominant_spelling": affected})
        return CheckOutcome(measured_value=share, threshold=tolerated, score=1.0 - share, findings=findings, metrics=metrics)

    def _finding(self, field, normalised, variants):
        dominant = dominant_variant(variants)
        label = normalised if normalised in UTM_SYNONYMS else dominant.strip().lower()
        kind = "case" if len({value.lower() for value in variants}) == 1 else "spelling"
        total = sum(variants.values())
        affected = total - variants[dominant]
        ordered = sorted(variants.items(), key=lambda item: (-item[1], item[0]))
        listing = ", ".join(f"{value} ({count})" for value, count in ordered[:10])
        return FindingData(
            key=stable_key(field, normalised),
            severity="medium" if field in ("utm_source", "utm_medium") else "low",
            title=f"{field} has {len(variants)} {kind} variants of `{shorten(label)}`",
            summary=(
                f"{total} touchpoints carry {len(variants)} spellings of one {field} value: {listing}. Reports show "
                f"them as {len(variants)} separate rows. {affected} touchpoints do not use the most common spelling `{shorten(dominant)}`."
            ),
            measured_value=len(variants),
            threshold=1,
            unit="raw values per normalised value",
            affected_count=affected,
            denominator=total,
            evidence={
                "field": field,
                "normalised_value": normalised,
                "dominant_value": dominant,
                "groups": [{"value": value, "touchpoints": count} for value, count in ordered[:SAMPLE_SIZE]],
                "normalised_groups": [{"value": normalised, "touchpoints": total}],
                "sample_ids": [],
            },
        )

    def _add_samples(self, context, findings_by_field):
        minority = {
            field: [group["value"] for finding in findings for group in finding.evidence["groups"]
                    if group["value"] != finding.evidence["dominant_value"]]
            for field, findings in findings_by_field.items()
        }
        samples = variant_samples(context, minority)
        for field, findings in findings_by_field.items():
            for finding in findings:
                ids = [external_id for group in finding.evidence["groups"]
                       for external_id in samples.get((field, group["value"]), [])
                       if group["value"] != finding.evidence["dominant_value"]]
                finding.evidence["sample_ids"] = sorted(ids)[:SAMPLE_SIZE]


@register
class UtmMediumSynonyms(AttributionCheck):
    code = "attribution.utm_medium_synonyms"
    title = "utm_medium synonyms used side by side"
    description = (
        "Finds utm_medium words that mean the same medium used side by side, such as cpc, ppc, paid and "
        "paid-search, or social, social-media and sm. Case and separator differences alone are left to the UTM variants check."
    )
    why_it_matters = (
        "Channel rules treat the words differently. HubSpot files cpc and ppc under Paid search, but `paid` and "
        "`paid-search` under Other campaigns unless the referrer is Google. One medium spread over several words "
        "splits paid traffic across channels and reports."
    )
    thresholds = ("tolerated_rate",)
    remediations = {
        "*": Remediation(
            title="Use one utm_medium word per medium",
            steps=[
                "Pick one utm_medium per medium (cpc for paid search, paid-social for paid social, social for organic "
                "posts, email for email) and write it into the UTM dictionary.",
                "Change the tracking templates of the ad accounts (Google Ads, Microsoft Ads, LinkedIn, Meta) to the chosen word.",
                "Rewrite the synonym values on existing records, so that reports and channel rules see one word.",
            ],
            priority="p2",
            effort="small",
            expected_impact="Paid and organic traffic land in the right channel, and each medium is one row in reports.",
        ),
    }

    def run(self, context):
        touchpoints = context.scoped(Touchpoint).exclude(utm_medium="")
        counts = value_counts(touchpoints, "utm_medium")
        if not counts:
            return CheckOutcome(None, None, 1.0, skipped_reason="No touchpoint has a utm_medium value.")

        spellings = defaultdict(Counter)
        raw_values = defaultdict(set)
        for value, count in counts.items():
            canonical = normalize_utm(value)
            if canonical in UTM_SYNONYMS:
                spellings[canonical][utm_key(value)] += count
                raw_values[(canonical, utm_key(value))].add(value)

        total = sum(counts.values())
        findings = []
        for canonical, words in sorted(spellings.items()):
            if len(words) < 2:
                continue
            findings.append(self._finding(touchpoints, canonical, words, raw_values, total))

        tolerated = context.thresholds["tolerated_rate"]
        findings = [finding for finding in findings if rate(finding.affected_count, total) > tolerated]
        affected = sum(finding.affected_count for finding in findings)
        share = rate(affected, total)
        return CheckOutcome(
            measured_value=share, threshold=tolerated, score=1.0 - share, findings=findings,
            metrics={"touchpoints_with_medium": total, "touchpoints_with_synonym": affected,
                     "synonym_groups": {canonical: dict(words) for canonical, words in spellings.items() if len(words) >= 2}},
        )

    def _finding(self, touchpoints, canonical, words, raw_values, total):
        group_total = sum(words.values())
        affected = group_total - words.get(canonical, 0)
        ordered = sorted(words.items(), key=lambda item: (-item[1], item[0]))
        groups = [{"word": word, "values": sorted(raw_values[(canonical, word)]), "touchpoints": count} for word, count in ordered]
        off_values = [value for group in groups if group["word"] != canonical for value in group["values"]]
        return FindingData(
            key=stable_key("utm_medium", canonical),
            severity="medium",
            title=f"utm_medium uses {len(words)} words for `{canonical}`: {', '.join(word for word, _ in ordered[:6])}",
            summary=(
                f"{group_total} touchpoints use {len(words)} different utm_medium words for one medium. "
                f"{affected} of them do not use `{canonical}`, so channel rules and reports may count them elsewhere."
            ),
            measured_value=len(words),
            threshold=1,
            unit="utm_medium words per medium",
            affected_count=affected,
            denominator=group_total,
            evidence={"canonical": canonical, "groups": groups, "touchpoints_with_medium": total,
                      "sample_ids": sample_ids(touchpoints.filter(utm_medium__in=off_values))},
        )


@register
class UtmMissingValues(AttributionCheck):
    code = "attribution.utm_missing_values"
    title = "utm_source or utm_medium missing"
    description = (
        "Counts tagged touchpoints (any UTM field set) without utm_source or without utm_medium, and ad clicks "
        "without them."
    )
    why_it_matters = (
        "Without utm_source or utm_medium a visit gets the source or medium (not set). GA4 rules then file it under "
        "Unassigned or Paid Other and HubSpot under Other campaigns, instead of its real channel."
    )
    thresholds = ("tolerated_rate",)
    weight = 1.5
    remediations = {
        "tagged": Remediation(
            title="Require utm_source and utm_medium on every tagged link",
            steps=[
                "Make utm_source and utm_medium required fields of the UTM builder, so that it rejects a link with only utm_campaign.",
                "Find the campaigns in the evidence and correct their links in emails, ads and social posts.",
                "Copy first-touch utm_source and utm_medium into contact properties that nothing overwrites.",
            ],
            priority="p2",
            effort="small",
            expected_impact="Every tagged visit can be credited to a channel.",
        ),
        "ad_click": Remediation(
            title="Add UTM parameters to the ad accounts' tracking templates",
            steps=[
                "Set an account-level tracking template with utm_source={network} and utm_medium=cpc (or paid-social) in "
                "Google Ads, Microsoft Ads, LinkedIn Campaign Manager and Meta Ads Manager.",
                "Keep auto-tagging (gclid, msclkid) on, so that the click id and the UTM values arrive together.",
                "Check one new ad click of each network in the CRM after the change.",
            ],
            priority="p1",
            effort="small",
            expected_impact="Paid clicks are credited to their paid channel, so cost per MQL can be computed.",
        ),
    }

    def run(self, context):
        touchpoints = context.scoped(Touchpoint)
        scopes = {"tagged": tagged_filter(), "ad_click": Q(kind=Touchpoint.Kind.AD_CLICK)}
        missing = {"utm_source": Q(utm_source=""), "utm_medium": Q(utm_medium="")}
        # One GROUP BY reads the touchpoints once, and every count and campaign breakdown is a sum over its rows.
        combinations = [dict(zip(("kind", *UTM_FIELDS), key), count=count)
                        for key, count in value_counts(touchpoints, "kind", *UTM_FIELDS).items()]
        in_scope = {"tagged": lambda row: any(row[name] for name in UTM_FIELDS),
                    "ad_click": lambda row: row["kind"] == Touchpoint.Kind.AD_CLICK}
        counts = {scope: sum(row["count"] for row in combinations if in_scope[scope](row)) for scope in scopes}
        for scope in scopes:
            for field in missing:
                counts[f"{scope}:{field}"] = sum(row["count"] for row in combinations if in_scope[scope](row) and not row[field])
        counts["tagged:either"] = sum(row["count"] for row in combinations
                                      if in_scope["tagged"](row) and not (row["utm_source"] and row["utm_medium"]))
        if not counts["tagged"] and not counts["ad_click"]:
            return CheckOutcome(None, None, 1.0, skipped_reason="No touchpoint carries a UTM value and none is an ad click.")

        tolerated = context.thresholds["tolerated_rate"]
        findings = []
        for scope, condition in scopes.items():
            for field, empty in missing.items():
                count, total = counts[f"{scope}:{field}"], counts[scope]
                if count and rate(count, total) > tolerated:
                    rows = [row for row in combinations if in_scope[scope](row) and not row[field]]
                    findings.append(self._finding(scope, field, count, total, tolerated, touchpoints.filter(condition & empty),
                                                  campaign_groups(rows)))

        share = rate(counts["tagged:either"], counts["tagged"])
        return CheckOutcome(measured_value=share, threshold=tolerated, score=1.0 - share, findings=findings, metrics=counts)

    def _finding(self, scope, field, count, total, tolerated, queryset, groups):
        share = rate(count, total)
        if scope == "tagged":
            title = f"{field} missing on {count} of {total} tagged touchpoints"
            summary = (f"{count} touchpoints carry UTM values but no {field} ({percent(share)} of tagged touchpoints). "
                       f"Their {field.removeprefix('utm_')} is recorded as (not set), so channel rules cannot credit their real channel.")
        else:
            title = f"{field} missing on {count} of {total} ad clicks"
            summary = (f"{count} ad clicks ({percent(share)}) arrived without {field}. Without it the click is not "
                       "credited to its paid channel, and its spend cannot be matched to the MQLs it brought.")
        return FindingData(
            key=stable_key(scope, field),
            severity=severity_for_share(share),
            title=title,
            summary=summary,
            measured_value=share,
            threshold=tolerated,
            unit="share of touchpoints",
            affected_count=count,
            denominator=total,
            evidence={"scope": scope, "field": field, "sample_ids": sample_ids(queryset), "groups": groups},
        )


def campaign_groups(rows):
    """Return the most common utm_campaign values of grouped rows (dicts with utm_campaign and count) with their counts."""
    counts = Counter()
    for row in rows:
        counts[row["utm_campaign"]] += row["count"]
    top = sorted(counts, key=lambda campaign: (-counts[campaign], campaign))[:SAMPLE_SIZE]
    return [{"utm_campaign": campaign, "touchpoints": counts[campaign]} for campaign in top]


# The other attribution check modules import the helpers above, and importing them here registers their checks.
from audits.checks import attribution_events  # noqa: E402,F401
from audits.checks import attribution_rules  # noqa: E402,F401
from audits.checks import attribution_self_reported  # noqa: E402,F401
from audits.checks import attribution_sources  # noqa: E402,F401
