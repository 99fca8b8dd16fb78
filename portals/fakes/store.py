"""Record stores for the fake servers: JSON Lines files read by offset, or in-memory lists.

A JSON Lines store parses each line once while it builds its index, keeps only the byte
offsets and a few extracted column values, and parses a record again when a request
reads it, so the JSON text of a file is never kept in memory. NOTE: memory per record is
8 bytes of offset plus the Python objects of the extracted columns, an estimated 100-200
bytes with two or three columns. A 1M-contact file therefore needs a few hundred MB.
"""

import array
import datetime
import json
import logging
import os
import threading

logger = logging.getLogger(__name__)


def parse_timestamp(value):
    """Return epoch seconds for an ISO 8601 datetime or date, or epoch milliseconds.

    Accepts the vendor forms "2026-01-05T10:00:03.120Z", "2026-01-05T10:00:03.000+0000",
    "2026-01-05", and "1767607203120" (milliseconds, as HubSpot search filters send).
    Return None when the value is empty or not a timestamp.
    """
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value / 1000.0

    text = str(value).strip()
    if text.isdigit() and len(text) >= 11:
        return int(text) / 1000.0

    text = text.replace("Z", "+00:00")
    if len(text) >= 5 and text[-5] in "+-" and text[-3] != ":":
        text = text[:-2] + ":" + text[-2:]
    try:
        parsed = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None

    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed.timestamp()


class RecordStore:
    """Records addressed by position, with optional column values extracted at load time.

    `columns` maps a column name to a function of the record dict. Positions follow the
    order of the source file or list.
    """

    def __init__(self, columns=None):
        self.column_functions = dict(columns or {})
        self.columns = {name: [] for name in self.column_functions}
        self._lock = threading.Lock()
        self._derived = {}

    def __len__(self):
        raise NotImplementedError

    def get(self, position):
        raise NotImplementedError

    def close(self):
        pass

    def iter_records(self):
        for position in range(len(self)):
            yield self.get(position)

    def first(self):
        return self.get(0) if len(self) else None

    def _add_columns(self, record):
        for name, function in self.column_functions.items():
            self.columns[name].append(function(record))

    def derived(self, key, build):
        """Return build(self), computed once per key and cached (sorted orders, indexes)."""
        with self._lock:
            if key not in self._derived:
                self._derived[key] = build(self)
            return self._derived[key]


class ListStore(RecordStore):
    """Records held as parsed dicts, for tests and small datasets."""

    def __init__(self, records, columns=None):
        super().__init__(columns)
        self._records = list(records)
        for record in self._records:
            self._add_columns(record)

    def __len__(self):
        return len(self._records)

    def get(self, position):
        return self._records[position]


class JsonlStore(RecordStore):
    """Records read from a JSON Lines file with os.pread, so threads share one descriptor."""

    def __init__(self, path, columns=None):
        super().__init__(columns)
        self.path = path
        self._offsets = array.array("q")
        self._fd = None
        self._load()

    def _load(self):
        offset = 0
        with open(self.path, "rb") as source:
            for line_number, line in enumerate(source, start=1):
                if line.strip():
                    try:
                        record = json.loads(line)
                    except json.JSONDecodeError as error:
                        raise ValueError("invalid JSON in %s line %d: %s" % (self.path, line_number, error)) from error
                    self._offsets.append(offset)
                    self._add_columns(record)
                offset += len(line)

        self._offsets.append(offset)
        self._fd = os.open(self.path, os.O_RDONLY)
        logger.info("fake store loaded path=%s records=%d", self.path, len(self))

    def __len__(self):
        return len(self._offsets) - 1

    def get(self, position):
        if position < 0 or position >= len(self):
            raise IndexError(position)
        start = self._offsets[position]
        length = self._offsets[position + 1] - start
        return json.loads(os.pread(self._fd, length, start))

    def close(self):
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
