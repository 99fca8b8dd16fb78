"""Forms of the report pages, the share link page, the client user's home page and the brand settings page."""
from django import forms

from audits.models import AuditRun, RemediationTask

from .kinds import all_kinds, kind_choices
from .models import BrandSettings, Report
from .selectors import MAX_LOGO_BYTES, logo_mime_type
from .services import CLIENT_TASK_STATUSES, SHARE_LINK_DEFAULT_DAYS, SHARE_LINK_MAX_DAYS, SHARE_LINK_MIN_PASSWORD


class ReportCreateForm(forms.Form):
    kind = forms.ChoiceField(choices=(), label="Report kind")
    audit_run = forms.ModelChoiceField(
        queryset=AuditRun.objects.none(), required=False, empty_label="No audit run",
        help_text="The finished audit the report is built from.",
    )
    title = forms.CharField(max_length=300, required=False, help_text="Leave empty for a title from the kind, client and date.")
    summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, label="Executive summary",
        help_text="Your own words for the client, shown above the computed summary.",
    )

    def __init__(self, *args, client, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kind_choices()
        runs = AuditRun.objects.visible_to(user).filter(client=client, status=AuditRun.Status.SUCCEEDED).order_by("-created_at")
        self.fields["audit_run"].queryset = runs
        self.fields["audit_run"].label_from_instance = lambda run: (
            f"Audit {run.pk} of {(run.finished_at or run.created_at):%Y-%m-%d %H:%M}"
            + (f", score {run.health_score:g}" if run.health_score is not None else "")
        )
        latest = runs.first()
        if latest is not None:
            self.fields["audit_run"].initial = latest.pk

    def clean(self):
        cleaned = super().clean()
        kind = all_kinds().get(cleaned.get("kind"))
        if kind is not None and kind.needs_audit_run and not cleaned.get("audit_run"):
            self.add_error("audit_run", f"A {kind.title} report is built from a finished audit run. Choose one.")
        return cleaned


class ReportEditForm(forms.ModelForm):
    class Meta:
        model = Report
        fields = ["title", "summary"]
        labels = {"summary": "Executive summary"}
        widgets = {"summary": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"summary": "Shown above the computed summary in the next rendered version."}


class PublishForm(forms.Form):
    publish_tasks = forms.BooleanField(
        required=False, initial=True, label="Also show the report's remediation tasks to the client's users",
    )


class ShareLinkForm(forms.Form):
    expires_in_days = forms.IntegerField(
        min_value=1, max_value=SHARE_LINK_MAX_DAYS, initial=SHARE_LINK_DEFAULT_DAYS, label="Expires in (days)",
    )
    password = forms.CharField(
        required=False, min_length=SHARE_LINK_MIN_PASSWORD, widget=forms.PasswordInput(render_value=False),
        help_text=f"Optional. Readers must enter it; at least {SHARE_LINK_MIN_PASSWORD} characters.",
    )


class SharePasswordForm(forms.Form):
    password = forms.CharField(widget=forms.PasswordInput(render_value=False), max_length=200)


class TaskStatusForm(forms.Form):
    status = forms.ChoiceField(choices=[(value, RemediationTask.Status(value).label) for value in CLIENT_TASK_STATUSES])


class BrandSettingsForm(forms.ModelForm):
    class Meta:
        model = BrandSettings
        fields = ["display_name", "logo", "primary_color", "accent_color"]
        widgets = {
            "primary_color": forms.TextInput(attrs={"type": "color"}),
            "accent_color": forms.TextInput(attrs={"type": "color"}),
        }

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if not logo or not hasattr(logo, "content_type"):
            return logo
        if logo.size > MAX_LOGO_BYTES:
            raise forms.ValidationError(f"The logo has {logo.size:,} bytes; the limit is {MAX_LOGO_BYTES:,}. Upload a smaller PNG or JPEG.")
        head = logo.read(16)
        logo.seek(0)
        if logo_mime_type(head) is None:
            raise forms.ValidationError("The logo must be a PNG or JPEG file.")
        return logo
