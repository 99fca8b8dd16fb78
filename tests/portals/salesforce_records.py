"""A small Salesforce org in the SOQL record shape, for sync tests."""

MODIFIED = "2026-03-01T10:00:00.000+0000"


def sf_id(prefix, number):
    """Return an 18-character id with the object's key prefix (00Q Lead, 003 Contact, 005 User, ...)."""
    return "%s%012dAAA" % (prefix, number)


REP = sf_id("005", 1)
FORMER_REP = sf_id("005", 2)
INTEGRATION_USER = sf_id("005", 3)
DATA_LOADER = sf_id("005", 4)
ACCOUNT = sf_id("001", 1)
OPEN_LEAD = sf_id("00Q", 1)
MQL_LEAD = sf_id("00Q", 2)
CONVERTED_LEAD = sf_id("00Q", 3)
CUSTOMER_CONTACT = sf_id("003", 1)
PLAIN_CONTACT = sf_id("003", 2)
OPPORTUNITY = sf_id("006", 1)
TRADE_SHOW = sf_id("701", 1)
WEBINAR = sf_id("701", 2)
NEWSLETTER = sf_id("701", 3)


def record(sobject, record_id, **fields):
    base = {
        "attributes": {"type": sobject, "url": "/services/data/v62.0/sobjects/%s/%s" % (sobject, record_id)},
        "Id": record_id,
    }
    base.update(fields)
    base.setdefault("CreatedDate", "2026-01-02T09:00:00.000+0000")
    base.setdefault("SystemModstamp", MODIFIED)
    return base


def user(record_id, first, last, *, active=True, territory=None, segment=None, custom_fields=True):
    fields = {
        "FirstName": first, "LastName": last, "Name": "%s %s" % (first, last), "Email": "%s@acme.test" % last.lower(),
        "Username": "%s.%s@acme.test" % (first.lower(), last.lower()), "IsActive": active, "UserType": "Standard",
        "Department": "Sales", "TimeZoneSidKey": "America/Bogota",
    }
    if custom_fields:
        fields.update(Territory__c=territory, Segment__c=segment)
    return record("User", record_id, **fields)


def custom_fields(mql_date=None, utm=(None, None, None)):
    """Return the MQL date and first-touch UTM custom fields of a Lead or Contact."""
    source, medium, campaign = utm
    return {"MQL_Date__c": mql_date, "UTM_Source__c": source, "UTM_Medium__c": medium, "UTM_Campaign__c": campaign}


def lead(record_id, status, *, source="Web", converted=False, contact=None, opportunity=None, modified=MODIFIED, **fields):
    return record(
        "Lead", record_id, FirstName="Ana", LastName="Lead%s" % record_id[-5:-3], Email="lead%s@acme.test" % record_id[-5:-3],
        Company="Acme", Website="https://www.acme.test/", Title="Marketing Manager", Country="Colombia", State=None,
        City="Bogota", PostalCode="110111", Phone=None, Industry="Manufacturing", NumberOfEmployees=250,
        LeadSource=source, Status=status, OwnerId=REP, IsConverted=converted,
        ConvertedDate="2026-02-01" if converted else None, ConvertedContactId=contact,
        ConvertedAccountId=ACCOUNT if converted else None, ConvertedOpportunityId=opportunity,
        LastModifiedDate=modified, SystemModstamp=modified, **fields,
    )


def contact(record_id, *, source="Web", **fields):
    return record(
        "Contact", record_id, AccountId=ACCOUNT, FirstName="Carla", LastName="Contact%s" % record_id[-5:-3],
        Email="contact%s@acme.test" % record_id[-5:-3], Title="CMO", Phone="+57 1 555 0100", MailingCountry="Colombia",
        MailingState=None, MailingCity="Bogota", MailingPostalCode="110111", LeadSource=source, OwnerId=REP,
        LastModifiedDate=MODIFIED, **fields,
    )


def history(sobject, parent_field, number, parent, field, old, new, user_id, created):
    return record(
        sobject, sf_id("017", number), **{parent_field: parent}, Field=field, OldValue=old, NewValue=new,
        CreatedById=user_id, CreatedDate=created, IsDeleted=False,
    )


def _no_custom_fields(mql_date=None, utm=None):
    return {}


