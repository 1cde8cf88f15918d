"""Schedule expressions of scheduled actions: `at(yyyy-mm-ddThh:mm:ss)`, `rate(N unit)` and
`cron(Minutes Hours Day-of-month Month Day-of-week Year)`, in a time zone (IANA name, UTC by
default), and the next time one fires after a given instant.

cron fields take `*`, numbers, ranges `a-b`, lists `a,b`, steps `a/n` and `*/n`, month and day
names (JAN, MON...), `?` in one of the two day fields, and `L` (last day of the month / SAT).
Days of the week run 1-7 = SUN-SAT, as in AWS's cron.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

AT = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")
RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
CRON = re.compile(r"^cron\(([^)]*)\)$")
MONTHS = {
    m: i
    for i, m in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1
    )
}
DAYS = {d: i for i, d in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), start=1)}
UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
YEARS_AHEAD = 5


class BadSchedule(ValueError):
    """The expression is not one AWS accepts; the message says why."""


def zone(name: str | None) -> dt.tzinfo:
    if not name:
        return dt.UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise BadSchedule(f"Invalid timezone: {name}") from exc


def _field(text: str, low: int, high: int, names: dict[str, int] | None = None) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            if not (step_text.isascii() and step_text.isdigit()) or int(step_text) < 1:
                raise BadSchedule("Invalid cron step")
            step = int(step_text)
        if part in ("*", ""):
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = _value(a, names), _value(b, names)
        else:
            start = _value(part, names)
            end = high if step > 1 else start
        if not (low <= start <= high and low <= end <= high) or start > end:
            raise BadSchedule("Cron value out of range")
        values.update(range(start, end + 1, step))
    return frozenset(values)


def _value(text: str, names: dict[str, int] | None) -> int:
    if names and text.upper() in names:
        return names[text.upper()]
    if not (text.isascii() and text.isdigit()):
        raise BadSchedule(f"Invalid cron value {text}")
    return int(text)


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int] | None  # None: '?'
    last_day: bool
    months: frozenset[int]
    weekdays: frozenset[int] | None  # 1-7 = SUN-SAT; None: '?'
    years: frozenset[int]

    def day_matches(self, day: dt.date) -> bool:
        if day.year not in self.years or day.month not in self.months:
            return False
        if self.days is not None or self.last_day:
            last = calendar.monthrange(day.year, day.month)[1]
            if not ((self.days is not None and day.day in self.days) or (self.last_day and day.day == last)):
                return False
        if self.weekdays is not None:
            weekday = (day.isoweekday() % 7) + 1  # SUN=1 ... SAT=7
            if weekday not in self.weekdays:
                return False
        return True


def parse_cron(body: str) -> Cron:
    fields = body.split()
    if len(fields) != 6:
        raise BadSchedule(
            "Cron expressions have six fields: minutes hours day-of-month month day-of-week year"
        )
    minute, hour, dom, month, dow, year = fields
    if (dom == "?") == (dow == "?"):
        raise BadSchedule("Exactly one of day-of-month and day-of-week must be '?'")
    last_day = dom == "L"
    days = None if dom in ("?", "L") else _field(dom, 1, 31)
    weekdays = None if dow == "?" else (frozenset({7}) if dow == "L" else _field(dow, 1, 7, DAYS))
    return Cron(
        _field(minute, 0, 59),
        _field(hour, 0, 23),
        days,
        last_day,
        _field(month, 1, 12, MONTHS),
        weekdays,
        _field(year, 1970, 2199),
    )


@dataclass(frozen=True)
class Schedule:
    """A parsed expression with its time zone."""

    kind: str  # at | rate | cron
    tz: dt.tzinfo
    at: dt.datetime | None = None
    every: int = 0  # rate: seconds
    cron: Cron | None = None

    def next_after(self, after: dt.datetime, base: dt.datetime) -> dt.datetime | None:
        """The first firing strictly after `after` (UTC); `base` is when a rate's count starts."""
        if self.kind == "at":
            assert self.at is not None
            return self.at if self.at > after else None
        if self.kind == "rate":
            if after < base:
                return base + dt.timedelta(seconds=self.every)
            periods = int((after - base).total_seconds() // self.every) + 1
            return base + dt.timedelta(seconds=periods * self.every)
        assert self.cron is not None
        local = after.astimezone(self.tz)
        day = local.date()
        horizon = day + dt.timedelta(days=366 * YEARS_AHEAD)
        while day <= horizon:
            if self.cron.day_matches(day):
                for hour in sorted(self.cron.hours):
                    for minute in sorted(self.cron.minutes):
                        when = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.tz)
                        when_utc = when.astimezone(dt.UTC)
                        if when_utc > after:
                            return when_utc
            day += dt.timedelta(days=1)
        return None


def parse(expression: str, timezone: str | None = None) -> Schedule:
    tz = zone(timezone)
    if match := AT.match(expression):
        try:
            local = dt.datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S")
        except ValueError as exc:
            raise BadSchedule(f"Invalid at expression: {expression}") from exc
        return Schedule("at", tz, at=local.replace(tzinfo=tz).astimezone(dt.UTC))
    if match := RATE.match(expression):
        value = int(match.group(1))
        if value < 1:
            raise BadSchedule("The rate value must be a positive integer")
        unit = match.group(2).rstrip("s")
        return Schedule("rate", tz, every=value * UNIT_SECONDS[unit])
    if match := CRON.match(expression):
        return Schedule("cron", tz, cron=parse_cron(match.group(1)))
    raise BadSchedule(f"Invalid schedule expression: {expression}")
