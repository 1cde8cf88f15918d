"""Task-level cpu and memory limits: one parent cgroup per task (cgroup v1, cgroupfs driver).

Every container of a task is created with `CgroupParent=/skiff/<task-id>`; the parent carries the
task's `memory` (hard limit) and `cpu` (CFS quota), so the containers together cannot exceed
what the task definition asks for, as on Fargate. An OOM kill inside the task shows in the
parent's `memory.oom_control` counter.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

log = logging.getLogger("skiff.agent.cgroups")

CGROUP_ROOT = Path("/sys/fs/cgroup")
PARENT = "skiff"
CFS_PERIOD_US = 100_000


class TaskCgroups:
    def __init__(self, root: Path = CGROUP_ROOT, parent: str = PARENT) -> None:
        self.root = root
        self.parent = parent

    def available(self) -> bool:
        """cgroup v1 with writable memory and cpu hierarchies."""
        return (self.root / "memory" / "memory.limit_in_bytes").exists() and (self.root / "cpu").is_dir()

    def path(self, task_id: str) -> str:
        return f"/{self.parent}/{task_id}"

    def create(self, task_id: str, cpu_units: int | None, memory_mib: int | None) -> str | None:
        """Create the task's parent cgroup with its limits; None where cgroups are not usable."""
        if not self.available():
            return None
        try:
            memory_dir = self.root / "memory" / self.parent / task_id
            memory_dir.mkdir(parents=True, exist_ok=True)
            if memory_mib:
                (memory_dir / "memory.limit_in_bytes").write_text(str(memory_mib * 1024 * 1024))
            cpu_dir = self.root / "cpu" / self.parent / task_id
            cpu_dir.mkdir(parents=True, exist_ok=True)
            if cpu_units:
                (cpu_dir / "cpu.cfs_period_us").write_text(str(CFS_PERIOD_US))
                (cpu_dir / "cpu.cfs_quota_us").write_text(str(max(1000, cpu_units * CFS_PERIOD_US // 1024)))
        except OSError as exc:
            log.warning("task cgroup for %s not set up: %s", task_id, exc)
            return None
        return self.path(task_id)

    def oom_killed(self, task_id: str) -> bool:
        """Did the task hit its memory limit? The kernel's OOM counter where it keeps one, else
        limit failures (`failcnt`) with the peak usage at the limit."""
        memory = self.root / "memory" / self.parent / task_id
        try:
            for line in (memory / "memory.oom_control").read_text().splitlines():
                name, _, value = line.partition(" ")
                if name == "oom_kill" and int(value) > 0:
                    return True
            failures = int((memory / "memory.failcnt").read_text())
            peak = int((memory / "memory.max_usage_in_bytes").read_text())
            limit = int((memory / "memory.limit_in_bytes").read_text())
        except (OSError, ValueError):
            return False
        return failures > 0 and peak >= limit

    def task_ids(self) -> set[str]:
        """Tasks that have a cgroup here (left over ones included)."""
        top = self.root / "memory" / self.parent
        return {p.name for p in top.iterdir() if p.is_dir()} if top.is_dir() else set()

    def remove(self, task_id: str) -> None:
        """Remove the task's cgroups in every hierarchy (children first); missing ones are fine."""
        if not self.root.is_dir():
            return
        for hierarchy in self.root.iterdir():
            top = hierarchy / self.parent / task_id
            if not top.is_dir():
                continue
            for child in sorted((p for p in top.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
                with contextlib.suppress(OSError):
                    child.rmdir()
            try:
                top.rmdir()
            except OSError as exc:
                log.debug("cgroup %s left: %s", top, exc)
