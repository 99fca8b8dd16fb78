"""Measurement checks: cost per MQL by channel, from campaign spend and the acquisition channel of each MQL."""
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from django.db import connection
from django.db.models import Sum

from attribution.channels import PAID_CHANNELS, channel_name, classify_channels, hubspot_source_channel
from audits.checks.attribution import SAMPLE_SIZE, channel_options, plural, stable_key
from audits.checks import portable
from audits.checks.base import Check, CheckOutcome, FindingData, Remediation, rate, register
from audits.working_hours import local_microseconds
from portals.models import Campaign, Touchpoint

# Touchpoint kinds that can acquire a contact. The first of them decides the MQL's channel.
ACQUISITION_KINDS = (Touchpoint.Kind.PAGE_VIEW, Touchpoint.Kind.FORM_SUBMISSION, Touchpoint.Kind.AD_CLICK, Touchpoint.Kind.EMAIL_CLICK)
# Each MQL with its MQL date and the UTM fields of its first acquisition touchpoint (earliest first, then
# the lowest id), or NULLs when it has none. One index lookup per MQL on (client, contact_external_id,
# occurred_at) reads a few rows, where ranking every acquisition touchpoint of the MQLs sorts millions of
# rows. The MQL date comes back as microseconds since 1970-01-01 UTC, which loads much faster than
# timestamptz text.
MQL_FIRST_TOUCH_SQL = """
SELECT c.portal_id, c.external_id, (EXTRACT(EPOCH FROM c.became_mql_at) * 1000000)::bigint, c.original_source,
       t.id, t.utm_source, t.utm_medium, t.utm_campaign, t.referrer, t.click_id
FROM portals_contact c
LEFT JOIN LATERAL (
    SELECT t.id, t.utm_source, t.utm_medium, t.utm_campaign, t.referrer, t.click_id FROM portals_touchpoint t
    WHERE t.client_id = %(client)s AND t.contact_external_id = c.external_id AND t.portal_id = c.portal_id
      AND t.kind = ANY(%(kinds)s)
    ORDER BY t.occurred_at, t.id LIMIT 1
) t ON true
WHERE c.client_id = %(client)s AND c.portal_id = ANY(%(portals)s) AND c.became_mql_at IS NOT NULL
"""
_UNIX_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_DAY_MICROSECONDS = 86_400_000_000
# More days than lie between any two timestamps PostgreSQL can store (4713 BC to 294276 AD).
_DAYS_PER_CHANNEL_KEY = 1 << 27
UNKNOWN_CHANNEL = "(unknown)"
NO_CHANNEL = "(no channel)"


def money(amount, currency):
    return f"{amount:,.2f} {currency}".strip()


def in_period(day, start, end):
    return (start is None or day >= start) and (end is None or day <= end)


