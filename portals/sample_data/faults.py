"""The catalog of planted problems: code, family, denominator and the rule that finds each one."""
from dataclasses import dataclass


@dataclass(frozen=True)
class FaultKind:
    code: str
    family: str
    denominator: str
    description: str


def _kind(code, family, denominator, description):
    return FaultKind(code, family, denominator, description)


# Problems planted on person records (HubSpot contacts, Salesforce leads). A record carries at most one.
PERSON_FAULTS = (
    _kind("duplicate_contacts_email_case", "duplicates", "contacts",
          "Extra record of an existing person whose e-mail differs only in letter case; same name and company, no phone."),
    _kind("duplicate_contacts_plus_address", "duplicates", "contacts",
          "Extra record whose e-mail adds a +tag to an existing person's local part; same name and company, no phone."),
    _kind("duplicate_contacts_email_typo", "duplicates", "contacts",
          "Extra record whose e-mail local part is one letter off an existing person's (same domain); same name and company, no phone."),
    _kind("duplicate_contacts_two_emails", "duplicates", "contacts",
          "Extra record of an existing person at a second e-mail (last.first@ the same domain) with the same name, company and phone."),
    _kind("utm_source_case_variant", "utm", "contacts",
          "First-touch utm_source is a letter-case variant of linkedin or facebook (LinkedIn, LINKEDIN, Facebook, FACEBOOK)."),
    _kind("utm_source_alias", "utm", "contacts",
          "First-touch utm_source is a spelling alias of linkedin or facebook (linked-in, fb, facebook.com)."),
    _kind("utm_medium_synonym", "utm", "contacts",
          "First-touch utm_medium of paid search is a synonym of cpc (ppc, paid, paid-search)."),
    _kind("utm_missing_source", "utm", "contacts",
          "First touch has utm_medium and utm_campaign but no utm_source."),
    _kind("utm_missing_medium", "utm", "contacts",
          "First touch has utm_source and utm_campaign but no utm_medium."),
    _kind("utm_unclassified", "utm", "contacts",
          "First-touch utm_source/utm_medium match no GA4 default channel group rule (GA4 Unassigned)."),
    _kind("utm_campaign_naming", "utm", "contacts",
          "First-touch utm_campaign breaks the campaign naming convention (campaign_naming_regex)."),
    _kind("source_missing", "source", "contacts",
          "No original source: hs_analytics_source and both drill-downs are empty (Salesforce: LeadSource null)."),
    _kind("source_offline_no_drilldown", "source", "contacts",
          "Original source OFFLINE with both drill-downs empty."),
    _kind("source_overwritten_import", "source", "contacts",
          "Original source replaced after creation by an import (history sourceType IMPORT, value OFFLINE; Salesforce: LeadHistory by the data-loader user)."),
    _kind("source_overwritten_user", "source", "contacts",
          "Original source overwritten after creation by a user (history sourceType CRM_UI with updatedByUserId; drill-downs cleared)."),
    _kind("source_change_explained", "source", "contacts",
          "Created OFFLINE by import, later changed by ANALYTICS to an online source; hs_analytics_first_timestamp precedes creation (explained, info)."),
    _kind("lifecycle_skipped_stage", "lifecycle", "contacts",
          "Customer whose history jumps from Subscriber or Lead straight to Customer: no MQL, SQL or Opportunity history item and no Became-a dates for them."),
    _kind("lifecycle_backward_move", "lifecycle", "contacts",
          "History reaches Sales Qualified Lead and later moves back to Lead (the current stage)."),
    _kind("lifecycle_set_by_import", "lifecycle", "contacts",
          "The history item that set the current stage (MQL or later) has sourceType IMPORT."),
    _kind("lifecycle_missing_entry_date", "lifecycle", "contacts",
          "The Became-a date of the current stage is empty although the history shows the stage change."),
    _kind("lifecycle_stuck", "lifecycle", "contacts",
          "Current stage is MQL, SQL or Opportunity and was entered more than stuck_days before as_of."),
    _kind("owner_inactive", "lead_handling", "contacts",
          "Lead owned by an inactive owner (HubSpot owner archived; Salesforce User IsActive false)."),
    _kind("mql_fails_fit", "mql_fit", "mqls",
          "Record that became an MQL although its company size, industry or job title fails fit_criteria."),
    _kind("first_touch_slow", "lead_handling", "mqls",
          "First sales activity (call or meeting; Salesforce Task or Event) more than 30 working minutes after the MQL date."),
    _kind("mql_unassigned", "lead_handling", "mqls",
          "Current MQL with no owner (HubSpot owner empty; Salesforce OwnerId a queue) and no sales activity."),
    _kind("channel_without_spend", "spend", "mqls",
          "MQL whose first touch is the Display channel, which has no row in the ad spend CSV."),
    _kind("self_reported_disagrees", "attribution", "answered",
          "'How did you hear about us' answer that the self_reported_map does not list for the record's original source."),
)

PERSON_CODES = tuple(kind.code for kind in PERSON_FAULTS)
CODE_BYTE = {code: index + 1 for index, code in enumerate(PERSON_CODES)}
DUPLICATE_CODES = PERSON_CODES[:4]
UTM_CODES = PERSON_CODES[4:11]
SOURCE_CODES = PERSON_CODES[11:16]
LIFECYCLE_CODES = PERSON_CODES[16:21]
KIND_BY_CODE = {kind.code: kind for kind in PERSON_FAULTS}

# Problems planted on other objects; each entry states its own object and denominator.
OTHER_FAULTS = (
    _kind("duplicate_companies_domain_format", "duplicates", "companies",
          "Extra company whose domain is an existing company's domain with www., https:// or a trailing slash, and whose name may add Inc."),
    _kind("owner_unbalanced_share", "lead_handling", "sales owners",
          "One sales owner receives the stated extra share of assigned records beyond an even split among peers."),
    _kind("form_missing_hdyhau", "attribution", "forms",
          "Form without a 'how did you hear about us' field."),
    _kind("offline_interaction_missing_touchpoint", "attribution", "opportunity contact roles",
          "Contact role on an opportunity whose primary campaign is a trade show or event, with no CampaignMember row for that campaign."),
)
KIND_BY_CODE.update({kind.code: kind for kind in OTHER_FAULTS})
