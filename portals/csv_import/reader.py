"""Streaming reader of vendor CSV exports that yields canonical rows one at a time."""

import csv
import itertools
import logging
from dataclasses import dataclass, field

from .dates import DateParser
from .errors import CsvImportError, MalformedCsvError, UndecodableBytesError, UnknownExportError
from .fields import DATE_FIELDS, ExportKind
from .headers import build_plan, check_required
from .rows import ESCAPED_BYTES, RowConverter, show_bytes
from .source import detect_encoding, is_seekable, open_binary, open_text, read_delimiter
from .values import build_stage_labels

logger = logging.getLogger(__name__)

# Rows read ahead to find a DD/MM or MM/DD value that decides the file's date order when the
# caller gives none. Beyond this, an ambiguous value before any deciding one is an error.
DATE_ORDER_SCAN_ROWS = 100_000


@dataclass
class ExportMetadata:
    """Facts that the reader detected about one file.

    ``date_formats`` counts the values parsed per format label, ``rows`` counts the data rows
    returned (or checked, in validation), and ``skipped_rows`` the blank records and
    Salesforce report footer lines.
    """

    file_name: str | None
    kind: ExportKind
    encoding: str
    delimiter: str
    headers: list
    timezone: str
    dayfirst: bool | None
    date_formats: dict = field(default_factory=dict)
    rows: int = 0
    skipped_rows: int = 0


@dataclass
class ValidationReport:
    """Result of a validation pass: up to ``max_errors`` errors, and whether more may exist."""

    errors: list
    truncated: bool
    metadata: ExportMetadata | None

    @property
    def is_valid(self):
        return not self.errors


class _ErrorLimitReached(Exception):
    pass


