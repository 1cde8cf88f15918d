"""ECS task definitions through real boto3: revisions, lookups, Fargate rules, full round trip."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.model import Shape

ACCOUNT = "000000000000"


def family() -> str:
    return f"fam-{uuid.uuid4().hex[:8]}"


def fargate_definition(name: str, **overrides: Any) -> dict[str, Any]:
    definition: dict[str, Any] = {
        "family": name,
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": [
            {"name": "web", "image": "busybox", "portMappings": [{"containerPort": 8080}]}
        ],
    }
    definition.update(overrides)
    return definition


def error_of(call: Any, **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    error = info.value.response["Error"]
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return error["Code"], error["Message"]


def test_register_assigns_revisions_and_arns(ecs: Any) -> None:
    name = family()
    first = ecs.register_task_definition(**fargate_definition(name))["taskDefinition"]
    second = ecs.register_task_definition(**fargate_definition(name))["taskDefinition"]
    assert (first["revision"], second["revision"]) == (1, 2)
    assert second["taskDefinitionArn"] == f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/{name}:2"
    assert second["status"] == "ACTIVE"
    assert second["compatibilities"] == ["EC2", "FARGATE"]
    assert {"name": "ecs.capability.task-eni"} in second["requiresAttributes"]
    assert second["registeredBy"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert isinstance(second["registeredAt"], dt.datetime)
    container = second["containerDefinitions"][0]
    assert container["portMappings"] == [{"containerPort": 8080, "hostPort": 8080, "protocol": "tcp"}]
    assert container["essential"] is True
    assert container["cpu"] == 0


def test_describe_by_family_revision_and_arn(ecs: Any) -> None:
    name = family()
    for _ in range(3):
        ecs.register_task_definition(**fargate_definition(name))
    assert ecs.describe_task_definition(taskDefinition=name)["taskDefinition"]["revision"] == 3
    assert ecs.describe_task_definition(taskDefinition=f"{name}:2")["taskDefinition"]["revision"] == 2
    arn = f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/{name}:1"
    assert ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]["revision"] == 1
    assert error_of(ecs.describe_task_definition, taskDefinition=f"{name}:9") == (
        "ClientException",
        "Unable to describe task definition.",
    )
    assert error_of(ecs.describe_task_definition, taskDefinition="no-such-family")[0] == "ClientException"


def test_units_are_converted(ecs: Any) -> None:
    td = ecs.register_task_definition(**fargate_definition(family(), cpu="1 vCPU", memory="2 GB"))[
        "taskDefinition"
    ]
    assert (td["cpu"], td["memory"]) == ("1024", "2048")
    td = ecs.register_task_definition(**fargate_definition(family(), cpu=".25 vcpu", memory="1GB"))[
        "taskDefinition"
    ]
    assert (td["cpu"], td["memory"]) == ("256", "1024")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"cpu": "256", "memory": "4096"}, "No Fargate configuration exists for given values."),
        ({"cpu": "512", "memory": "1536"}, "No Fargate configuration exists for given values."),
        ({"networkMode": "bridge"}, "Fargate only supports network mode 'awsvpc'."),
        ({"cpu": None}, "Fargate requires that 'cpu' be defined at the task level."),
        (
            {
                "containerDefinitions": [
                    {"name": "a", "image": "i", "portMappings": [{"containerPort": 80, "hostPort": 81}]}
                ]
            },
            "When networkMode=awsvpc, the host ports and container ports in port mappings must match.",
        ),
        (
            {"containerDefinitions": [{"name": "a", "image": "i", "hostname": "h"}]},
            "hostname is not supported on container when networkMode=awsvpc.",
        ),
        (
            {
                "containerDefinitions": [
                    {"name": "a", "image": "i", "logConfiguration": {"logDriver": "awslogs"}}
                ]
            },
            "Fargate requires task definition to have execution role ARN to support log driver awslogs.",
        ),
        (
            {
                "executionRoleArn": "arn:aws:iam::000000000000:role/ecsTaskExecutionRole",
                "containerDefinitions": [
                    {"name": "a", "image": "i", "logConfiguration": {"logDriver": "awslogs", "options": {}}}
                ],
            },
            "Log driver awslogs requires options: awslogs-region, awslogs-group",
        ),
        (
            {
                "executionRoleArn": "arn:aws:iam::000000000000:role/ecsTaskExecutionRole",
                "containerDefinitions": [
                    {
                        "name": "a",
                        "image": "i",
                        "logConfiguration": {
                            "logDriver": "awslogs",
                            "options": {"awslogs-region": "us-east-1", "awslogs-group": "/g"},
                        },
                    }
                ],
            },
            "Fargate requires log configuration options to include awslogs-stream-prefix to support "
            "log driver awslogs.",
        ),
        ({"containerDefinitions": []}, "Container list cannot be empty."),
        (
            {"containerDefinitions": [{"name": "a", "image": "i"}, {"name": "a", "image": "j"}]},
            "Container names must be unique within a Task Definition.",
        ),
        (
            {"containerDefinitions": [{"name": "a", "image": "i", "essential": False}]},
            "Task definition doesn't have any essential container.",
        ),
    ],
)
def test_fargate_rules(ecs: Any, overrides: dict[str, Any], message: str) -> None:
    definition = fargate_definition(family(), **overrides)
    definition = {k: v for k, v in definition.items() if v is not None}
    assert error_of(ecs.register_task_definition, **definition) == ("ClientException", message)


@pytest.mark.parametrize(
    ("cpu", "memory"),
    [
        ("256", "512"),
        ("512", "4096"),
        ("4096", "30720"),
        ("8192", "61440"),
        ("16384", "122880"),
        ("2048", "16GB"),
    ],
)
def test_valid_fargate_sizes(ecs: Any, cpu: str, memory: str) -> None:
    ecs.register_task_definition(**fargate_definition(family(), cpu=cpu, memory=memory))


@pytest.mark.parametrize("size", [20, 201])
def test_ephemeral_storage_range(ecs: Any, size: int) -> None:
    code, _ = error_of(
        ecs.register_task_definition, **fargate_definition(family(), ephemeralStorage={"sizeInGiB": size})
    )
    assert code == "ClientException"


def test_ec2_definition_needs_container_memory(ecs: Any) -> None:
    code, message = error_of(
        ecs.register_task_definition,
        family=family(),
        containerDefinitions=[{"name": "a", "image": "busybox"}],
    )
    assert code == "ClientException"
    assert message == (
        "Invalid setting for container 'a'. "
        "At least one of 'memory' or 'memoryReservation' must be specified."
    )


def test_list_and_families_and_deregister_and_delete(ecs: Any) -> None:
    name = family()
    arns = [
        ecs.register_task_definition(**fargate_definition(name))["taskDefinition"]["taskDefinitionArn"]
        for _ in range(3)
    ]
    assert ecs.list_task_definitions(familyPrefix=name)["taskDefinitionArns"] == arns
    assert ecs.list_task_definitions(familyPrefix=name, sort="DESC")["taskDefinitionArns"] == arns[::-1]
    page = ecs.list_task_definitions(familyPrefix=name, maxResults=2)
    rest = ecs.list_task_definitions(familyPrefix=name, maxResults=2, nextToken=page["nextToken"])
    assert page["taskDefinitionArns"] + rest["taskDefinitionArns"] == arns
    assert name in ecs.list_task_definition_families(familyPrefix=name)["families"]

    gone = ecs.deregister_task_definition(taskDefinition=f"{name}:3")["taskDefinition"]
    assert gone["status"] == "INACTIVE"
    assert "deregisteredAt" in gone
    assert ecs.describe_task_definition(taskDefinition=name)["taskDefinition"]["revision"] == 2
    assert ecs.list_task_definitions(familyPrefix=name, status="INACTIVE")["taskDefinitionArns"] == [arns[2]]

    reply = ecs.delete_task_definitions(taskDefinitions=[arns[2], arns[0]])
    assert [d["status"] for d in reply["taskDefinitions"]] == ["DELETE_IN_PROGRESS"]
    assert [f["arn"] for f in reply["failures"]] == [arns[0]]

    for arn in arns[:2]:
        ecs.deregister_task_definition(taskDefinition=arn)
    assert name not in ecs.list_task_definition_families(familyPrefix=name)["families"]
    assert name in ecs.list_task_definition_families(familyPrefix=name, status="INACTIVE")["families"]
    # revisions are never reused
    assert ecs.register_task_definition(**fargate_definition(name))["taskDefinition"]["revision"] == 4


def test_tags_on_task_definitions(ecs: Any) -> None:
    name = family()
    reply = ecs.register_task_definition(**fargate_definition(name), tags=[{"key": "team", "value": "a"}])
    assert reply["tags"] == [{"key": "team", "value": "a"}]
    described = ecs.describe_task_definition(taskDefinition=name, include=["TAGS"])
    assert described["tags"] == [{"key": "team", "value": "a"}]
    assert "tags" not in ecs.describe_task_definition(taskDefinition=name)


# -- every field of the model round-trips ---------------------------------------------------------


def _sample(shape: Shape, depth: int = 0) -> Any:
    """One value for every member of `shape`, recursively (lists of one element)."""
    kind = shape.type_name
    if kind == "structure":
        return (
            {name: _sample(member, depth + 1) for name, member in shape.members.items()} if depth < 8 else {}
        )
    if kind == "list":
        return [_sample(shape.member, depth + 1)]
    if kind == "map":
        return {"key1": _sample(shape.value, depth + 1)}
    if kind == "string":
        return shape.enum[0] if shape.enum else "v"
    if kind in ("integer", "long"):
        return int(shape.metadata.get("min", 0)) + 2
    if kind == "boolean":
        return True
    if kind in ("float", "double"):
        return 1.5
    raise AssertionError(f"unexpected kind {kind}")


def _leaves(value: Any, path: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(_leaves(item, f"{path}.{key}"))
        return out
    if isinstance(value, list):
        out = {}
        for index, item in enumerate(value):
            out.update(_leaves(item, f"{path}[{index}]"))
        return out
    return {path: value}


def test_every_field_round_trips(ecs: Any) -> None:
    shape = ecs.meta.service_model.operation_model("RegisterTaskDefinition").input_shape
    definition = _sample(shape)
    name = family()
    definition.update(
        family=name,
        networkMode="bridge",
        cpu="256",
        memory="512",
        requiresCompatibilities=["EC2"],
        tags=[{"key": "k", "value": "v"}],
        ipcMode="none",
        pidMode="task",
    )
    definition["ephemeralStorage"] = {"sizeInGiB": 30}
    container = definition["containerDefinitions"][0]
    container.update(
        name="app",
        image="busybox",
        memory=256,
        memoryReservation=128,
        cpu=128,
        links=[],
        dependsOn=[{"containerName": "app", "condition": "START"}],
        essential=True,
    )
    for mapping in container["portMappings"]:
        mapping.update(containerPort=8080, hostPort=8080)
    container["healthCheck"].update(interval=30, timeout=5, retries=3, startPeriod=10)  # within ECS's bounds
    for limit in container["ulimits"]:
        limit.update(softLimit=1024, hardLimit=4096)
    sent = {k: v for k, v in definition.items() if k != "tags"}
    registered = ecs.register_task_definition(**definition)["taskDefinition"]
    described = ecs.describe_task_definition(taskDefinition=f"{name}:1")["taskDefinition"]
    want = _leaves(sent)
    assert len(want) > 100  # the model's task definition really is that wide
    for got in (registered, described):
        have = _leaves(got)
        missing = {path: value for path, value in want.items() if have.get(path) != value}
        assert missing == {}
