"""PutLogEvents, GetLogEvents and FilterLogEvents through boto3 and the aws CLI: AWS's batch
rules and rejected-event info, f/ and b/ tokens (the token sent comes back at the end), filter
patterns, stream selection, interleaving and pages."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.api.logs.conftest import REGION

HOUR = 3_600_000
DAY = 24 * HOUR


def now() -> int:
    return int(time.time() * 1000)


def group_with(logs: Any, *streams: str) -> str:
    group = f"/events/{uuid.uuid4().hex[:10]}"
    logs.create_log_group(logGroupName=group)
    for stream in streams:
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
    return group


def put(logs: Any, group: str, stream: str, messages: list[str], start: int | None = None) -> dict[str, Any]:
    base = now() - 60_000 if start is None else start
    events = [{"timestamp": base + i, "message": m} for i, m in enumerate(messages)]
    reply: dict[str, Any] = logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)
    return reply


def code_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


def test_put_rules_and_rejected_info(logs: Any) -> None:
    group = group_with(logs, "s")
    t = now()
    reply = logs.put_log_events(
        logGroupName=group,
        logStreamName="s",
        logEvents=[
            {"timestamp": t - 15 * DAY, "message": "too old"},
            {"timestamp": t - 15 * DAY + 1, "message": "too old too"},
        ],
    )
    assert reply["rejectedLogEventsInfo"] == {"tooOldLogEventEndIndex": 1}
    reply = logs.put_log_events(
        logGroupName=group,
        logStreamName="s",
        logEvents=[
            {"timestamp": t - 1000, "message": "kept"},
            {"timestamp": t + 3 * HOUR, "message": "too new"},
        ],
        sequenceToken="ignored",
    )
    assert reply["rejectedLogEventsInfo"] == {"tooNewLogEventStartIndex": 1}
    assert len(reply["nextSequenceToken"]) == 56
    events = logs.get_log_events(logGroupName=group, logStreamName="s", startFromHead=True)["events"]
    assert [e["message"] for e in events] == ["kept"]
    with pytest.raises(ClientError) as excinfo:
        logs.put_log_events(
            logGroupName=group,
            logStreamName="s",
            logEvents=[{"timestamp": t, "message": "b"}, {"timestamp": t - 1, "message": "a"}],
        )
    assert code_of(excinfo) == (
        "InvalidParameterException",
        "Log events in a single PutLogEvents request must be in chronological order.",
    )
    with pytest.raises(ClientError) as excinfo:
        logs.put_log_events(
            logGroupName=group,
            logStreamName="s",
            logEvents=[{"timestamp": t - 25 * HOUR, "message": "a"}, {"timestamp": t, "message": "b"}],
        )
    assert "cannot span more than 24 hours" in code_of(excinfo)[1]
    with pytest.raises(ClientError) as excinfo:
        put(logs, group, "s", ["x" * 600_000, "y" * 600_000])
    assert code_of(excinfo) == (
        "InvalidParameterException",
        "Upload too large: 1200052 bytes exceeds limit of 1048576",
    )
    with pytest.raises(ClientError) as excinfo:
        put(logs, group, "missing", ["a"])
    assert code_of(excinfo) == ("ResourceNotFoundException", "The specified log stream does not exist.")
    with pytest.raises(ClientError) as excinfo:
        put(logs, group + "-missing", "s", ["a"])
    assert code_of(excinfo) == ("ResourceNotFoundException", "The specified log group does not exist.")


def test_retention_rejects_expired_events(logs: Any) -> None:
    group = group_with(logs, "s")
    logs.put_retention_policy(logGroupName=group, retentionInDays=1)
    t = now()
    reply = logs.put_log_events(
        logGroupName=group,
        logStreamName="s",
        logEvents=[
            {"timestamp": t - 2 * DAY, "message": "expired"},
            {"timestamp": t - 2 * DAY + 1, "message": "expired too"},
        ],
    )
    assert reply["rejectedLogEventsInfo"] == {"expiredLogEventEndIndex": 1}
    assert logs.get_log_events(logGroupName=group, logStreamName="s")["events"] == []


def test_get_log_events_tokens_forward_and_backward(logs: Any) -> None:
    group = group_with(logs, "s")
    put(logs, group, "s", [f"line {i}" for i in range(25)])
    tail = logs.get_log_events(logGroupName=group, logStreamName="s", limit=10)
    assert [e["message"] for e in tail["events"]] == [f"line {i}" for i in range(15, 25)]
    assert tail["nextForwardToken"].startswith("f/") and tail["nextForwardToken"].endswith("/s")
    assert len(tail["nextForwardToken"]) == 2 + 56 + 2
    at_end = logs.get_log_events(logGroupName=group, logStreamName="s", nextToken=tail["nextForwardToken"])
    assert at_end["events"] == [] and at_end["nextForwardToken"] == tail["nextForwardToken"]
    back = logs.get_log_events(
        logGroupName=group, logStreamName="s", nextToken=tail["nextBackwardToken"], limit=10
    )
    assert [e["message"] for e in back["events"]] == [f"line {i}" for i in range(5, 15)]
    # reading forward from the head walks every event once, then the token repeats
    seen: list[str] = []
    reply = logs.get_log_events(logGroupName=group, logStreamName="s", startFromHead=True, limit=7)
    while reply["events"]:
        seen += [e["message"] for e in reply["events"]]
        token = reply["nextForwardToken"]
        reply = logs.get_log_events(logGroupName=group, logStreamName="s", nextToken=token, limit=7)
    assert seen == [f"line {i}" for i in range(25)] and reply["nextForwardToken"] == token
    put(logs, group, "s", ["late line"], start=now())
    more = logs.get_log_events(logGroupName=group, logStreamName="s", nextToken=token)
    assert [e["message"] for e in more["events"]] == ["late line"]
    with pytest.raises(ClientError) as excinfo:
        logs.get_log_events(logGroupName=group, logStreamName="s", nextToken="f/nonsense/s")
    assert code_of(excinfo)[0] == "InvalidParameterException"
    window = logs.get_log_events(
        logGroupName=group,
        logStreamName="s",
        startFromHead=True,
        startTime=more["events"][0]["timestamp"],
        endTime=more["events"][0]["timestamp"] + 1,
    )
    assert [e["message"] for e in window["events"]] == ["late line"]
    event = more["events"][0]
    assert event["ingestionTime"] >= event["timestamp"] - 5000


def test_filter_patterns(logs: Any) -> None:
    group = group_with(logs, "app", "web")
    put(
        logs,
        group,
        "app",
        [
            "ERROR disk full",
            "WARN disk almost full",
            "INFO all good",
            json.dumps({"level": "error", "latency": 250, "user": {"id": 7}}),
            json.dumps({"level": "info", "latency": 20, "user": None}),
        ],
    )
    put(
        logs, group, "web", ['10.0.0.1 - alice [10/Oct/2000:13:55:36] "GET /a HTTP/1.0" 404 512', "ERROR web"]
    )

    def messages(pattern: str, **extra: Any) -> list[str]:
        reply = logs.filter_log_events(logGroupName=group, filterPattern=pattern, **extra)
        return [e["message"] for e in reply["events"]]

    assert messages("ERROR") == ["ERROR disk full", "ERROR web"]
    assert messages("disk full") == ["ERROR disk full", "WARN disk almost full"]
    assert messages('"disk full"') == ["ERROR disk full"]
    assert messages("?ERROR ?WARN") == ["ERROR disk full", "WARN disk almost full", "ERROR web"]
    assert messages("disk -WARN") == ["ERROR disk full"]
    assert messages("%^[EW][A-Z]+ disk%") == ["ERROR disk full", "WARN disk almost full"]
    assert messages('{ $.level = "error" }') == [
        json.dumps({"level": "error", "latency": 250, "user": {"id": 7}})
    ]
    assert len(messages("{ $.latency > 100 || $.user IS NULL }")) == 2
    assert len(messages("{ ($.latency < 100) && ($.level = inf*) }")) == 1
    assert len(messages("{ $.user.id = 7 }")) == 1
    assert messages("[ip, dash, user, ts, request, status = 404, size > 500]") == [
        '10.0.0.1 - alice [10/Oct/2000:13:55:36] "GET /a HTTP/1.0" 404 512'
    ]
    assert len(messages("[ip = 10.0.0.*, ...]")) == 1
    assert messages("ERROR", logStreamNames=["web"]) == ["ERROR web"]
    assert messages("ERROR", logStreamNamePrefix="ap") == ["ERROR disk full"]
    events = logs.filter_log_events(logGroupName=group, filterPattern="ERROR")["events"]
    assert [e["logStreamName"] for e in events] == ["app", "web"]
    assert all(len(e["eventId"]) == 56 for e in events)
    assert len(messages('" "')) == 7  # AWS's "match everything"
    for pattern, text in [
        ("{ $.level = ", "If a filter pattern starts with '{' it must end with '}'"),
        ("%(ERROR)%", "Invalid character(s) in term '('"),
        ("{ $.level ~ 1 }", "Invalid filter pattern"),
        ("disk: full", "Invalid character(s) in term ':'"),
    ]:
        with pytest.raises(ClientError) as excinfo:
            logs.filter_log_events(logGroupName=group, filterPattern=pattern)
        assert code_of(excinfo) == ("InvalidParameterException", text)


def test_filter_interleaves_streams_in_time_order_and_pages(logs: Any) -> None:
    group = group_with(logs, "a", "b")
    t = now() - 10_000
    for i in range(20):
        stream = "a" if i % 2 else "b"
        logs.put_log_events(
            logGroupName=group, logStreamName=stream, logEvents=[{"timestamp": t + i, "message": f"m{i}"}]
        )
    pages = logs.get_paginator("filter_log_events").paginate(
        logGroupName=group, PaginationConfig={"PageSize": 6}
    )
    seen = [e["message"] for page in pages for e in page["events"]]
    assert seen == [f"m{i}" for i in range(20)]
    window = logs.filter_log_events(logGroupName=group, startTime=t + 5, endTime=t + 7)["events"]
    assert [e["message"] for e in window] == ["m5", "m6", "m7"]


def test_cli_get_and_filter_log_events(logs: Any, aws: Callable[..., Any]) -> None:
    group = group_with(logs, "cli")
    put(logs, group, "cli", ["hello from the cli", "second line"])
    region = ["--region", REGION]
    got = json.loads(
        aws("logs", "get-log-events", "--log-group-name", group, "--log-stream-name", "cli", *region).stdout
    )
    assert [e["message"] for e in got["events"]] == ["hello from the cli", "second line"]
    filtered = aws(
        "logs",
        "filter-log-events",
        "--log-group-name",
        group,
        "--filter-pattern",
        "second",
        "--query",
        "events[].message",
        "--output",
        "text",
        *region,
    )
    assert filtered.stdout.strip() == "second line"
    missing = aws(
        "logs", "get-log-events", "--log-group-name", group, "--log-stream-name", "x", *region, check=False
    )
    assert missing.returncode != 0 and "The specified log stream does not exist." in missing.stderr


def test_start_live_tail_streams_new_events(logs: Any) -> None:
    group = group_with(logs, "a", "b")
    arn = f"arn:aws:logs:{REGION}:000000000000:log-group:{group}"
    put(logs, group, "a", ["before the session"])
    reply = logs.start_live_tail(logGroupIdentifiers=[arn], logEventFilterPattern="-skip")
    stream = reply["responseStream"]
    events = iter(stream)
    start = next(events)["sessionStart"]
    assert start["logGroupIdentifiers"] == [arn] and start["logEventFilterPattern"] == "-skip"
    put(logs, group, "a", ["first new", "skip me"], start=now())
    put(logs, group, "b", ["second new"], start=now())
    seen: list[tuple[str, str]] = []
    deadline = time.monotonic() + 10
    for event in events:
        update = event["sessionUpdate"]
        assert update["sessionMetadata"] == {"sampled": False}
        seen += [(r["logStreamName"], r["message"]) for r in update["sessionResults"]]
        assert all(r["logGroupIdentifier"] == arn for r in update["sessionResults"])
        if len(seen) >= 2 or time.monotonic() > deadline:
            break
    stream.close()
    assert seen == [("a", "first new"), ("b", "second new")]
    with pytest.raises(ClientError) as excinfo:
        logs.start_live_tail(logGroupIdentifiers=[arn + "-missing"])
    assert code_of(excinfo) == ("ResourceNotFoundException", "The specified log group does not exist.")


def test_the_calls_of_aws_logs_tail_follow(logs: Any) -> None:
    """`aws logs tail --follow` is a command of the CLI v2 (not on PyPI, so not installed here; v1
    has start-live-tail instead). It polls FilterLogEvents (interleaved, startTime 10 minutes back),
    follows nextToken, then asks again from the newest timestamp it saw and drops the eventIds it
    already printed at that timestamp. Played here call for call: every line once, in order,
    including lines sharing the newest millisecond and lines arriving between polls."""
    group = group_with(logs, "app", "web")
    t = now() - 5_000
    put(logs, group, "app", [f"early {i}" for i in range(3)], start=t)
    kwargs: dict[str, Any] = {"logGroupName": group, "interleaved": True, "startTime": now() - 600_000}
    printed: list[str] = []
    seen_at: dict[int, set[str]] = {}

    def poll() -> None:
        nonlocal seen_at
        while True:
            reply = logs.filter_log_events(**kwargs)
            for event in reply["events"]:
                ids = seen_at.setdefault(event["timestamp"], set())
                if event["eventId"] not in ids:
                    ids.add(event["eventId"])
                    printed.append(event["message"])
            if seen_at:
                newest = max(seen_at)
                seen_at = {newest: seen_at[newest]}
            if "nextToken" in reply:
                kwargs["nextToken"] = reply["nextToken"]
                continue
            if seen_at:
                kwargs["startTime"] = max(seen_at)
            kwargs.pop("nextToken", None)
            return

    poll()
    assert printed == ["early 0", "early 1", "early 2"]
    # the same millisecond as the newest line seen, another stream, then a later batch
    logs.put_log_events(
        logGroupName=group, logStreamName="web", logEvents=[{"timestamp": t + 2, "message": "same ms"}]
    )
    put(logs, group, "app", ["later 0", "later 1"], start=t + 10)
    poll()
    poll()
    assert printed == ["early 0", "early 1", "early 2", "same ms", "later 0", "later 1"]
