"""Working minutes between two instants, counting only the team's working hours and days.

The count uses wall-clock time in the team's time zone: a working day from 09:00 to 17:00 is
480 minutes on every working day, also on the days when daylight saving time starts or ends
(those shifts happen at night). Public holidays are not known, so they count as working days.
"""
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

# A Monday, so that the number of days since it modulo 7 is the weekday (0 = Monday).
_EPOCH_MONDAY = date(2000, 1, 3)
_UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_MONDAY_DAYS = (_EPOCH_MONDAY - _UNIX_EPOCH.date()).days
_MICROSECOND = timedelta(microseconds=1)
_HOUR_US = 3_600_000_000
_DAY_US = 24 * _HOUR_US


@dataclass(frozen=True)
class WorkingHours:
    """Working hours from `start_hour` to `end_hour` (local time) on `days` (0 = Monday) in `time_zone`."""

    start_hour: float
    end_hour: float
    days: frozenset
    time_zone: ZoneInfo

    def __post_init__(self):
        if not 0 <= self.start_hour < self.end_hour <= 24:
            raise ValueError(
                f"Invalid working hours {self.start_hour}-{self.end_hour}: the start must be before the end, both within 0-24."
            )
        invalid_days = sorted(day for day in self.days if day not in range(7))
        if invalid_days:
            raise ValueError(f"Invalid working days {invalid_days}: use weekday numbers 0 (Monday) to 6 (Sunday).")

    @classmethod
    def from_thresholds(cls, thresholds):
        """Build the working hours from the audit thresholds working_hours_start/end, working_days and time_zone."""
        return cls(
            start_hour=thresholds["working_hours_start"],
            end_hour=thresholds["working_hours_end"],
            days=frozenset(thresholds["working_days"]),
            time_zone=ZoneInfo(thresholds["time_zone"]),
        )

    @property
    def minutes_per_day(self):
        return (self.end_hour - self.start_hour) * 60

    def local_time(self, moment):
        """Convert an aware datetime to the wall-clock time in the team's time zone, as a naive datetime."""
        return moment.astimezone(self.time_zone).replace(tzinfo=None)


def working_minutes(start, end, hours):
    """Return the working minutes from `start` to `end` (aware datetimes), negative when end is before start."""
    return _minutes_since_epoch(end, hours) - _minutes_since_epoch(start, hours)


def working_minutes_many(starts, ends, hours):
    """Return working_minutes for each pair of the two equal-length sequences of aware datetimes, in order."""
    if len(starts) != len(ends):
        raise ValueError(f"starts and ends differ in length: {len(starts)} and {len(ends)}.")
    return working_minutes_epoch(epoch_microseconds(starts), epoch_microseconds(ends), hours)


