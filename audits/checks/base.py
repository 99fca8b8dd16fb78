"""The check registry. A check is one small unit that measures one thing on the snapshot tables.

Checks run set-based SQL through the ORM (aggregates, subqueries, window functions) or vectorized
code over column values, never a Python loop over model instances, so they scale to millions of
rows. A check reads only the client's rows and the portals named in the context.
"""
from dataclasses import dataclass, field
from datetime import datetime

SEVERITIES = ("critical", "high", "medium", "low", "info")
CATEGORIES = ("attribution", "lifecycle", "hygiene", "lead_handling", "measurement")

_REGISTRY = {}


@dataclass
class CheckContext:
    client_id: int
    portal_ids: list
    thresholds: dict
    now: datetime

    def scoped(self, model):
        """Return the model's rows of this client and these portals."""
        return model.objects.filter(client_id=self.client_id, portal_id__in=self.portal_ids)


@dataclass
class FindingData:
    """One problem a check found. `key` is stable across runs, so reruns can match findings."""

    key: str
    severity: str
    title: str
    summary: str
    measured_value: float | None = None
    threshold: float | None = None
    unit: str = ""
    affected_count: int = 0
    denominator: int | None = None
    evidence: dict = field(default_factory=dict)


@dataclass
class CheckOutcome:
    """The measurement of one check. `score` is 1.0 for a clean result and 0.0 for the worst case."""

    measured_value: float | None
    threshold: float | None
    score: float
    findings: list = field(default_factory=list)
    metrics: dict = field(default_factory=dict)
    skipped_reason: str = ""


@dataclass
class Remediation:
    title: str
    steps: list
    priority: str
    effort: str
    expected_impact: str


class Check:
    """Base class of every check. Subclasses set the class attributes and implement `run`."""

    code = ""
    category = ""
    title = ""
    description = ""
    why_it_matters = ""
    # Threshold names from audits.thresholds.DEFAULT_THRESHOLDS that this check reads.
    thresholds = ()
    # Weight of the check in the health score.
    weight = 1.0

    def run(self, context):
        raise NotImplementedError

    def remediation(self, finding):
        """Return the Remediation for a finding, or None when the finding needs no task."""
        return None


def register(check_class):
    """Class decorator that adds a check to the registry; codes must be unique."""
    if not check_class.code or check_class.category not in CATEGORIES:
        raise ValueError(f"Check {check_class.__name__} needs a code and a category in {CATEGORIES}.")
    if check_class.code in _REGISTRY and _REGISTRY[check_class.code] is not check_class:
        raise ValueError(f"Check code {check_class.code} is registered twice.")
    _REGISTRY[check_class.code] = check_class
    return check_class


def all_checks():
    """Return every registered check by code, importing the check modules first."""
    import audits.checks  # noqa: F401

    return dict(sorted(_REGISTRY.items()))


def get_check(code):
    return all_checks()[code]()


def rate(part, whole):
    return (part / whole) if whole else 0.0
