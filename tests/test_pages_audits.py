"""Web pages of audit runs, findings, comparisons and remediation tasks."""
import datetime

import pytest

from audits.models import AuditRun, CheckResult, Finding, RemediationTask, TaskComment
from portals.models import Contact
from tests.conftest import login
from tests.factories import ClientFactory, EngagementFactory, MembershipFactory, PortalFactory


@pytest.fixture
def consultant(client, world):
    return login(client, world.consultant)


def _tenant_run(world):
    return AuditRun.objects.get(client=world.client)


def _finding(run, key, *, severity="medium", category="attribution", check_code="attribution.utm", **fields):
    values = {"title": f"Finding {key}", "summary": f"Summary of {key}."}
    return Finding.objects.create(
        client_id=run.client_id, audit_run=run, check_code=check_code, category=category, key=key, severity=severity,
        **{**values, **fields},
    )


def _second_run(world):
    """A later run of the tenant. Its "zebra" finding is unchanged and "fresh" is new, while "gone" of the first run is resolved."""
    first = _tenant_run(world)
    _finding(first, "gone", severity="low", category="hygiene", check_code="hygiene.zebra")
    second = AuditRun.objects.create(
        client=world.client, engagement=world.engagement, status="succeeded", health_score=80.0, previous_run=first,
    )
    _finding(second, "zebra", severity="high", category="hygiene", check_code="hygiene.zebra", change="unchanged")
    _finding(second, "fresh", change="new")
    return second


@pytest.mark.django_db
def test_client_detail_shows_audit_form_and_runs(consultant, world):
    run = _tenant_run(world)

    body = consultant.get(f"/clients/{world.client.pk}/").content.decode()

    assert f'action="/clients/{world.client.pk}/audits/new/"' in body
    assert "Run audit" in body
    assert f'<option value="{world.engagement.pk}" selected>Zebra audit (Active)</option>' in body
    assert f"/audits/{run.pk}/" in body
    assert "71.5" in body
    assert "Succeeded" in body


@pytest.mark.django_db
def test_run_audit_queues_run_of_all_portals(consultant, world, django_capture_on_commit_callbacks):
    csv_portal = PortalFactory(client=world.client, vendor="csv", account_id="", name="Zebra exports")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = consultant.post(f"/clients/{world.client.pk}/audits/new/", {"engagement": world.engagement.pk})

    run = AuditRun.objects.get(client=world.client, status="queued")
    assert response["Location"] == f"/audits/{run.pk}/"
    assert run.engagement == world.engagement
    assert set(run.portals.all()) == {world.portal, csv_portal}
    assert run.requested_by == world.consultant
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_run_audit_of_chosen_portals(consultant, world, django_capture_on_commit_callbacks):
    PortalFactory(client=world.client, vendor="csv", account_id="", name="Zebra exports")

    with django_capture_on_commit_callbacks(execute=False):
        consultant.post(f"/clients/{world.client.pk}/audits/new/", {"engagement": "", "portals": [world.portal.pk]})

    run = AuditRun.objects.get(client=world.client, status="queued")
    assert list(run.portals.all()) == [world.portal]
    assert run.engagement is None


@pytest.mark.django_db
def test_run_audit_rejects_other_clients_engagement(consultant, world):
    foreign = EngagementFactory(client=world.sibling_client, name="Sibling audit")

    response = consultant.post(f"/clients/{world.client.pk}/audits/new/", {"engagement": foreign.pk})

    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert AuditRun.objects.filter(client=world.client).count() == 1


@pytest.mark.django_db
def test_run_audit_without_portals_shows_error(client, world):
    membership = MembershipFactory(organization=world.organization, user__email="solo@home-consulting.test")
    empty = ClientFactory(organization=world.organization, name="Empty Ltd")
    membership.assigned_clients.set([empty])
    login(client, membership.user)

    response = client.post(f"/clients/{empty.pk}/audits/new/", {})

    assert response.status_code == 200
    assert "has no portals to audit" in response.content.decode()
    assert not AuditRun.objects.filter(client=empty).exists()


@pytest.mark.django_db
def test_run_audit_page_renders(consultant, world):
    response = consultant.get(f"/clients/{world.client.pk}/audits/new/")

    assert response.status_code == 200
    assert "Every portal of the client is audited unless you tick some." in response.content.decode()


@pytest.mark.django_db
def test_audit_run_list_renders(consultant, world):
    run = _tenant_run(world)

    body = consultant.get(f"/clients/{world.client.pk}/audits/").content.decode()

    assert f"/audits/{run.pk}/" in body
    assert "71.5" in body


@pytest.mark.django_db
def test_audit_detail_shows_score_and_findings(consultant, world):
    run = _tenant_run(world)
    CheckResult.objects.create(
        client=world.client, audit_run=run, check_code="attribution.utm", category="attribution", status="passed", score=1.0, weight=3.0,
    )
    _finding(run, "utm-1")
    _finding(run, "utm-2")

    response = consultant.get(f"/audits/{run.pk}/")
    body = response.content.decode()

    assert response.status_code == 200
    assert "Refresh" not in response
    assert "71.5" in body
    assert "<code>hygiene.zebra</code>" in body
    assert "<td>75.0%</td>" in body
    assert "<td>25.0%</td>" in body
    assert "High</span> 1 finding" in body
    assert "Medium</span> 2 findings" in body
    assert "attribution (2)" in body
    assert "hygiene (1)" in body
    assert "first finished audit" in body


