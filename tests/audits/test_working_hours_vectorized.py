"""The array version of the working-minutes count against the scalar one and a day-by-day reference."""
import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from audits.working_hours import (
    WorkingHours, epoch_microseconds, local_hours_epoch, working_minutes, working_minutes_epoch, working_minutes_many,
)

WEEKDAYS = frozenset(range(5))


def office(zone, start_hour=9, end_hour=17, days=WEEKDAYS):
    return WorkingHours(start_hour=start_hour, end_hour=end_hour, days=frozenset(days), time_zone=ZoneInfo(zone))


def reference_minutes(start, end, hours):
    """Walk the local calendar days and add the overlap of each working day's hours with [start, end]."""
    if end < start:
        return -reference_minutes(end, start, hours)
    local_start = start.astimezone(hours.time_zone).replace(tzinfo=None)
    local_end = end.astimezone(hours.time_zone).replace(tzinfo=None)

    total = 0.0
    day = local_start.date()
    while day <= local_end.date():
        if day.weekday() in hours.days:
            midnight = datetime(day.year, day.month, day.day)
            opens = midnight + timedelta(hours=hours.start_hour)
            closes = midnight + timedelta(hours=hours.end_hour)
            overlap = min(closes, local_end) - max(opens, local_start)
            total += max(overlap.total_seconds(), 0) / 60
        day += date.resolution
    return total


def at(zone, *fields):
    """An aware datetime from local wall-clock fields in `zone`."""
    return datetime(*fields, tzinfo=ZoneInfo(zone))


BERLIN = office("Europe/Berlin")
NEW_YORK = office("America/New_York")
KOLKATA = office("Asia/Kolkata")
LORD_HOWE = office("Australia/Lord_Howe")
# Working hours with fractions, six days a week: the scalar version computes in floats here.
SYDNEY_LONG_WEEK = office("Australia/Sydney", start_hour=8.5, end_hour=17.25, days=range(6))

