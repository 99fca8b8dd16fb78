"""Audit thresholds with their defaults. An engagement overrides any of them in `threshold_overrides`."""

DEFAULT_THRESHOLDS = {
    # Share of surplus duplicate records above which the portal has a duplicate problem.
    "duplicate_rate": 0.10,
    # Strip "+tag" from the local part of emails before matching duplicates. Some mail domains
    # deliver "+tag" addresses to separate mailboxes, so this rule is optional.
    "duplicate_strip_plus_tags": True,
    # Speed to lead: minutes from MQL (or demo request) to the first sales activity.
    "speed_to_lead_minutes": 30,
    # Working hours used to measure speed to lead, in the team's time zone.
    "working_hours_start": 9,
    "working_hours_end": 17,
    "working_days": [0, 1, 2, 3, 4],
    "time_zone": "UTC",
    # A contact that stays in one lifecycle stage longer than this is stuck.
    "stuck_stage_days": 90,
    # An MQL with no sales activity for this long is rotting in the queue.
    "rotting_days": 7,
    # Share of records or touchpoints a check tolerates before it reports a finding.
    "tolerated_rate": 0.0,
    # MQL fit criteria: company size range, industries and job-title keywords (empty list = any).
    "fit_min_employees": 50,
    "fit_max_employees": None,
    "fit_industries": [],
    "fit_title_keywords": ["marketing", "growth", "revenue", "demand", "sales", "cmo", "ceo", "founder", "operations"],
    # utm_campaign naming convention, as a regular expression (empty = not checked).
    "campaign_naming_pattern": r"^[a-z0-9]+(_[a-z0-9]+)*$",
    # A rep owning more than this multiple of the mean share of MQLs is unbalanced.
    "rep_balance_max_ratio": 1.5,
    # Integrations silent for longer than this are only partially integrated.
    "integration_recent_days": 30,
    # Share of lifecycle stage changes made by an import or by hand (not by a workflow) above which
    # the stages are reported as not governed by automation.
    "lifecycle_manual_change_rate": 0.10,
    # Share of lifecycle stage changes made by an import above which imports are reported. An import that sets a
    # stage always skips the MQL criteria, so by default every one is reported.
    "lifecycle_import_change_rate": 0.0,
    # Words in a form name that mark a demo request. A submission of such a form starts the
    # speed-to-lead clock of a contact that has no MQL date.
    "demo_form_keywords": ["demo"],
    # Share of contacts with the original source Offline sources above which the offline bucket hides
    # which events, imports and integrations brought the contacts.
    "offline_source_max_rate": 0.25,
    # Contact custom properties (keys of Contact.extra) that record the event or campaign behind an
    # offline contact; one non-empty value tags the contact.
    "offline_tag_properties": ["offline_source", "event_name", "campaign_name"],
    # Share of contacts created in the last 12 months that should answer "how did you hear about us".
    "self_reported_min_coverage": 0.30,
    # Share of answered contacts whose answer disagrees with the original source above which the
    # disagreement finding is medium instead of low severity.
    "self_reported_max_disagreement": 0.25,
    # GA4 channel rule variants (attribution.channels.ChannelOptions): "contains" or "exact" matching
    # of the Email rule, and the utm_medium values of the Affiliates and Referral rules.
    "channel_email_match": "contains",
    "channel_affiliate_mediums": ["affiliate"],
    "channel_referral_mediums": ["referral", "app", "link"],
}


def effective_thresholds(overrides=None):
    """Return the defaults with the engagement's overrides applied. Unknown keys raise ValueError."""
    overrides = overrides or {}
    unknown = sorted(set(overrides) - set(DEFAULT_THRESHOLDS))
    if unknown:
        raise ValueError(f"Unknown audit thresholds: {', '.join(unknown)}. Known: {', '.join(sorted(DEFAULT_THRESHOLDS))}.")
    return {**DEFAULT_THRESHOLDS, **overrides}
