"""Stop hook: stop running containers in reverse dependency order.

A container stops only once no running container depends on it; each gets its image's stop
signal, then SIGKILL after its `stopTimeout` (30 s by default), which Docker's stop does.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

from skiff.agent.container_config import DEFAULT_STOP_TIMEOUT
from skiff.runtime.docker import DockerError

if TYPE_CHECKING:
    from skiff.agent.runner import TaskRunner


def stop_waves(dependencies: dict[str, set[str]], running: set[str]) -> list[list[str]]:
    """Groups of containers that can stop together, dependents before their dependencies."""
    left = set(running)
    waves: list[list[str]] = []
    while left:
        needed = {dep for name in left for dep in dependencies.get(name, set()) if dep != name}
        wave = sorted(name for name in left if name not in needed) or sorted(left)
        waves.append(wave)
        left -= set(wave)
    return waves


async def stop_containers(runner: TaskRunner) -> None:
    containers = {str(c["name"]): c for c in runner.internal["containers"]}
    dependencies = {
        name: {str(d["containerName"]) for d in c.get("dependsOn") or []} for name, c in containers.items()
    }
    running = {
        name for name, state in runner.states.items() if state.container_id and state.status != "STOPPED"
    }
    for wave in stop_waves(dependencies, running):
        await asyncio.gather(*(stop_one(runner, name, containers[name]) for name in wave))


async def stop_one(runner: TaskRunner, name: str, container: dict[str, Any]) -> None:
    state = runner.states[name]
    timeout = int(container.get("stopTimeout") or DEFAULT_STOP_TIMEOUT)
    with contextlib.suppress(DockerError):  # already gone: the inspect below records what is known
        await runner.env.docker.stop_container(state.container_id, timeout=timeout)
    await runner.refresh_container(name)
