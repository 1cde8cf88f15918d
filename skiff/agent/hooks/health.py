"""Health hook: container health from Docker's own health checks, and the task's health.

ECS runs container health checks through Docker (the same `HEALTHCHECK` machinery), so skiff
reads Docker's verdicts from its events. Task health: any essential container UNHEALTHY →
UNHEALTHY, else any essential container with a check UNKNOWN → UNKNOWN, else HEALTHY; a task
whose essential containers have no health check is UNKNOWN.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from skiff.agent.runner import TaskRunner

DOCKER_TO_ECS = {"healthy": "HEALTHY", "unhealthy": "UNHEALTHY", "starting": "UNKNOWN"}


def from_docker(status: str) -> str:
    return DOCKER_TO_ECS.get(status, "UNKNOWN")


def task_health(runner: TaskRunner) -> str:
    checked = [
        runner.states[str(c["name"])].health
        for c in runner.internal["containers"]
        if c.get("essential", True) and c.get("healthCheck")
    ]
    if not checked:
        return "UNKNOWN"
    if "UNHEALTHY" in checked:
        return "UNHEALTHY"
    if "UNKNOWN" in checked:
        return "UNKNOWN"
    return "HEALTHY"


def record(runner: TaskRunner, name: str, docker_status: str) -> None:
    state = runner.states[name]
    status = from_docker(docker_status)
    if status != state.health or name not in runner.internal.get("health", {}):
        runner.internal.setdefault("health", {})[name] = {"since": runner.now()}
    state.health = status
    runner.container(name)["healthStatus"] = state.health
    runner.doc["healthStatus"] = task_health(runner)
