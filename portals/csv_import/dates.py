"""Parsing of the date and datetime renderings that CRM exports and spreadsheet re-saves use.

The day/month order of slash dates (01/02/2026) is a property of the file, never of a row.
``DateParser`` starts with the order the caller gives. If none is given, the first value that
fits only one order (13/01/2026 or 01/13/2026) decides it for the rest of the file, and an
ambiguous value seen before that raises an ambiguous-date error instead of being guessed.
Dotted dates (31.01.2026) are always day-first.
"""

import re
from collections import Counter
from datetime import datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

_TIME = r"(?:,?[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([AaPp])\.?[Mm]\.?)?)?"
_ISO = re.compile(
    r"\d{4}-\d{2}-\d{2}"
    r"(?:([T ])\d{2}:\d{2}(?::\d{2}(\.\d+)?)?)?"
    r"\s?(Z|[+-]\d{2}(?::?\d{2})?)?"
)
_SLASH = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})" + _TIME)
_DOTTED = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})" + _TIME)
_EPOCH_MS = re.compile(r"\d{12,13}")

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class DateValueError(ValueError):
    """The text is not a date; ``ambiguous`` is True when only the day/month order is unknown."""

    def __init__(self, text, ambiguous=False):
        super().__init__(text)
        self.text = text
        self.ambiguous = ambiguous


def resolve_timezone(tz):
    """Return a tzinfo for a zone name such as "Europe/Berlin", or the tzinfo given."""
    if isinstance(tz, tzinfo):
        return tz
    return ZoneInfo(tz)


class DateParser:
    """Parse dates of one file into aware datetimes and count the formats seen.

    ``dayfirst`` is True (DD/MM/YYYY), False (MM/DD/YYYY) or None (decide from the file).
    Naive values are read in ``tz``. ``formats_seen`` counts each format label parsed.
    """

    def __init__(self, tz="UTC", dayfirst=None):
        self.tz = resolve_timezone(tz)
        self.dayfirst = dayfirst
        self.formats_seen = Counter()

    def expected_formats(self):
        """Return the accepted formats as listed in error messages."""
        if self.dayfirst is None:
            slash = "MM/DD/YYYY or DD/MM/YYYY"
        elif self.dayfirst:
            slash = "DD/MM/YYYY"
        else:
            slash = "MM/DD/YYYY"
        return (
            "YYYY-MM-DD[ HH:MM[:SS]], ISO 8601 (2026-01-31T09:30:00Z), "
            "%s[ HH:MM[:SS]][ AM/PM], DD.MM.YYYY[ HH:MM[:SS]], epoch milliseconds" % slash
        )

    def learn_order(self, text):
        """Set ``dayfirst`` from a slash date that fits only one order; ignore anything else."""
        if self.dayfirst is not None:
            return
        match = _SLASH.fullmatch(text.strip())
        if match:
            self.dayfirst = _order_of(int(match.group(1)), int(match.group(2)), int(match.group(3)))

    def parse(self, text):
        """Return the value as an aware datetime or raise DateValueError."""
        value = text.strip()

        if _ISO.fullmatch(value):
            return self._parse_iso(value)
        if _EPOCH_MS.fullmatch(value):
            self.formats_seen["epoch milliseconds"] += 1
            return EPOCH + timedelta(milliseconds=int(value))

        match = _SLASH.fullmatch(value)
        if match:
            return self._parse_slash(value, match)

        match = _DOTTED.fullmatch(value)
        if match:
            day, month, year = (int(part) for part in match.group(1, 2, 3))
            return self._build(value, match, year, month, day, "DD.MM.YYYY")

        raise DateValueError(value)

    def _parse_iso(self, value):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise DateValueError(value) from None

        match = _ISO.fullmatch(value)
        separator, fraction, offset = match.group(1, 2, 3)
        if separator == "T" or fraction or offset:
            label = "ISO 8601"
        elif separator is None:
            label = "YYYY-MM-DD"
        elif value.count(":") == 2:
            label = "YYYY-MM-DD HH:MM:SS"
        else:
            label = "YYYY-MM-DD HH:MM"

        self.formats_seen[label] += 1
        return self._aware(parsed)

    def _parse_slash(self, value, match):
        first, second, year = (int(part) for part in match.group(1, 2, 3))

        if self.dayfirst is None and first == second:
            return self._build(value, match, year, first, second, "MM/DD/YYYY or DD/MM/YYYY")

        if self.dayfirst is None:
            order = _order_of(first, second, year)
            if order is None and _fits(year, first, second) and _fits(year, second, first):
                raise DateValueError(value, ambiguous=True)
            if order is None:
                raise DateValueError(value)
            self.dayfirst = order

        if self.dayfirst:
            return self._build(value, match, year, second, first, "DD/MM/YYYY")
        return self._build(value, match, year, first, second, "MM/DD/YYYY")

    def _build(self, value, match, year, month, day, date_label):
        hour_text, minute_text, second_text, meridiem = match.group(4, 5, 6, 7)
        hour = int(hour_text or 0)
        label = date_label

        if hour_text is not None:
            seconds_label = ":SS" if second_text else ""
            if meridiem:
                if not 1 <= hour <= 12:
                    raise DateValueError(value)
                hour = hour % 12 + (12 if meridiem.lower() == "p" else 0)
                label += " h:mm%s AM/PM" % seconds_label.lower()
            else:
                label += " HH:MM" + seconds_label

        try:
            parsed = datetime(
                year, month, day, hour, int(minute_text or 0), int(second_text or 0)
            )
        except ValueError:
            raise DateValueError(value) from None

        self.formats_seen[label] += 1
        return self._aware(parsed)

    def _aware(self, parsed):
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=self.tz)
        return parsed


def _fits(year, month, day):
    try:
        datetime(year, month, day)
    except ValueError:
        return False
    return True


def _order_of(first, second, year):
    """Return True (day-first) or False (month-first) when only one order is a valid date."""
    as_dayfirst = _fits(year, second, first)
    as_monthfirst = _fits(year, first, second)
    if as_dayfirst == as_monthfirst:
        return None
    return as_dayfirst
