"""Finding what a command names, through the ECS API: clusters, their tasks and services, a task
by id or ARN, a service's tasks, a task definition's containers."""

from __future__ import annotations

from typing import Any

from skiff.commands.common import CommandError, chunks, paginate
from skiff.commands.formatting import short_id


def cluster_arns(ecs: Any, only: str | None = None) -> list[str]:
    if only:
        reply = ecs.describe_clusters(clusters=[only])
        found = [c["clusterArn"] for c in reply.get("clusters", []) if c.get("status") != "INACTIVE"]
        if not found:
            raise CommandError(f"no cluster {only!r}")
        return found
    return sorted(paginate(ecs, "list_clusters", "clusterArns"))


def task_arns(ecs: Any, cluster: str, *, stopped: bool = False, service: str | None = None) -> list[str]:
    statuses = ("RUNNING", "STOPPED") if stopped else ("RUNNING",)
    extra = {"serviceName": service} if service else {}
    arns: list[str] = []
    for status in statuses:
        arns += paginate(ecs, "list_tasks", "taskArns", cluster=cluster, desiredStatus=status, **extra)
    return list(dict.fromkeys(arns))


def describe_tasks(ecs: Any, cluster: str, arns: list[str]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for batch in chunks(arns, 100):
        found += ecs.describe_tasks(cluster=cluster, tasks=batch).get("tasks", [])
    return found


def all_tasks(ecs: Any, cluster: str | None = None, *, stopped: bool = False) -> list[dict[str, Any]]:
    """Tasks of one cluster or of every cluster (desired RUNNING, and STOPPED ones with `stopped`)."""
    tasks: list[dict[str, Any]] = []
    for arn in cluster_arns(ecs, cluster):
        tasks += describe_tasks(ecs, arn, task_arns(ecs, arn, stopped=stopped))
    return tasks


def find_task(ecs: Any, cluster: str, ref: str) -> dict[str, Any]:
    """A task by id or ARN (an ARN names its own cluster)."""
    if ":task/" in ref:
        parts = ref.split(":task/", 1)[1].split("/")
        if len(parts) == 2:
            cluster = parts[0]
    reply = ecs.describe_tasks(cluster=cluster, tasks=[ref])
    tasks: list[dict[str, Any]] = reply.get("tasks", [])
    if not tasks:
        reason = next((f.get("reason") for f in reply.get("failures", [])), None) or "MISSING"
        raise CommandError(f"no task {ref!r} in cluster {short_id(cluster)!r} ({reason})")
    return tasks[0]


def describe_services(ecs: Any, cluster: str, names: list[str]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for batch in chunks(names, 10):
        found += ecs.describe_services(cluster=cluster, services=batch).get("services", [])
    return found


def find_service(ecs: Any, cluster: str, name: str) -> dict[str, Any]:
    reply = ecs.describe_services(cluster=cluster, services=[name])
    services = [s for s in reply.get("services", []) if s.get("status") != "INACTIVE"]
    if not services:
        raise CommandError(f"no service {name!r} in cluster {short_id(cluster)!r}")
    service: dict[str, Any] = services[0]
    return service


def all_services(ecs: Any, cluster: str | None = None) -> list[dict[str, Any]]:
    services: list[dict[str, Any]] = []
    for arn in cluster_arns(ecs, cluster):
        services += describe_services(
            ecs, arn, sorted(paginate(ecs, "list_services", "serviceArns", cluster=arn))
        )
    return services


def container_definitions(ecs: Any, definition_arn: str, cache: dict[str, Any]) -> list[dict[str, Any]]:
    if definition_arn not in cache:
        reply = ecs.describe_task_definition(taskDefinition=definition_arn)
        cache[definition_arn] = reply["taskDefinition"].get("containerDefinitions", [])
    found: list[dict[str, Any]] = cache[definition_arn]
    return found