# (name, start, end, working hours) of cases where a formula can go wrong.
HARD_CASES = [
    ("same working hour", at("Europe/Berlin", 2026, 5, 11, 10), at("Europe/Berlin", 2026, 5, 11, 10, 20), BERLIN),
    ("Friday evening to Monday morning", at("Europe/Berlin", 2026, 5, 8, 16, 30), at("Europe/Berlin", 2026, 5, 11, 9, 15), BERLIN),
    ("Saturday to Sunday", at("Europe/Berlin", 2026, 5, 9, 11), at("Europe/Berlin", 2026, 5, 10, 15), BERLIN),
    ("night only", at("Europe/Berlin", 2026, 5, 12, 20), at("Europe/Berlin", 2026, 5, 13, 8), BERLIN),
    ("before opening to after closing", at("Europe/Berlin", 2026, 5, 12, 6), at("Europe/Berlin", 2026, 5, 12, 22), BERLIN),
    ("exactly opening to exactly closing", at("Europe/Berlin", 2026, 5, 12, 9), at("Europe/Berlin", 2026, 5, 12, 17), BERLIN),
    ("exactly opening to after closing", at("Europe/Berlin", 2026, 5, 12, 9), at("Europe/Berlin", 2026, 5, 13, 22), BERLIN),
    ("before opening to exactly closing", at("Europe/Berlin", 2026, 5, 12, 7), at("Europe/Berlin", 2026, 5, 14, 17), BERLIN),
    ("three weeks and a bit", at("Europe/Berlin", 2026, 4, 1, 13, 7), at("Europe/Berlin", 2026, 4, 23, 10, 41), BERLIN),
    ("end before start", at("Europe/Berlin", 2026, 5, 13, 11), at("Europe/Berlin", 2026, 5, 11, 15, 30), BERLIN),
    ("microseconds", datetime(2026, 5, 11, 9, 0, 0, 1, tzinfo=UTC), datetime(2026, 5, 11, 9, 0, 30, 999_999, tzinfo=UTC), BERLIN),
    ("spring forward weekend in Berlin", at("Europe/Berlin", 2026, 3, 27, 15), at("Europe/Berlin", 2026, 3, 30, 8), BERLIN),
    ("across spring forward, working days", at("Europe/Berlin", 2026, 3, 26, 10), at("Europe/Berlin", 2026, 3, 31, 11), BERLIN),
    ("at the spring forward instant", datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC), datetime(2026, 3, 29, 1, 0, tzinfo=UTC), BERLIN),
    ("across fall back in Berlin", at("Europe/Berlin", 2026, 10, 23, 16), at("Europe/Berlin", 2026, 10, 26, 10), BERLIN),
    ("inside the repeated hour", datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 1, 30, tzinfo=UTC), BERLIN),
    ("across spring forward in New York", at("America/New_York", 2026, 3, 6, 12), at("America/New_York", 2026, 3, 9, 12), NEW_YORK),
    ("across fall back in New York", at("America/New_York", 2026, 10, 30, 12), at("America/New_York", 2026, 11, 2, 12), NEW_YORK),
    ("half-hour offset", datetime(2026, 5, 11, 3, 0, tzinfo=UTC), datetime(2026, 5, 12, 12, 0, tzinfo=UTC), KOLKATA),
    ("half-hour daylight saving shift", at("Australia/Lord_Howe", 2026, 4, 2, 12), at("Australia/Lord_Howe", 2026, 4, 7, 10), LORD_HOWE),
    ("UTC date differs from local date", datetime(2026, 5, 10, 22, 0, tzinfo=UTC), datetime(2026, 5, 11, 23, 30, tzinfo=UTC), office("Pacific/Auckland")),
    ("fractional hours, six-day week", at("Australia/Sydney", 2026, 4, 3, 8), at("Australia/Sydney", 2026, 4, 13, 17, 10), SYDNEY_LONG_WEEK),
    ("before the epoch Monday", datetime(1999, 12, 30, 10, tzinfo=UTC), datetime(2000, 1, 4, 12, tzinfo=UTC), BERLIN),
]


@pytest.mark.parametrize(("name", "start", "end", "hours"), HARD_CASES, ids=[case[0] for case in HARD_CASES])
def test_vectorized_matches_reference(name, start, end, hours):
    [vectorized] = working_minutes_many([start], [end], hours)
    assert vectorized == pytest.approx(reference_minutes(start, end, hours), abs=1e-9)


@pytest.mark.parametrize(("name", "start", "end", "hours"), HARD_CASES, ids=[case[0] for case in HARD_CASES])
def test_vectorized_matches_scalar_value_and_type(name, start, end, hours):
    [vectorized] = working_minutes_many([start], [end], hours)
    scalar = working_minutes(start, end, hours)
    assert vectorized == scalar
    assert type(vectorized) is type(scalar)


def test_vectorized_table_in_one_call():
    for hours in {case[3] for case in HARD_CASES}:
        cases = [case for case in HARD_CASES if case[3] is hours]
        starts = [case[1] for case in cases]
        ends = [case[2] for case in cases]
        assert working_minutes_many(starts, ends, hours) == [working_minutes(s, e, hours) for s, e in zip(starts, ends)]


# UTC instants of 2026 offset changes: New York, Newfoundland, Berlin, Adelaide and Lord Howe. Those of
# Adelaide and Newfoundland fall in the middle of a UTC hour.
TRANSITIONS_2026 = [
    datetime(2026, 3, 8, 7, tzinfo=UTC), datetime(2026, 3, 8, 5, 30, tzinfo=UTC), datetime(2026, 3, 29, 1, tzinfo=UTC),
    datetime(2026, 4, 4, 15, tzinfo=UTC), datetime(2026, 4, 4, 16, 30, tzinfo=UTC), datetime(2026, 10, 3, 15, 30, tzinfo=UTC),
    datetime(2026, 10, 3, 16, 30, tzinfo=UTC), datetime(2026, 10, 25, 1, tzinfo=UTC), datetime(2026, 11, 1, 4, 30, tzinfo=UTC),
    datetime(2026, 11, 1, 6, tzinfo=UTC),
]
ROUND_THE_CLOCK = {"start_hour": 0, "end_hour": 24, "days": range(7)}


