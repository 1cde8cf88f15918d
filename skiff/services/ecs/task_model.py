"""Building the ECS Task document that RunTask creates and DescribeTasks returns.

A task is a snapshot of its task definition with the run's overrides applied, plus the
fields ECS reports (ARNs, statuses, timestamps). What the agent needs to run it (the resolved
container definitions, the subnet and security groups) rides along under the `_skiff` key,
which no output shape has, so it never reaches a client.
"""

from __future__ import annotations

import copy
import datetime as dt
import secrets
import uuid
from typing import Any

from skiff.services.ecs.arns import cluster_name
from skiff.state.scope import Scope
from skiff.state.tasks import INTERNAL, task_arn
from skiff.store.base import Document

PLATFORM_VERSION = "1.4.0"


def container_arn(scope: Scope, cluster_arn: str, task_id: str) -> str:
    cluster = cluster_name(cluster_arn)
    return f"arn:aws:ecs:{scope.region}:{scope.account}:container/{cluster}/{task_id}/{uuid.uuid4()}"


def new_metadata_ids(task_id: str, container_names: list[str]) -> dict[str, str]:
    """Per-container metadata ids in Fargate's form `<task id>-<10 digits>`."""
    return {name: f"{task_id}-{secrets.randbelow(10**10):010d}" for name in container_names}


def apply_overrides(definition: Document, overrides: dict[str, Any]) -> list[dict[str, Any]]:
    """The container definitions with the run's container overrides applied (as ECS merges them)."""
    containers: list[dict[str, Any]] = copy.deepcopy(definition["containerDefinitions"])
    by_name = {c["name"]: c for c in containers}
    for override in overrides.get("containerOverrides") or []:
        container = by_name[override["name"]]
        if "command" in override:
            container["command"] = list(override["command"])
        if override.get("environment"):
            merged = {e["name"]: e.get("value", "") for e in container.get("environment", [])}
            merged.update({e["name"]: e.get("value", "") for e in override["environment"]})
            container["environment"] = [{"name": k, "value": v} for k, v in merged.items()]
        if "environmentFiles" in override:
            container["environmentFiles"] = list(override["environmentFiles"])
        for key in ("cpu", "memory", "memoryReservation", "resourceRequirements"):
            if key in override:
                container[key] = override[key]
    return containers


def new_task(
    scope: Scope,
    *,
    cluster_arn: str,
    definition: Document,
    overrides: dict[str, Any],
    network: dict[str, Any],
    started_by: str | None,
    group: str,
    tags: list[dict[str, str]],
    availability_zone: str,
) -> Document:
    task_id = uuid.uuid4().hex
    arn = task_arn(scope, cluster_arn, task_id)
    now = dt.datetime.now(dt.UTC)
    containers = apply_overrides(definition, overrides)
    role_arn = overrides.get("taskRoleArn") or definition.get("taskRoleArn")
    attachment_id = str(uuid.uuid4())
    doc: Document = {
        "taskArn": arn,
        "clusterArn": cluster_arn,
        "taskDefinitionArn": definition["taskDefinitionArn"],
        "overrides": {"containerOverrides": [], "inferenceAcceleratorOverrides": [], **overrides},
        "lastStatus": "PROVISIONING",
        "desiredStatus": "RUNNING",
        "cpu": overrides.get("cpu") or definition.get("cpu"),
        "memory": overrides.get("memory") or definition.get("memory"),
        "containers": [
            {
                "containerArn": container_arn(scope, cluster_arn, task_id),
                "taskArn": arn,
                "name": c["name"],
                "image": c["image"],
                "lastStatus": "PENDING",
                "networkInterfaces": [],
                "networkBindings": [],
                "healthStatus": "UNKNOWN",
                "cpu": str(c.get("cpu", 0)),
                **({"memory": str(c["memory"])} if c.get("memory") is not None else {}),
                **({"memoryReservation": str(c["memoryReservation"])} if c.get("memoryReservation") else {}),
            }
            for c in containers
        ],
        "startedBy": started_by,
        "group": group,
        "launchType": "FARGATE",
        "platformVersion": PLATFORM_VERSION,
        "platformFamily": "Linux",
        "availabilityZone": availability_zone,
        "attachments": [
            {"id": attachment_id, "type": "ElasticNetworkInterface", "status": "PRECREATED", "details": []}
        ],
        "attributes": [{"name": "ecs.cpu-architecture", "value": "x86_64"}],
        "connectivity": "CONNECTING",
        "createdAt": now,
        "healthStatus": "UNKNOWN",
        "version": 1,
        "tags": tags,
        "enableExecuteCommand": False,
        "ephemeralStorage": {"sizeInGiB": (definition.get("ephemeralStorage") or {}).get("sizeInGiB", 20)},
        "fargateEphemeralStorage": {
            "sizeInGiB": (definition.get("ephemeralStorage") or {}).get("sizeInGiB", 20)
        },
        INTERNAL: {
            "metadata_ids": new_metadata_ids(task_id, [str(c["name"]) for c in containers]),
            "credentials_id": str(uuid.uuid4()) if role_arn else None,
            "definition": {k: v for k, v in definition.items() if k != "containerDefinitions"},
            "containers": containers,
            "network": network,
            "attachment_id": attachment_id,
            "account": scope.account,
            "region": scope.region,
        },
    }
    if doc["startedBy"] is None:
        del doc["startedBy"]
    return doc


def public_view(doc: Document, include_tags: bool) -> Document:
    """The Task shape: internal fields dropped, tags only when asked for."""
    out = {k: v for k, v in doc.items() if k != INTERNAL}
    if not include_tags:
        out.pop("tags", None)
    return out
