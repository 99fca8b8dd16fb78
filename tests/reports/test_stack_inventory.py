"""The stack inventory report kind: its snapshot of a hand-built inventory, rendering, publishing and source checks."""
import pytest
from pypdf import PdfReader

from audits.models import InventoryRun, RemediationTask
from reports import services
from reports.kinds import SOURCES, ReportSourceError, get_kind

pytestmark = pytest.mark.django_db


def pdf_text(version):
    with version.pdf.open("rb") as handle:
        return "\n".join(page.extract_text() for page in PdfReader(handle).pages)


def build(report):
    return get_kind("stack_inventory").build(report=report)


def names(data, status):
    group = next(group for group in data["groups"] if group["status"] == status)
    return [tool["name"] for tool in group["tools"]]


def publish_previous(world, inventories):
    earlier = services.report_create(client=world.client, kind="stack_inventory", inventory_run=inventories.previous)
    services.report_render(report_id=earlier.pk)
    return services.report_publish(report=earlier, published_by=world.consultant)


def test_kind_declares_inventory_source():
    kind = get_kind("stack_inventory")

    assert kind.source == "inventory_run"
    assert kind.report_source is SOURCES["inventory_run"]
    assert get_kind("portal_audit").report_source is SOURCES["audit_run"]


def test_default_title_names_client_and_month(inventory_report, inventories):
    assert inventory_report.title == f"Stack inventory of Zebra Corp, {inventories.current.finished_at:%B %Y}"
    assert inventory_report.inventory_run == inventories.current
    assert inventory_report.audit_run is None


def test_build_headline_and_counts(inventory_report):
    data = build(inventory_report)

    assert data["headline"] == "5 tools, 1 integrated, 1 partially integrated, 2 islands, 1 unknown"
    assert [(row["status"], row["count"]) for row in data["counts"]] == [
        ("integrated", 1), ("partially_integrated", 1), ("island", 2), ("unknown", 1),
    ]
    assert data["inventory_run"]["crm"] == "HubSpot"


def test_build_groups_tools_by_status(inventory_report):
    data = build(inventory_report)

    assert [group["heading"] for group in data["groups"]] == ["Integrated tools", "Partially integrated tools", "Islands", "Unknown tools"]
    assert names(data, "integrated") == ["Marketo Engage"]
    assert names(data, "partially_integrated") == ["Calendly"]
    assert names(data, "island") == ["Drift", "Intercom"]
    assert names(data, "unknown") == ["Google Analytics 4"]


def test_build_tool_has_category_and_evidence(inventory_report):
    data = build(inventory_report)
    islands = next(group for group in data["groups"] if group["status"] == "island")
    drift = islands["tools"][0]

    assert drift["category"] == "chat"
    assert drift["category_label"] == "Chat"
    assert drift["reason"] == "Zebra Drift is island."
    assert [(item["label"], item["text"], item["records"], item["source"]) for item in drift["evidence"]] == [
        ("website script", "https://js.driftt.com/include/zebra.js", None, "https://zebra-corp.test/"),
        ("referrer", "app.drift.com", 14, ""),
    ]
    assert drift["more_evidence"] == 0


def test_build_marks_weak_evidence(inventory_report):
    data = build(inventory_report)
    unknown = next(group for group in data["groups"] if group["status"] == "unknown")["tools"][0]

    assert unknown["evidence"][0]["weak"] is True
    assert unknown["evidence"][0]["records"] == 3


def test_build_keeps_stored_stack_picture(inventory_report, inventories):
    kind = get_kind("stack_inventory")
    data = kind.build(report=inventory_report)

    assert data["stack_svg"] == inventories.current.stack_svg
    assert kind.context(data)["stack_svg"] == inventories.current.stack_svg
    assert 'id="tool-drift"' in data["stack_svg"]


def test_context_drops_unsafe_picture(inventory_report):
    kind = get_kind("stack_inventory")
    data = kind.build(report=inventory_report)
    data["stack_svg"] = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'

    assert kind.context(data)["stack_svg"] == ""


