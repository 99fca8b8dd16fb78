"""Errors raised while reading a vendor CSV export.

Every error names the file, the 1-based row (the header is row 1), the column and the value
where they are known, and ends with what the user can do about it.
"""

MAX_VALUE_CHARS = 80


def quote_value(value):
    """Return the value in double quotes, shortened for a message."""
    text = str(value)
    if len(text) > MAX_VALUE_CHARS:
        text = text[: MAX_VALUE_CHARS - 1] + "…"
    return '"%s"' % text


class CsvImportError(Exception):
    """Base class of every error about the content of an import file.

    Attributes: ``file_name`` (base name, or None for an unnamed stream), ``row`` (1-based,
    header = 1), ``column`` (header text as in the file, or None), ``value`` (the offending
    value, or None), ``problem`` and ``hint`` (the two halves of the message).
    """

    def __init__(self, problem, hint, *, file_name=None, row=None, column=None, value=None):
        self.problem = problem
        self.hint = hint
        self.file_name = file_name
        self.row = row
        self.column = column
        self.value = value
        super().__init__(self.format_message())

    def format_message(self):
        location = []
        if self.file_name:
            location.append(self.file_name)

        place = []
        if self.row is not None:
            place.append("row %d" % self.row)
        if self.column is not None:
            place.append('column "%s"' % self.column)
        if place:
            location.append(", ".join(place))

        prefix = ": ".join(location)
        text = "%s; %s" % (self.problem, self.hint)
        return "%s: %s" % (prefix, text) if prefix else text


class UnknownExportError(CsvImportError):
    """The header matches none of the supported export kinds."""


class MissingColumnError(CsvImportError):
    """A column that the export kind requires is not in the header."""


class ColumnMapError(CsvImportError):
    """The user's column mapping names a field that does not exist or maps a field twice."""


class MissingValueError(CsvImportError):
    """A row has no value in a column that every row needs (the record ID)."""


class InvalidDateError(CsvImportError):
    """A date column contains a value in none of the accepted formats."""


class AmbiguousDateError(InvalidDateError):
    """A DD/MM or MM/DD date whose order no value in the file and no parameter decides."""


class ExtraFieldsError(CsvImportError):
    """A row has more non-empty fields than the header has columns."""


class MalformedCsvError(CsvImportError):
    """The csv module rejected a row, usually because of an unbalanced quote."""


class UndecodableBytesError(CsvImportError):
    """A field contains bytes that the file's encoding cannot decode."""
