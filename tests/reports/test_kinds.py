import pytest

from reports import kinds, services
from reports.kinds import ReportKind, ReportSourceError, UnknownReportKind, get_kind, register


def test_portal_audit_is_registered():
    assert "portal_audit" in kinds.all_kinds()


def test_unknown_kind_raises():
    with pytest.raises(UnknownReportKind):
        get_kind("no_such_kind")


def test_register_rejects_duplicate_code():
    class Duplicate(ReportKind):
        code = "portal_audit"
        template_name = "reports/kinds/portal_audit.html"

    with pytest.raises(ValueError, match="registered twice"):
        register(Duplicate)


def test_register_rejects_missing_template():
    class Incomplete(ReportKind):
        code = "incomplete"

    with pytest.raises(ValueError, match="template_name"):
        register(Incomplete)


def key_number(data, label):
    return next(number for number in data["key_numbers"] if number["label"] == label)


@pytest.mark.django_db
def test_build_reads_key_numbers(report):
    data = get_kind("portal_audit").build(report=report)

    assert key_number(data, "Duplicate rate")["value"] == "12.0%"
    assert key_number(data, "Speed to lead, median")["value"] == "12 min"
    assert key_number(data, "Speed to lead, 90th percentile")["value"] == "41.5 min"
    assert key_number(data, "MQLs contacted after the target")["value"] == "15.0%"
    assert key_number(data, "Attribution coverage")["value"] == "95.0%"


@pytest.mark.django_db
def test_build_marks_skipped_check_not_measured(report):
    data = get_kind("portal_audit").build(report=report)

    assert data["cost_per_mql"]["measured"] is False
    assert data["cost_per_mql"]["reason"] == "No campaign has spend and no contact became an MQL."


@pytest.mark.django_db
def test_build_marks_missing_check_not_measured(report, history):
    history.current.check_results.filter(check_code="hygiene.duplicate_contacts").delete()

    data = get_kind("portal_audit").build(report=report)

    assert key_number(data, "Duplicate rate") == {
        "label": "Duplicate rate", "measured": False, "reason": "The check did not run in this audit.",
    }


@pytest.mark.django_db
def test_build_hides_check_error_text(report, history):
    history.current.check_results.filter(check_code="lead_handling.speed_to_lead").update(
        status="error", message="ZeroDivisionError: division by zero", metrics={}
    )

    data = get_kind("portal_audit").build(report=report)

    assert key_number(data, "Speed to lead, median")["reason"] == "The check failed to run in this audit."


@pytest.mark.django_db
def test_build_reads_cost_per_mql_rows(report, history):
    by_channel = [{"channel": "Paid Search", "currency": "USD", "spend": 1200.0, "mqls": 8, "cost_per_mql": 150.0}]
    history.current.check_results.filter(check_code="measurement.cost_per_mql").update(
        status="passed", score=1.0, metrics={"mqls": 8, "by_channel": by_channel}
    )

    data = get_kind("portal_audit").build(report=report)

    assert data["cost_per_mql"]["measured"] is True
    assert data["cost_per_mql"]["rows"][0]["cost_per_mql"] == "150.00"


@pytest.mark.django_db
def test_build_trend_is_oldest_first(report):
    data = get_kind("portal_audit").build(report=report)

    assert [point["score"] for point in data["trend"]] == [58.0, 71.5]


@pytest.mark.django_db
def test_build_orders_findings_by_severity(report):
    data = get_kind("portal_audit").build(report=report)

    assert [finding["severity"] for finding in data["findings"]] == ["high", "medium"]
    assert data["findings"][1]["tables"][0]["rows"] == [["6", "IMPORT"]]


@pytest.mark.django_db
def test_build_lists_remediation_plan(report):
    data = get_kind("portal_audit").build(report=report)

    assert [task["priority"] for task in data["remediation"]] == ["p1", "p2"]
    assert data["remediation"][0]["effort"] == "2-4 hours"


@pytest.mark.django_db
def test_build_weights_sum_to_hundred(report):
    data = get_kind("portal_audit").build(report=report)

    shares = [row["share"] for row in data["weights"]["rows"] if row["share"] is not None]
    assert sum(shares) == pytest.approx(100.0, abs=0.2)


@pytest.mark.django_db
def test_first_report_has_no_comparison(report):
    data = get_kind("portal_audit").build(report=report)

    assert data["comparison"] is None


@pytest.mark.django_db
def test_comparison_with_previous_report(world, history, report):
    earlier = services.report_create(client=world.client, kind="portal_audit", audit_run=history.previous, created_by=world.consultant)
    services.report_render(report_id=earlier.pk)
    services.report_publish(report=earlier, published_by=world.consultant)

    comparison = get_kind("portal_audit").build(report=report)["comparison"]

    assert comparison["score_change"] == 13.5
    assert [finding["title"] for finding in comparison["fixed"]] == ["Zebra MQLs waited too long for sales"]
    assert [finding["title"] for finding in comparison["new"]] == ["Zebra contacts without an original source"]
    assert comparison["unchanged"] == 1


@pytest.mark.django_db
def test_draft_previous_report_is_not_compared(world, history, report):
    services.report_create(client=world.client, kind="portal_audit", audit_run=history.previous, created_by=world.consultant)

    assert get_kind("portal_audit").build(report=report)["comparison"] is None


@pytest.mark.django_db
def test_build_needs_finished_run(report, history):
    history.current.__class__.objects.filter(pk=history.current.pk).update(status="running")
    report.audit_run.refresh_from_db()

    with pytest.raises(ReportSourceError):
        get_kind("portal_audit").build(report=report)
