"""A small Marketo instance in the REST shape (leads, activities, activity types, programs), for sync tests."""

WEBINAR_PROGRAM = 2001
TRADE_SHOW_PROGRAM = 2002
ADS_PROGRAM = 2003

ACTIVITY_TYPES = [
    {"id": type_id, "name": name, "description": name, "primaryAttribute": {"name": primary, "dataType": "integer"}, "attributes": []}
    for type_id, name, primary in (
        (1, "Visit Webpage", "Webpage ID"), (2, "Fill Out Form", "Webform ID"), (3, "Click Link", "Link ID"),
        (7, "Email Delivered", "Mailing ID"), (10, "Open Email", "Mailing ID"), (11, "Click Email", "Mailing ID"),
        (12, "New Lead", "Lead ID"), (13, "Change Data Value", "Attribute Name"), (101, "Change Revenue Stage", "Model ID"),
        (104, "Change Status in Progression", "Program ID"),
    )
]


def lead(lead_id, *, status="Lead", source="Paid Search", title="Marketing Manager", updated="2026-03-01T10:00:00Z"):
    return {
        "id": lead_id, "email": "person%d@acme.test" % lead_id, "firstName": "Ana", "lastName": "Person%d" % lead_id,
        "title": title, "company": "Acme", "website": "https://www.acme.test/", "country": "South Africa",
        "city": "Johannesburg", "phone": None, "numberOfEmployees": 250, "leadSource": source, "leadStatus": status,
        "originalSourceType": "Web form fillout", "originalSourceInfo": "https://acme.test/demo",
        "acquisitionProgramId": ADS_PROGRAM, "createdAt": "2026-01-02T09:00:00Z", "updatedAt": updated,
    }


def activity(activity_id, lead_id, day, type_id, primary_id=None, primary_value=None, **attributes):
    return {
        "id": activity_id, "marketoGUID": "%08x-0000-4000-8000-000000000000" % activity_id, "leadId": lead_id,
        "activityDate": "2026-%s:00Z" % day, "activityTypeId": type_id, "primaryAttributeValueId": primary_id,
        "primaryAttributeValue": primary_value,
        "attributes": [{"name": name.replace("_", " "), "value": value} for name, value in attributes.items()],
    }


def program(program_id, name, program_type, channel, costs=None, updated="2026-02-01T00:00:00Z"):
    return {
        "id": program_id, "name": name, "description": "", "createdAt": "2026-01-01T00:00:00Z", "updatedAt": updated,
        "url": "https://app-sj01.marketo.com/#PG%dA1" % program_id, "type": program_type, "channel": channel,
        "folder": {"type": "Folder", "value": 30, "folderName": "Marketing Activities"}, "status": "",
        "workspace": "Default", "tags": [], "costs": costs,
    }


def activities():
    """Activities in date order: four new leads, web and e-mail touches, field changes and program status changes."""
    return [
        activity(1, 1001, "01-02T09:00", 12, 1001, "New Lead", Source_Type="Web form fillout"),
        activity(2, 1002, "01-02T09:05", 12, 1002, "New Lead", Source_Type="List import"),
        activity(3, 1003, "01-02T09:10", 12, 1003, "New Lead", Source_Type="Web form fillout"),
        activity(4, 1004, "01-02T09:15", 12, 1004, "New Lead", Source_Type="Web service API"),
        activity(5, 1001, "01-03T10:00", 1, 10001, "pricing",
                 Webpage_URL="https://acme.test/pricing?utm_source=LinkedIn&utm_medium=cpc&gclid=abc123",
                 Query_Parameters="utm_source=LinkedIn&utm_medium=cpc&utm_campaign=2026-q1-robots&gclid=abc123",
                 Referrer_URL="https://www.linkedin.com/"),
        activity(6, 1001, "01-03T10:02", 2, 3001, "Demo request", Webpage_ID=10002, Query_Parameters="", Referrer_URL=""),
        activity(7, 1003, "01-04T08:00", 7, 5001, "Newsletter January"),
        activity(8, 1002, "01-04T09:00", 3, 7001, "https://acme.test/case-study?utm_source=blog&utm_medium=referral"),
        activity(9, 1002, "01-05T09:00", 10, 5001, "Newsletter January", Campaign_Run_ID=1),
        activity(10, 1003, "01-05T09:30", 11, 5001, "Newsletter January",
                 Link="https://acme.test/webinar?utm_source=newsletter&utm_medium=email&utm_campaign=2026-01-newsletter"),
        activity(11, 1001, "01-06T10:00", 13, 48, "Lead Status", New_Value="Marketing Qualified Lead", Old_Value="Lead",
                 Reason="Changed by Smart Campaign MQL Scoring.Score action Change Data Value", Source="Marketo Flow Action"),
        activity(12, 1002, "01-06T11:00", 13, 49, "Lead Source", New_Value="List Import", Old_Value="Paid Search",
                 Reason="", Source="List import"),
        activity(13, 1003, "01-06T12:00", 13, 50, "Job Title", New_Value="CMO", Old_Value="Marketing Manager",
                 Reason="", Source="Web service API"),
        activity(14, 1001, "01-07T10:00", 101, 1, "Default Model", New_Stage="SQL", Old_Stage="MQL", Reason="Sales accepted"),
        activity(15, 1002, "02-01T17:00", 104, WEBINAR_PROGRAM, "2026-Q1 Automation Webinar", New_Status="Attended", Old_Status="Registered"),
        activity(16, 1003, "02-02T17:00", 104, ADS_PROGRAM, "2026-Q1 Robots Ads", New_Status="Responded", Old_Status="Member"),
        activity(17, 1004, "02-03T09:00", 104, TRADE_SHOW_PROGRAM, "2026-Q1 FabTech Expo", New_Status="Invited", Old_Status="Not in Program"),
        activity(18, 1004, "02-10T15:00", 104, TRADE_SHOW_PROGRAM, "2026-Q1 FabTech Expo", New_Status="Visited Booth", Old_Status="Invited"),
    ]


def records():
    return {
        "activity_types": ACTIVITY_TYPES,
        "leads": [
            lead(1001, status="Sales Qualified Lead"),
            lead(1002, source="List Import"),
            lead(1003, status="Subscriber"),
            lead(1004, status="Open"),
        ],
        "activities": activities(),
        "programs": [
            program(WEBINAR_PROGRAM, "2026-Q1 Automation Webinar", "Event", "Webinar"),
            program(TRADE_SHOW_PROGRAM, "2026-Q1 FabTech Expo", "Event", "Tradeshow", costs=[
                {"startDate": "2026-02-01", "cost": 9000, "note": "booth"},
                {"startDate": "2026-01-15", "cost": 1500, "note": "travel"},
            ]),
            program(ADS_PROGRAM, "2026-Q1 Robots Ads", "Default", "Online Advertising"),
        ],
    }
