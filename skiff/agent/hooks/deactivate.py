"""Deactivate hook: before a running task's containers stop, whatever routes traffic to it lets go.

On Fargate a task behind a load balancer is deregistered from its target groups while it is
DEACTIVATING, and stops only once the deregistration delay has passed; a task registered in Cloud
Map leaves the DNS answers first. The agent knows neither: skiff/server/ hands it `StopGate`s (one per
such part), and this hook awaits all of them, concurrently, while the task is DEACTIVATING. A gate
that fails is logged and does not keep the task from stopping. After a restart in the middle of
DEACTIVATING the gates run again (each must be safe to repeat).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Protocol

from skiff.store.base import Document

if TYPE_CHECKING:
    from skiff.agent.runner import TaskRunner

log = logging.getLogger("skiff.agent.deactivate")


class StopGate(Protocol):
    async def before_stop(self, task: Document) -> None:
        """Return once traffic no longer reaches the task (may take the deregistration delay)."""


async def release_traffic(runner: TaskRunner) -> None:
    gates = runner.env.stop_gates
    if not gates:
        return
    results = await asyncio.gather(*(gate.before_stop(runner.doc) for gate in gates), return_exceptions=True)
    for gate, result in zip(gates, results, strict=True):
        if isinstance(result, asyncio.CancelledError):
            raise result
        if isinstance(result, BaseException):
            log.warning("task %s: %s failed before stop: %r", runner.task_id, type(gate).__name__, result)
