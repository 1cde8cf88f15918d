"""ECS service registries: each task of a service with `serviceRegistries` is a Cloud Map instance.

A task is registered (instance id = task id) in every registry of its deployment once it is
RUNNING and healthy, with the attributes ECS writes: AWS_INSTANCE_IPV4 (the ENI address),
AWS_INSTANCE_PORT (the registry's `port`, or its container's port), AVAILABILITY_ZONE, REGION,
ECS_SERVICE_NAME, ECS_CLUSTER_NAME, ECS_TASK_DEFINITION_FAMILY and, where the Cloud Map service
has a custom health check, AWS_INIT_HEALTH_STATUS=HEALTHY. A pass a second (and at once when
woken) registers what is missing and deregisters what no longer runs healthy; before a task
stops, the `StopGate` deregisters it first (the runner awaits it while the task is DEACTIVATING),
so a stopping task leaves DNS answers before its containers go. Registries a deployment started
with stay its tasks' (UpdateService with new registries makes a new deployment).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from skiff.api.errors import AwsError
from skiff.periodic import PeriodicLoop
from skiff.services.ecs.service_model import SERVICES, task_is_healthy
from skiff.services.ecs.services import ServiceBackend
from skiff.services.servicediscovery.ids import id_from
from skiff.services.servicediscovery.instances import InstanceBackend
from skiff.state.discovery import INTERNAL, registered_by, registrations_of, service_id_of
from skiff.state.scope import Scope
from skiff.state.tasks import INTERNAL as TASK_INTERNAL
from skiff.state.tasks import task_id_of
from skiff.store.base import Document, Store

log = logging.getLogger("skiff.controllers.discovery")

INTERVAL = 1.0
DNS_SETTLE_SECONDS = 0.25  # the resolver sees a change within its poll (0.1 s)
REGISTRIES = "registries"  # service _skiff: deployment id -> the registries it started with


def registry_service_id(registry: dict[str, Any]) -> str:
    return id_from(str(registry.get("registryArn", "")), "service")


def task_address(task: Document) -> str | None:
    for attachment in task.get("attachments") or []:
        for detail in attachment.get("details") or []:
            if detail.get("name") == "privateIPv4Address":
                return str(detail["value"])
    return None


def registry_port(task: Document, registry: dict[str, Any]) -> int | None:
    if registry.get("port") is not None:
        return int(registry["port"])
    if registry.get("containerName") and registry.get("containerPort") is not None:
        return int(registry["containerPort"])
    if registry.get("containerName"):  # the container's first port mapping
        for container in task[TASK_INTERNAL]["containers"]:
            if container["name"] == registry["containerName"] and container.get("portMappings"):
                return int(container["portMappings"][0]["containerPort"])
    return None


def attributes_for(
    service: Document, task: Document, registry: dict[str, Any], custom: bool
) -> dict[str, str]:
    internal = task[TASK_INTERNAL]
    attributes = {
        "AWS_INSTANCE_IPV4": task_address(task) or "",
        "AVAILABILITY_ZONE": str(task.get("availabilityZone", "")),
        "REGION": str(internal["region"]),
        "ECS_SERVICE_NAME": service["serviceName"],
        "ECS_CLUSTER_NAME": service["clusterArn"].rsplit("/", 1)[-1],
        "ECS_TASK_DEFINITION_FAMILY": str(internal["definition"]["family"]),
    }
    port = registry_port(task, registry)
    if port is not None:
        attributes["AWS_INSTANCE_PORT"] = str(port)
    if custom:
        attributes["AWS_INIT_HEALTH_STATUS"] = "HEALTHY"
    return attributes


class DiscoveryRegistration:
    """The controller and, through `before_stop`, the stop gate of Cloud Map registration."""

    def __init__(
        self, store: Store, services: ServiceBackend, instances: InstanceBackend, interval: float = INTERVAL
    ) -> None:
        self.store = store
        self.services = services
        self.instances = instances
        self.interval = interval
        self._loop = PeriodicLoop("discovery-registration", interval, self.reconcile_all)

    # -- the loop ---------------------------------------------------------------------------------
    def wake(self) -> None:
        self._loop.wake()

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    def reconcile_all(self) -> None:
        for service in self.store.find(SERVICES, {"status": ("ACTIVE", "DRAINING", "INACTIVE")}):
            if service.get("serviceRegistries") or service["_skiff"].get(REGISTRIES):
                self.reconcile(service)

    # -- one service ------------------------------------------------------------------------------
    def registries_for(self, service: Document, task: Document) -> list[dict[str, Any]]:
        by_deployment: dict[str, list[dict[str, Any]]] = service["_skiff"].get(REGISTRIES) or {}
        started_by = str(task.get("startedBy") or "")
        if started_by in by_deployment:
            return list(by_deployment[started_by])
        return list(service.get("serviceRegistries") or [])

    def reconcile(self, service: Document) -> None:
        scope = Scope(service["_skiff"]["account"], service["_skiff"]["region"])
        wanted: set[tuple[str, str]] = set()  # (Cloud Map service id, task id)
        for task in self.services.tasks_of(service, stopped=False):
            if not task_is_healthy(task) or task_address(task) is None:
                continue
            for registry in self.registries_for(service, task):
                sd_service = registry_service_id(registry)
                wanted.add((sd_service, task_id_of(task["taskArn"])))
                self._ensure(scope, service, task, registry)
        for instance in registered_by(self.store, service["serviceArn"]):
            key = (service_id_of(instance), instance["Id"])
            if key not in wanted:
                self._deregister(scope, key[0], key[1], "no longer running healthy")

    def _ensure(self, scope: Scope, service: Document, task: Document, registry: dict[str, Any]) -> None:
        sd_service = self.instances.services.find(scope, registry_service_id(registry))
        if sd_service is None:
            return  # the registry is gone: nothing to register in
        task_id = task_id_of(task["taskArn"])
        attributes = attributes_for(service, task, registry, "HealthCheckCustomConfig" in sd_service)
        current = [i for i in registrations_of(self.store, task_id) if service_id_of(i) == sd_service["Id"]]
        if current and current[0]["Attributes"] == attributes:
            return
        try:
            self.instances.register(
                scope,
                {"ServiceId": sd_service["Id"], "InstanceId": task_id, "Attributes": attributes},
                ecs_service=service["serviceArn"],
            )
            log.info("task %s registered in Cloud Map service %s", task_id, sd_service["Id"])
        except AwsError as exc:
            log.warning("task %s cannot be registered in %s: %s", task_id, sd_service["Id"], exc.message)

    def _deregister(self, scope: Scope, sd_service_id: str, task_id: str, why: str) -> None:
        try:
            self.instances.deregister(scope, sd_service_id, task_id)
            log.info("task %s deregistered from Cloud Map service %s (%s)", task_id, sd_service_id, why)
        except AwsError as exc:
            log.debug("task %s: %s", task_id, exc.message)

    # -- StopGate ---------------------------------------------------------------------------------
    async def before_stop(self, task: Document) -> None:
        """Take the task out of every registry it is in, then let the resolver catch up."""
        task_id = task_id_of(task["taskArn"])
        scope = Scope(task[TASK_INTERNAL]["account"], task[TASK_INTERNAL]["region"])
        found = [i for i in registrations_of(self.store, task_id) if i.get(INTERNAL, {}).get("ecs_service")]
        for instance in found:
            self._deregister(scope, service_id_of(instance), task_id, "the task is stopping")
        if found:
            await asyncio.sleep(DNS_SETTLE_SECONDS)


__all__ = ["DiscoveryRegistration"]
