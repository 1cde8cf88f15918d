"""What a task uses, computed from Docker's stats JSON: the numbers CloudWatch metrics are made of.

Docker's stats give cumulative counters (CPU nanoseconds, bytes received and sent, bytes read and
written) and a current memory figure. `Counters.of` reads one container's sample; `usage` turns a
task's counters now and at the previous sample into what Fargate reports for the interval:

* CPU units used: CPU seconds per second over the interval x 1024 (1 vCPU = 1024 units), summed
  over the task's containers. The first sample of a container has no previous one of ours: the
  interval is then Docker's own (`precpu_stats`, a second earlier) when the sample has it.
* memory used (MiB): usage minus the page cache (cgroup v1 `cache`, v2 `inactive_file`), as the
  ECS agent counts it, summed over the containers.
* network bytes per second received and sent: the task's interfaces live in its pause container's
  namespace, so its counters are the task's (the containers' own, when there is no pause).
* storage bytes per second read and written (block I/O of the containers).

Utilization is the used share of the task's reservation (task-level `cpu` units and `memory` MiB,
as Fargate requires them), in percent. `Usage.containers` keeps each container's own CPU, memory
and storage figures (by Docker id) for the container-level metrics of enhanced observability.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from skiff.store.base import Document

CPU_UNITS_PER_VCPU = 1024
MIB = 1024 * 1024
_ZERO_TIME = "0001-01-01"


def parse_docker_time(text: str) -> float | None:
    """Epoch seconds of Docker's RFC 3339 nano timestamp; None for the zero time or garbage."""
    if not text or text.startswith(_ZERO_TIME):
        return None
    head, _, rest = text.partition(".")
    fraction, zone = "", "Z"
    if rest:
        digits = len(rest) - len(rest.lstrip("0123456789"))
        fraction, zone = rest[:digits], rest[digits:] or "Z"
    elif head.endswith("Z"):
        head = head[:-1]
    zone = "+00:00" if zone == "Z" else zone
    try:
        base = dt.datetime.fromisoformat(head + zone)
    except ValueError:
        return None
    return base.timestamp() + (float("0." + fraction) if fraction else 0.0)


@dataclass(frozen=True)
class Counters:
    """One container's sample: cumulative counters at `read`, and memory in use then."""

    read: float
    """When Docker read the sample (epoch seconds)."""
    cpu_ns: int
    """CPU time used since the container started (nanoseconds)."""
    memory_bytes: int
    """Memory in use, page cache excluded."""
    rx_bytes: int
    """Bytes received on every interface of the sample."""
    tx_bytes: int
    """Bytes sent on every interface of the sample."""
    read_bytes: int
    """Bytes read from block devices."""
    write_bytes: int
    """Bytes written to block devices."""
    previous: Counters | None = None
    """Docker's own previous CPU reading (`precpu_stats`), when the sample carries one."""

    @classmethod
    def of(cls, stats: Mapping[str, Any]) -> Counters | None:
        """The counters of one stats JSON; None when it has no reading (a stopped container)."""
        read = parse_docker_time(str(stats.get("read") or ""))
        if read is None:
            return None
        rx, tx = network_bytes(stats)
        blk_read, blk_write = block_bytes(stats)
        previous = None
        pre_read = parse_docker_time(str(stats.get("preread") or ""))
        pre_cpu = _cpu_ns(stats.get("precpu_stats"))
        if pre_read is not None and pre_cpu and pre_read < read:
            previous = Counters(pre_read, pre_cpu, 0, rx, tx, blk_read, blk_write)
        cpu = _cpu_ns(stats.get("cpu_stats"))
        return cls(read, cpu, memory_in_use(stats), rx, tx, blk_read, blk_write, previous)


def _cpu_ns(section: Any) -> int:
    if not isinstance(section, Mapping):
        return 0
    usage = section.get("cpu_usage") or {}
    return int(usage.get("total_usage") or 0) if isinstance(usage, Mapping) else 0


def memory_in_use(stats: Mapping[str, Any]) -> int:
    """Usage minus the page cache: cgroup v1 `cache` (v2 `inactive_file`)."""
    memory = stats.get("memory_stats") or {}
    usage = int(memory.get("usage") or 0)
    detail = memory.get("stats") or {}
    cache = detail.get("cache", detail.get("inactive_file", 0))
    return max(0, usage - int(cache or 0))


def network_bytes(stats: Mapping[str, Any]) -> tuple[int, int]:
    """(received, sent) over every interface of the sample."""
    networks = stats.get("networks") or {}
    rx = sum(int(n.get("rx_bytes") or 0) for n in networks.values())
    tx = sum(int(n.get("tx_bytes") or 0) for n in networks.values())
    return rx, tx


def block_bytes(stats: Mapping[str, Any]) -> tuple[int, int]:
    """(read, written) bytes of block I/O (v1 ops `Read`/`Write`, v2 `read`/`write`)."""
    entries = (stats.get("blkio_stats") or {}).get("io_service_bytes_recursive") or []
    read = sum(int(e.get("value") or 0) for e in entries if str(e.get("op", "")).lower() == "read")
    write = sum(int(e.get("value") or 0) for e in entries if str(e.get("op", "")).lower() == "write")
    return read, write


