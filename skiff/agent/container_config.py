"""Docker create configuration for one container of a task, from its container definition.

Every container joins the task's pause container namespace (`container:<pause>`), so the
containers of a task share one IP and reach each other on localhost, as on Fargate.
"""

from __future__ import annotations

from typing import Any

from skiff.runtime.labels import (
    ECS_CLUSTER,
    ECS_CONTAINER_NAME,
    ECS_FAMILY,
    ECS_TASK_ARN,
    ECS_VERSION,
    INSTANCE,
    MANAGED,
    ROLE,
    TASK_ARN,
)

NANOS = 1_000_000_000
MIB = 1024 * 1024
DEFAULT_STOP_TIMEOUT = 30


def task_container_labels(
    task: dict[str, Any], container_name: str, user_labels: dict[str, str], instance: str
) -> dict[str, str]:
    definition = task["_skiff"]["definition"]
    labels = dict(user_labels)
    labels.update(
        {
            ECS_CLUSTER: task["clusterArn"],
            ECS_TASK_ARN: task["taskArn"],
            ECS_CONTAINER_NAME: container_name,
            ECS_FAMILY: definition["family"],
            ECS_VERSION: str(definition["revision"]),
            MANAGED: "true",
            INSTANCE: instance,
            ROLE: "task",
            TASK_ARN: task["taskArn"],
        }
    )
    return labels


def health_config(check: dict[str, Any]) -> dict[str, Any]:
    """ECS healthCheck -> Docker Healthcheck, with the ECS defaults (30 s, 5 s, 3, 0 s)."""
    return {
        "Test": list(check["command"]),
        "Interval": int(check.get("interval", 30)) * NANOS,
        "Timeout": int(check.get("timeout", 5)) * NANOS,
        "Retries": int(check.get("retries", 3)),
        "StartPeriod": int(check.get("startPeriod", 0)) * NANOS,
    }


def environment(container: dict[str, Any], injected: dict[str, str]) -> list[str]:
    """Definition environment wins over what skiff injects, as on ECS."""
    values = dict(injected)
    values.update({e["name"]: e.get("value", "") for e in container.get("environment", [])})
    return [f"{k}={v}" for k, v in values.items()]


def volume_mounts(container: dict[str, Any], volume_names: dict[str, str]) -> list[dict[str, Any]]:
    mounts: list[dict[str, Any]] = []
    for point in container.get("mountPoints", []):
        source = volume_names.get(point.get("sourceVolume", ""))
        if source is None or not point.get("containerPath"):
            continue
        mounts.append(
            {
                "Type": "volume",
                "Source": source,
                "Target": point["containerPath"],
                "ReadOnly": bool(point.get("readOnly", False)),
            }
        )
    return mounts


def build_config(
    task: dict[str, Any],
    container: dict[str, Any],
    *,
    pause_id: str,
    cgroup_parent: str | None,
    injected_env: dict[str, str],
    secret_env: dict[str, str] | None = None,
    volume_names: dict[str, str],
    volumes_from: list[str],
    image: str,
    instance: str,
) -> dict[str, Any]:
    linux = container.get("linuxParameters") or {}
    host: dict[str, Any] = {
        "NetworkMode": f"container:{pause_id}",
        "Mounts": volume_mounts(container, volume_names),
        "VolumesFrom": volumes_from,
        "ReadonlyRootfs": bool(container.get("readonlyRootFilesystem", False)),
        "Init": bool(linux.get("initProcessEnabled", False)),
        "Ulimits": [
            {"Name": u["name"], "Soft": u["softLimit"], "Hard": u["hardLimit"]}
            for u in container.get("ulimits", [])
        ],
        "Sysctls": {
            s["namespace"]: s["value"] for s in container.get("systemControls", []) if "namespace" in s
        },
        "LogConfig": {"Type": "json-file", "Config": {}},
    }
    if cgroup_parent:
        host["CgroupParent"] = cgroup_parent
    if container.get("memory"):
        host["Memory"] = int(container["memory"]) * MIB
    if container.get("memoryReservation"):
        host["MemoryReservation"] = int(container["memoryReservation"]) * MIB
    if container.get("cpu"):
        host["CpuShares"] = max(2, int(container["cpu"]))
    capabilities = linux.get("capabilities") or {}
    if capabilities.get("add"):
        host["CapAdd"] = list(capabilities["add"])
    if capabilities.get("drop"):
        host["CapDrop"] = list(capabilities["drop"])
    if task["_skiff"]["definition"].get("pidMode") == "task":
        host["PidMode"] = f"container:{pause_id}"
    config: dict[str, Any] = {
        "Image": image,
        "Env": environment(container, injected_env) + [f"{k}={v}" for k, v in (secret_env or {}).items()],
        "Labels": task_container_labels(
            task, container["name"], container.get("dockerLabels") or {}, instance
        ),
        "Tty": bool(container.get("pseudoTerminal", False)),
        "OpenStdin": bool(container.get("interactive", False)),
        "StopTimeout": int(container.get("stopTimeout") or DEFAULT_STOP_TIMEOUT),
        "HostConfig": host,
    }
    if container.get("command"):
        config["Cmd"] = list(container["command"])
    if container.get("entryPoint"):
        config["Entrypoint"] = list(container["entryPoint"])
    if container.get("workingDirectory"):
        config["WorkingDir"] = container["workingDirectory"]
    if container.get("user"):
        config["User"] = container["user"]
    if container.get("healthCheck"):
        config["Healthcheck"] = health_config(container["healthCheck"])
    return config