@pytest.mark.django_db
def test_running_audit_page_refreshes(consultant, world):
    run = AuditRun.objects.create(client=world.client, status="running", checks_total=8, checks_done=2)

    response = consultant.get(f"/audits/{run.pk}/")
    body = response.content.decode()

    assert response["Refresh"] == "3"
    assert "reloads every 3 seconds" in body
    assert 'value="25.0"' in body
    assert "2 of 8 checks" in body


@pytest.mark.django_db
def test_audit_detail_shows_change_since_previous(consultant, world):
    second = _second_run(world)

    body = consultant.get(f"/audits/{second.pk}/").content.decode()

    assert "1 new" in body
    assert "1 unchanged" in body
    assert "1 resolved" in body
    assert f"/audits/{second.pk}/compare/" in body


@pytest.mark.django_db
def test_compare_lists_each_section(consultant, world):
    second = _second_run(world)
    first = second.previous_run

    new = consultant.get(f"/audits/{second.pk}/compare/").content.decode()
    unchanged = consultant.get(f"/audits/{second.pk}/compare/?show=unchanged").content.decode()
    resolved = consultant.get(f"/audits/{second.pk}/compare/?show=resolved&other={first.pk}").content.decode()

    assert "Finding fresh" in new
    assert "Zebra duplicates" not in new
    assert "Finding zebra" in unchanged
    assert "Finding gone" in resolved
    assert "New (1)" in new


@pytest.mark.django_db
def test_compare_of_first_run_has_empty_state(consultant, world):
    response = consultant.get(f"/audits/{_tenant_run(world).pk}/compare/")

    assert response.status_code == 200
    assert "no earlier finished run to compare with" in response.content.decode()


@pytest.mark.django_db
def test_compare_rejects_other_clients_run(consultant, world):
    second = _second_run(world)
    foreign = AuditRun.objects.create(client=world.other_client, status="succeeded")

    body = consultant.get(f"/audits/{second.pk}/compare/?other={foreign.pk}").content.decode()

    assert "Select a valid choice." in body
    assert "Finding fresh" not in body


@pytest.mark.django_db
def test_finding_detail_links_samples(consultant, world):
    run = _tenant_run(world)
    contact = Contact.objects.get(client=world.client, external_id="zebra-1")
    finding = _finding(
        run, "shares", measured_value=0.125, threshold=0.05, unit="share of contacts", affected_count=25, denominator=200,
        evidence={"field": "original_source", "missing": 25, "sample_ids": ["zebra-1", "not-synced"]},
    )

    body = consultant.get(f"/findings/{finding.pk}/").content.decode()

    assert "Summary of shares." in body
    assert "12.5%" in body
    assert "5.0%" in body
    assert "25 of 200 (12.5%)" in body
    assert "<dd>original_source</dd>" in body
    assert f'<a href="/contacts/{contact.pk}/">zebra-1</a>' in body
    assert '<span title="No synced contact has this id">not-synced</span>' in body
    assert f"/clients/{world.client.pk}/contacts/?external_id=zebra-1%2Cnot-synced" in body


@pytest.mark.django_db
def test_finding_detail_non_contact_samples(consultant, world):
    run = _tenant_run(world)
    finding = _finding(run, "companies", evidence={"sample_ids": ["0015g00000Company1"]})

    body = consultant.get(f"/findings/{finding.pk}/").content.decode()

    assert "None of these ids is a synced contact" in body
    assert "Open them in the contacts list" not in body


@pytest.mark.django_db
def test_finding_detail_renders_evidence_tables(consultant, world):
    run = _tenant_run(world)
    finding = _finding(run, "groups", evidence={"groups": [{"value": "linkedin", "contacts": 4}], "by_domain": {"gmail.com": 3}})

    body = consultant.get(f"/findings/{finding.pk}/").content.decode()

    assert "<td>linkedin</td><td>4</td>" in body
    assert "<td>gmail.com</td><td>3</td>" in body
    assert "This finding has no sample records." in body


@pytest.mark.django_db
def test_task_list_filters_by_status_and_priority(consultant, world):
    RemediationTask.objects.create(client=world.client, title="Fix UTM links", priority="p1", status="in_progress")

    all_tasks = consultant.get(f"/clients/{world.client.pk}/tasks/").content.decode()
    in_progress = consultant.get(f"/clients/{world.client.pk}/tasks/?status=in_progress").content.decode()
    p3 = consultant.get(f"/clients/{world.client.pk}/tasks/?priority=p3").content.decode()

    assert "Merge Zebra duplicates" in all_tasks
    assert "Fix UTM links" in all_tasks
    assert "Fix UTM links" in in_progress
    assert "Merge Zebra duplicates" not in in_progress
    assert "No task matches these filters." in p3


