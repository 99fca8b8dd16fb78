"""The report kind registry. Each kind is one module in this package that registers a ReportKind subclass.

A kind turns its source (an audit run, later a stack inventory or an attribution model run) into a
JSON-serialisable data snapshot, and names the template that renders the snapshot to HTML. The
snapshot is stored on the report version, so a version can always be shown as it was rendered.
Adding a kind is adding a module here: every module of the package is imported on first use.
"""
import importlib
import pkgutil

_REGISTRY = {}
_loaded = False


class UnknownReportKind(KeyError):
    """Raised for a kind code that no module registered."""


class ReportSourceError(ValueError):
    """Raised by `build` when the report's source (such as its audit run) is missing or not finished."""


class ReportKind:
    """Base class of every report kind. Subclasses set the class attributes and implement `build`."""

    code = ""
    title = ""
    description = ""
    template_name = ""
    # True when the report is built from one of the client's audit runs.
    needs_audit_run = False

    def default_title(self, *, client, audit_run=None):
        return f"{self.title}: {client.name}"

    def build(self, *, report):
        """Return the data snapshot of `report`: plain JSON values only, read from the report's client alone."""
        raise NotImplementedError

    def context(self, data):
        """Return the template context for a snapshot. Kinds add values computed from it, such as charts."""
        return {"data": data}


def register(kind_class):
    """Add a report kind class to the registry (a class decorator). Codes must be unique."""
    if not kind_class.code or not kind_class.template_name:
        raise ValueError(f"Report kind {kind_class.__name__} needs a code and a template_name.")
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