def test_build_lists_overlaps_and_gaps(inventory_report):
    data = build(inventory_report)

    assert [(item["category_label"], item["tools"]) for item in data["overlaps"]] == [("Chat", ["Drift", "Intercom"])]
    assert [gap["key"] for gap in data["missing_categories"]] == ["call_tracking", "self_reported_attribution", "events"]


def test_build_lists_island_and_gap_tasks(inventory_report, world):
    world.consultant.full_name = "Casey Zebra"
    world.consultant.save(update_fields=["full_name"])

    data = build(inventory_report)

    assert [(task["title"], task["subject"], task["priority"], task["effort"], task["owner"], task["status"]) for task in data["remediation"]] == [
        ("Connect Intercom to the CRM", "Intercom", "p1", "4-8 hours", "Casey Zebra", "in_progress"),
        ("Add Call tracking", "Call tracking", "p2", "1-3 days", "", "open"),
        ("Add Self-reported attribution", "Self-reported attribution", "p2", "1-3 days", "", "open"),
        ("Connect Drift to the CRM", "Drift", "p2", "4-8 hours", "", "open"),
        ("Add Offline event capture", "Offline event capture", "p3", "1-3 days", "", "open"),
    ]
    assert data["remediation"][3]["steps"] == ["Install the native HubSpot integration of Drift."]


def test_first_report_has_no_comparison(inventory_report):
    assert build(inventory_report)["comparison"] is None


def test_comparison_with_previous_report(world, inventories, inventory_report):
    earlier = publish_previous(world, inventories)

    comparison = build(inventory_report)["comparison"]

    assert comparison["report_title"] == earlier.title
    assert comparison["inventory_run_id"] == inventories.previous.pk
    assert comparison["previous_headline"] == "4 tools, 1 integrated, 2 islands, 1 unknown"
    assert [tool["name"] for tool in comparison["added"]] == ["Calendly", "Google Analytics 4"]
    assert [(tool["name"], tool["before"], tool["after"]) for tool in comparison["moved"]] == [
        ("Marketo Engage", "island", "integrated"), ("Intercom", "unknown", "island"),
    ]
    assert [(tool["name"], tool["before"]) for tool in comparison["removed"]] == [("Hotjar", "integrated")]
    assert comparison["unchanged"] == 1


def test_comparison_summary_lines(world, inventories, inventory_report):
    publish_previous(world, inventories)

    comparison = build(inventory_report)["comparison"]

    assert comparison["summary"] == [
        "1 tool added (partially integrated)",
        "1 tool added (unknown)",
        "1 tool moved from island to integrated",
        "1 tool moved from unknown to island",
        "1 tool no longer found (was integrated)",
    ]


def test_draft_previous_report_is_not_compared(world, inventories, inventory_report):
    services.report_create(client=world.client, kind="stack_inventory", inventory_run=inventories.previous)

    assert build(inventory_report)["comparison"] is None


def test_audit_report_is_not_compared(world, inventories, inventory_report, published):
    assert build(inventory_report)["comparison"] is None


def test_summary_sentences(world, inventories, inventory_report):
    publish_previous(world, inventories)

    summary = build(inventory_report)["summary"]

    assert summary == [
        "The inventory found 5 marketing and sales tools around HubSpot: 1 integrated, 1 partially integrated, 2 islands and 1 unknown.",
        "Islands, in use with no CRM link: Drift, Intercom.",
        "1 category with overlapping tools: Chat.",
        "Missing capabilities: Call tracking, Self-reported attribution, Offline event capture.",
        "Since the previous report: 1 tool added (partially integrated); 1 tool added (unknown); "
        "1 tool moved from island to integrated; 1 tool moved from unknown to island; 1 tool no longer found (was integrated).",
        "The remediation plan has 5 tasks.",
    ]


def test_build_needs_finished_run(inventory_report, inventories):
    InventoryRun.objects.filter(pk=inventories.current.pk).update(status=InventoryRun.Status.RUNNING)
    inventory_report.inventory_run.refresh_from_db()

    with pytest.raises(ReportSourceError, match="only a finished stack inventory"):
        build(inventory_report)


