"""Log groups and streams through boto3: create, describe (prefix, pattern, order, pages),
retention (stored and applied), tags, delete, and AWS's errors and texts."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.api.logs.conftest import REGION


def error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


def name(prefix: str = "/test/") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def test_create_describe_and_delete_a_group(logs: Any) -> None:
    group = name("/ecs/create-")
    logs.create_log_group(logGroupName=group, tags={"team": "a"})
    with pytest.raises(ClientError) as excinfo:
        logs.create_log_group(logGroupName=group)
    assert error(excinfo) == ("ResourceAlreadyExistsException", "The specified log group already exists")
    (found,) = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    assert found["logGroupName"] == group
    assert found["arn"] == f"arn:aws:logs:{REGION}:000000000000:log-group:{group}:*"
    assert found["logGroupArn"] == f"arn:aws:logs:{REGION}:000000000000:log-group:{group}"
    assert found["storedBytes"] == 0 and found["logGroupClass"] == "STANDARD"
    assert "retentionInDays" not in found and found["creationTime"] > 0
    assert logs.list_tags_log_group(logGroupName=group)["tags"] == {"team": "a"}
    logs.delete_log_group(logGroupName=group)
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"] == []
    with pytest.raises(ClientError) as excinfo:
        logs.delete_log_group(logGroupName=group)
    assert error(excinfo) == ("ResourceNotFoundException", "The specified log group does not exist.")


def test_invalid_names_and_retention_values_are_invalid_parameters(logs: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        logs.create_log_group(logGroupName="has space")
    code, message = error(excinfo)
    assert code == "InvalidParameterException" and "at 'logGroupName'" in message
    group = name()
    logs.create_log_group(logGroupName=group)
    with pytest.raises(ClientError) as excinfo:
        logs.put_retention_policy(logGroupName=group, retentionInDays=2)
    code, message = error(excinfo)
    assert code == "InvalidParameterException" and "Member must satisfy enum value set" in message
    with pytest.raises(ClientError) as excinfo:
        logs.put_retention_policy(logGroupName=name(), retentionInDays=7)
    assert error(excinfo)[0] == "ResourceNotFoundException"
    logs.put_retention_policy(logGroupName=group, retentionInDays=7)
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["retentionInDays"] == 7
    logs.delete_retention_policy(logGroupName=group)
    assert "retentionInDays" not in logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]


def test_describe_groups_pages_prefix_and_pattern(logs: Any) -> None:
    base = name("/pages-")
    names = [f"{base}/{i:02d}" for i in range(7)]
    for group in names:
        logs.create_log_group(logGroupName=group)
    seen: list[str] = []
    token = None
    while True:
        kwargs: dict[str, Any] = {"logGroupNamePrefix": base, "limit": 3}
        if token:
            kwargs["nextToken"] = token
        page = logs.describe_log_groups(**kwargs)
        seen += [g["logGroupName"] for g in page["logGroups"]]
        token = page.get("nextToken")
        if not token:
            break
    assert seen == names
    pattern = base.split("-")[-1].upper()  # the pattern matches case-insensitively anywhere
    assert len(logs.describe_log_groups(logGroupNamePattern=pattern)["logGroups"]) == 7
    with pytest.raises(ClientError) as excinfo:
        logs.describe_log_groups(logGroupNamePrefix=base, logGroupNamePattern="x")
    assert error(excinfo)[0] == "InvalidParameterException"
    paginated = logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=base, limit=2)
    assert [g["logGroupName"] for p in paginated for g in p["logGroups"]] == names


def test_streams_order_by_name_and_last_event_time(logs: Any) -> None:
    group = name()
    logs.create_log_group(logGroupName=group)
    now = logs_now()
    for index, stream in enumerate(["b", "a", "c"]):
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        logs.put_log_events(
            logGroupName=group,
            logStreamName=stream,
            logEvents=[{"timestamp": now - 1000 * (3 - index), "message": f"line {stream}"}],
        )
    with pytest.raises(ClientError) as excinfo:
        logs.create_log_stream(logGroupName=group, logStreamName="a")
    assert error(excinfo) == ("ResourceAlreadyExistsException", "The specified log stream already exists")
    by_name = logs.describe_log_streams(logGroupName=group)["logStreams"]
    assert [s["logStreamName"] for s in by_name] == ["a", "b", "c"]
    assert by_name[0]["arn"] == f"arn:aws:logs:{REGION}:000000000000:log-group:{group}:log-stream:a"
    assert by_name[0]["storedBytes"] == len("line a")
    assert by_name[0]["firstEventTimestamp"] == by_name[0]["lastEventTimestamp"] == now - 2000
    latest = logs.describe_log_streams(logGroupName=group, orderBy="LastEventTime", descending=True)
    assert [s["logStreamName"] for s in latest["logStreams"]] == ["c", "a", "b"]
    pages = logs.get_paginator("describe_log_streams").paginate(
        logGroupName=group, orderBy="LastEventTime", limit=1
    )
    assert [s["logStreamName"] for p in pages for s in p["logStreams"]] == ["b", "a", "c"]
    logs.create_log_stream(logGroupName=group, logStreamName="empty")  # no event yet: last when descending
    pages = logs.get_paginator("describe_log_streams").paginate(
        logGroupName=group, orderBy="LastEventTime", descending=True, limit=1
    )
    assert [s["logStreamName"] for p in pages for s in p["logStreams"]] == ["c", "a", "b", "empty"]
    logs.delete_log_stream(logGroupName=group, logStreamName="empty")
    first = logs.describe_log_streams(logGroupName=group, logStreamNamePrefix="b")["logStreams"]
    assert [s["logStreamName"] for s in first] == ["b"]
    with pytest.raises(ClientError) as excinfo:
        logs.describe_log_streams(logGroupName=group, orderBy="LastEventTime", logStreamNamePrefix="b")
    assert error(excinfo) == (
        "InvalidParameterException",
        "Cannot order by LastEventTime with a logStreamNamePrefix.",
    )
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["storedBytes"] == 18
    logs.delete_log_stream(logGroupName=group, logStreamName="a")
    with pytest.raises(ClientError) as excinfo:
        logs.delete_log_stream(logGroupName=group, logStreamName="a")
    assert error(excinfo) == ("ResourceNotFoundException", "The specified log stream does not exist.")
    arn = f"arn:aws:logs:{REGION}:000000000000:log-group:{group}"
    assert [s["logStreamName"] for s in logs.describe_log_streams(logGroupIdentifier=arn)["logStreams"]] == [
        "b",
        "c",
    ]


def test_tags_by_resource_arn(logs: Any) -> None:
    group = name()
    logs.create_log_group(logGroupName=group)
    arn = f"arn:aws:logs:{REGION}:000000000000:log-group:{group}"
    logs.tag_resource(resourceArn=arn, tags={"a": "1", "b": "2"})
    logs.untag_resource(resourceArn=arn, tagKeys=["a"])
    assert logs.list_tags_for_resource(resourceArn=arn)["tags"] == {"b": "2"}
    logs.tag_log_group(logGroupName=group, tags={"c": "3"})
    logs.untag_log_group(logGroupName=group, tags=["b"])
    assert logs.list_tags_log_group(logGroupName=group)["tags"] == {"c": "3"}
    with pytest.raises(ClientError) as excinfo:
        logs.list_tags_for_resource(resourceArn=arn + "-missing")
    assert error(excinfo)[0] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as excinfo:
        logs.tag_resource(resourceArn=arn, tags={f"k{i}": "v" for i in range(50)})
    assert error(excinfo)[0] == "TooManyTagsException"


def logs_now() -> int:
    import time

    return int(time.time() * 1000)