@dataclass(frozen=True)
class ContainerUse:
    """One container's use over the interval (None where the interval is unknown yet)."""

    cpu_units: float | None
    memory_mib: float
    read_per_second: float | None
    write_per_second: float | None


@dataclass(frozen=True)
class Usage:
    """A task's use over one interval; a member is None where the interval is unknown yet."""

    cpu_units: float | None
    """CPU units used (1024 per vCPU), averaged over the interval."""
    memory_mib: float
    """Memory in use now, MiB."""
    rx_per_second: float | None
    """Bytes per second received by the task."""
    tx_per_second: float | None
    """Bytes per second sent by the task."""
    read_per_second: float | None
    """Bytes per second read from storage."""
    write_per_second: float | None
    """Bytes per second written to storage."""
    containers: Mapping[str, ContainerUse] = field(default_factory=dict)
    """Each sampled container's own use, by Docker id."""


def _delta(now: int, before: int) -> int | None:
    return now - before if now >= before else None  # a counter that went back: a new container


def usage(
    containers: Mapping[str, Counters],
    previous: Mapping[str, Counters],
    network: Counters | None = None,
    network_previous: Counters | None = None,
) -> Usage:
    """The task's use from its containers' counters now and at the previous sample (by id), and
    its network namespace's counters (see `namespace_counters`) now and before."""
    per_container = {cid: _container_use(now, previous.get(cid)) for cid, now in containers.items()}
    cpu = _sum(u.cpu_units for u in per_container.values())
    read = _sum(u.read_per_second for u in per_container.values())
    write = _sum(u.write_per_second for u in per_container.values())
    memory = sum(c.memory_bytes for c in containers.values()) / MIB
    rx_rate = tx_rate = None
    if network is not None and network_previous is not None and network.read > network_previous.read:
        elapsed = network.read - network_previous.read
        rx_delta = _delta(network.rx_bytes, network_previous.rx_bytes)
        tx_delta = _delta(network.tx_bytes, network_previous.tx_bytes)
        if rx_delta is not None and tx_delta is not None:
            rx_rate, tx_rate = rx_delta / elapsed, tx_delta / elapsed
    return Usage(cpu, memory, rx_rate, tx_rate, read, write, per_container)


def _sum(values: Iterable[float | None]) -> float | None:
    """The sum of the known values; None when none is known."""
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _container_use(now: Counters, ours: Counters | None) -> ContainerUse:
    """One container's use from its sample now and our previous one (else Docker's own)."""
    memory = now.memory_bytes / MIB
    before = ours or now.previous
    if before is None or now.read <= before.read:
        return ContainerUse(None, memory, None, None)
    elapsed = now.read - before.read
    cpu_delta = _delta(now.cpu_ns, before.cpu_ns)
    cpu = None if cpu_delta is None else cpu_delta / 1e9 / elapsed * CPU_UNITS_PER_VCPU
    read = write = None
    if ours is not None:  # Docker's previous reading has CPU only
        read_delta = _delta(now.read_bytes, before.read_bytes)
        write_delta = _delta(now.write_bytes, before.write_bytes)
        if read_delta is not None and write_delta is not None:
            read, write = read_delta / elapsed, write_delta / elapsed
    return ContainerUse(cpu, memory, read, write)


def namespace_counters(pause: Counters | None, containers: Mapping[str, Counters]) -> Counters | None:
    """The counters of the task's network namespace: its pause container's, else the sum of its
    containers' interfaces (a task without a pause container of its own)."""
    if pause is not None:
        return pause
    if not containers:
        return None
    read = max(c.read for c in containers.values())
    rx = sum(c.rx_bytes for c in containers.values())
    tx = sum(c.tx_bytes for c in containers.values())
    return Counters(read, 0, 0, rx, tx, 0, 0)


def reservation(task: Document) -> tuple[float, float]:
    """(CPU units, memory MiB) the task reserves: the task-level values, else its containers'."""
    internal = task.get("_skiff") or {}
    definition = internal.get("definition") or {}
    containers: Sequence[Mapping[str, Any]] = definition.get("containerDefinitions") or []
    cpu = _number(task.get("cpu")) or _number(definition.get("cpu"))
    if not cpu:
        cpu = sum(_number(c.get("cpu")) for c in containers)
    memory = _number(task.get("memory")) or _number(definition.get("memory"))
    if not memory:
        memory = sum(_number(c.get("memoryReservation")) or _number(c.get("memory")) for c in containers)
    return cpu, memory


def _number(value: Any) -> float:
    """A task definition's cpu/memory: an int, or a string of one (`"256"`, or `"1 vcpu"`/`"1 GB"`)."""
    if value is None:
        return 0.0
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().lower()
    try:
        if text.endswith("vcpu"):
            return float(text[:-4]) * CPU_UNITS_PER_VCPU
        if text.endswith("gb"):
            return float(text[:-2]) * 1024
        return float(text)
    except ValueError:
        return 0.0


def percent(used: float, reserved: float) -> float | None:
    """`used` as a percentage of `reserved` (None without a reservation)."""
    return used * 100.0 / reserved if reserved > 0 else None
