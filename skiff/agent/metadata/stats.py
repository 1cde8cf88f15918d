"""Container stats for the metadata endpoint: Docker's stats JSON, the task's network counters
(they live on the pause container, which owns the namespace) and `network_rate_stats`, the
bytes per second between this sample and the previous one."""

from __future__ import annotations

import time
from typing import Any

from skiff.runtime.docker import DockerClient, DockerError


class StatsSampler:
    def __init__(self, docker: DockerClient) -> None:
        self.docker = docker
        self._last: dict[str, tuple[float, int, int]] = {}  # container -> (time, rx, tx)

    async def sample(self, container_id: str, pause_id: str | None, *, with_rates: bool) -> dict[str, Any]:
        try:
            stats = await self.docker.container_stats(container_id)
            if pause_id:
                networks = (await self.docker.container_stats(pause_id)).get("networks")
                if networks:
                    stats["networks"] = {
                        "eth1" if name == "eth0" else name: v for name, v in networks.items()
                    }
        except DockerError:
            return {}
        if with_rates:
            stats["network_rate_stats"] = self._rates(container_id, stats.get("networks") or {})
        return stats

    def _rates(self, key: str, networks: dict[str, Any]) -> dict[str, float]:
        now = time.monotonic()
        rx = sum(int(n.get("rx_bytes", 0)) for n in networks.values())
        tx = sum(int(n.get("tx_bytes", 0)) for n in networks.values())
        previous = self._last.get(key)
        self._last[key] = (now, rx, tx)
        if previous is None or now <= previous[0]:
            return {"rx_bytes_per_sec": 0.0, "tx_bytes_per_sec": 0.0}
        elapsed = now - previous[0]
        return {
            "rx_bytes_per_sec": max(0.0, (rx - previous[1]) / elapsed),
            "tx_bytes_per_sec": max(0.0, (tx - previous[2]) / elapsed),
        }

    def forget(self, container_id: str) -> None:
        self._last.pop(container_id, None)