@pytest.mark.django_db
def test_task_list_empty_state(consultant, world):
    RemediationTask.objects.filter(client=world.client).delete()

    body = consultant.get(f"/clients/{world.client.pk}/tasks/").content.decode()

    assert "No remediation tasks yet." in body


@pytest.mark.django_db
def test_task_detail_renders_form_and_comments(consultant, world):
    task = RemediationTask.objects.get(client=world.client)

    body = consultant.get(f"/tasks/{task.pk}/").content.decode()

    assert "Merge the zebra clusters." in body
    assert "Zebra comment" in body
    assert 'name="owner"' in body
    assert world.consultant.get_full_name() in body


@pytest.mark.django_db
def test_task_edit_saves_fields(consultant, world):
    task = RemediationTask.objects.get(client=world.client)
    data = {"status": "in_progress", "priority": "p1", "owner": world.consultant.pk, "due_date": "2026-06-30"}

    response = consultant.post(f"/tasks/{task.pk}/", data)

    task.refresh_from_db()
    assert response["Location"] == f"/tasks/{task.pk}/"
    assert task.status == "in_progress"
    assert task.priority == "p1"
    assert task.owner == world.consultant
    assert task.due_date == datetime.date(2026, 6, 30)
    assert task.visible_to_client is False


@pytest.mark.django_db
def test_task_edit_rejects_foreign_owner(consultant, world):
    task = RemediationTask.objects.get(client=world.client)
    outsider = world.attackers["other_org_consultant"]

    response = consultant.post(f"/tasks/{task.pk}/", {"status": "open", "priority": "p2", "owner": outsider.pk})

    task.refresh_from_db()
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert task.owner is None


@pytest.mark.django_db
def test_task_edit_rejects_invalid_date(consultant, world):
    task = RemediationTask.objects.get(client=world.client)

    response = consultant.post(f"/tasks/{task.pk}/", {"status": "open", "priority": "p2", "due_date": "soon"})

    assert "Enter a valid date." in response.content.decode()


@pytest.mark.django_db
def test_comment_is_added(consultant, world):
    task = RemediationTask.objects.get(client=world.client)

    response = consultant.post(f"/tasks/{task.pk}/comments/", {"body": "Merged 12 clusters."})

    comment = TaskComment.objects.filter(task=task).last()
    assert response["Location"] == f"/tasks/{task.pk}/#comments"
    assert comment.body == "Merged 12 clusters."
    assert comment.author == world.consultant
    assert comment.client_id == world.client.pk


@pytest.mark.django_db
def test_blank_comment_shows_error(consultant, world):
    task = RemediationTask.objects.get(client=world.client)

    response = consultant.post(f"/tasks/{task.pk}/comments/", {"body": "   "})

    assert response.status_code == 200
    assert "Write a comment before you post it." in response.content.decode()
    assert TaskComment.objects.filter(task=task).count() == 1


@pytest.mark.django_db
def test_client_user_cannot_open_task_pages(client, world):
    login(client, world.client_user)
    task = RemediationTask.objects.get(client=world.client)

    assert client.get(f"/clients/{world.client.pk}/tasks/").status_code == 403
    assert client.get(f"/tasks/{task.pk}/").status_code == 403


def _detail_paths(world):
    run = _tenant_run(world)
    finding = Finding.objects.get(audit_run=run)
    task = RemediationTask.objects.get(client=world.client)
    return [
        f"/audits/{run.pk}/",
        f"/audits/{run.pk}/compare/",
        f"/findings/{finding.pk}/",
        f"/tasks/{task.pk}/",
        f"/clients/{world.client.pk}/tasks/",
        f"/clients/{world.client.pk}/audits/",
        f"/clients/{world.client.pk}/audits/new/",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("attacker_name", ["other_org_consultant", "unassigned_consultant"])
def test_other_tenant_gets_404_on_audit_pages(client, world, attacker_name):
    login(client, world.attackers[attacker_name])

    for path in _detail_paths(world):
        assert client.get(path).status_code == 404, path


@pytest.mark.django_db
@pytest.mark.parametrize("attacker_name", ["other_org_consultant", "unassigned_consultant"])
def test_other_tenant_cannot_post_audit_actions(client, world, attacker_name):
    login(client, world.attackers[attacker_name])
    task = RemediationTask.objects.get(client=world.client)

    audit = client.post(f"/clients/{world.client.pk}/audits/new/", {"engagement": world.engagement.pk})
    edit = client.post(f"/tasks/{task.pk}/", {"status": "done", "priority": "p1"})
    comment = client.post(f"/tasks/{task.pk}/comments/", {"body": "hello"})

    task.refresh_from_db()
    assert audit.status_code == 404
    assert edit.status_code == 404
    assert comment.status_code == 404
    assert AuditRun.objects.filter(client=world.client).count() == 1
    assert task.status == "open"
    assert TaskComment.objects.filter(task=task).count() == 1
