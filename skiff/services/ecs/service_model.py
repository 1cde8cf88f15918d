"""ECS service documents: ARNs, deployments, events, and the counts derived from task records.

Running and pending counts are never stored: they are read from the live tasks a deployment
started (`startedBy` = the deployment id), so they stay right after any crash. Failed tasks are
counted once each, when the scheduler sees a watched task stop, so the count survives the
stopped task's record ageing out.
"""

from __future__ import annotations

import datetime as dt
import math
import secrets
from typing import Any

from skiff.state.scope import Scope
from skiff.store.base import Document, Store

SERVICES = "services"
MAX_EVENTS = 100
PENDING_STATES = ("PROVISIONING", "PENDING", "ACTIVATING")
FAILURE_CODES = ("TaskFailedToStart", "EssentialContainerExited")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def service_arn(scope: Scope, cluster_name: str, name: str) -> str:
    return f"arn:aws:ecs:{scope.region}:{scope.account}:service/{cluster_name}/{name}"


def deployment_id() -> str:
    return f"ecs-svc/{secrets.randbelow(9 * 10**18) + 10**18}"


def new_deployment(task_definition: str, desired: int, network: dict[str, Any] | None) -> Document:
    stamp = now()
    deployment: Document = {
        "id": deployment_id(),
        "status": "PRIMARY",
        "taskDefinition": task_definition,
        "desiredCount": desired,
        "pendingCount": 0,
        "runningCount": 0,
        "failedTasks": 0,
        "createdAt": stamp,
        "updatedAt": stamp,
        "launchType": "FARGATE",
        "platformVersion": "1.4.0",
        "platformFamily": "Linux",
        "rolloutState": "IN_PROGRESS",
    }
    deployment["rolloutStateReason"] = f"ECS deployment {deployment['id']} in progress."
    if network:
        deployment["networkConfiguration"] = network
    return deployment


def add_event(service: Document, message: str) -> None:
    """Newest first, at most MAX_EVENTS kept."""
    event = {
        "id": secrets.token_hex(16)[:8] + "-" + secrets.token_hex(2),
        "createdAt": now(),
        "message": message,
    }
    service["events"] = [event, *service.get("events", [])][:MAX_EVENTS]


def save_service(store: Store, service: Document) -> None:
    internal = service["_skiff"]
    store.put(
        SERVICES,
        service["serviceArn"],
        service,
        account=internal["account"],
        region=internal["region"],
        cluster=service["clusterArn"],
        name=service["serviceName"],
        status=service["status"],
    )


def failure_threshold(desired: int) -> int:
    """Circuit breaker: half the desired count, at least 3 and at most 200 (ECS API reference)."""
    return min(200, max(3, math.ceil(0.5 * desired)))


def task_is_healthy(task: Document) -> bool:
    """RUNNING, and passing health checks where its essential containers have any."""
    if task["lastStatus"] != "RUNNING" or task["desiredStatus"] != "RUNNING":
        return False
    checked = any(c.get("essential", True) and c.get("healthCheck") for c in task["_skiff"]["containers"])
    return task.get("healthStatus") == "HEALTHY" if checked else True


def counts(tasks: list[Document]) -> dict[str, int]:
    """Running and pending counts of live tasks (failures are counted as they happen, in the
    deployment document, by the scheduler)."""
    live = [t for t in tasks if t["desiredStatus"] == "RUNNING"]
    return {
        "runningCount": sum(1 for t in live if t["lastStatus"] == "RUNNING"),
        "pendingCount": sum(1 for t in live if t["lastStatus"] in PENDING_STATES),
    }


def is_failure(task: Document) -> bool:
    """A stopped task that counts against its deployment (circuit breaker, backoff)."""
    return task["lastStatus"] == "STOPPED" and task.get("stopCode") in FAILURE_CODES
