"""Small HubSpot records in the CRM v3 shape, for sync tests."""


def contact(number, *, stage="lead", source="ORGANIC_SEARCH", modified="2026-03-01T10:00:00.000Z", history=None, company=None):
    record = {
        "id": str(number),
        "properties": {
            "email": f"person{number}@acme.test",
            "firstname": f"First{number}",
            "lastname": "Person",
            "jobtitle": "Marketing Manager",
            "company": "Acme",
            "website": "https://www.acme.test/",
            "numemployees": "250",
            "lifecyclestage": stage,
            "hs_analytics_source": source,
            "hubspot_owner_id": "9001",
            "createdate": "2026-01-02T09:00:00.000Z",
            "lastmodifieddate": modified,
            "hs_lifecyclestage_lead_date": "2026-01-02T09:00:00.000Z",
        },
        "createdAt": "2026-01-02T09:00:00.000Z",
        "updatedAt": modified,
        "archived": False,
    }
    if history:
        record["propertiesWithHistory"] = history
    if company:
        record["associations"] = {"companies": {"results": [{"id": company, "type": "contact_to_company"}]}}
    return record


def owner(number, *, archived=False):
    return {
        "id": str(number),
        "email": f"rep{number}@acme.test",
        "firstName": "Rep",
        "lastName": str(number),
        "userId": number + 100,
        "createdAt": "2025-01-01T00:00:00Z",
        "updatedAt": "2025-01-01T00:00:00Z",
        "archived": archived,
        "teams": [{"id": "77", "name": "EMEA SDR", "membership": "PRIMARY"}],
    }


def records(contact_count=7):
    history = {
        "hs_analytics_source": [
            {"value": "OFFLINE", "timestamp": "2026-01-02T09:00:00.000Z", "sourceType": "IMPORT", "sourceId": "import-1"},
            {"value": "ORGANIC_SEARCH", "timestamp": "2026-02-10T14:00:00.000Z", "sourceType": "INTEGRATION", "sourceLabel": "Zapier"},
        ],
        "lifecyclestage": [
            {"value": "lead", "timestamp": "2026-01-02T09:00:00.000Z", "sourceType": "FORM", "sourceId": "form-1"},
            {"value": "marketingqualifiedlead", "timestamp": "2026-01-05T10:00:00.000Z", "sourceType": "AUTOMATION_PLATFORM"},
        ],
    }
    contacts = [contact(100 + n) for n in range(contact_count)]
    contacts[0] = contact(100, stage="marketingqualifiedlead", history=history, company="500")
    return {
        "contacts": contacts,
        "companies": [{"id": "500", "properties": {"name": "Acme", "domain": "acme.test", "hs_lastmodifieddate": "2026-01-01T00:00:00Z"}}],
        "deals": [],
        "calls": [],
        "meetings": [],
        "owners": [owner(9001), owner(9002, archived=True)],
        "forms": [],
        "events": [
            {
                "id": "ev-1",
                "objectType": "contact",
                "objectId": "100",
                "eventType": "e_visited_page",
                "occurredAt": "2026-01-02T08:55:00.000Z",
                "properties": {"hs_url": "https://acme.test/pricing", "hs_utm_source": "LinkedIn", "hs_utm_medium": "cpc"},
            }
        ],
    }