@register
class CostPerMql(Check):
    code = "measurement.cost_per_mql"
    category = "measurement"
    title = "Cost per MQL by channel"
    description = (
        "Sums campaign spend by channel, period and currency, and counts the MQLs whose MQL date falls in each period "
        "by their acquisition channel: the GA4 channel of their first page view, form submission, ad click or email "
        "click, or else the channel of their original source. Reports why a cost per MQL cannot be computed: no spend "
        "data, a paid channel with MQLs but no spend row for their dates, or spend with no MQLs."
    )
    why_it_matters = (
        "Without cost per MQL by channel, budget moves on impressions and clicks instead of qualified demand, and "
        "a channel that costs many times more per MQL than the others goes unnoticed."
    )
    thresholds = ("time_zone", "channel_email_match", "channel_affiliate_mediums", "channel_referral_mediums")
    weight = 2.0
    remediations = {
        "no_spend_data": Remediation(
            title="Load ad spend by channel and month",
            steps=[
                "Export monthly spend per campaign from every ad platform (Google Ads, Microsoft Ads, LinkedIn, Meta) and "
                "from sponsorships, with campaign, channel, period start, period end, spend and currency.",
                "Name the channel exactly as the channel report does (Paid Search, Paid Social, Display, ...).",
                "Import it as campaign spend every month, before the monthly report.",
            ],
            priority="p1",
            effort="medium",
            expected_impact="Cost per MQL by channel can be reported and compared.",
        ),
        "no_spend_row": Remediation(
            title="Add spend rows for every paid channel that brings MQLs",
            steps=[
                "Find the ad account or sponsorship behind the channel's MQLs (the evidence lists samples).",
                "Add its monthly spend with the channel name of the report and the periods of the MQL dates.",
                "If the traffic is not paid, fix its utm_medium so that it is not classified as a paid channel.",
            ],
            priority="p2",
            effort="small",
            expected_impact="The channel's MQLs get a cost, and total cost per MQL is not understated.",
        ),
        "spend_without_mqls": Remediation(
            title="Match spend rows to the MQLs they bought",
            steps=[
                "Check that the spend row's channel is spelled as a report channel (Paid Search, not google ads).",
                "Check that the channel's ads carry utm_source and utm_medium, so that their clicks reach the channel.",
                "If both are right, review the campaign: it spent without producing an MQL in the period.",
            ],
            priority="p2",
            effort="small",
            expected_impact="Spend is matched to results, or wasted spend is stopped.",
        ),
    }
    remediations["outside_spend_periods"] = remediations["no_spend_row"]

    def remediation(self, finding):
        return self.remediations.get(finding.key.split(":", 1)[0])

    def run(self, context):
        try:
            zone = ZoneInfo(context.thresholds["time_zone"])
        except (ZoneInfoNotFoundError, ValueError):
            reason = f"The time_zone threshold {context.thresholds['time_zone']!r} is not a known time zone. Use a name such as Europe/Berlin."
            return CheckOutcome(None, None, 1.0, skipped_reason=reason)

        spend = self._spend(context)
        mql_days, mql_samples = self._mqls(context, zone)
        mql_count = sum(sum(days.values()) for days in mql_days.values())
        if not spend and not mql_count:
            return CheckOutcome(None, None, 1.0, skipped_reason="No campaign has spend and no contact became an MQL.")
        if not spend:
            metrics = {"mqls": mql_count, "mqls_by_channel": {channel: sum(days.values()) for channel, days in mql_days.items()}}
            return CheckOutcome(None, None, 0.0, findings=[self._no_spend_data(mql_count, mql_days, mql_samples)], metrics=metrics)

        rows = []
        for (channel, start, end, currency), amount in sorted(spend.items(), key=lambda item: tuple(str(part) for part in item[0])):
            mqls = sum(count for day, count in mql_days.get(channel, {}).items() if in_period(day, start, end))
            rows.append({"channel": channel, "period_start": start, "period_end": end, "currency": currency,
                         "spend": amount, "mqls": mqls, "cost_per_mql": (amount / mqls) if mqls else None})

        findings = self._uncovered(rows, mql_days, mql_samples) + self._spend_without_mqls(rows)
        paid = {channel: sum(days.values()) for channel, days in mql_days.items() if channel in PAID_CHANNELS}
        uncovered = sum(finding.affected_count for finding in findings if not finding.key.startswith("spend_without_mqls"))
        matched_share = rate(sum(1 for row in rows if row["mqls"]), len(rows))
        mql_share = 1.0 - rate(uncovered, sum(paid.values())) if paid else 1.0
        return CheckOutcome(
            measured_value=matched_share, threshold=1.0, score=(matched_share + mql_share) / 2, findings=findings,
            metrics={"mqls": mql_count, "mqls_by_channel": {channel: sum(days.values()) for channel, days in mql_days.items()},
                     "cost_per_mql": [self._serialisable(row) for row in rows], "by_channel": self._by_channel(rows, mql_days)},
        )

    def _spend(self, context):
        """Return {(channel, period start, period end, currency): spend} of the campaigns that have spend."""
        spend = defaultdict(Decimal)
        rows = (context.scoped(Campaign).filter(spend__isnull=False)
                .values_list("channel", "period_start", "period_end", "currency").annotate(total=Sum("spend")).order_by())
        for channel, start, end, currency, total in rows:
            spend[(channel_name(channel) or NO_CHANNEL, start, end, (currency or "").upper())] += total
        return dict(spend)

    def _mqls(self, context, zone):
        """Return ({channel: Counter(MQL date)}, {channel: sample contact ids}) of the contacts that became MQLs.

        The channel is that of the first acquisition touchpoint, or else that of the original source. The MQL
        date is the local date in `zone`.
        """
        if connection.vendor == "postgresql":
            parameters = {"client": context.client_id, "portals": list(context.portal_ids),
                          "kinds": [str(kind) for kind in ACQUISITION_KINDS]}
            with connection.cursor() as cursor:
                cursor.execute(MQL_FIRST_TOUCH_SQL, parameters)
                rows = cursor.fetchall()
        else:
            rows = portable.mql_first_touch_rows(context, ACQUISITION_KINDS)

        channels = self._channels(context, rows)
        samples = defaultdict(list)
        for row, channel in zip(rows, channels):
            samples[channel].append(row[1])
        return self._days_by_channel(channels, [row[2] for row in rows], zone), samples

    def _channels(self, context, rows):
        """Return the channel of each MQL row: its first touchpoint's channel (classified in bulk), or its original source's."""
        touched = [row for row in rows if row[4] is not None]
        touch_channels = classify_channels([row[5:] for row in touched], **channel_options(context))
        first_channel = {(row[0], row[1]): channel for row, channel in zip(touched, touch_channels)}
        return [
            first_channel.get((row[0], row[1])) or hubspot_source_channel(row[3]) or UNKNOWN_CHANNEL
            for row in rows
        ]

    def _days_by_channel(self, channels, mql_microseconds, zone):
        """Count the MQLs per channel and local MQL date, with numpy over the epoch microseconds."""
        names = list(dict.fromkeys(channels))
        name_index = {name: index for index, name in enumerate(names)}
        channel_numbers = np.array([name_index[channel] for channel in channels], dtype=np.int64)
        local = local_microseconds(np.array(mql_microseconds, dtype=np.int64), zone)
        day_numbers = local // _DAY_MICROSECONDS
        first_day = int(day_numbers.min()) if day_numbers.size else 0
        # One int64 key per (channel, day) pair: a 1-D unique sorts much faster than a row-wise one.
        keys, counts = np.unique(channel_numbers * _DAYS_PER_CHANNEL_KEY + (day_numbers - first_day), return_counts=True)

        days = defaultdict(Counter)
        for key, count in zip(keys.tolist(), counts.tolist()):
            channel_number, day_offset = divmod(key, _DAYS_PER_CHANNEL_KEY)
            days[names[channel_number]][date.fromordinal(_UNIX_EPOCH_ORDINAL + first_day + day_offset)] = count
        return days

    def _no_spend_data(self, mql_count, mql_days, mql_samples):
        paid = sum(sum(days.values()) for channel, days in mql_days.items() if channel in PAID_CHANNELS)
        return FindingData(
            key="no_spend_data",
            severity="high",
            title="Cost per MQL cannot be computed: no campaign has spend",
            summary=(f"{mql_count} contacts became MQLs ({paid} of them through paid channels), but no campaign row carries "
                     "spend, so no channel has a cost per MQL."),
            measured_value=None, threshold=None, unit="MQLs",
            affected_count=mql_count, denominator=mql_count,
            evidence={"mqls_by_channel": {channel: sum(days.values()) for channel, days in mql_days.items()},
                      "sample_ids": sorted(id_ for ids in mql_samples.values() for id_ in ids)[:SAMPLE_SIZE]},
        )

    def _uncovered(self, rows, mql_days, mql_samples):
        """Findings for paid channels whose MQLs fall on dates that no spend row of the channel covers."""
        periods = defaultdict(list)
        for row in rows:
            periods[row["channel"]].append((row["period_start"], row["period_end"]))
        findings = []
        for channel in sorted(set(mql_days) & PAID_CHANNELS):
            days = mql_days[channel]
            total = sum(days.values())
            uncovered = sum(count for day, count in days.items() if not any(in_period(day, *period) for period in periods[channel]))
            if not uncovered:
                continue
            has_rows = bool(periods[channel])
            title = (f"{channel} has {plural(uncovered, 'MQL')} outside its spend periods" if has_rows
                     else f"{channel} has {plural(uncovered, 'MQL')} but no spend row")
            summary = (f"{uncovered} of the {total} MQLs acquired through {channel} became MQLs on dates that no spend row of "
                       f"the channel covers, so their cost per MQL cannot be computed.") if has_rows else (
                       f"{total} contacts acquired through {channel} became MQLs, but no campaign spend row has the channel "
                       f"{channel}, so its cost per MQL cannot be computed and total cost per MQL is understated.")
            findings.append(FindingData(
                key=stable_key("outside_spend_periods" if has_rows else "no_spend_row", channel),
                severity="medium", title=title, summary=summary,
                measured_value=rate(uncovered, total), threshold=0.0, unit="share of the channel's MQLs",
                affected_count=uncovered, denominator=total,
                evidence={"channel": channel, "spend_periods": [[str(start), str(end)] for start, end in periods[channel]],
                          "sample_ids": sorted(mql_samples[channel])[:SAMPLE_SIZE]},
            ))
        return findings

    def _spend_without_mqls(self, rows):
        empty = defaultdict(list)
        for row in rows:
            if row["spend"] > 0 and not row["mqls"]:
                empty[row["channel"]].append(row)
        findings = []
        for channel, channel_rows in sorted(empty.items()):
            totals = defaultdict(Decimal)
            for row in channel_rows:
                totals[row["currency"]] += row["spend"]
            amounts = ", ".join(money(amount, currency) for currency, amount in sorted(totals.items()))
            all_rows = [row for row in rows if row["channel"] == channel and row["spend"] > 0]
            findings.append(FindingData(
                key=stable_key("spend_without_mqls", channel),
                severity="medium",
                title=f"{channel}: {amounts} spent in {plural(len(channel_rows), 'period')} with no MQLs",
                summary=(f"The spend rows of {channel} for {plural(len(channel_rows), 'period')} have no MQL of that channel in "
                         "their dates. Either the channel name of the spend does not match a report channel, the clicks are not "
                         "tracked to the channel, or the spend produced no MQL."),
                measured_value=rate(len(channel_rows), len(all_rows)), threshold=0.0, unit="share of the channel's spend periods",
                affected_count=len(channel_rows), denominator=len(all_rows),
                evidence={"channel": channel, "groups": [self._serialisable(row) for row in channel_rows[:SAMPLE_SIZE]], "sample_ids": []},
            ))
        return findings

    def _by_channel(self, rows, mql_days):
        """Return cost per MQL per channel and currency over all its spend periods. An MQL counts once even if periods overlap."""
        result = []
        for channel, currency in sorted({(row["channel"], row["currency"]) for row in rows}):
            channel_rows = [row for row in rows if row["channel"] == channel and row["currency"] == currency]
            amount = sum((row["spend"] for row in channel_rows), Decimal(0))
            mqls = sum(count for day, count in mql_days.get(channel, {}).items()
                       if any(in_period(day, row["period_start"], row["period_end"]) for row in channel_rows))
            result.append({"channel": channel, "currency": currency, "spend": float(amount), "mqls": mqls,
                           "cost_per_mql": round(float(amount / mqls), 2) if mqls else None})
        return result

    def _serialisable(self, row):
        return {
            "channel": row["channel"], "currency": row["currency"], "mqls": row["mqls"], "spend": float(row["spend"]),
            "period_start": row["period_start"].isoformat() if row["period_start"] else None,
            "period_end": row["period_end"].isoformat() if row["period_end"] else None,
            "cost_per_mql": round(float(row["cost_per_mql"]), 2) if row["cost_per_mql"] is not None else None,
        }
