"""Reads of audit results."""
from .models import Finding

SEVERITY_ORDER = ["critical", "high", "medium", "low", "info"]


def audit_run_compare(*, run, previous):
    """Split findings into new, unchanged and resolved between `previous` and `run`, by check code and key."""
    # Both runs' findings are read within the run's own client, so a mismatched pair never mixes clients.
    current = {(f.check_code, f.key): f for f in Finding.objects.filter(client_id=run.client_id, audit_run=run)}
    before = {(f.check_code, f.key): f for f in Finding.objects.filter(client_id=run.client_id, audit_run=previous)}
    return {
        "new": [current[key] for key in sorted(current.keys() - before.keys())],
        "unchanged": [current[key] for key in sorted(current.keys() & before.keys())],
        "resolved": [before[key] for key in sorted(before.keys() - current.keys())],
    }


def findings_by_severity(findings):
    """Group findings in severity order: [(severity, [findings])], skipping empty severities."""
    groups = {severity: [] for severity in SEVERITY_ORDER}
    for finding in findings:
        groups[finding.severity].append(finding)
    return [(severity, items) for severity, items in groups.items() if items]
