"""Forms of the sync and CSV upload pages."""
from django import forms

from portals.csv_import import COMPANY_FIELDS, CONTACT_FIELDS, ExportKind, required_fields
from portals.csv_import.fields import COMPANY_KINDS, KIND_LABELS, STAGE_DATE_TARGET
from portals.models import SyncRun
from portals.models.snapshot import STAGE_DATE_FIELDS

# Choice value of a column the user drops. The import receives None for it.
IGNORE = "ignore"
# Choice value of a column left as it is: the import stores it in the record's `extra` properties.
KEEP_EXTRA = ""


class SyncRunForm(forms.Form):
    """The mode of a sync started from a button."""

    mode = forms.ChoiceField(choices=[(SyncRun.Mode.INCREMENTAL, "Incremental"), (SyncRun.Mode.FULL, "Full")])


class CsvUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV export",
        help_text="A HubSpot, Salesforce or Pardot export of contacts, leads, prospects or companies, as the vendor wrote it.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


def upload_field_names(kind):
    """Return the canonical fields that columns of an upload of this kind can map to."""
    return COMPANY_FIELDS if kind in COMPANY_KINDS else CONTACT_FIELDS


def upload_kind_label(kind):
    try:
        return KIND_LABELS[ExportKind(kind)]
    except ValueError:
        return "Not recognised"


def upload_required_fields(kind):
    try:
        return required_fields(kind)
    except ValueError:
        return ()


class ColumnMapForm(forms.Form):
    """One select per header that the upload's suggested mapping left unmapped.

    `column_map()` returns what the CSV import takes: {header: field, or None for an ignored
    column}. Headers left on "keep" are not in it, so the import stores them in `extra`.
    """

    def __init__(self, *args, upload, **kwargs):
        super().__init__(*args, **kwargs)
        self.upload = upload
        self.suggested = dict(upload.suggested_mapping or {})
        self.header_fields = {}

        choices = self._target_choices()
        for index, header in enumerate(upload.headers or []):
            if header in self.suggested:
                continue
            name = f"column_{index}"
            self.fields[name] = forms.ChoiceField(label=header, choices=choices, required=False)
            self.header_fields[header] = name

    def _target_choices(self):
        claimed = set(self.suggested.values())
        fields = [(name, name) for name in upload_field_names(self.upload.kind) if name not in claimed]
        choices = [(KEEP_EXTRA, "Keep as an extra property"), (IGNORE, "Ignore this column")]
        choices.append(("Fields", fields))
        if self.upload.kind not in COMPANY_KINDS:
            stages = [STAGE_DATE_TARGET + stage for stage in STAGE_DATE_FIELDS]
            choices.append(("Lifecycle stage dates", [(target, target) for target in stages if target not in claimed]))
        return choices

    def bound_rows(self):
        """Return, for every header in file order, its suggested field, its select and the stored choice."""
        stored = self.upload.column_map or {}
        rows = []
        for header in self.upload.headers or []:
            name = self.header_fields.get(header)
            chosen = None
            if header in stored:
                chosen = IGNORE if stored[header] is None else stored[header]
            rows.append({
                "header": header,
                "suggested": self.suggested.get(header),
                "field": self[name] if name else None,
                "chosen": chosen,
            })
        return rows

    def clean(self):
        cleaned = super().clean()
        chosen = {}
        for header, name in self.header_fields.items():
            target = cleaned.get(name)
            if target in (KEEP_EXTRA, IGNORE, None):
                continue
            if target in chosen:
                self.add_error(name, f'"{target}" is already chosen for the column "{chosen[target]}". Map each field to one column.')
                continue
            chosen[target] = header

        present = set(self.suggested.values()) | set(chosen)
        missing = [name for name in upload_required_fields(self.upload.kind) if name not in present]
        if missing:
            raise forms.ValidationError(
                "The import needs a column for %(fields)s. Choose that field for one of the columns below.",
                params={"fields": ", ".join(missing)},
                code="missing_required",
            )
        return cleaned

    def column_map(self):
        """Return {header: field or None} for the columns that the user mapped or ignored."""
        result = {}
        for header, name in self.header_fields.items():
            target = self.cleaned_data.get(name)
            if target == IGNORE:
                result[header] = None
            elif target:
                result[header] = target
        return result
