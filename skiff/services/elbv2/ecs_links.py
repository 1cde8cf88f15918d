"""What ECS CreateService/UpdateService check of a service's `loadBalancers` against ELBv2, with
ECS's texts: each entry names a target group that exists and that a balancer forwards to, of
target type `ip` (Fargate's awsvpc tasks), and a container and port of the task definition.
Classic Load Balancers (`loadBalancerName`) do not work with Fargate. What happens at run time
(registration, health, draining) is the target registration controller's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from skiff.api.errors import AwsError
from skiff.services.elbv2.target_groups import TargetGroupBackend
from skiff.state import balancers as records
from skiff.state.scope import Scope
from skiff.store.base import Document

MAX_TARGET_GROUPS_PER_SERVICE = 5
Checker = Callable[[Scope, Document, list[dict[str, Any]]], None]


def _invalid(message: str) -> AwsError:
    return AwsError(message, code="InvalidParameterException")


def _container_port(definition: Document, name: str, port: int) -> bool:
    for container in definition.get("containerDefinitions") or []:
        if container.get("name") == name:
            return any(int(m.get("containerPort", -1)) == port for m in container.get("portMappings") or [])
    return False


def load_balancer_checker(groups: TargetGroupBackend) -> Checker:
    def check(scope: Scope, definition: Document, entries: list[dict[str, Any]]) -> None:
        if len(entries) > MAX_TARGET_GROUPS_PER_SERVICE:
            raise _invalid(f"A service can have at most {MAX_TARGET_GROUPS_PER_SERVICE} target groups.")
        seen: set[tuple[str, str, int]] = set()
        for entry in entries:
            if entry.get("loadBalancerName"):
                raise _invalid("Classic Load Balancers are not supported with Fargate.")
            arn = str(entry.get("targetGroupArn") or "")
            if not arn:
                raise _invalid("Target group ARN can not be blank.")
            name = str(entry.get("containerName") or "")
            if not name:
                raise _invalid("Container Name can not be blank.")
            if entry.get("containerPort") is None:
                raise _invalid("Container Port can not be blank.")
            port = int(entry["containerPort"])
            group = groups.get(scope, arn)
            if group is None:
                raise _invalid(f"The target group with targetGroupArn {arn} does not exist.")
            if group.get("TargetType") != "ip":
                raise _invalid(
                    f"The provided target group {arn} has target type {group.get('TargetType')}, which is "
                    "incompatible with the awsvpc network mode specified in the task definition."
                )
            if not records.balancers_of_target_group(groups.store, arn):
                raise _invalid(
                    f"The target group with targetGroupArn {arn} does not have an associated load balancer."
                )
            if not any(c.get("name") == name for c in definition.get("containerDefinitions") or []):
                raise _invalid(f"The container {name} does not exist in the task definition.")
            if not _container_port(definition, name, port):
                raise _invalid(f"The container {name} did not have a container port {port} defined.")
            if (arn, name, port) in seen:
                raise _invalid("The same target group, container name and port can be used only once.")
            seen.add((arn, name, port))

    return check
