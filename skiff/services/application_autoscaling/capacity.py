"""The ECS side of a scalable target: whether the service exists, its desired count, and setting
it through the very path UpdateService takes (so deployments, load balancer registration and
discovery follow as they do for a user's UpdateService)."""

from __future__ import annotations

from typing import Protocol

from skiff.api.errors import AwsError
from skiff.services.application_autoscaling.resources import Resource
from skiff.services.ecs.services import ServiceBackend
from skiff.state.scope import Scope


class ServiceCapacity(Protocol):
    def desired(self, scope: Scope, resource: Resource) -> int | None:
        """The ACTIVE service's desiredCount, None when there is no such ACTIVE service."""

    def set_desired(self, scope: Scope, resource: Resource, count: int) -> None:
        """UpdateService(desiredCount=count); raises AwsError when ECS refuses."""

    def target_groups(self, scope: Scope, resource: Resource) -> list[str]:
        """The ARNs of the target groups attached to the service (its loadBalancers)."""


class EcsCapacity:
    """ServiceCapacity over the ECS service backend."""

    def __init__(self, services: ServiceBackend) -> None:
        self.services = services

    def desired(self, scope: Scope, resource: Resource) -> int | None:
        try:
            doc = self.services.find(scope, resource.cluster, resource.service)
        except AwsError:
            return None
        if doc is None or doc.get("status") != "ACTIVE":
            return None
        return int(doc["desiredCount"])

    def set_desired(self, scope: Scope, resource: Resource, count: int) -> None:
        self.services.update(
            scope, {"cluster": resource.cluster, "service": resource.service, "desiredCount": count}
        )

    def target_groups(self, scope: Scope, resource: Resource) -> list[str]:
        try:
            doc = self.services.find(scope, resource.cluster, resource.service)
        except AwsError:
            return []
        if doc is None:
            return []
        return [
            str(lb["targetGroupArn"]) for lb in doc.get("loadBalancers") or [] if lb.get("targetGroupArn")
        ]
