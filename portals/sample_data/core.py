"""Shared building blocks: seeded random streams, time formats, streaming writers and planted-problem records."""
import csv
import hashlib
import json
import random
import time
from pathlib import Path

DAY = 86400
HOUR = 3600
MINUTE = 60

# The moment every sample dataset is "exported": stage ages and "stuck" checks are measured against it.
AS_OF = 1782777600  # 2026-06-30T00:00:00Z
WINDOW_START = AS_OF - 730 * DAY  # 2024-06-30T00:00:00Z


def stream_key(seed, *parts):
    """Return a 64-bit integer that names one random stream of one client.

    Python's str hashing is salted per process, so the key is built from SHA-256 instead.
    """
    text = ":".join([str(seed), *map(str, parts)])
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def stream_rng(seed, *parts):
    return random.Random(stream_key(seed, *parts))


class RecordRng:
    """One random.Random reseeded per record, so record i is the same whatever is generated before it."""

    def __init__(self, seed, *parts):
        self.base = stream_key(seed, *parts) << 40
        self.rng = random.Random()

    def at(self, index):
        self.rng.seed(self.base + index)
        return self.rng


def exact_count(rate, denominator):
    return int(round(rate * denominator))


def split_counts(total, shares):
    """Split total into integer counts proportional to shares (largest remainder), summing to total."""
    weight = sum(shares)
    raw = [total * share / weight for share in shares]
    counts = [int(value) for value in raw]
    order = sorted(range(len(raw)), key=lambda k: raw[k] - counts[k], reverse=True)
    for k in order[: total - sum(counts)]:
        counts[k] += 1
    return counts


def within_one_edit(a, b):
    """Return True when a and b differ by at most one insertion, deletion or substitution."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1:] == b[i + 1:]
    return a[i:] == b[i + 1:]


def edit_distance(a, b):
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


# Time formats. Every timestamp inside the generator is an integer of UTC epoch seconds.

def iso_z(seconds):
    """HubSpot CRM v3 datetime, e.g. 2026-01-02T09:15:00.000Z."""
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(seconds))


def iso_seconds_z(seconds):
    """Marketo REST datetime, e.g. 2026-01-02T09:15:00Z."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def sf_datetime(seconds):
    """Salesforce REST datetime, e.g. 2026-01-02T09:15:00.000+0000."""
    return time.strftime("%Y-%m-%dT%H:%M:%S.000+0000", time.gmtime(seconds))


def day_string(seconds):
    return time.strftime("%Y-%m-%d", time.gmtime(seconds))


def export_datetime(seconds):
    """Datetime as written in the sample CSV exports: YYYY-MM-DD HH:MM (UTC)."""
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(seconds))


def epoch_ms(seconds):
    return str(seconds * 1000)


def working_slot(seconds, offset_minutes, rng, latest_local_hour=14):
    """Move a time back to a weekday working-hours slot on or before it, in a fixed-offset time zone.

    The result lies between 09:00 and latest_local_hour:00 local time on Monday to Friday and is never
    later than the input, so the stage order built around it holds.
    """
    offset = offset_minutes * MINUTE
    local = seconds + offset
    day_start = local - local % DAY
    while True:
        weekday = time.gmtime(day_start).tm_wday
        slot = day_start + 9 * HOUR + rng.randrange((latest_local_hour - 9) * HOUR // MINUTE) * MINUTE
        if weekday < 5 and slot <= local:
            return slot - offset
        day_start -= DAY


class JsonlWriter:
    """Write one JSON object per line; the file is never held in memory."""

    def __init__(self, path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = self.path.open("w", encoding="utf-8", newline="\n")
        self.count = 0
        self.encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

    def write(self, record):
        self.handle.write(self.encode(record))
        self.handle.write("\n")
        self.count += 1

    def close(self):
        self.handle.close()


class CsvWriter:
    def __init__(self, path, header):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = self.path.open("w", encoding="utf-8", newline="")
        self.writer = csv.writer(self.handle, lineterminator="\r\n")
        self.writer.writerow(header)
        self.count = 0

    def write(self, row):
        self.writer.writerow(row)
        self.count += 1

    def close(self):
        self.handle.close()


def write_json(path, payload):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=1, sort_keys=False) + "\n", encoding="utf-8")


class PlantedLog:
    """The planted problems of one client, in the manifest's "planted" shape."""

    def __init__(self):
        self.entries = []

    def add(self, code, description, rate, denominator, denominator_count, record_ids, *, file, **extra):
        entry = {
            "code": code,
            "description": description,
            "rate": rate,
            "denominator": denominator,
            "denominator_count": denominator_count,
            "count": len(record_ids),
            "file": file,
            "record_ids": list(record_ids),
        }
        entry.update(extra)
        self.entries.append(entry)
        return entry
