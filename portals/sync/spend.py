"""Ad spend exports: one row per campaign, channel and period, imported as Campaign rows with spend."""
import csv
import io
from datetime import date
from decimal import Decimal, InvalidOperation

from portals.csv_import import CsvImportError

SPEND_COLUMNS = ("campaign", "channel", "period_start", "period_end", "spend", "currency")
SPEND_KIND = "ad_spend"


def is_spend_header(headers):
    return {header.strip().lower() for header in headers} >= set(SPEND_COLUMNS)


def read_spend_file(handle):
    """Return the rows of a spend file as dicts with lower-case keys.

    NOTE: the file is read whole; spend files hold one row per campaign, channel and month.
    """
    text = handle.read().decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    reader.fieldnames = [name.strip().lower() for name in reader.fieldnames or []]
    return list(reader)


def spend_header(handle):
    position = handle.tell()
    first_line = handle.readline().decode("utf-8-sig", errors="replace")
    handle.seek(position)
    return next(csv.reader([first_line]), [])


def campaign_rows(rows, *, file_name):
    """Yield Campaign field dicts; raise CsvImportError naming the row and column of a bad value."""
    for row_number, row in enumerate(rows, start=2):
        yield _campaign_row(row, row_number, file_name)


def spend_errors(rows, *, file_name, max_errors=50):
    errors = []
    for row_number, row in enumerate(rows, start=2):
        try:
            _campaign_row(row, row_number, file_name)
        except CsvImportError as error:
            errors.append(str(error))
            if len(errors) >= max_errors:
                break
    return errors


def _campaign_row(row, row_number, file_name):
    start = _date(row, "period_start", row_number, file_name)
    end = _date(row, "period_end", row_number, file_name)
    name = (row.get("campaign") or "").strip()
    channel = (row.get("channel") or "").strip()
    if not name:
        raise _error(file_name, row_number, "campaign", "", "the campaign name is missing", "name the campaign")
    return {
        "external_id": f"spend:{name}:{channel}:{start.isoformat()}"[:100],
        "name": name[:300],
        "channel": channel[:100],
        "kind": "ad spend",
        "period_start": start,
        "period_end": end,
        "spend": _decimal(row, row_number, file_name),
        "currency": (row.get("currency") or "").strip().upper()[:3],
    }


def _date(row, column, row_number, file_name):
    value = (row.get(column) or "").strip()
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise _error(file_name, row_number, column, value, f'"{value}" is not a date', "use YYYY-MM-DD") from error


def _decimal(row, row_number, file_name):
    value = (row.get("spend") or "").strip().replace(",", "")
    try:
        return Decimal(value)
    except InvalidOperation as error:
        raise _error(file_name, row_number, "spend", value, f'"{value}" is not a number', "use digits with a dot for decimals") from error


def _error(file_name, row, column, value, problem, hint):
    return CsvImportError(problem, hint, file_name=file_name, row=row, column=column, value=value)
