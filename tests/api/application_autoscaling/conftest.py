"""Fixtures of the Application Auto Scaling API tests: a region of their own, an ECS service with
no tasks (desired count 0, so nothing runs: these tests need no Docker), its resource id."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.api.ecs.test_task_definitions import fargate_definition

REGION = "eu-north-1"
DIMENSION = "ecs:service:DesiredCount"


@pytest.fixture(scope="module")
def aas(client_factory: Callable[..., Any]) -> Any:
    return client_factory("application-autoscaling", region=REGION)


@pytest.fixture(scope="module")
def cloudwatch(client_factory: Callable[..., Any]) -> Any:
    return client_factory("cloudwatch", region=REGION)


@pytest.fixture(scope="module")
def regional_ecs(client_factory: Callable[..., Any]) -> Any:
    return client_factory("ecs", region=REGION)


def make_service(ecs: Any, client_factory: Callable[..., Any], cluster: str | None = None) -> str:
    """An idle ECS service; returns its resource id `service/<cluster>/<service>`."""
    cluster = cluster or f"aas-{uuid.uuid4().hex[:8]}"
    ecs.create_cluster(clusterName=cluster)
    definition = ecs.register_task_definition(**fargate_definition(f"aas-{uuid.uuid4().hex[:8]}"))
    subnet = client_factory("ec2", region=REGION).describe_subnets()["Subnets"][0]["SubnetId"]
    name = f"svc-{uuid.uuid4().hex[:8]}"
    ecs.create_service(
        cluster=cluster,
        serviceName=name,
        desiredCount=0,
        taskDefinition=definition["taskDefinition"]["taskDefinitionArn"],
        networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet]}},
    )
    return f"service/{cluster}/{name}"


@pytest.fixture
def resource_id(regional_ecs: Any, client_factory: Callable[..., Any]) -> str:
    return make_service(regional_ecs, client_factory)


def target_args(resource_id: str) -> dict[str, str]:
    return {"ServiceNamespace": "ecs", "ResourceId": resource_id, "ScalableDimension": DIMENSION}
