"""Tasks' CPU, memory and network now, from the Docker engine skiff runs them on.

No AWS API reports one task's use of the moment (CloudWatch holds per-minute service figures), so
`skiff ps` and `skiff top` read Docker's stats of the containers DescribeTasks names (`runtimeId`),
all at once; network counters live on the task's pause container, which owns its namespace. When
Docker cannot be reached (skiff runs on another machine, no access to the socket), or a container
is gone or not running (Docker answers an empty sample), the figures are absent and the commands
show "-".
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from skiff.commands.formatting import cpu_percent, memory_used, network_totals
from skiff.runtime.docker import DEFAULT_SOCKET, DockerClient, DockerError


@dataclass
class TaskUsage:
    cpu: float | None = None  # percent of one core
    memory: int | None = None  # bytes
    memory_limit: int | None = None  # the task's memory, bytes
    rx: int | None = None
    tx: int | None = None
    at: float = 0.0


@dataclass
class Rates:
    rx: float | None = None
    tx: float | None = None


class UsageReader:
    """Reads tasks' use; keeps pause ids and the last counters, for rates between two reads."""

    def __init__(self, socket_path: str = DEFAULT_SOCKET) -> None:
        self.docker = DockerClient(socket_path)
        self._pauses: dict[str, str | None] = {}
        self._last: dict[str, TaskUsage] = {}
        self.available = True

    async def close(self) -> None:
        await self.docker.close()

    async def read(self, tasks: list[dict[str, Any]]) -> dict[str, TaskUsage]:
        running = [t for t in tasks if t.get("lastStatus") == "RUNNING"]
        if not running or not self.available:
            return {}
        if not await self.docker.ping():
            self.available = False
            return {}
        found = await asyncio.gather(*(self._task(t) for t in running))
        return {t["taskArn"]: usage for t, usage in zip(running, found, strict=True)}

    def rates(self, arn: str, now: TaskUsage) -> Rates:
        """Bytes per second since the previous read of this task."""
        before = self._last.get(arn)
        self._last[arn] = now
        if before is None or now.rx is None or before.rx is None or now.at <= before.at:
            return Rates()
        elapsed = now.at - before.at
        return Rates(
            max(0.0, (now.rx - before.rx) / elapsed), max(0.0, ((now.tx or 0) - (before.tx or 0)) / elapsed)
        )

    async def _task(self, task: dict[str, Any]) -> TaskUsage:
        ids = [str(c["runtimeId"]) for c in task.get("containers", []) if c.get("runtimeId")]
        usage = TaskUsage(at=time.monotonic())
        if task.get("memory"):
            usage.memory_limit = int(task["memory"]) * 1024 * 1024
        if not ids:
            return usage
        pause = await self._pause_of(task["taskArn"], ids[0])
        samples = await asyncio.gather(*(self._stats(i) for i in [*ids, *([pause] if pause else [])]))
        containers, network = samples[: len(ids)], samples[len(ids) :]
        cpus = [c for c in (cpu_percent(s) for s in containers if s) if c is not None]
        memories = [m for m in (memory_used(s) for s in containers if s) if m is not None]
        usage.cpu = sum(cpus) if cpus else None
        usage.memory = sum(memories) if memories else None
        totals = network_totals(network[0]) if network and network[0] else None
        if totals is not None:
            usage.rx, usage.tx = totals
        return usage

    async def _pause_of(self, arn: str, container_id: str) -> str | None:
        if arn not in self._pauses:
            info = await self._inspect(container_id)
            mode = str(((info or {}).get("HostConfig") or {}).get("NetworkMode") or "")
            self._pauses[arn] = mode.split(":", 1)[1] if mode.startswith("container:") else None
        return self._pauses[arn]

    async def _inspect(self, container_id: str) -> dict[str, Any] | None:
        try:
            return await self.docker.inspect_container(container_id)
        except DockerError:
            return None

    async def _stats(self, container_id: str) -> dict[str, Any]:
        """A sample of a running container; {} when it is gone or not running."""
        try:
            sample = await self.docker.container_stats(container_id)
        except DockerError:
            return {}
        # a container that is not running answers a sample "read" at Go's zero time, all zeros
        return {} if str(sample.get("read", "")).startswith("0001-") else sample


def read_once(tasks: list[dict[str, Any]], socket_path: str = DEFAULT_SOCKET) -> dict[str, TaskUsage]:
    """One read of the tasks' use (about a second: Docker samples CPU over one)."""

    async def run() -> dict[str, TaskUsage]:
        reader = UsageReader(socket_path)
        try:
            return await reader.read(tasks)
        finally:
            await reader.close()

    return asyncio.run(run())
