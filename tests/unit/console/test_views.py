"""The console's pure view helpers: task rows, awslogs targets, ENI details."""

from __future__ import annotations

from skiff.console.views import log_target, network_details, summary

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
