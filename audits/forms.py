"""Forms of the audit and remediation task pages."""
from django import forms
from django.contrib.auth import get_user_model

from portals.models import Engagement, Portal

from .models import AuditRun, RemediationTask, TaskComment


class AuditRunForm(forms.Form):
    """Start an audit of a client: the engagement supplies the thresholds, and all portals are audited by default."""

    engagement = forms.ModelChoiceField(
        queryset=Engagement.objects.none(),
        required=False,
        empty_label="No engagement (default thresholds)",
        help_text="The audit uses the engagement's threshold overrides.",
    )
    portals = forms.ModelMultipleChoiceField(
        queryset=Portal.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Every portal of the client is audited unless you tick some.",
    )

    def __init__(self, *args, client, user, **kwargs):
        super().__init__(*args, **kwargs)
        engagements = Engagement.objects.visible_to(user).filter(client=client)
        self.fields["engagement"].queryset = engagements
        self.fields["engagement"].label_from_instance = lambda engagement: f"{engagement.name} ({engagement.get_status_display()})"
        self.fields["portals"].queryset = Portal.objects.visible_to(user).filter(client=client)
        self.fields["portals"].label_from_instance = lambda portal: f"{portal}{' - ' + portal.name if portal.name else ''}"

        active = engagements.filter(status=Engagement.Status.ACTIVE).first()
        if active is not None:
            self.fields["engagement"].initial = active.pk


class AuditCompareForm(forms.Form):
    """The earlier run to compare with and the list of findings to show."""

    SECTIONS = [("new", "New"), ("unchanged", "Unchanged"), ("resolved", "Resolved")]

    other = forms.ModelChoiceField(queryset=AuditRun.objects.none(), required=False, empty_label="The previous run", label="Compare with")
    show = forms.ChoiceField(choices=SECTIONS, required=False)

    def __init__(self, *args, run, user, **kwargs):
        super().__init__(*args, **kwargs)
        earlier = AuditRun.objects.visible_to(user).filter(client_id=run.client_id, created_at__lt=run.created_at)
        self.fields["other"].queryset = earlier.filter(status=AuditRun.Status.SUCCEEDED)
        self.fields["other"].label_from_instance = lambda other: f"Run {other.pk} of {other.created_at:%Y-%m-%d %H:%M}"


class TaskFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "Any status"), *RemediationTask.Status.choices], required=False)
    priority = forms.ChoiceField(choices=[("", "Any priority"), *RemediationTask.Priority.choices], required=False)


class TaskForm(forms.ModelForm):
    """The fields a consultant changes on a remediation task. Owners are members of the client's organization."""

    class Meta:
        model = RemediationTask
        fields = ["status", "priority", "owner", "due_date", "visible_to_client"]
        labels = {"visible_to_client": "Visible to the client's users"}
        widgets = {"due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, client, **kwargs):
        super().__init__(*args, **kwargs)
        members = get_user_model().objects.filter(
            memberships__organization_id=client.organization_id, is_active=True
        ).distinct()
        self.fields["owner"].queryset = members.order_by("full_name", "email")
        self.fields["owner"].label_from_instance = lambda user: user.get_full_name()
        self.fields["owner"].empty_label = "Nobody"


class TaskCommentForm(forms.ModelForm):
    body = forms.CharField(
        label="Comment",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write a comment before you post it."},
    )

    class Meta:
        model = TaskComment
        fields = ["body"]