@pytest.mark.parametrize("hours", [
    office("Europe/Berlin"), office("America/New_York"), office("Australia/Lord_Howe"), office("Asia/Kathmandu"),
    office("Australia/Adelaide", **ROUND_THE_CLOCK), office("America/St_Johns", **ROUND_THE_CLOCK),
    office("Australia/Lord_Howe", **ROUND_THE_CLOCK),
], ids=lambda hours: f"{hours.time_zone.key} {hours.start_hour}-{hours.end_hour}")
def test_random_instants_around_transitions(hours):
    """Random instants of 2026 and instants near each offset change, compared with the scalar version."""
    generator = random.Random(20260330)
    year_start = datetime(2026, 1, 1, tzinfo=UTC)
    span = 366 * 24 * 3600 * 1_000_000
    starts, ends = [], []
    for _ in range(400):
        starts.append(year_start + timedelta(microseconds=generator.randrange(span)))
        ends.append(starts[-1] + timedelta(microseconds=generator.randrange(-3 * 86_400_000_000, 9 * 86_400_000_000)))
    for transition in TRANSITIONS_2026:
        for _ in range(100):
            starts.append(transition + timedelta(seconds=generator.randrange(-2 * 3600, 2 * 3600)))
            ends.append(transition + timedelta(seconds=generator.randrange(-2 * 86400, 2 * 86400)))

    vectorized = working_minutes_many(starts, ends, hours)
    scalar = [working_minutes(start, end, hours) for start, end in zip(starts, ends)]
    assert vectorized == scalar
    assert [type(value) for value in vectorized] == [type(value) for value in scalar]


def test_local_hours_at_mid_hour_transition():
    # Adelaide leaves daylight saving time at 2026-04-04 16:30 UTC (03:00 ACDT becomes 02:00 ACST).
    hours = office("Australia/Adelaide")
    moments = [datetime(2026, 4, 4, 16, 29, 59, 999_999, tzinfo=UTC), datetime(2026, 4, 4, 16, 30, tzinfo=UTC)]
    assert local_hours_epoch(epoch_microseconds(moments), hours) == [2, 2]
    minutes = [datetime(2026, 4, 4, 16, 15, tzinfo=UTC), datetime(2026, 4, 4, 16, 45, tzinfo=UTC)]
    assert local_hours_epoch(epoch_microseconds(minutes), hours) == [2, 2]
    assert working_minutes_many(moments[:1], moments[1:], office("Australia/Adelaide", **ROUND_THE_CLOCK)) == [
        pytest.approx(-60 + 1 / 60_000_000)
    ]


def test_local_hours_across_fall_back():
    hours = office("Europe/Berlin")
    moments = [datetime(2026, 10, 25, 0, 59, 59, tzinfo=UTC), datetime(2026, 10, 25, 1, tzinfo=UTC),
               datetime(2026, 10, 25, 1, 30, tzinfo=UTC), datetime(2026, 3, 29, 1, tzinfo=UTC)]
    assert local_hours_epoch(epoch_microseconds(moments), hours) == [2, 2, 2, 3]


def test_epoch_version_accepts_empty_input():
    assert working_minutes_epoch([], [], office("Europe/Berlin")) == []


def test_naive_datetime_rejected():
    with pytest.raises(ValueError, match="aware datetimes"):
        working_minutes_many([datetime(2026, 5, 11, 10)], [datetime(2026, 5, 11, 11)], office("Europe/Berlin"))
