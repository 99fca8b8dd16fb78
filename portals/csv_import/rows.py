"""Conversion of one CSV record into a canonical contact or company row."""

import re

from .dates import DateValueError
from .errors import (
    AmbiguousDateError,
    ExtraFieldsError,
    InvalidDateError,
    MissingValueError,
    UndecodableBytesError,
    quote_value,
)
from .fields import COMPANY_KINDS, DATE_FIELDS, HUBSPOT_KINDS, SALESFORCE_KINDS, field_names
from .source import describe_delimiter
from .values import normalise_lifecycle_stage, normalise_original_source, parse_employee_count

# Lone surrogates that errors="surrogateescape" leaves for undecodable bytes 0x80-0xFF.
ESCAPED_BYTES = re.compile("[\udc80-\udcff]")


def show_bytes(text):
    """Return the text with each undecodable byte written as \\xNN."""
    return ESCAPED_BYTES.sub(lambda match: "\\x%02x" % (ord(match.group()) - 0xDC00), text)


class RowConverter:
    """Turn the field list of one record into a canonical row dict.

    Every problem goes to ``on_error`` as a CsvImportError. The reader's ``on_error`` raises
    it, and the validation mode collects it, in which case conversion carries on with the
    field set to None.
    """

    def __init__(self, plan, dates, stage_labels, *, file_name, delimiter, check_bytes, encoding):
        self.plan = plan
        self.dates = dates
        self.stage_labels = stage_labels
        self.file_name = file_name
        self.delimiter = delimiter
        self.check_bytes = check_bytes
        self.encoding = encoding
        self.width = len(plan.headers)
        self.field_names = field_names(plan.kind)
        self.is_company = plan.kind in COMPANY_KINDS
        self.skips_footer = plan.kind in SALESFORCE_KINDS
        self.external_id_index = next(
            (index for index, name in plan.fields.items() if name == "external_id"), None
        )
        self.columns = [(index, name, self._converter(name)) for index, name in plan.fields.items()]

    def is_skipped(self, values):
        """Return True for blank records and the one-field summary and footer lines of
        Salesforce report exports ("Grand Totals (…)", "Copyright (c) … salesforce.com")."""
        if self.skips_footer and len(values) == 1 and self.width > 1:
            return True
        return not "".join(values).strip()

    def convert(self, values, row_number, on_error):
        """Return the canonical row for the record's field list."""
        if self.check_bytes:
            values = self._check_bytes(values, row_number, on_error)
        values = self._fit_width(values, row_number, on_error)

        row = dict.fromkeys(self.field_names)
        if not self.is_company:
            row["stage_dates"] = {}
        row["extra"] = {}

        for index, name, convert in self.columns:
            raw = values[index].strip()
            if raw:
                row[name] = convert(raw, index, row, row_number, on_error)

        for index, stage in self.plan.stage_columns.items():
            raw = values[index].strip()
            if raw:
                parsed = self._date(raw, index, row, row_number, on_error)
                if parsed is not None:
                    row["stage_dates"].setdefault(stage, parsed)

        for index, key in self.plan.extra_keys.items():
            raw = values[index].strip()
            if raw:
                row["extra"][key] = raw

        if row["external_id"] is None and self.external_id_index is not None:
            on_error(self._missing_id(row_number))
        return row

    def _converter(self, name):
        if name in DATE_FIELDS:
            return self._date
        if name == "employee_count":
            return self._employee_count
        if name == "lifecycle_stage":
            return self._lifecycle_stage
        if name in ("original_source", "latest_source") and self.plan.kind in HUBSPOT_KINDS:
            return self._original_source
        return self._text

    def _text(self, raw, index, row, row_number, on_error):
        return raw

    def _lifecycle_stage(self, raw, index, row, row_number, on_error):
        return normalise_lifecycle_stage(raw, self.stage_labels)

    def _original_source(self, raw, index, row, row_number, on_error):
        return normalise_original_source(raw)

    def _employee_count(self, raw, index, row, row_number, on_error):
        count = parse_employee_count(raw)
        if count is None:
            # A range such as "25-50" goes to extra under its header, as written.
            row["extra"][self.plan.headers[index]] = raw
        return count

    def _date(self, raw, index, row, row_number, on_error):
        try:
            return self.dates.parse(raw)
        except DateValueError as error:
            on_error(self._date_error(error, index, row_number))
            return None

    def _date_error(self, error, index, row_number):
        column = self.plan.headers[index]
        if error.ambiguous:
            return AmbiguousDateError(
                "%s could be MM/DD/YYYY or DD/MM/YYYY and no value read so far decides "
                "the order" % quote_value(error.text),
                "choose the date format (day first or month first)",
                file_name=self.file_name,
                row=row_number,
                column=column,
                value=error.text,
            )
        return InvalidDateError(
            "%s is not a date; expected formats: %s"
            % (quote_value(error.text), self.dates.expected_formats()),
            "fix the value or choose the date format",
            file_name=self.file_name,
            row=row_number,
            column=column,
            value=error.text,
        )

    def _missing_id(self, row_number):
        column = self.plan.headers[self.external_id_index]
        return MissingValueError(
            "the record ID is empty",
            "fill in the ID or remove the row; every row needs the ID that identifies the record",
            file_name=self.file_name,
            row=row_number,
            column=column,
            value="",
        )

    def _fit_width(self, values, row_number, on_error):
        if len(values) < self.width:
            return values + [""] * (self.width - len(values))
        if len(values) == self.width:
            return values

        surplus = [value for value in values[self.width :] if value.strip()]
        if surplus:
            on_error(
                ExtraFieldsError(
                    "%d values but the header has %d columns (first extra value %s)"
                    % (len(values), self.width, quote_value(surplus[0])),
                    "put values that contain %s in double quotes, or remove the extra values"
                    % describe_delimiter(self.delimiter),
                    file_name=self.file_name,
                    row=row_number,
                    value=surplus[0],
                )
            )
        return values[: self.width]

    def _check_bytes(self, values, row_number, on_error):
        if not ESCAPED_BYTES.search("".join(values)):
            return values

        for index, value in enumerate(values):
            if ESCAPED_BYTES.search(value):
                column = self.plan.headers[index] if index < self.width else None
                escaped_value = show_bytes(value)
                on_error(
                    UndecodableBytesError(
                        "%s contains bytes that are not valid %s"
                        % (quote_value(escaped_value), self.encoding),
                        'save the file as UTF-8 (in Excel: "CSV UTF-8") or choose its encoding',
                        file_name=self.file_name,
                        row=row_number,
                        column=column,
                        value=escaped_value,
                    )
                )
        return [ESCAPED_BYTES.sub("\ufffd", value) for value in values]
