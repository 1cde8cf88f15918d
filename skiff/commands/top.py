"""`skiff top`: a live table of running tasks' CPU, memory and network (rich Live), refreshed every
--interval seconds (1 to 60; each refresh also spends about a second in Docker's CPU sampling).
`q` or Ctrl-C quits; `--iterations N` stops after N refreshes; `--json` prints one JSON line of rows
per refresh instead of the table."""

from __future__ import annotations

import asyncio
import contextlib
import select
import sys
import termios
import time
import tty
from collections.abc import Iterator
from typing import Annotated, Any

import typer
from rich.live import Live
from rich.table import Table

from skiff.commands.common import AnyCluster, Endpoint, Engine, Json, guarded, out, print_json_line
from skiff.commands.formatting import age, human_bytes, percent, rate, service_of, short_id, table
from skiff.commands.lookup import all_tasks
from skiff.commands.stats import Rates, TaskUsage, UsageReader

COLUMNS = ["TASK", "CLUSTER", "SERVICE", "CPU", "MEMORY", "MEM%", "NET IN", "NET OUT", "AGE"]


def top_row(task: dict[str, Any], usage: TaskUsage | None, rates: Rates) -> dict[str, Any]:
    memory_share = None
    if usage is not None and usage.memory is not None and usage.memory_limit:
        memory_share = 100.0 * usage.memory / usage.memory_limit
    return {
        "task": short_id(task["taskArn"]),
        "cluster": short_id(str(task.get("clusterArn", ""))),
        "service": service_of(task),
        "cpuPercent": None if usage is None else usage.cpu,
        "memoryBytes": None if usage is None else usage.memory,
        "memoryPercent": memory_share,
        "rxBytesPerSecond": rates.rx,
        "txBytesPerSecond": rates.tx,
        "createdAt": task.get("createdAt"),
    }


def render(rows: list[dict[str, Any]], interval: float, note: str) -> Table:
    cells = [
        [
            r["task"],
            r["cluster"],
            r["service"],
            percent(r["cpuPercent"]),
            human_bytes(r["memoryBytes"]),
            percent(r["memoryPercent"]),
            rate(r["rxBytesPerSecond"]),
            rate(r["txBytesPerSecond"]),
            age(r["createdAt"]),
        ]
        for r in rows
    ]
    title = f"skiff top — {len(rows)} running task(s), every {interval:g} s — q quits{note}"
    return table(COLUMNS, cells, title=title)


@contextlib.contextmanager
def keys() -> Iterator[bool]:
    """Single keys from a terminal stdin (cbreak mode, restored after); yields whether there is one."""
    if not sys.stdin.isatty():
        yield False
        return
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)
        yield True
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def pressed_quit(wait: float, terminal: bool) -> bool:
    """Wait up to `wait` seconds; True when q was pressed."""
    if not terminal:
        time.sleep(wait)
        return False
    deadline = time.monotonic() + wait
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([sys.stdin], [], [], left)
        if ready and sys.stdin.read(1).lower() == "q":
            return True
    return False


def register(app: typer.Typer) -> None:
    @app.command()
    @guarded
    def top(
        cluster: AnyCluster = None,
        interval: Annotated[float, typer.Option(help="Seconds between refreshes (1-60).")] = 2.0,
        iterations: Annotated[int, typer.Option("--iterations", "-n", help="Stop after N refreshes.")] = 0,
        endpoint: Endpoint = None,
        json: Json = False,
    ) -> None:
        """Live table of running tasks' CPU, memory and network; q or Ctrl-C quits."""
        interval = min(60.0, max(1.0, interval))
        ecs = Engine.connect(endpoint).client("ecs")
        loop = asyncio.new_event_loop()
        reader = UsageReader()

        def sample() -> list[dict[str, Any]]:
            tasks = [t for t in all_tasks(ecs, cluster) if t.get("lastStatus") == "RUNNING"]
            usage = loop.run_until_complete(reader.read(tasks))
            rows = []
            for task in tasks:
                found = usage.get(task["taskArn"])
                rows.append(top_row(task, found, reader.rates(task["taskArn"], found) if found else Rates()))
            return rows

        note = "" if reader.available else " (Docker not reachable: no figures)"
        done = 0
        try:
            with keys() as terminal:
                if json:
                    while True:
                        print_json_line(sample())
                        done += 1
                        if done == iterations or pressed_quit(interval, terminal):
                            return
                with Live(render([], interval, note), console=out, auto_refresh=False, screen=False) as live:
                    while True:
                        rows = sample()
                        note = "" if reader.available else " (Docker not reachable: no figures)"
                        live.update(render(rows, interval, note), refresh=True)
                        done += 1
                        if done == iterations or pressed_quit(interval, terminal):
                            return
        except KeyboardInterrupt:
            return
        finally:
            loop.run_until_complete(reader.close())
            loop.close()
