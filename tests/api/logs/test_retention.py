"""PutRetentionPolicy applied through the API: a server whose sweep runs every second drops the
events older than the group's retention (GetLogEvents and FilterLogEvents stop returning them,
stored bytes are recounted) and keeps the rest; DeleteRetentionPolicy stops it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import SkiffServer, client_at, start_server

DAY = 86_400_000


@pytest.fixture(scope="module")
def sweeping_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SkiffServer]:
    server = start_server(
        tmp_path_factory.mktemp("logs-retention"), env={"SKIFF_LOGS_RETENTION_SECONDS": "1"}
    )
    yield server
    server.stop()
    assert "Traceback" not in server.log()


def messages(logs: Any, group: str, stream: str) -> list[str]:
    reply = logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True)
    return [e["message"] for e in reply["events"]]


def test_events_older_than_the_retention_disappear(sweeping_server: SkiffServer) -> None:
    logs = client_at(sweeping_server.endpoint, "logs")
    now = int(time.time() * 1000)
    for group in ("/kept/all", "/kept/week"):
        logs.create_log_group(logGroupName=group)
        logs.create_log_stream(logGroupName=group, logStreamName="s")
        for stamp, message in [
            (now - 10 * DAY, "ten days old"),
            (now - 6 * DAY, "six days old"),
            (now, "fresh"),
        ]:
            logs.put_log_events(  # one batch spans at most 24 hours
                logGroupName=group, logStreamName="s", logEvents=[{"timestamp": stamp, "message": message}]
            )
    logs.put_retention_policy(logGroupName="/kept/week", retentionInDays=7)
    deadline = time.monotonic() + 15
    while messages(logs, "/kept/week", "s") != ["six days old", "fresh"] and time.monotonic() < deadline:
        time.sleep(0.5)
    assert messages(logs, "/kept/week", "s") == ["six days old", "fresh"]
    assert [e["message"] for e in logs.filter_log_events(logGroupName="/kept/week")["events"]] == [
        "six days old",
        "fresh",
    ]
    stream = logs.describe_log_streams(logGroupName="/kept/week")["logStreams"][0]
    assert stream["storedBytes"] == len("six days old") + len("fresh")
    assert stream["firstEventTimestamp"] == now - 6 * DAY
    group = logs.describe_log_groups(logGroupNamePrefix="/kept/week")["logGroups"][0]
    assert group["retentionInDays"] == 7 and group["storedBytes"] == stream["storedBytes"]
    # a group without a policy keeps everything; deleting a policy keeps what is left
    assert messages(logs, "/kept/all", "s") == ["ten days old", "six days old", "fresh"]
    logs.delete_retention_policy(logGroupName="/kept/week")
    assert "retentionInDays" not in logs.describe_log_groups(logGroupNamePrefix="/kept/week")["logGroups"][0]
    time.sleep(2)
    assert messages(logs, "/kept/week", "s") == ["six days old", "fresh"]
