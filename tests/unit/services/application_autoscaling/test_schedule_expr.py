"""Schedule expressions: at/rate/cron parsed as AWS reads them, next firing times, time zones."""

from __future__ import annotations

import datetime as dt

import pytest

from skiff.services.application_autoscaling.schedule_expr import BadSchedule, parse

UTC = dt.UTC
BASE = dt.datetime(2026, 3, 1, 0, 0, tzinfo=UTC)  # a Sunday


def test_at_fires_once_in_its_time_zone() -> None:
    schedule = parse("at(2026-03-02T09:30:00)", "Asia/Tokyo")
    expected = dt.datetime(2026, 3, 2, 0, 30, tzinfo=UTC)
    assert schedule.next_after(BASE, BASE) == expected
    assert schedule.next_after(expected, BASE) is None


def test_rate_counts_from_its_base() -> None:
    schedule = parse("rate(5 minutes)")
    assert schedule.next_after(BASE, BASE) == BASE + dt.timedelta(minutes=5)
    assert schedule.next_after(BASE + dt.timedelta(minutes=7), BASE) == BASE + dt.timedelta(minutes=10)
    assert parse("rate(1 day)").next_after(BASE, BASE) == BASE + dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("expression", "timezone", "after", "expected"),
    [
        ("cron(0 2 * * ? *)", None, BASE, dt.datetime(2026, 3, 1, 2, 0, tzinfo=UTC)),
        ("cron(15 10 ? * MON-FRI *)", None, BASE, dt.datetime(2026, 3, 2, 10, 15, tzinfo=UTC)),
        ("cron(0/20 * * * ? *)", None, BASE, dt.datetime(2026, 3, 1, 0, 20, tzinfo=UTC)),
        ("cron(0 0 L * ? *)", None, BASE, dt.datetime(2026, 3, 31, 0, 0, tzinfo=UTC)),
        ("cron(0 12 1 JAN ? 2027)", None, BASE, dt.datetime(2027, 1, 1, 12, 0, tzinfo=UTC)),
        ("cron(0 8 * * ? *)", "America/New_York", BASE, dt.datetime(2026, 3, 1, 13, 0, tzinfo=UTC)),
        # New York moves to summer time on 8 March 2026: 8:00 is then 12:00 UTC
        ("cron(0 8 * * ? *)", "America/New_York", dt.datetime(2026, 3, 8, 0, 0, tzinfo=UTC),
         dt.datetime(2026, 3, 8, 12, 0, tzinfo=UTC)),
        ("cron(30 1 ? * 1 *)", None, dt.datetime(2026, 3, 1, 2, 0, tzinfo=UTC),
         dt.datetime(2026, 3, 8, 1, 30, tzinfo=UTC)),
    ],
)  # fmt: skip
def test_cron_next_firing(
    expression: str, timezone: str | None, after: dt.datetime, expected: dt.datetime
) -> None:
    assert parse(expression, timezone).next_after(after, after) == expected


@pytest.mark.parametrize(
    ("expression", "timezone"),
    [
        ("cron(0 2 * * * *)", None),  # neither day field is '?'
        ("cron(0 2 ? * ? *)", None),
        ("cron(0 2 * *)", None),
        ("cron(61 2 * * ? *)", None),
        ("cron(0 2 * FOO ? *)", None),
        ("rate(0 minutes)", None),
        ("rate(2 weeks)", None),
        ("at(2026-02-30T00:00:00)", None),
        ("at(2026-02-01 00:00:00)", None),
        ("every day", None),
        ("rate(5 minutes)", "Nowhere/Special"),
        ("cron(² 2 * * ? *)", None),
        ("cron(0/² 2 * * ? *)", None),
    ],
)
def test_bad_expressions(expression: str, timezone: str | None) -> None:
    with pytest.raises(BadSchedule):
        parse(expression, timezone)