def records(*, user_custom_fields=True, person_custom_fields=True):
    """Return {SObject: [records]} of the test org.

    Without person_custom_fields, leads and contacts lack MQL_Date__c and the UTM fields, so describe does not list them.
    """
    custom = custom_fields if person_custom_fields else _no_custom_fields
    return {
        "User": [
            user(REP, "Rita", "Rep", territory="North", segment="Enterprise", custom_fields=user_custom_fields),
            user(FORMER_REP, "Fred", "Former", active=False, territory="South", segment="SMB", custom_fields=user_custom_fields),
            user(INTEGRATION_USER, "B2BMA", "Integration", custom_fields=user_custom_fields),
            user(DATA_LOADER, "Data", "Loader", custom_fields=user_custom_fields),
        ],
        "Account": [
            record("Account", ACCOUNT, Name="Acme", Website="https://www.acme.test", Industry="Manufacturing",
                   NumberOfEmployees=250, AnnualRevenue=12500000.0, BillingCountry="Colombia", BillingState=None,
                   BillingCity="Bogota", Phone="+57 1 555 0100", OwnerId=REP, LastModifiedDate=MODIFIED),
        ],
        "Lead": [
            lead(OPEN_LEAD, "Open - Not Contacted", **custom(utm=("LinkedIn", "paid-social", "2026-q1-robots"))),
            lead(MQL_LEAD, "Marketing Qualified", source="List Import", **custom(mql_date="2026-01-05T10:00:00.000+0000")),
            lead(CONVERTED_LEAD, "Closed - Converted", converted=True, contact=CUSTOMER_CONTACT, opportunity=OPPORTUNITY,
                 **custom(mql_date="2026-01-20T12:00:00.000+0000", utm=("google", "cpc", "2026-q1-brand"))),
        ],
        "Contact": [
            contact(CUSTOMER_CONTACT, CreatedDate="2026-02-01T11:00:00.000+0000", **custom()),
            contact(PLAIN_CONTACT, source="Trade Show",
                    **custom(mql_date="2026-01-15T08:00:00.000+0000", utm=("newsletter", "email", "2026-q1-newsletter"))),
        ],
        "Opportunity": [
            record("Opportunity", OPPORTUNITY, Name="Acme - Robots", AccountId=ACCOUNT, StageName="Closed Won",
                   Amount=48000.0, CloseDate="2026-03-15", IsClosed=True, IsWon=True, OwnerId=REP,
                   CampaignId=TRADE_SHOW, LeadSource="Web", CreatedDate="2026-02-01T12:00:00.000+0000"),
        ],
        "OpportunityContactRole": [
            record("OpportunityContactRole", sf_id("00K", 1), OpportunityId=OPPORTUNITY, ContactId=CUSTOMER_CONTACT,
                   Role="Decision Maker", IsPrimary=True),
        ],
        "Campaign": [
            record("Campaign", TRADE_SHOW, Name="2026-Q1 FabTech Expo", Type="Trade Show", Status="Completed",
                   StartDate="2026-01-10", EndDate="2026-01-12", ActualCost=12000.0, IsActive=False),
            record("Campaign", WEBINAR, Name="2026-Q1 Automation Webinar", Type="Webinar", Status="Completed",
                   StartDate="2026-02-01", EndDate="2026-02-01", ActualCost=None, IsActive=False),
            record("Campaign", NEWSLETTER, Name="2026-Q1 Newsletter", Type="Email", Status="In Progress",
                   StartDate="2026-01-01", EndDate=None, ActualCost=0.0, IsActive=True),
        ],
        "CampaignMember": [
            record("CampaignMember", sf_id("00v", 1), CampaignId=TRADE_SHOW, LeadId=OPEN_LEAD, ContactId=None,
                   Status="Attended", CreatedDate="2026-01-11T15:00:00.000+0000"),
            record("CampaignMember", sf_id("00v", 2), CampaignId=WEBINAR, LeadId=CONVERTED_LEAD, ContactId=CUSTOMER_CONTACT,
                   Status="Attended", CreatedDate="2026-02-01T17:00:00.000+0000"),
            record("CampaignMember", sf_id("00v", 3), CampaignId=NEWSLETTER, LeadId=MQL_LEAD, ContactId=None,
                   Status="Clicked", CreatedDate="2026-01-20T08:00:00.000+0000"),
        ],
        "Task": [
            record("Task", sf_id("00T", 1), WhoId=OPEN_LEAD, OwnerId=REP, Subject="Call", TaskSubtype="Call", CallType="Outbound",
                   ActivityDate="2026-01-03", CompletedDateTime="2026-01-03T14:30:00.000+0000"),
            record("Task", sf_id("00T", 2), WhoId=OPEN_LEAD, OwnerId=REP, Subject="Email: pricing", TaskSubtype="Email",
                   CallType=None, ActivityDate="2026-01-04", CompletedDateTime="2026-01-04T10:00:00.000+0000"),
        ],
        "Event": [
            record("Event", sf_id("00U", 1), WhoId=CUSTOMER_CONTACT, OwnerId=REP, Subject="Discovery meeting",
                   ActivityDateTime="2026-02-03T16:00:00.000+0000", StartDateTime="2026-02-03T16:00:00.000+0000"),
        ],
        "LeadHistory": [
            history("LeadHistory", "LeadId", 1, MQL_LEAD, "created", None, None, INTEGRATION_USER, "2026-01-02T09:00:00.000+0000"),
            history("LeadHistory", "LeadId", 2, MQL_LEAD, "Status", "Open - Not Contacted", "Marketing Qualified",
                    INTEGRATION_USER, "2026-01-05T10:00:00.000+0000"),
            history("LeadHistory", "LeadId", 3, MQL_LEAD, "LeadSource", "Web", "List Import", REP, "2026-01-06T10:00:00.000+0000"),
            history("LeadHistory", "LeadId", 4, MQL_LEAD, "Owner", "B2BMA Integration", "Rita Rep", INTEGRATION_USER,
                    "2026-01-02T09:01:00.000+0000"),
            history("LeadHistory", "LeadId", 5, MQL_LEAD, "Owner", INTEGRATION_USER, REP, INTEGRATION_USER,
                    "2026-01-02T09:01:00.000+0000"),
            history("LeadHistory", "LeadId", 6, MQL_LEAD, "Title", None, "CMO", INTEGRATION_USER, "2026-01-07T10:00:00.000+0000"),
            history("LeadHistory", "LeadId", 8, OPEN_LEAD, "LeadSource", "Web", "List Import", DATA_LOADER,
                    "2026-01-08T10:00:00.000+0000"),
        ],
        "ContactHistory": [
            history("ContactHistory", "ContactId", 7, PLAIN_CONTACT, "LeadSource", "Web", "Trade Show", REP,
                    "2026-02-10T14:00:00.000+0000"),
        ],
    }