def test_build_needs_a_run(inventory_report):
    inventory_report.inventory_run = None

    with pytest.raises(ReportSourceError, match="no stack inventory of its client"):
        build(inventory_report)


def test_render_html_has_sections(inventory_report, world):
    version = services.report_render(report_id=inventory_report.pk, rendered_by=world.consultant)

    for section in ('id="summary"', 'id="headline"', 'id="stack-picture"', 'id="tools-integrated"', 'id="tools-partially_integrated"',
                    'id="tools-island"', 'id="tools-unknown"', 'id="overlaps"', 'id="missing-categories"', 'id="remediation"',
                    'id="comparison"'):
        assert section in version.html
    assert 'id="tool-drift"' in version.html
    assert version.data["headline"] == "5 tools, 1 integrated, 1 partially integrated, 2 islands, 1 unknown"


def test_render_pdf_has_sections(inventory_report, world, inventories):
    publish_previous(world, inventories)
    version = services.report_render(report_id=inventory_report.pk, rendered_by=world.consultant)

    # Table cells wrap, so words are compared with single spaces between them.
    text = " ".join(pdf_text(version).split())

    for heading in ("Executive summary", "The stack at a glance", "Stack picture", "Integrated tools (1)", "Partially integrated tools (1)",
                    "Islands (2)", "Unknown tools (1)", "Overlapping tools", "Missing capabilities", "Remediation plan",
                    "Compared with the previous report", "Tools that changed status", "Tools added", "Tools no longer found"):
        assert heading in text, heading
    for content in ("5 tools, 1 integrated, 1 partially integrated, 2 islands, 1 unknown", "Marketo Engage", "app.drift.com",
                    "Connect Intercom to the CRM", "Hotjar (was integrated)", "Drift, Intercom"):
        assert content in text, content


def test_publish_shows_island_and_gap_tasks(inventory_report, world):
    services.report_render(report_id=inventory_report.pk)

    services.report_publish(report=inventory_report, published_by=world.consultant)

    visible = set(RemediationTask.objects.filter(client=world.client, visible_to_client=True).values_list("finding_key", flat=True))
    assert {"drift", "intercom", "call_tracking", "events", "self_reported_attribution"} <= visible
    assert "olark" not in visible


def test_publish_without_tasks_keeps_them_internal(inventory_report, world):
    services.report_render(report_id=inventory_report.pk)

    services.report_publish(report=inventory_report, published_by=world.consultant, publish_tasks=False)

    assert not RemediationTask.objects.filter(client=world.client, check_code__startswith="inventory.", visible_to_client=True).exists()


def test_create_rejects_other_clients_inventory(world, inventories):
    with pytest.raises(services.ReportInputError, match=f"Stack inventory {inventories.current.pk} belongs to another client, not Sibling Ltd") as raised:
        services.report_create(client=world.sibling_client, kind="stack_inventory", inventory_run=inventories.current)

    assert raised.value.field == "inventory_run"


def test_create_rejects_unfinished_inventory(world):
    running = InventoryRun.objects.create(client=world.client, status=InventoryRun.Status.RUNNING)

    with pytest.raises(services.ReportInputError, match=f"Stack inventory {running.pk} has status running"):
        services.report_create(client=world.client, kind="stack_inventory", inventory_run=running)


def test_create_needs_inventory(world):
    with pytest.raises(services.ReportInputError, match="built from a finished stack inventory"):
        services.report_create(client=world.client, kind="stack_inventory")


def test_create_rejects_audit_run_for_inventory_kind(world, history, inventories):
    with pytest.raises(services.ReportInputError, match="audit_run must be empty") as raised:
        services.report_create(client=world.client, kind="stack_inventory", audit_run=history.current, inventory_run=inventories.current)

    assert raised.value.field == "audit_run"


def test_create_rejects_inventory_for_audit_kind(world, history, inventories):
    with pytest.raises(services.ReportInputError, match="inventory_run must be empty") as raised:
        services.report_create(client=world.client, kind="portal_audit", audit_run=history.current, inventory_run=inventories.current)

    assert raised.value.field == "inventory_run"