def epoch_microseconds(moments):
    """Return the microseconds since 1970-01-01 00:00 UTC of aware datetimes, as an int64 array."""
    naive = [moment for moment in moments if moment.tzinfo is None]
    if naive:
        raise ValueError(f"Naive datetime {naive[0]}: working minutes need aware datetimes, for example with tzinfo=UTC.")
    return np.array([(moment - _UNIX_EPOCH) // _MICROSECOND for moment in moments], dtype=np.int64)


def working_minutes_epoch(starts, ends, hours):
    """Return working_minutes for each pair of instants given as microseconds since 1970-01-01 UTC.

    The result is a list of the same numbers, of the same type (int or float), that working_minutes
    returns for the same datetimes, so sums, medians and the JSON of the metrics do not change.
    """
    starts = np.asarray(starts, dtype=np.int64)
    ends = np.asarray(ends, dtype=np.int64)
    if starts.shape != ends.shape:
        raise ValueError(f"starts and ends differ in length: {len(starts)} and {len(ends)}.")

    start_minutes, start_is_int = _minutes_since_epoch_array(starts, hours)
    end_minutes, end_is_int = _minutes_since_epoch_array(ends, hours)
    values = (end_minutes - start_minutes).tolist()
    for index in np.flatnonzero(start_is_int & end_is_int).tolist():
        values[index] = int(values[index])
    return values


def local_hours_epoch(moments, hours):
    """Return the local hour (0-23) in the team's time zone of instants given as microseconds since 1970-01-01 UTC."""
    local = local_microseconds(np.asarray(moments, dtype=np.int64), hours.time_zone)
    return ((local // _HOUR_US) % 24).tolist()


def _minutes_since_epoch(moment, hours):
    """Working minutes from the epoch Monday 00:00 local time to `moment`."""
    local = hours.local_time(moment)
    days = (local.date() - _EPOCH_MONDAY).days
    weeks, weekday = divmod(days, 7)

    per_week = hours.minutes_per_day * len(hours.days)
    earlier_days = hours.minutes_per_day * sum(1 for day in hours.days if day < weekday)
    return weeks * per_week + earlier_days + _minutes_into_day(local, weekday, hours)


def _minutes_into_day(local, weekday, hours):
    if weekday not in hours.days:
        return 0.0

    midnight = datetime(local.year, local.month, local.day)
    minute_of_day = (local - midnight).total_seconds() / 60
    start_minute = hours.start_hour * 60
    end_minute = hours.end_hour * 60
    return min(max(minute_of_day, start_minute), end_minute) - start_minute


def _minutes_since_epoch_array(moments, hours):
    """Apply _minutes_since_epoch to an int64 array of epoch microseconds.

    Returns (float64 minutes, bool array). The float64 arithmetic runs in the scalar version's order, and
    every integer term stays below 2**53, so each value equals the scalar one. The bool array marks the
    values that the scalar version returns as an int. Those need integer hours, a working day and a time
    clamped to the start or end of the working day. On a tie, Python's max and min return their first
    argument, which is the float.
    """
    local = local_microseconds(moments, hours.time_zone)
    days = local // _DAY_US - _EPOCH_MONDAY_DAYS
    weeks, weekday = np.divmod(days, 7)
    microsecond_of_day = local - (local // _DAY_US) * _DAY_US

    per_week = hours.minutes_per_day * len(hours.days)
    earlier_days = [hours.minutes_per_day * sum(1 for day in hours.days if day < number) for number in range(7)]
    is_working_day = np.isin(weekday, sorted(hours.days))

    minute_of_day = microsecond_of_day.astype(np.float64) / 1e6 / 60
    start_minute = hours.start_hour * 60
    end_minute = hours.end_hour * 60
    into_day = np.minimum(np.maximum(minute_of_day, start_minute), end_minute) - start_minute
    into_day = np.where(is_working_day, into_day, 0.0)
    minutes = (weeks.astype(np.float64) * per_week + np.array(earlier_days, dtype=np.float64)[weekday]) + into_day

    clamped_to_start = minute_of_day < start_minute
    clamped_to_end = minute_of_day > end_minute
    into_day_is_int = (clamped_to_start & isinstance(start_minute, int)) | (
        clamped_to_end & isinstance(end_minute, int) & isinstance(start_minute, int)
    )
    is_int = is_working_day & into_day_is_int & isinstance(hours.minutes_per_day, int)
    return minutes, is_int


def local_microseconds(moments, zone):
    """Shift epoch microseconds (UTC) by the zone's UTC offset at each instant, which gives local wall-clock time.

    ZoneInfo has no public list of transitions, so the offset is read at both ends of each distinct UTC hour
    of the data. Where the two differ, a binary search over the whole seconds of that hour finds the
    transition (tz database transitions fall on whole seconds).
    NOTE: an hour holding two transitions that cancel out would be missed. The tz database has none.
    """
    if moments.size == 0:
        return moments.copy()
    hour_numbers, hour_index = np.unique(moments // _HOUR_US, return_inverse=True)
    offset_before = np.empty(len(hour_numbers), dtype=np.int64)
    offset_after = np.empty(len(hour_numbers), dtype=np.int64)
    # Instants at or after this one (in microseconds) take offset_after. The default lies past the hour.
    switch_at = (hour_numbers + 1) * _HOUR_US

    for position, hour_number in enumerate(hour_numbers.tolist()):
        first_second = hour_number * 3600
        last_second = first_second + 3599
        before = _offset_seconds(first_second, zone)
        after = _offset_seconds(last_second, zone)
        offset_before[position] = before * 1_000_000
        offset_after[position] = after * 1_000_000
        if before != after:
            switch_at[position] = _transition_second(first_second, last_second, before, zone) * 1_000_000

    per_moment_switch = switch_at[hour_index]
    offsets = np.where(moments >= per_moment_switch, offset_after[hour_index], offset_before[hour_index])
    return moments + offsets


def _offset_seconds(epoch_second, zone):
    moment = _UNIX_EPOCH + timedelta(seconds=epoch_second)
    return int(moment.astimezone(zone).utcoffset().total_seconds())


def _transition_second(low, high, offset_at_low, zone):
    """Return the first whole second in (low, high] whose UTC offset differs from offset_at_low."""
    while high - low > 1:
        middle = (low + high) // 2
        if _offset_seconds(middle, zone) == offset_at_low:
            low = middle
        else:
            high = middle
    return high
