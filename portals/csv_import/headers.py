"""Header normalisation, export-kind detection and the column plan of one file."""

import re
from dataclasses import dataclass, field

from .errors import ColumnMapError, MissingColumnError, UnknownExportError
from .fields import (
    ALIASES,
    COMPANY_KINDS,
    HUBSPOT_MARKERS,
    KIND_LABELS,
    REQUIRED_HEADERS,
    SALESFORCE_MARKERS,
    STAGE_DATE_TARGET,
    ExportKind,
    field_names,
    required_fields,
)
from .values import LIFECYCLE_STAGE_LABELS, stage_of_date_column

_WHITESPACE = re.compile(r"\s+")
_HUBSPOT_CONTACT_IDS = frozenset({"record id", "contact id", "hs_object_id", "vid"})
_COMPANY_IDS = frozenset({"record id", "company id", "hs_object_id"})


def normalise_header(header):
    """Return the header case-folded, trimmed and with whitespace runs collapsed."""
    return _WHITESPACE.sub(" ", header).strip().casefold()


def detect_kind(headers):
    """Return the ExportKind that the header row belongs to, or None when none fits.

    ``headers`` are normalised headers. "Contact ID" is both the id column of older HubSpot
    portals and of Salesforce contact reports, so the vendor-specific columns decide.
    """
    names = set(headers)
    if "prospect id" in names:
        return ExportKind.PARDOT_PROSPECTS
    if "lead id" in names:
        return ExportKind.SALESFORCE_LEADS

    hubspot_score = len(names & HUBSPOT_MARKERS)
    salesforce_score = len(names & SALESFORCE_MARKERS)
    if salesforce_score > hubspot_score:
        if names & {"contact id", "account name", "contact owner", "mailing city"}:
            return ExportKind.SALESFORCE_CONTACTS
        return ExportKind.SALESFORCE_LEADS

    has_company_name = "name" in names and bool(names & _COMPANY_IDS)
    if "company domain name" in names or (has_company_name and "email" not in names):
        return ExportKind.HUBSPOT_COMPANIES
    if names & _HUBSPOT_CONTACT_IDS or hubspot_score:
        return ExportKind.HUBSPOT_CONTACTS
    return None


@dataclass
class ColumnPlan:
    """Where each column of one file goes.

    ``fields`` maps a column index to a canonical field, ``stage_columns`` maps a column
    index to a lifecycle stage, ``extra_keys`` maps each remaining column index to its key in
    ``extra``, and ``ignored`` contains the columns the user mapped to None.
    """

    kind: ExportKind
    headers: list
    fields: dict = field(default_factory=dict)
    stage_columns: dict = field(default_factory=dict)
    extra_keys: dict = field(default_factory=dict)
    ignored: set = field(default_factory=set)

    def mapping(self):
        """Return {header: canonical field or "stage_dates.<stage>"} for the mapped columns."""
        mapped = {}
        for index, name in self.fields.items():
            mapped[self.headers[index]] = name
        for index, stage in self.stage_columns.items():
            mapped[self.headers[index]] = STAGE_DATE_TARGET + stage
        return mapped

    def unmapped_headers(self):
        """Return the headers that go to ``extra``, in file order."""
        return [self.headers[index] for index in sorted(self.extra_keys)]

    def missing_required(self, required=None):
        """Return the required canonical fields that no column provides."""
        needed = required_fields(self.kind) if required is None else required
        present = set(self.fields.values())
        return [name for name in needed if name not in present]


