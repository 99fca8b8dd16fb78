"""HubSpot web events (/events/v3/events shape) and call and meeting engagements."""
from .core import MINUTE, iso_z
from .hubspot_crm import contact_id, form_id, owner_id

_EVENT_TYPES = {
    "visit": "e_visited_page", "form": "e_submitted_form", "email_open": "e_opened_email",
    "email_click": "e_clicked_email", "ad_click": "e_clicked_ad",
}
CALL_ID_BASE = 20000001
MEETING_ID_BASE = 30000001


def event(event_id, person, touch):
    properties = {}
    if touch.url:
        properties["hs_url"] = touch.url
    if touch.referrer:
        properties["hs_referrer"] = touch.referrer
    for key, value in (("hs_utm_source", touch.source), ("hs_utm_medium", touch.medium), ("hs_utm_campaign", touch.campaign),
                       ("hs_utm_term", touch.term), ("hs_gclid", touch.gclid)):
        if value and (touch.kind != "email_open" or key == "hs_utm_campaign"):
            properties[key] = value
    if touch.kind == "email_open":
        properties = {"hs_email_campaign_name": touch.campaign}
    if touch.form is not None:
        properties["hs_form_id"] = form_id(touch.form)
    return {
        "id": str(event_id), "objectType": "contact", "objectId": contact_id(person.index),
        "eventType": _EVENT_TYPES[touch.kind], "occurredAt": iso_z(touch.at), "properties": properties,
    }


def engagement(engagement_number, person, at, kind):
    """Return a call or meeting engagement owned by the person's owner and associated with the contact."""
    owner = owner_id(person.owner)
    association = {"contacts": {"results": [{"id": contact_id(person.index), "type": "%s_to_contact" % kind}]}}
    if kind == "call":
        engagement_id = str(CALL_ID_BASE + engagement_number)
        properties = {
            "hs_object_id": engagement_id, "hs_timestamp": iso_z(at), "hubspot_owner_id": owner,
            "hs_call_direction": "OUTBOUND", "hs_call_status": "COMPLETED", "hs_call_title": "Follow-up call",
            "hs_call_duration": str((engagement_number % 17 + 2) * 60000), "hs_createdate": iso_z(at),
        }
    else:
        engagement_id = str(MEETING_ID_BASE + engagement_number)
        properties = {
            "hs_object_id": engagement_id, "hs_timestamp": iso_z(at), "hubspot_owner_id": owner,
            "hs_meeting_title": "Discovery meeting", "hs_meeting_start_time": iso_z(at),
            "hs_meeting_end_time": iso_z(at + 30 * MINUTE), "hs_meeting_outcome": "COMPLETED",
            "hs_meeting_source": "CRM_UI", "hs_createdate": iso_z(at),
        }
    return {"id": engagement_id, "properties": properties, "createdAt": iso_z(at), "updatedAt": iso_z(at),
            "archived": False, "associations": association}
