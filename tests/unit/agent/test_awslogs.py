"""The awslogs driver's rules: stream names, defaults and Docker's refusals of options, the
datetime format read as Docker reads it, buffer sizes, Docker's timestamps and multi-line joining."""

from __future__ import annotations

import re
from typing import Any

import pytest

from skiff.agent import awslogs


def container(**options: str) -> dict[str, Any]:
    return {"name": "web", "logConfiguration": {"logDriver": "awslogs", "options": options}}


def test_stream_group_region_and_defaults() -> None:
    config = awslogs.config_for(
        container(**{"awslogs-group": "/g", "awslogs-stream-prefix": "ecs"}), "t1", "eu-west-1"
    )
    assert (config.group, config.stream, config.region) == ("/g", "ecs/web/t1", "eu-west-1")
    assert (config.mode, config.max_buffer_size, config.create_group) == ("non-blocking", 10 * 1024**2, False)
    assert config.first_line is None
    bare = awslogs.config_for(
        container(**{"awslogs-group": "/g", "awslogs-region": "us-west-2", "awslogs-create-group": "True"}),
        "t1",
        "eu-west-1",
        "c0ffee",
    )
    assert (bare.stream, bare.region, bare.create_group) == ("c0ffee", "us-west-2", True)
    assert awslogs.uses_awslogs(container()) and not awslogs.uses_awslogs({"name": "x"})


@pytest.mark.parametrize(
    ("options", "text"),
    [
        ({}, "must specify a value for log opt 'awslogs-group'"),
        ({"awslogs-group": "/g", "mode": "fast"}, "logger: no log driver mode named 'fast'"),
        ({"awslogs-group": "/g", "max-buffer-size": "lots"}, "invalid max-buffer-size 'lots'"),
        (
            {"awslogs-group": "/g", "awslogs-multiline-pattern": "("},
            "awslogs could not parse multiline pattern",
        ),
        ({"awslogs-group": "/g", "awslogs-datetime-format": "%Q"}, "unsupported directive %Q"),
        (
            {"awslogs-group": "/g", "awslogs-datetime-format": "%Y", "awslogs-multiline-pattern": "^x"},
            "cannot configure log opt 'awslogs-datetime-format' and 'awslogs-multiline-pattern'",
        ),
    ],
)
def test_refused_options(options: dict[str, str], text: str) -> None:
    with pytest.raises(awslogs.OptionError, match=re.escape(text)):
        awslogs.config_for(container(**options), "t1", "us-east-1")


def test_datetime_format_is_strftime_within_a_regex() -> None:
    pattern = awslogs.datetime_regex(r"\[%b %d, %Y %H:%M:%S\]")
    assert pattern.search("[Dec 02, 2026 23:59:01] started")
    assert not pattern.search("  at [Dec 02, 2026 23:59:01]")  # only at a line's start
    assert not pattern.search("[Dec 32, 2026 23:59:01]")
    assert awslogs.datetime_regex("%Y-%m-%dT%H:%M:%S%z").search("2026-12-02T10:00:00+0100 x")


def test_buffer_sizes() -> None:
    assert awslogs.buffer_size("25m") == 25 * 1024**2
    assert awslogs.buffer_size("4KiB") == 4096
    assert awslogs.buffer_size("512") == 512
    assert awslogs.buffer_size("1.5k") == 1536


def test_docker_timestamps() -> None:
    assert awslogs.split_line(b"2026-12-02T10:00:00.123456789Z hello world") == (
        1_796_205_600_123_456_789,
        "hello world",
    )
    assert awslogs.split_line(b"2026-12-02T10:00:00.5Z x")[0] == 1_796_205_600_500_000_000  # zeros cut
    assert awslogs.split_line(b"2026-12-02T10:00:00Z ")[0] == 1_796_205_600_000_000_000
    assert awslogs.split_line(b"2026-12-02T10:00:00.1Z caf\xc3\xa9 \xff")[1] == "caf\u00e9 \ufffd"
    ns, text = awslogs.split_line(b"not a timestamp")  # kept, stamped now
    assert text == "not a timestamp" and ns > 1_796_000_000_000_000_000


def test_joiner_lines_and_events() -> None:
    single = awslogs.Joiner(None)
    event = single.feed(awslogs.Line(5_000_000, "one", 1))
    assert event is not None and (event.ts_ms, event.message) == (5, "one")
    joiner = awslogs.Joiner(awslogs.datetime_regex("%H:%M"))
    fed = [
        joiner.feed(awslogs.Line(n * 1_000_000, t, 1)) for n, t in enumerate(["x", "10:00 a", "b", "10:01 c"])
    ]
    # a line before the first match is an event of its own once a first line comes (as Docker does)
    assert [e.message if e else None for e in fed] == [None, "x", None, "10:00 a\nb"]
    joined = fed[3]
    assert joined is not None and (joined.ts_ms, joined.last.text) == (1, "b")
    last = joiner.flush()
    assert last is not None and last.message == "10:01 c" and joiner.flush() is None
