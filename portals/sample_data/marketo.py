"""Marketo REST shapes: leads, activities, activity types and programs, written beside the HubSpot pass."""
import time

from .core import AS_OF, DAY, JsonlWriter, iso_seconds_z, write_json
from .exports import month_starts
from .faults import UTM_CODES
from .people import company_facts
from .profiles import STAGE_LABELS
from .salesforce_records import lead_source
from .touches import quarter_campaign

LEAD_ID_BASE = 1001
PROGRAM_ID_BASE = 2001
ACTIVITY_TYPES = (
    (1, "Visit Webpage", "Webpage ID", ("Webpage URL", "Query Parameters", "Referrer URL")),
    (2, "Fill Out Form", "Webform ID", ("Webpage ID", "Query Parameters", "Referrer URL")),
    (10, "Open Email", "Mailing ID", ("Campaign Run ID",)),
    (11, "Click Email", "Mailing ID", ("Link",)),
    (12, "New Lead", "Lead ID", ("Source Type", "Form Name", "List Name")),
    (13, "Change Data Value", "Attribute Name", ("New Value", "Old Value", "Reason")),
)
_SOURCE_TYPES = {"IMPORT": "List import", "API": "Web service API", "CRM_UI": "New lead", "INTEGRATION": "Web service API"}
_PROGRAM_KINDS = (("newsletter", "Email", "Email Send"), ("webinar", "Event", "Webinar"), ("summit-forum", "Event", "Tradeshow"))


def lead_id(index):
    return LEAD_ID_BASE + index


def activity_types():
    result = []
    for type_id, name, primary, names in ACTIVITY_TYPES:
        result.append({"id": type_id, "name": name, "description": name,
                       "primaryAttribute": {"name": primary, "dataType": "integer"},
                       "attributes": [{"name": attribute, "dataType": "string"} for attribute in names]})
    return result


def program_catalog(profile):
    """Return {program name: (id, type, channel, start)} per quarter, one per campaign topic and program kind."""
    catalog = {}
    number = PROGRAM_ID_BASE
    for start, _ in month_starts():
        if time.gmtime(start).tm_mon % 3 != 1:
            continue
        kinds = [(topic, "Default", "Online Advertising") for topic in profile.topics] + list(_PROGRAM_KINDS)
        for topic, program_type, channel in kinds:
            catalog[quarter_campaign(start, topic)] = (number, program_type, channel, start)
            number += 1
    return catalog


def programs(catalog):
    for name, (program_id, program_type, channel, start) in catalog.items():
        yield {
            "id": program_id, "name": name, "description": "", "createdAt": iso_seconds_z(start - 14 * DAY),
            "updatedAt": iso_seconds_z(min(AS_OF, start + 90 * DAY)), "url": "https://app-sj01.marketo.com/#PG%dA1" % program_id,
            "type": program_type, "channel": channel, "folder": {"type": "Folder", "value": 30, "folderName": "Marketing Activities"},
            "status": "unlocked" if program_type == "Event" else "", "workspace": "Default", "tags": [], "costs": None,
        }