def build_plan(headers, *, kind=None, column_map=None, stage_labels=None, file_name=None):
    """Return the ColumnPlan for the header row, applying the user's column map first.

    ``stage_labels`` is the lifecycle stage label -> internal value table from
    ``values.build_stage_labels``.

    Raise UnknownExportError when ``kind`` is None and the headers fit no export kind, and
    ColumnMapError when the column map names an unknown field or maps a field twice.
    """
    headers = [header.strip() for header in headers]
    normalised = [normalise_header(header) for header in headers]

    if kind is None:
        kind = detect_kind(normalised)
        if kind is None:
            raise UnknownExportError(
                "the columns match no supported export (%s)" % ", ".join(KIND_LABELS.values()),
                "choose the export kind, or export the file again with its ID column",
                file_name=file_name,
                row=1,
            )
    kind = ExportKind(kind)

    plan = ColumnPlan(kind=kind, headers=headers)
    _apply_column_map(plan, normalised, column_map or {}, file_name)
    _apply_aliases(plan, normalised)
    _apply_stage_columns(plan, stage_labels or LIFECYCLE_STAGE_LABELS)
    _assign_extra_keys(plan)
    return plan


def check_required(plan, required=None, file_name=None):
    """Raise MissingColumnError naming the first required field that no column provides."""
    missing = plan.missing_required(required)
    if not missing:
        return

    name = missing[0]
    header = REQUIRED_HEADERS[plan.kind].get(name, name)
    accepted = ", ".join('"%s"' % alias for alias in ALIASES[plan.kind].get(name, ()))
    raise MissingColumnError(
        "the required column is missing (headers accepted for %s: %s)" % (name, accepted),
        "add the column to the %s export, or map one of its columns to %s"
        % (KIND_LABELS[plan.kind], name),
        file_name=file_name,
        row=1,
        column=header,
    )


def _apply_column_map(plan, normalised, column_map, file_name):
    targets = set(field_names(plan.kind))
    user_map = {normalise_header(header): target for header, target in column_map.items()}

    for index, key in enumerate(normalised):
        if key not in user_map:
            continue
        target = user_map[key]
        header = plan.headers[index]

        if target is None:
            plan.ignored.add(index)
            continue

        if target.startswith(STAGE_DATE_TARGET) and plan.kind not in COMPANY_KINDS:
            plan.stage_columns[index] = target[len(STAGE_DATE_TARGET) :]
            continue

        if target not in targets:
            raise ColumnMapError(
                '"%s" is not a field of %s exports' % (target, KIND_LABELS[plan.kind]),
                "map the column to one of %s, or to None to ignore it" % ", ".join(sorted(targets)),
                file_name=file_name,
                row=1,
                column=header,
                value=target,
            )
        if target in plan.fields.values():
            raise ColumnMapError(
                '"%s" is already mapped to another column' % target,
                "map only one column to each field",
                file_name=file_name,
                row=1,
                column=header,
                value=target,
            )
        plan.fields[index] = target


def _apply_aliases(plan, normalised):
    positions = {}
    for index, key in enumerate(normalised):
        positions.setdefault(key, index)

    assigned = set(plan.fields) | set(plan.stage_columns) | plan.ignored
    claimed = set(plan.fields.values())

    for name, aliases in ALIASES[plan.kind].items():
        if name in claimed:
            continue
        for alias in aliases:
            index = positions.get(alias)
            if index is not None and index not in assigned:
                plan.fields[index] = name
                assigned.add(index)
                break


def _apply_stage_columns(plan, stage_labels):
    if plan.kind in COMPANY_KINDS:
        return

    for index, header in enumerate(plan.headers):
        if index in plan.fields or index in plan.ignored or index in plan.stage_columns:
            continue
        stage = stage_of_date_column(header, stage_labels)
        if stage is not None:
            plan.stage_columns[index] = stage


def _assign_extra_keys(plan):
    used = set()
    next_suffix = {}
    for index, header in enumerate(plan.headers):
        if index in plan.fields or index in plan.ignored or index in plan.stage_columns:
            continue

        base = header or "column %d" % (index + 1)
        key = base
        # Repeated headers get " (2)", " (3)"...; the next suffix per header keeps this linear.
        suffix = next_suffix.get(base, 2)
        while key in used:
            key = "%s (%d)" % (base, suffix)
            suffix += 1
        next_suffix[base] = suffix
        used.add(key)
        plan.extra_keys[index] = key
