"""The console's pure view helpers: task rows, awslogs targets and why a container has none, ENI
details."""

from __future__ import annotations

from skiff.console.views import log_note, log_target, network_details, summary

ARN = "arn:aws:ecs:us-east-1:000000000000:task/demo/0123456789abcdef"


def task(**extra: object) -> dict[str, object]:
    return {
        "taskArn": ARN,
        "group": "service:web",
        "lastStatus": "STOPPED",
        "desiredStatus": "STOPPED",
        "taskDefinitionArn": "arn:aws:ecs:us-east-1:000000000000:task-definition/web:3",
        "stoppedReason": "Essential container in task exited",
        "attachments": [
            {
                "type": "ElasticNetworkInterface",
                "details": [
                    {"name": "subnetId", "value": "subnet-1"},
                    {"name": "privateIPv4Address", "value": "10.0.0.7"},
                ],
            }
        ],
        "containers": [{"name": "app", "lastStatus": "STOPPED", "exitCode": 3}],
        **extra,
    }


def test_a_task_row_names_its_service_address_and_exit_codes() -> None:
    row = summary(task())
    assert row["taskId"] == "0123456789abcdef" and row["service"] == "web"
    assert row["address"] == "10.0.0.7" and row["taskDefinition"] == "web:3"
    assert row["containers"] == [{"name": "app", "lastStatus": "STOPPED", "exitCode": 3}]
    assert row["stoppedReason"] == "Essential container in task exited"
    assert summary(task(group="family:web"))["service"] is None


def test_network_details_come_from_the_eni_attachment() -> None:
    assert network_details(task()) == {"subnetId": "subnet-1", "privateIPv4Address": "10.0.0.7"}
    assert network_details({"attachments": []}) == {}


def test_awslogs_streams_as_the_driver_names_them() -> None:
    logs = {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/web", "awslogs-stream-prefix": "ecs"}}
    assert log_target({"name": "app", "logConfiguration": logs}, "abc", "cid") == {
        "group": "/ecs/web",
        "stream": "ecs/app/abc",
        "region": None,
    }
    bare = {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/web"}}
    assert log_target({"name": "app", "logConfiguration": bare}, "abc", "cid")["stream"] == "cid"  # type: ignore[index]
    assert log_target({"name": "app", "logConfiguration": bare}, "abc", None) is None
    assert log_target({"name": "app", "logConfiguration": {"logDriver": "json-file"}}, "abc", "cid") is None
    assert log_target({"name": "app"}, "abc", "cid") is None


def test_why_a_container_has_no_log_stream_to_follow() -> None:
    logs = {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/web", "awslogs-stream-prefix": "ecs"}}
    assert log_note({"name": "app", "logConfiguration": logs}, None) is None  # named before it starts
    assert log_note({"name": "app"}, "cid") == {
        "pending": False,
        "why": "its logConfiguration is not awslogs (no logConfiguration)",
    }
    json_file = {"name": "app", "logConfiguration": {"logDriver": "json-file"}}
    assert log_note(json_file, "cid") == {
        "pending": False,
        "why": "its logConfiguration is not awslogs (logDriver json-file)",
    }
    nameless = {"name": "app", "logConfiguration": {"logDriver": "awslogs", "options": {}}}
    assert log_note(nameless, "cid") == {
        "pending": False,
        "why": "its awslogs logConfiguration names no awslogs-group",
    }
    bare = {
        "name": "app",
        "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/web"}},
    }
    note = log_note(bare, None)
    assert note is not None and note["pending"] and "container id" in note["why"]
    assert log_note(bare, "cid") is None
