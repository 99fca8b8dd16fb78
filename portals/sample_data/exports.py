"""CSV exports: the HubSpot contact export (export labels as headers), the Pardot prospect export and ad spend."""
import calendar
import time

from .core import AS_OF, DAY, WINDOW_START, export_datetime, stream_rng
from .hubspot_crm import contact_id, lead_status, owner_name
from .people import company_facts
from .profiles import STAGE_LABELS
from .touches import acquisition_channel, quarter_campaign

HUBSPOT_EXPORT_HEADER = (
    "Record ID", "First Name", "Last Name", "Email", "Phone Number", "Job Title", "Company Name", "Lifecycle Stage",
    "Lead Status", "Contact Owner", "Original Source", "Original Source Drill-Down 1", "Original Source Drill-Down 2",
    "Create Date", "Last Modified Date", "Became a Subscriber Date", "Became a Lead Date",
    "Became a Marketing Qualified Lead Date", "Became a Sales Qualified Lead Date", "Became an Opportunity Date",
    "Became a Customer Date", "Became an Evangelist Date", "Became an Other Lifecycle Date",
    # Custom properties of the sample portals; the question keeps the trailing space that HubSpot form questions often carry.
    "Number of Employees", "Industry", "UTM Source", "UTM Medium", "UTM Campaign", "How did you hear about us? ",
)
# The export contains contacts created in the 365 days before the export date (a saved view "Create date is after ...").
EXPORT_SINCE = AS_OF - 365 * DAY

SOURCE_LABELS = {
    "ORGANIC_SEARCH": "Organic search", "PAID_SEARCH": "Paid search", "EMAIL_MARKETING": "Email marketing",
    "SOCIAL_MEDIA": "Organic social", "REFERRALS": "Referrals", "OTHER_CAMPAIGNS": "Other campaigns",
    "DIRECT_TRAFFIC": "Direct traffic", "OFFLINE": "Offline sources", "PAID_SOCIAL": "Paid social",
}
LEAD_STATUS_LABELS = {"NEW": "New", "OPEN": "Open", "IN_PROGRESS": "In Progress", "CONNECTED": "Connected"}

AD_SPEND_HEADER = ("campaign", "channel", "period_start", "period_end", "spend", "currency")

PARDOT_EXPORT_HEADER = (
    "Prospect Id", "Email", "First Name", "Last Name", "Company", "Job Title", "Source", "Campaign", "Score", "Grade",
    "Assigned User", "CRM Lead FID", "CRM Contact FID", "First Referrer Url", "First Referrer Type", "Created Date",
    "Updated Date", "Last Activity Date",
)


def _date(seconds):
    return export_datetime(seconds) if seconds else ""


def hubspot_export_row(pop, person):
    """Return the export row of a contact, or None when the saved view leaves it out."""
    if person.created < EXPORT_SINCE:
        return None
    facts = company_facts(pop, person.company)
    touch = person.touch or {}
    status = lead_status(person)
    dates = [_date(person.stage_dates.get(stage)) for stage in range(len(STAGE_LABELS))]
    return (
        contact_id(person.index), person.first.capitalize(), person.last.capitalize(), person.email, person.phone,
        person.title, facts["name"], STAGE_LABELS[person.stage_history[-1][0]], LEAD_STATUS_LABELS.get(status, ""),
        owner_name(person.owner) if person.owner != 255 else "", SOURCE_LABELS.get(person.source, ""), person.dd1,
        person.dd2, _date(person.created), _date(person.updated), *dates, "",
        str(facts["employees"]), facts["industry"], touch.get("source", ""), touch.get("medium", ""),
        touch.get("campaign", ""), person.answer,
    )


def month_starts():
    """Yield (first day, last day) of every month from the window start to the export date."""
    year, month = time.gmtime(WINDOW_START).tm_year, time.gmtime(WINDOW_START).tm_mon
    while True:
        start = calendar.timegm((year, month, 1, 0, 0, 0))
        next_year, next_month = (year + 1, 1) if month == 12 else (year, month + 1)
        end = calendar.timegm((next_year, next_month, 1, 0, 0, 0)) - DAY
        if start >= AS_OF:
            return
        yield int(start), int(end)
        year, month = next_year, next_month


def record_paid_mql(pop, person, touches):
    """Add the person's MQL month to pop.paid_mql_months when a paid channel acquired it."""
    if person.mql_at is None:
        return
    channel = acquisition_channel(touches)
    if channel in pop.spend_channels:
        local = time.gmtime(person.mql_at + pop.profile.utc_offset_minutes * 60)
        pop.paid_mql_months.add((channel, "%04d-%02d" % (local.tm_year, local.tm_mon)))


def ad_spend_rows(pop):
    """Yield spend rows per campaign, paid channel and month; Display is left out on purpose.

    A channel has rows only for the months in which it acquired an MQL, so that no clean spend row goes without
    an MQL of its channel and every paid MQL falls in a spend period of its channel.
    """
    rng = stream_rng(pop.seed, pop.profile.slug, "spend")
    paid = {}
    for channel in pop.channels:
        if channel.ga4 in pop.spend_channels:
            paid.setdefault(channel.ga4, []).append(channel)
    for start, end in month_starts():
        for ga4, channels in sorted(paid.items()):
            if (ga4, time.strftime("%Y-%m", time.gmtime(start))) not in pop.paid_mql_months:
                continue
            for topic in pop.profile.topics:
                spend = sum(rng.randrange(300, 4000) * channel.weight for channel in channels)
                yield (quarter_campaign(start, topic), ga4, time.strftime("%Y-%m-%d", time.gmtime(start)),
                       time.strftime("%Y-%m-%d", time.gmtime(end)), "%.2f" % (spend / 4), pop.profile.currency)
