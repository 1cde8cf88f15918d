"""`skiff ps`/`skiff top` figures when Docker cannot tell: no access to the engine, a container
that is gone, one that is not running. Each shows "-" and nothing fails."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from skiff.commands.stats import Rates, TaskUsage, UsageReader, read_once
from skiff.commands.tasks import row_cells, task_row
from skiff.commands.top import render, top_row
from skiff.runtime.docker import DockerError

ARN = "arn:aws:ecs:us-east-1:000000000000:task/demo/0123456789abcdef0123456789abcdef"
NOT_RUNNING = {  # what Docker answers for a created or exited container
    "read": "0001-01-01T00:00:00Z",
    "cpu_stats": {"cpu_usage": {"total_usage": 0}},
    "precpu_stats": {"cpu_usage": {"total_usage": 0}},
    "memory_stats": {},
}


def task(*runtime_ids: str) -> dict[str, Any]:
    return {
        "taskArn": ARN,
        "clusterArn": "arn:aws:ecs:us-east-1:000000000000:cluster/demo",
        "group": "service:web",
        "lastStatus": "RUNNING",
        "memory": "512",
        "containers": [{"name": f"c{i}", "runtimeId": r} for i, r in enumerate(runtime_ids)],
    }


class GoneOrStopped:
    """A Docker engine where container "gone" no longer exists and "stopped" is not running."""

    async def ping(self) -> bool:
        return True

    async def inspect_container(self, container_id: str) -> dict[str, Any] | None:
        return None if container_id == "gone" else {"HostConfig": {"NetworkMode": "container:pause"}}

    async def container_stats(self, container_id: str) -> dict[str, Any]:
        if container_id == "gone":
            raise DockerError(404, "No such container: gone")
        return NOT_RUNNING

    async def close(self) -> None:
        return None


def cells_of(usage: TaskUsage | None) -> tuple[str, str, list[str]]:
    ps = row_cells(task_row(task("x"), usage))
    top = top_row(task("x"), usage, Rates())
    rendered = render([top], 2.0, "").columns
    return ps[7], ps[8], [next(iter(c.cells)) for c in rendered[3:8]]


def test_no_docker_access_shows_dashes(tmp_path: Path) -> None:
    socket = str(tmp_path / "no-docker.sock")
    assert read_once([task("abc")], socket) == {}
    reader = UsageReader(socket)

    async def twice() -> list[dict[str, TaskUsage]]:
        try:
            return [await reader.read([task("abc")]), await reader.read([task("abc")])]
        finally:
            await reader.close()

    assert asyncio.run(twice()) == [{}, {}]
    assert not reader.available  # top notes it once, and stops asking
    cpu, memory, top = cells_of(None)
    assert (cpu, memory) == ("-", "-") and top == ["-"] * 5


def test_a_missing_or_stopped_container_shows_dashes() -> None:
    reader = UsageReader()
    asyncio.run(reader.docker.close())
    reader.docker = GoneOrStopped()  # type: ignore[assignment]
    for ids in (("gone",), ("stopped",), ("gone", "stopped"), ()):
        usage = asyncio.run(reader.read([task(*ids)]))[ARN]
        assert (usage.cpu, usage.memory, usage.rx, usage.tx) == (None, None, None, None), ids
        assert usage.memory_limit == 512 * 1024 * 1024
        cpu, memory, top = cells_of(usage)
        assert (cpu, memory) == ("-", "-") and top == ["-"] * 5, (ids, top)
    stopped = {**task("stopped"), "lastStatus": "STOPPED"}
    assert asyncio.run(reader.read([stopped])) == {}  # only running tasks are asked about
