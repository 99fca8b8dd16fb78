"""Forms of the report pages, the share link page, the client user's home page and the brand settings page."""
from django import forms

from audits.models import AuditRun, InventoryRun, RemediationTask

from .kinds import SOURCES, all_kinds, get_kind, kind_choices
from .models import BrandSettings, Report
from .selectors import MAX_LOGO_BYTES, logo_mime_type
from .services import (
    CLIENT_TASK_STATUSES,
    SHARE_LINK_DEFAULT_DAYS,
    SHARE_LINK_MAX_DAYS,
    SHARE_LINK_MIN_PASSWORD,
    ReportInputError,
    report_source_check,
)


def _audit_run_label(run):
    moment = run.finished_at or run.created_at
    return f"Audit {run.pk} of {moment:%Y-%m-%d %H:%M}" + (f", score {run.health_score:g}" if run.health_score is not None else "")


def _inventory_run_label(run):
    moment = run.finished_at or run.created_at
    return f"Stack inventory {run.pk} of {moment:%Y-%m-%d %H:%M}" + (f": {run.headline}" if run.headline else "")


class ReportCreateForm(forms.Form):
    """Choose a kind and the run it is built from. Each kind reads one source field, and the others must stay empty."""

    kind = forms.ChoiceField(choices=(), label="Report kind")
    audit_run = forms.ModelChoiceField(queryset=AuditRun.objects.none(), required=False, empty_label="No audit run")
    inventory_run = forms.ModelChoiceField(
        queryset=InventoryRun.objects.none(), required=False, empty_label="No stack inventory", label="Stack inventory",
    )
    title = forms.CharField(max_length=300, required=False, help_text="Leave empty for a title from the kind, client and date.")
    summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, label="Executive summary",
        help_text="Your own words for the client, shown above the computed summary.",
    )

    labels = {"audit_run": _audit_run_label, "inventory_run": _inventory_run_label}

    def __init__(self, *args, client, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.client = client
        kinds = all_kinds()
        self.fields["kind"].choices = kind_choices()
        chosen = kinds.get(self.initial.get("kind")) or next(iter(kinds.values()), None)
        if chosen is not None:
            self.fields["kind"].initial = chosen.code

        for field, source in SOURCES.items():
            runs = source.model.objects.visible_to(user).filter(client=client, status=source.finished_status).order_by("-created_at")
            readers = ", ".join(kind.title for kind in kinds.values() if kind.source == field)
            self.fields[field].queryset = runs
            self.fields[field].label_from_instance = self.labels[field]
            self.fields[field].help_text = f"The finished {source.label} the report is built from. Only {readers} reports read it."
            # The message is %-formatted with the posted value, so a % in the client's name is doubled.
            self.fields[field].error_messages["invalid_choice"] = (
                f"{source.label.capitalize()} %(value)s is not a finished {source.label} of {client.name.replace('%', '%%')}. "
                "Choose one from the list."
            )
            # Preselect the latest run only for the chosen kind's source, so the other sources start empty.
            latest = runs.first() if chosen is not None and chosen.source == field else None
            if latest is not None:
                self.fields[field].initial = latest.pk

    def clean(self):
        cleaned = super().clean()
        code = cleaned.get("kind")
        if code not in all_kinds():
            return cleaned
        try:
            report_source_check(kind=get_kind(code), client=self.client, sources={field: cleaned.get(field) for field in SOURCES})
        except ReportInputError as error:
            self.add_error(error.field if error.field in self.fields else None, str(error))
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
