"""Helpers shared by the lifecycle, hygiene and lead-handling checks: severities, samples and wording."""
from audits.dedupe import id_sort_key

# Evidence lists at most this many record ids, so a finding page can link to examples.
SAMPLE_SIZE = 20


def severity_for_rate(rate, threshold=0.0):
    """Return the severity of a rate that exceeds its threshold: high at 25% or twice the threshold, medium from 5%."""
    if rate >= 0.25 or (threshold and rate >= 2 * threshold):
        return "high"
    if rate >= 0.05:
        return "medium"
    return "low"


def sample_ids(values):
    """Return up to SAMPLE_SIZE distinct external ids, numeric ids in numeric order."""
    return sorted({str(value) for value in values}, key=id_sort_key)[:SAMPLE_SIZE]


def scoped_sample(queryset):
    """Return up to SAMPLE_SIZE external ids of a queryset, read in one query."""
    return sample_ids(queryset.order_by("external_id").values_list("external_id", flat=True)[: SAMPLE_SIZE * 5])


def percent(rate):
    """Format a rate as a percentage for titles: 0.333 -> "33%", 0.005 -> "0.5%"."""
    value = rate * 100
    return f"{value:.0f}%" if value >= 1 or value == 0 else f"{value:.1f}%"


def plural(count, singular, plural_form=None):
    """Format a count with its noun: "1 contact", "3 contacts"."""
    word = singular if count == 1 else (plural_form or f"{singular}s")
    return f"{count} {word}"


def stage_label(stage):
    """Return the display label of a lifecycle stage value ("marketingqualifiedlead" -> "MQL")."""
    return STAGE_LABELS.get(stage, stage or "(blank)")


STAGE_LABELS = {
    "subscriber": "Subscriber",
    "lead": "Lead",
    "marketingqualifiedlead": "MQL",
    "salesqualifiedlead": "SQL",
    "opportunity": "Opportunity",
    "customer": "Customer",
    "evangelist": "Evangelist",
    "other": "Other",
}
