"""Pure helpers of the commands: ECS records and Docker stats turned into table cells.

Nothing here does I/O; tests/unit/commands/test_formatting.py covers it.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from rich.table import Table

DASH = "-"
_SINCE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
TASK_ID = re.compile(r"^[0-9a-f]{32}$")


def short_id(arn: str) -> str:
    """The last part of an ARN: a task's id, a service's or cluster's name."""
    return arn.rsplit("/", 1)[-1] if arn else DASH


def is_task_ref(text: str) -> bool:
    """A task id (32 hex digits) or a task ARN, as opposed to a service name."""
    return bool(TASK_ID.match(text)) or ":task/" in text


def definition_name(arn: str) -> str:
    """`family:revision` of a task definition ARN."""
    return arn.rsplit("/", 1)[-1] if arn else DASH


def service_of(task: dict[str, Any]) -> str:
    group = str(task.get("group") or "")
    return group.split(":", 1)[1] if group.startswith("service:") else DASH


def task_ip(task: dict[str, Any]) -> str:
    for attachment in task.get("attachments") or []:
        for entry in attachment.get("details") or []:
            if entry.get("name") == "privateIPv4Address":
                return str(entry.get("value"))
    return DASH


def as_time(value: Any) -> dt.datetime | None:
    """A datetime from what boto3 gives (datetime) or JSON holds (epoch seconds, ISO text)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, int | float):
        return dt.datetime.fromtimestamp(float(value), dt.UTC)
    try:
        parsed = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def age(since: Any, now: dt.datetime | None = None) -> str:
    """How long ago: 42s, 5m, 3h, 2d."""
    when = as_time(since)
    if when is None:
        return DASH
    seconds = max(0, int(((now or dt.datetime.now(dt.UTC)) - when).total_seconds()))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def clock(value: Any) -> str:
    """A timestamp as local wall-clock text (UTC offset shown)."""
    when = as_time(value)
    return when.astimezone().strftime("%Y-%m-%d %H:%M:%S") if when else DASH


def parse_since(text: str, now: dt.datetime | None = None) -> dt.datetime:
    """`--since`: a duration back from now (90s, 10m, 2h, 1d, 1w; bare numbers are seconds) or an
    ISO 8601 time. Raises ValueError for anything else."""
    now = now or dt.datetime.now(dt.UTC)
    match = _SINCE.match(text)
    if match:
        return now - dt.timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])
    when = as_time(text.strip())
    if when is None:
        raise ValueError(f"--since {text!r}: give a duration such as 10m, 2h, 1d, or an ISO 8601 time")
    return when


def human_bytes(value: float | None) -> str:
    if value is None:
        return DASH
    size = float(value)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(size) < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"  # pragma: no cover


def rate(value: float | None) -> str:
    return DASH if value is None else f"{human_bytes(value)}/s"


def percent(value: float | None) -> str:
    return DASH if value is None else f"{value:.1f}%"


# -- Docker stats ----------------------------------------------------------------------------------
def cpu_percent(stats: dict[str, Any]) -> float | None:
    """CPU use since the previous sample, in percent of one core (as `docker stats` shows it)."""
    cpu, pre = stats.get("cpu_stats") or {}, stats.get("precpu_stats") or {}
    try:
        used = cpu["cpu_usage"]["total_usage"] - pre["cpu_usage"]["total_usage"]
        system = cpu["system_cpu_usage"] - pre["system_cpu_usage"]
    except (KeyError, TypeError):
        return None
    cores = cpu.get("online_cpus") or len(cpu["cpu_usage"].get("percpu_usage") or []) or 1
    if system <= 0 or used < 0:
        return 0.0
    return float(used) / float(system) * float(cores) * 100.0


def memory_used(stats: dict[str, Any]) -> int | None:
    """Memory in use without the page cache (cgroup v2 `inactive_file`, v1 `total_inactive_file`)."""
    memory = stats.get("memory_stats") or {}
    usage = memory.get("usage")
    if usage is None:
        return None
    inner = memory.get("stats") or {}
    cache = inner.get("inactive_file", inner.get("total_inactive_file", 0))
    return max(0, int(usage) - int(cache or 0))


def network_totals(stats: dict[str, Any]) -> tuple[int, int] | None:
    """(received, sent) bytes over every interface, None when the sample has no network."""
    networks = stats.get("networks")
    if not networks:
        return None
    rx = sum(int(n.get("rx_bytes", 0)) for n in networks.values())
    tx = sum(int(n.get("tx_bytes", 0)) for n in networks.values())
    return rx, tx


# -- services ------------------------------------------------------------------------------------
def deployment_line(deployment: dict[str, Any]) -> str:
    """PRIMARY 2/3 IN_PROGRESS (1 pending, 2 failed) family:rev"""
    parts = [
        str(deployment.get("status", DASH)),
        f"{deployment.get('runningCount', 0)}/{deployment.get('desiredCount', 0)}",
        str(deployment.get("rolloutState") or DASH),
    ]
    extra = []
    if deployment.get("pendingCount"):
        extra.append(f"{deployment['pendingCount']} pending")
    if deployment.get("failedTasks"):
        extra.append(f"{deployment['failedTasks']} failed")
    if extra:
        parts.append(f"({', '.join(extra)})")
    parts.append(definition_name(str(deployment.get("taskDefinition", ""))))
    return " ".join(parts)


def table(columns: list[str], rows: list[list[str]], title: str | None = None) -> Table:
    grid = Table(title=title, title_justify="left", header_style="bold", box=None, pad_edge=False)
    for column in columns:
        grid.add_column(column, overflow="fold")
    for row in rows:
        grid.add_row(*row)
    return grid
