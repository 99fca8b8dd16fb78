"""Working minutes between two instants, counting only the team's working hours and days.

The count uses wall-clock time in the team's time zone: a working day from 09:00 to 17:00 is
480 minutes on every working day, also on the days when daylight saving time starts or ends
(those shifts happen at night). Public holidays are not known, so they count as working days.
"""
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

# A Monday, so that the number of days since it modulo 7 is the weekday (0 = Monday).
_EPOCH_MONDAY = date(2000, 1, 3)


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
    """Return working_minutes for each pair of the two equal-length sequences, in order."""
    if len(starts) != len(ends):
        raise ValueError(f"starts and ends differ in length: {len(starts)} and {len(ends)}.")
    return [working_minutes(start, end, hours) for start, end in zip(starts, ends)]


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
