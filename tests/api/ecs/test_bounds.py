"""Bounds ECS enforces beyond botocore's model, through real boto3: refused with ECS's exception,
and nothing is created or changed by the refused call."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.api.ecs.test_task_definitions import error_of, fargate_definition


@pytest.fixture(scope="module")
def service_setup(ecs: Any, client_factory: Callable[..., Any]) -> dict[str, Any]:
    cluster = f"bounds-{uuid.uuid4().hex[:8]}"
    ecs.create_cluster(clusterName=cluster)
    definition = ecs.register_task_definition(**fargate_definition(f"bounds-{uuid.uuid4().hex[:8]}"))
    subnet = client_factory("ec2").describe_subnets()["Subnets"][0]["SubnetId"]
    return {
        "cluster": cluster,
        "taskDefinition": definition["taskDefinition"]["taskDefinitionArn"],
        "networkConfiguration": {"awsvpcConfiguration": {"subnets": [subnet]}},
    }


@pytest.mark.parametrize(
    ("extra", "member"),
    [
        ({"desiredCount": -1}, "desiredCount"),
        ({"desiredCount": 0, "healthCheckGracePeriodSeconds": -5}, "healthCheckGracePeriodSeconds"),
        (
            {"desiredCount": 0, "deploymentConfiguration": {"minimumHealthyPercent": -1}},
            "minimumHealthyPercent",
        ),
        ({"desiredCount": 0, "deploymentConfiguration": {"maximumPercent": 50}}, "maximumPercent"),
        ({"desiredCount": 0, "deploymentConfiguration": {"bakeTimeInMinutes": 5000}}, "bakeTimeInMinutes"),
    ],
)
def test_create_service_refuses_out_of_bounds_numbers(
    ecs: Any, service_setup: dict[str, Any], extra: dict[str, Any], member: str
) -> None:
    name = f"svc-{uuid.uuid4().hex[:8]}"
    code, message = error_of(ecs.create_service, serviceName=name, **service_setup, **extra)
    assert code == "InvalidParameterException" and member in message, message
    described = ecs.describe_services(cluster=service_setup["cluster"], services=[name])
    assert described["services"] == [] and described["failures"][0]["reason"] == "MISSING"


def test_update_service_refuses_a_negative_count_and_keeps_the_old_one(
    ecs: Any, service_setup: dict[str, Any]
) -> None:
    name = f"svc-{uuid.uuid4().hex[:8]}"
    ecs.create_service(serviceName=name, desiredCount=0, **service_setup)
    cluster = service_setup["cluster"]
    code, message = error_of(ecs.update_service, cluster=cluster, service=name, desiredCount=-3)
    assert code == "InvalidParameterException"
    assert message == "Invalid desiredCount value: -3. desiredCount must be greater than or equal to 0."
    code, _ = error_of(ecs.update_service, cluster=cluster, service=name, healthCheckGracePeriodSeconds=-1)
    assert code == "InvalidParameterException"
    service = ecs.describe_services(cluster=cluster, services=[name])["services"][0]
    assert service["desiredCount"] == 0 and "healthCheckGracePeriodSeconds" not in service
    ecs.delete_service(cluster=cluster, service=name)


@pytest.mark.parametrize(
    ("container", "member"),
    [
        ({"memory": 2}, "memory"),
        ({"memoryReservation": 1}, "memoryReservation"),
        ({"cpu": -1}, "cpu"),
        ({"portMappings": [{"containerPort": 70000}]}, "portMappings.containerPort"),
        ({"ulimits": [{"name": "nofile", "softLimit": 10, "hardLimit": 5}]}, "ulimits"),
        ({"healthCheck": {"command": ["CMD", "true"], "interval": 1}}, "healthCheck.interval"),
        ({"healthCheck": {"command": ["CMD", "true"], "timeout": 61}}, "healthCheck.timeout"),
        ({"healthCheck": {"command": ["CMD", "true"], "retries": 0}}, "healthCheck.retries"),
        ({"healthCheck": {"command": ["CMD", "true"], "startPeriod": 301}}, "healthCheck.startPeriod"),
    ],
)
def test_register_task_definition_refuses_out_of_bounds_container_numbers(
    ecs: Any, container: dict[str, Any], member: str
) -> None:
    name = f"bounds-{uuid.uuid4().hex[:8]}"
    definition = fargate_definition(name)
    definition["containerDefinitions"][0].update(container)
    code, message = error_of(ecs.register_task_definition, **definition)
    assert code == "ClientException" and f"'{member}'" in message and "'web'" in message, message
    assert ecs.list_task_definitions(familyPrefix=name)["taskDefinitionArns"] == []


def test_the_bounds_themselves_are_accepted(ecs: Any, service_setup: dict[str, Any]) -> None:
    definition = fargate_definition(f"bounds-{uuid.uuid4().hex[:8]}")
    definition["containerDefinitions"][0].update(
        memory=6,
        memoryReservation=4,
        healthCheck={
            "command": ["CMD", "true"],
            "interval": 300,
            "timeout": 2,
            "retries": 10,
            "startPeriod": 0,
        },
        portMappings=[{"containerPort": 65535}],
    )
    ecs.register_task_definition(**definition)
    name = f"svc-{uuid.uuid4().hex[:8]}"
    created = ecs.create_service(
        serviceName=name, desiredCount=0, healthCheckGracePeriodSeconds=2_147_483_647, **service_setup
    )["service"]
    assert created["healthCheckGracePeriodSeconds"] == 2_147_483_647
    ecs.delete_service(cluster=service_setup["cluster"], service=name)