class MarketoWriter:
    """Write Marketo leads and activities for each person the HubSpot pass hands over."""

    def __init__(self, pop, client_dir, planted):
        self.pop = pop
        self.client_dir = client_dir
        self.planted = planted
        self.leads = JsonlWriter(client_dir / "marketo/leads.jsonl")
        self.activities = JsonlWriter(client_dir / "marketo/activities.jsonl")
        self.catalog = program_catalog(pop.profile)

    def __call__(self, person, touches):
        self.leads.write(self._lead(person, touches))
        self._activity(person, person.created, 12, lead_id(person.index), "New Lead",
                       {"Source Type": self._source_type(person), "Form Name": "", "List Name": person.dd2 if person.dd1 == "IMPORT" else ""})
        for touch in touches:
            self._touch(person, touch)
        for previous, item in zip(person.stage_history, person.stage_history[1:]):
            self._activity(person, item[1], 13, 0, "Lead Status",
                           {"New Value": STAGE_LABELS[item[0]], "Old Value": STAGE_LABELS[previous[0]], "Reason": "Lifecycle sync"})
        if person.code in ("source_missing",) or person.duplicate_of is not None or person.code in UTM_CODES:
            record_id = "marketo:%d" % lead_id(person.index)
            self.planted.add("marketo:" + person.code, record_id)
            if person.duplicate_of is not None:
                self.planted.pairs.setdefault("marketo:" + person.code, []).append(["marketo:%d" % lead_id(person.duplicate_of), record_id])

    def _source_type(self, person):
        if person.channel.online:
            return "Web form fillout" if person.form is not None else "Web page visit"
        return _SOURCE_TYPES.get(person.channel.offline_dd1, "New lead")

    def _lead(self, person, touches):
        facts = company_facts(self.pop, person.company)
        touch = person.touch or {}
        first = touches[0] if touches else None
        original = person.source_history[0] if person.source_history else None
        program = self.catalog.get(touch.get("campaign", ""))
        return {
            "id": lead_id(person.index), "email": person.email, "firstName": person.first.capitalize(),
            "lastName": person.last.capitalize(), "company": facts["name"], "title": person.title, "phone": person.phone or None,
            "leadSource": lead_source(original[0], person.channel.offline_dd1) if original else None,
            "leadStatus": STAGE_LABELS[person.stage_history[-1][0]],
            "originalSourceType": self._source_type(person),
            "originalSourceInfo": first.url if first is not None and first.url else (person.dd2 or None),
            "originalReferrer": touch.get("referrer") or None, "acquisitionProgramId": program[0] if program else None,
            "utmSource": touch.get("source") or None, "utmMedium": touch.get("medium") or None,
            "utmCampaign": touch.get("campaign") or None, "createdAt": iso_seconds_z(person.created),
            "updatedAt": iso_seconds_z(person.updated),
        }

    def _touch(self, person, touch):
        query = "&".join("%s=%s" % (key, value) for key, value in (
            ("utm_source", touch.source), ("utm_medium", touch.medium), ("utm_campaign", touch.campaign), ("utm_term", touch.term)) if value)
        if touch.kind in ("visit", "ad_click"):
            activity_id = self._activity(person, touch.at, 1, 10000 + len(touch.url), touch.url.split("/", 3)[-1] or "/",
                                         {"Webpage URL": touch.url, "Query Parameters": query, "Referrer URL": touch.referrer})
            if touch.first and person.code in UTM_CODES + ("channel_without_spend",):
                self.planted.events.setdefault("marketo:" + person.code, []).append("marketo:activity:%d" % activity_id)
        elif touch.kind == "form":
            self._activity(person, touch.at, 2, 3000 + touch.form, self.pop.profile.forms[touch.form][0],
                           {"Webpage ID": 10001, "Query Parameters": "", "Referrer URL": ""})
        elif touch.kind == "email_open":
            self._activity(person, touch.at, 10, 5001, touch.campaign, {"Campaign Run ID": 1})
        elif touch.kind == "email_click":
            self._activity(person, touch.at, 11, 5001, touch.campaign, {"Link": "%s?%s" % (touch.url, query)})

    def _activity(self, person, at, type_id, primary_id, primary_value, attributes):
        activity_id = self.activities.count + 1
        self.activities.write({
            "id": activity_id, "marketoGUID": "%08x-0000-4000-8000-%012x" % (activity_id, person.index),
            "leadId": lead_id(person.index), "activityDate": iso_seconds_z(at), "activityTypeId": type_id,
            "primaryAttributeValueId": primary_id, "primaryAttributeValue": primary_value,
            "attributes": [{"name": name, "value": value} for name, value in attributes.items()],
        })
        return activity_id

    def close(self):
        self.leads.close()
        self.activities.close()
        write_json(self.client_dir / "marketo/activity_types.json", activity_types())
        writer = JsonlWriter(self.client_dir / "marketo/programs.jsonl")
        for program in programs(self.catalog):
            writer.write(program)
        writer.close()
        return ["marketo/leads.jsonl", "marketo/activities.jsonl", "marketo/activity_types.json", "marketo/programs.jsonl"]
