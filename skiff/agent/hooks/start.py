"""Start hook: start containers in `dependsOn` order.

Conditions, as ECS defines them: START (the dependency has started), COMPLETE (it has exited),
SUCCESS (it has exited 0; any other exit fails the task), HEALTHY (its health check passes).
A container whose dependencies are not met within its `startTimeout` fails the task.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from skiff.runtime.docker import DockerError

if TYPE_CHECKING:
    from skiff.agent.runner import ContainerState, TaskRunner

DEFAULT_START_TIMEOUT = 180.0  # seconds a container waits for its dependencies


class StartError(Exception):
    def __init__(self, container: str, message: str) -> None:
        super().__init__(message)
        self.container = container


def condition_state(condition: str, dependency: ContainerState) -> str:
    """'met', 'wait' or 'failed' for one dependency."""
    if condition == "START":
        return "met" if dependency.started else "wait"
    if condition == "COMPLETE":
        return "met" if dependency.status == "STOPPED" else "wait"
    if condition == "SUCCESS":
        if dependency.status != "STOPPED":
            return "wait"
        return "met" if dependency.exit_code == 0 else "failed"
    if condition == "HEALTHY":
        if dependency.health == "HEALTHY":
            return "met"
        if dependency.health == "UNHEALTHY" or dependency.status == "STOPPED":
            return "failed"
        return "wait"
    return "met"


def readiness(runner: TaskRunner, container: dict[str, Any]) -> tuple[str, str]:
    for dependency in container.get("dependsOn") or []:
        name, condition = dependency["containerName"], dependency["condition"]
        state = runner.states.get(name)
        if state is None:
            continue
        verdict = condition_state(condition, state)
        if verdict != "met":
            return verdict, f"dependency {name} did not reach condition {condition}"
    return "met", ""


async def start_in_order(runner: TaskRunner) -> None:
    pending = {str(c["name"]): c for c in runner.internal["containers"]}
    waiting_since = {name: time.monotonic() for name in pending}
    while pending and not runner.stop_requested:
        progressed = False
        for name, container in list(pending.items()):
            verdict, why = readiness(runner, container)
            if verdict == "failed":
                raise StartError(name, f"CannotStartContainerError: {why}")
            limit = float(container.get("startTimeout") or DEFAULT_START_TIMEOUT)
            if verdict == "wait":
                if time.monotonic() - waiting_since[name] > limit:
                    raise StartError(name, f"CannotStartContainerError: {why} within {int(limit)} seconds")
                continue
            await start_one(runner, name)
            del pending[name]
            progressed = True
        if pending and not progressed:
            await runner.wait_for_change(timeout=1.0)


async def start_one(runner: TaskRunner, name: str) -> None:
    state = runner.states[name]
    if runner.env.logs is not None:
        failure = runner.env.logs.prepare(runner, name)  # the awslogs stream (and group)
        if failure is not None:
            raise StartError(name, failure)
    try:
        await runner.env.docker.start_container(state.container_id)
    except DockerError as exc:
        raise StartError(name, f"CannotStartContainerError: {exc.message}") from exc
    if runner.env.logs is not None:
        runner.env.logs.follow(runner, name)
    state.started = True
    runner.internal.setdefault("container_times", {}).setdefault(name, {})["started"] = runner.now()
    if state.status != "STOPPED":
        state.status = "RUNNING"
    runner.container(name)["lastStatus"] = "RUNNING" if state.status == "RUNNING" else "STOPPED"
    runner.changed()


async def wait_all_started(runner: TaskRunner) -> None:
    while not all(s.started for s in runner.states.values()) and not runner.stop_requested:
        await asyncio.sleep(0.05)
