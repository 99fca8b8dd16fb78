"""The report kind registry. Each kind is one module in this package that registers a ReportKind subclass.

A kind turns its source (an audit run or a stack inventory, later an attribution model run) into a
JSON-serialisable data snapshot, and names the template that renders the snapshot to HTML. The
snapshot is stored on the report version, so a version can always be shown as it was rendered.
Adding a kind is adding a module here: every module of the package is imported on first use.
A kind built from a new kind of run also adds a ReportSource to SOURCES and a nullable foreign
key of that name to Report.
"""
import importlib
import pkgutil
from dataclasses import dataclass

from django.apps import apps

_REGISTRY = {}
_loaded = False


class UnknownReportKind(KeyError):
    """Raised for a kind code that no module registered."""


class ReportSourceError(ValueError):
    """Raised by `build` when the report's source (such as its audit run) is missing or not finished."""


@dataclass(frozen=True)
class ReportSource:
    """A kind of run that reports are built from: a nullable foreign key of Report to a client-scoped run model.

    `field` is the name of the foreign key on Report, which is also the field name in the API and the
    page form. The run model has `client_id`, `status` and `finished_at`, and only a run whose status is
    `finished_status` can be reported.
    """

    field: str
    label: str
    model_label: str
    finished_status: str = "succeeded"

    @property
    def model(self):
        return apps.get_model(self.model_label)

    def describe(self, run):
        """Return a name such as "stack inventory 12" for messages."""
        return f"{self.label} {run.pk}"


# Every source a kind can declare, by Report field name.
SOURCES = {
    "audit_run": ReportSource(field="audit_run", label="audit run", model_label="audits.AuditRun"),
    "inventory_run": ReportSource(field="inventory_run", label="stack inventory", model_label="audits.InventoryRun"),
}


class ReportKind:
    """Base class of every report kind. Subclasses set the class attributes and implement `build`."""

    code = ""
    title = ""
    description = ""
    template_name = ""
    # The key in SOURCES of the run the report is built from, or "" for a kind built from the client's data alone.
    source = ""

    @property
    def report_source(self):
        """Return the ReportSource this kind is built from, or None."""
        return SOURCES[self.source] if self.source else None

    def default_title(self, *, client, source=None):
        return f"{self.title}: {client.name}"

    def build(self, *, report):
        """Return the data snapshot of `report`: plain JSON values only, read from the report's client alone."""
        raise NotImplementedError

    def context(self, data):
        """Return the template context for a snapshot. Kinds add values computed from it, such as charts."""
        return {"data": data}

    def source_run(self, report):
        """Return the report's source run, or raise ReportSourceError when it is missing, another client's or not finished."""
        source = self.report_source
        if source is None:
            raise ReportSourceError(f"Report kind {self.code} is not built from a run, so it has no source run.")
        run = getattr(report, source.field)
        if run is None or run.client_id != report.client_id:
            raise ReportSourceError(
                f"The report has no {source.label} of its client. Choose a finished {source.label} and render again."
            )
        if run.status != source.finished_status:
            raise ReportSourceError(
                f"{source.describe(run).capitalize()} has status {run.status}, and only a finished {source.label} can be reported. "
                f"Choose a finished {source.label} and render again."
            )
        return run

    def remediation_tasks(self, report):
        """Return a queryset of the remediation tasks the report lists, or None when the kind lists none.

        Publishing the report with its tasks makes these tasks visible to the client's users.
        """
        return None


def register(kind_class):
    """Add a report kind class to the registry (a class decorator). Codes must be unique."""
    if not kind_class.code or not kind_class.template_name:
        raise ValueError(f"Report kind {kind_class.__name__} needs a code and a template_name.")
    if kind_class.source and kind_class.source not in SOURCES:
        raise ValueError(f"Report kind {kind_class.code} has an unknown source {kind_class.source!r}. Use one of: {', '.join(SOURCES)}.")
    if kind_class.code in _REGISTRY and _REGISTRY[kind_class.code] is not kind_class:
        raise ValueError(f"Report kind {kind_class.code} is registered twice.")
    _REGISTRY[kind_class.code] = kind_class
    return kind_class


def _load_kind_modules():
    global _loaded
    if _loaded:
        return
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    _loaded = True


def all_kinds():
    """Return every registered kind class, by code."""
    _load_kind_modules()
    return dict(sorted(_REGISTRY.items()))


def get_kind(code):
    """Return an instance of the kind registered under `code`, or raise UnknownReportKind."""
    kinds = all_kinds()
    if code not in kinds:
        raise UnknownReportKind(f"Unknown report kind {code!r}. Known kinds: {', '.join(kinds) or 'none'}.")
    return kinds[code]()


def kind_choices():
    """Return (code, title) pairs for forms and serializers."""
    return [(code, kind.title) for code, kind in all_kinds().items()]


def published_at_iso(version):
    """Return when a report version was published, as an ISO 8601 string, or None."""
    return version.published_at.isoformat() if version.published_at else None
