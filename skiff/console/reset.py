"""State reset for test suites: the registry of reset hooks each subsystem adds in skiff/server/.

`POST /_skiff/reset` (and moto's `POST /moto-api/reset`) runs every hook, phase by phase:

- QUIESCE: controllers stop their loops, so nothing launches or registers while state goes;
- RUNTIME: what runs goes (the agent's tasks and their containers, balancers, DNS rules);
- STATE: the store is wiped (every collection of every service, counters);
- CACHES: in-memory copies of the store are forgotten (IAM keys, default networks, zones...),
  and what mirrors the store is brought in line (the registry drops orphaned images);
- RESUME: controllers start again.

A subsystem with state of its own registers one hook per concern with `add(name, phase, fn)`;
`fn` may be sync or async. Hooks of one phase run in the order they were added; a failing hook is
logged and reported, and the others still run. Resets never overlap.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import IntEnum

log = logging.getLogger("skiff.reset")

Hook = Callable[[], Awaitable[object] | object]  # what it returns is ignored


class Phase(IntEnum):
    QUIESCE = 10
    RUNTIME = 20
    STATE = 30
    CACHES = 40
    RESUME = 50


@dataclass(frozen=True)
class _Entry:
    name: str
    phase: Phase
    fn: Hook
    order: int


@dataclass
class ResetReport:
    """What one reset did: every hook's name in the order run, failures, and the time it took."""

    ran: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed

    def as_json(self) -> dict[str, object]:
        return {
            "status": "ok" if self.ok else "error",
            "hooks": self.ran,
            "failed": self.failed,
            "seconds": round(self.seconds, 3),
        }


class ResetHooks:
    def __init__(self) -> None:
        self._entries: list[_Entry] = []
        self._lock = asyncio.Lock()
        self.resets = 0

    def add(self, name: str, phase: Phase, fn: Hook) -> None:
        if any(e.name == name for e in self._entries):
            raise ValueError(f"reset hook {name!r} registered twice")
        self._entries.append(_Entry(name, phase, fn, len(self._entries)))

    @property
    def names(self) -> list[str]:
        return [e.name for e in sorted(self._entries, key=lambda e: (e.phase, e.order))]

    async def run(self) -> ResetReport:
        async with self._lock:
            report = ResetReport()
            started = time.perf_counter()
            for entry in sorted(self._entries, key=lambda e: (e.phase, e.order)):
                try:
                    result = entry.fn()
                    if inspect.isawaitable(result):
                        await result
                except Exception as exc:
                    log.exception("reset hook %s failed", entry.name)
                    report.failed[entry.name] = f"{type(exc).__name__}: {exc}"
                report.ran.append(entry.name)
            report.seconds = time.perf_counter() - started
            self.resets += 1
            log.info("state reset in %.2fs (%d hooks)", report.seconds, len(report.ran))
            return report
