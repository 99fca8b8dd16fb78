"""Streaming parser of HubSpot, Salesforce and Pardot CSV exports into canonical rows.

    with open_export(path_or_binary_file) as export:
        for batch in iter_batches(export, size=5000):
            ...  # write the batch
    export.metadata.encoding, export.metadata.date_formats

Contact rows have the keys in ``fields.CONTACT_FIELDS`` plus ``stage_dates`` and ``extra``;
company rows have ``fields.COMPANY_FIELDS`` plus ``extra``. Empty values are None.
"""

import itertools
from dataclasses import dataclass

from .errors import (
    AmbiguousDateError,
    ColumnMapError,
    CsvImportError,
    ExtraFieldsError,
    InvalidDateError,
    MalformedCsvError,
    MissingColumnError,
    MissingValueError,
    UndecodableBytesError,
    UnknownExportError,
)
from .fields import COMPANY_FIELDS, CONTACT_FIELDS, ExportKind, required_fields
from .reader import ExportMetadata, ExportReader, ValidationReport

__all__ = [
    "AmbiguousDateError",
    "COMPANY_FIELDS",
    "CONTACT_FIELDS",
    "ColumnMapError",
    "CsvImportError",
    "ExportKind",
    "ExportMetadata",
    "ExportReader",
    "ExtraFieldsError",
    "HeaderReport",
    "InvalidDateError",
    "MalformedCsvError",
    "MissingColumnError",
    "MissingValueError",
    "UndecodableBytesError",
    "UnknownExportError",
    "ValidationReport",
    "inspect_headers",
    "iter_batches",
    "iter_rows",
    "open_export",
    "required_fields",
    "validate_export",
]


@dataclass
class HeaderReport:
    """The header of a file as the column-mapping step needs it.

    ``mapping`` is {header: canonical field}, with stage date columns as
    "stage_dates.<stage>"; ``unmapped`` lists the headers that would go to ``extra``.
    """

    kind: ExportKind
    headers: list
    mapping: dict
    unmapped: list
    missing_required: list
    metadata: ExportMetadata


def open_export(source, **options):
    """Open an export for streaming and return an ExportReader.

    ``source`` is a path or a binary file object. Options: ``kind`` (ExportKind; detected
    from the header when None), ``column_map`` ({header: field or None}), ``required``
    (fields whose column must exist; ``required_fields(kind)`` when None), ``encoding``
    (detected when None), ``dayfirst`` (True, False, or None to decide from the file),
    ``tz`` (zone name or tzinfo for naive values, default "UTC") and
    ``lifecycle_stage_labels`` ({label: internal value} of the portal's custom stages).
    """
    return ExportReader(source, **options)


def iter_rows(source, **options):
    """Yield the canonical rows of an export, closing the file at the end."""
    with open_export(source, **options) as export:
        yield from export


def validate_export(source, *, max_errors=100, **options):
    """Check a whole export and return a ValidationReport of up to ``max_errors`` errors.

    Nothing is returned row by row, so a caller can reject the file before writing anything.
    Header errors (missing required column, unknown kind) are returned as the only error.
    """
    try:
        export = open_export(source, **options)
    except CsvImportError as error:
        return ValidationReport(errors=[error], truncated=False, metadata=None)

    with export:
        return export.validate(max_errors=max_errors)


def inspect_headers(source, *, required=None, **options):
    """Read only the header of an export and return a HeaderReport.

    Unlike open_export, a missing required column is listed in ``missing_required``
    instead of raised, so that the user can map a column to it.
    """
    with open_export(source, required=(), **options) as export:
        plan = export.plan
        return HeaderReport(
            kind=plan.kind,
            headers=list(plan.headers),
            mapping=plan.mapping(),
            unmapped=plan.unmapped_headers(),
            missing_required=plan.missing_required(required),
            metadata=export.metadata,
        )


def iter_batches(rows, size=5000):
    """Yield lists of up to ``size`` rows from any iterable of rows."""
    if size < 1:
        raise ValueError("batch size must be at least 1, got %r" % size)

    iterator = iter(rows)
    while True:
        batch = list(itertools.islice(iterator, size))
        if not batch:
            return
        yield batch
