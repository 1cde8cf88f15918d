"""ECS CreateService/UpdateService with `loadBalancers`: the target group, container and port are
checked against ELBv2 and the task definition, with ECS's texts (no task is started here)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.api.elbv2.conftest import REGION


@pytest.fixture(scope="module")
def world(client_factory: Callable[..., Any], elb: Any, network: dict[str, Any]) -> dict[str, Any]:
    ecs = client_factory("ecs", region=REGION)
    ecs.create_cluster(clusterName="lb-cluster")
    ecs.register_task_definition(
        family="hostname-app", networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
        cpu="256", memory="512",
        containerDefinitions=[{"name": "hostname-app", "image": "busybox", "essential": True,
                               "portMappings": [{"containerPort": 8080, "protocol": "tcp"}]}],
    )  # fmt: skip
    subnets = [s["SubnetId"] for s in network["subnets"][:2]]
    lb = elb.create_load_balancer(Name="svc-lb", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    groups = {}
    for name, kind in (("svc-tg", "ip"), ("lonely-tg", "ip"), ("instance-tg", "instance")):
        created = elb.create_target_group(
            Name=name, Protocol="HTTP", Port=80, TargetType=kind, VpcId=network["vpc"]
        )
        groups[name] = created["TargetGroups"][0]["TargetGroupArn"]
    elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80,
                        DefaultActions=[{"Type": "forward", "TargetGroupArn": groups["svc-tg"]}])  # fmt: skip
    return {"ecs": ecs, "groups": groups, "subnets": subnets}


def _create(world: dict[str, Any], name: str, balancers: list[dict[str, Any]]) -> dict[str, Any]:
    service: dict[str, Any] = world["ecs"].create_service(
        cluster="lb-cluster", serviceName=name, taskDefinition="hostname-app", desiredCount=0,
        launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {"subnets": world["subnets"]}}, loadBalancers=balancers,
    )["service"]  # fmt: skip
    return service


def test_load_balancers_are_checked_with_ecs_texts(world: dict[str, Any]) -> None:
    groups = world["groups"]
    missing = groups["svc-tg"][:-16] + "0123456789abcdef"
    cases = [
        ({"targetGroupArn": groups["lonely-tg"], "containerName": "hostname-app", "containerPort": 8080},
         f"The target group with targetGroupArn {groups['lonely-tg']} does not have an associated load "
         "balancer."),
        ({"targetGroupArn": groups["svc-tg"], "containerName": "web", "containerPort": 8080},
         "The container web does not exist in the task definition."),
        ({"targetGroupArn": groups["svc-tg"], "containerName": "hostname-app", "containerPort": 80},
         "The container hostname-app did not have a container port 80 defined."),
        ({"targetGroupArn": groups["instance-tg"], "containerName": "hostname-app", "containerPort": 8080},
         f"The provided target group {groups['instance-tg']} has target type instance, which is incompatible "
         "with the awsvpc network mode specified in the task definition."),
        ({"targetGroupArn": missing, "containerName": "hostname-app", "containerPort": 8080},
         f"The target group with targetGroupArn {missing} does not exist."),
        ({"loadBalancerName": "classic", "containerName": "hostname-app", "containerPort": 8080},
         "Classic Load Balancers are not supported with Fargate."),
    ]  # fmt: skip
    for entry, message in cases:
        with pytest.raises(ClientError) as excinfo:
            _create(world, "bad-service", [entry])
        assert excinfo.value.response["Error"] == {"Code": "InvalidParameterException", "Message": message}
    good = {"targetGroupArn": groups["svc-tg"], "containerName": "hostname-app", "containerPort": 8080}
    service = _create(world, "hostname-app-service", [good])
    assert service["loadBalancers"] == [good]
    with pytest.raises(ClientError) as excinfo:
        world["ecs"].update_service(
            cluster="lb-cluster", service="hostname-app-service",
            loadBalancers=[{**good, "containerPort": 9090}],
        )  # fmt: skip
    assert (
        excinfo.value.response["Error"]["Message"]
        == "The container hostname-app did not have a container port 9090 defined."
    )
    world["ecs"].delete_service(cluster="lb-cluster", service="hostname-app-service", force=True)