class ExportReader:
    """One open export file. Iterate it once for canonical row dicts, or call validate().

    Opening reads the header row. Before that, it scans the whole file for its encoding when
    the file is seekable and no encoding is given. It raises CsvImportError subclasses for a
    missing required column, an unknown export kind or an invalid column map. Iteration
    starts with a read-ahead of up to DATE_ORDER_SCAN_ROWS rows for the date order when
    ``dayfirst`` is None and the file is seekable. Use it as a context manager so that a
    file opened from a path is closed.
    """

    def __init__(
        self,
        source,
        *,
        kind=None,
        column_map=None,
        required=None,
        encoding=None,
        dayfirst=None,
        tz="UTC",
        lifecycle_stage_labels=None,
    ):
        self._binary, self._owns_binary, self.file_name = open_binary(source)
        self._text = None
        self._consumed = False
        self.rows = 0
        self.skipped_rows = 0
        try:
            self._open(kind, column_map, required, encoding, dayfirst, tz, lifecycle_stage_labels)
        except BaseException:
            self.close()
            raise

    def _open(self, kind, column_map, required, encoding, dayfirst, tz, lifecycle_stage_labels):
        self._start = self._binary.tell() if is_seekable(self._binary) else None
        self.encoding, verified, self._encoding_label = detect_encoding(
            self._binary, encoding, self.file_name
        )

        header = self._start_reading()
        self.stage_labels = build_stage_labels(lifecycle_stage_labels)
        self.plan = build_plan(
            header,
            kind=kind,
            column_map=column_map,
            stage_labels=self.stage_labels,
            file_name=self.file_name,
        )
        check_required(self.plan, required, self.file_name)

        self.tz_name = str(tz)
        self.dates = DateParser(tz=tz, dayfirst=dayfirst)

        self.converter = RowConverter(
            self.plan,
            self.dates,
            self.stage_labels,
            file_name=self.file_name,
            delimiter=self.delimiter,
            check_bytes=not verified,
            encoding=self._encoding_label,
        )
        logger.info(
            "csv export opened file=%s kind=%s encoding=%s delimiter=%r columns=%d unmapped=%d",
            self.file_name,
            self.plan.kind,
            self.encoding,
            self.delimiter,
            len(self.plan.headers),
            len(self.plan.extra_keys),
        )

    def _start_reading(self):
        """Position a csv reader after the header row and return the header fields."""
        if self._text is not None:
            self._text.detach()
            self._binary.seek(self._start)
        self._text = open_text(self._binary, self.encoding)

        first_line = self._text.readline()
        if not first_line:
            raise UnknownExportError(
                "the file is empty", "export the data again", file_name=self.file_name, row=1
            )
        self.delimiter, is_hint = read_delimiter(first_line)
        lines = self._text if is_hint else itertools.chain([first_line], self._text)
        self._records = csv.reader(lines, delimiter=self.delimiter, strict=True)

        try:
            header = next(self._records, [])
        except csv.Error as error:
            raise self._malformed(error, 1) from None

        if not "".join(header).strip():
            raise UnknownExportError(
                "the header row is empty",
                "remove any blank lines above the header and upload the file again",
                file_name=self.file_name,
                row=1,
            )

        if ESCAPED_BYTES.search("".join(header)):
            raise UndecodableBytesError(
                "the header contains bytes that are not valid %s" % self._encoding_label,
                'save the file as UTF-8 (in Excel: "CSV UTF-8") or choose its encoding',
                file_name=self.file_name,
                row=1,
                value=show_bytes("".join(header)),
            )
        return header

    def _learn_date_order(self):
        columns = [index for index, name in self.plan.fields.items() if name in DATE_FIELDS]
        columns += list(self.plan.stage_columns)
        if not columns:
            return

        try:
            for values in itertools.islice(self._records, DATE_ORDER_SCAN_ROWS):
                for index in columns:
                    if index < len(values) and values[index]:
                        self.dates.learn_order(values[index])
                if self.dates.dayfirst is not None:
                    break
        except csv.Error:
            # The main pass reports the malformed row with its number.
            pass
        self._start_reading()

    @property
    def metadata(self):
        return ExportMetadata(
            file_name=self.file_name,
            kind=self.plan.kind,
            encoding=self.encoding,
            delimiter=self.delimiter,
            headers=list(self.plan.headers),
            timezone=self.tz_name,
            dayfirst=self.dates.dayfirst,
            date_formats=dict(self.dates.formats_seen),
            rows=self.rows,
            skipped_rows=self.skipped_rows,
        )

    def __iter__(self):
        return self._iter_rows(self._raise)

    def validate(self, max_errors=100):
        """Read the whole file without stopping at errors and return a ValidationReport."""
        errors = []

        def collect(error):
            errors.append(error)
            if len(errors) >= max_errors:
                raise _ErrorLimitReached

        truncated = False
        try:
            for _row in self._iter_rows(collect):
                pass
        except _ErrorLimitReached:
            truncated = True
        return ValidationReport(errors=errors, truncated=truncated, metadata=self.metadata)

    def _iter_rows(self, on_error):
        if self._consumed:
            raise RuntimeError("an ExportReader can be iterated only once; open the file again")
        self._consumed = True
        if self.dates.dayfirst is None and self._start is not None:
            self._learn_date_order()

        for row_number, values in self._numbered_records(on_error):
            if self.converter.is_skipped(values):
                self.skipped_rows += 1
                continue
            row = self.converter.convert(values, row_number, on_error)
            self.rows += 1
            yield row

        logger.info(
            "csv export read file=%s rows=%d skipped=%d",
            self.file_name,
            self.rows,
            self.skipped_rows,
        )

    def _numbered_records(self, on_error):
        row_number = 1
        while True:
            row_number += 1
            try:
                values = next(self._records)
            except StopIteration:
                return
            except csv.Error as error:
                on_error(self._malformed(error, row_number))
                continue
            yield row_number, values

    def _malformed(self, error, row_number):
        return MalformedCsvError(
            "the row is not valid CSV (%s)" % error,
            "put values that contain the delimiter, a quote or a line break in double quotes, "
            "and double the quotes inside them",
            file_name=self.file_name,
            row=row_number,
        )

    @staticmethod
    def _raise(error):
        raise error

    def close(self):
        """Close the file if this reader opened it; leave a caller's file object open."""
        if self._text is not None:
            self._text.detach()
            self._text = None
        if self._owns_binary:
            self._binary.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
