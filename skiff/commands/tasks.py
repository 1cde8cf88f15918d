"""`skiff ps` (tasks of every cluster, or one) and `skiff exec` (a command in a task's container).

`ps` lists tasks through ListTasks/DescribeTasks, with CPU and memory of the moment from Docker
(see stats.py). `exec` finds the container DescribeTasks names (`runtimeId`) and runs
`docker exec` in it: with a TTY when stdin is a terminal, `-i` otherwise.
"""

from __future__ import annotations

import os
import shutil
import sys
from typing import Annotated, Any

import typer

from skiff.commands.common import (
    AnyCluster,
    Cluster,
    CommandError,
    Endpoint,
    Engine,
    Json,
    guarded,
    out,
    print_json,
)
from skiff.commands.completion import complete_task
from skiff.commands.formatting import (
    DASH,
    age,
    definition_name,
    human_bytes,
    percent,
    service_of,
    short_id,
    table,
    task_ip,
)
from skiff.commands.lookup import all_tasks, find_task
from skiff.commands.stats import TaskUsage, read_once

PS_COLUMNS = ["TASK", "CLUSTER", "SERVICE", "DEFINITION", "STATUS", "HEALTH", "IP", "CPU", "MEMORY", "AGE"]


def task_row(task: dict[str, Any], usage: TaskUsage | None) -> dict[str, Any]:
    """What `ps` shows of one task (the JSON form; the table shows these as text)."""
    status = str(task.get("lastStatus", DASH))
    if status == "STOPPED" and task.get("stopCode"):
        status = f"STOPPED ({task['stopCode']})"
    return {
        "task": short_id(task["taskArn"]),
        "taskArn": task["taskArn"],
        "cluster": short_id(str(task.get("clusterArn", ""))),
        "service": service_of(task),
        "definition": definition_name(str(task.get("taskDefinitionArn", ""))),
        "status": status,
        "health": task.get("healthStatus") or "UNKNOWN",
        "ip": task_ip(task),
        "cpuPercent": None if usage is None or usage.cpu is None else round(usage.cpu, 2),
        "memoryBytes": None if usage is None else usage.memory,
        "memoryLimitBytes": None if usage is None else usage.memory_limit,
        "createdAt": task.get("createdAt"),
        "stoppedReason": task.get("stoppedReason"),
    }


def row_cells(row: dict[str, Any]) -> list[str]:
    memory = human_bytes(row["memoryBytes"])
    if row["memoryBytes"] is not None and row["memoryLimitBytes"]:
        memory += f" ({100.0 * row['memoryBytes'] / row['memoryLimitBytes']:.0f}%)"
    return [
        row["task"],
        row["cluster"],
        row["service"],
        row["definition"],
        row["status"],
        row["health"],
        row["ip"],
        percent(row["cpuPercent"]),
        memory,
        age(row["createdAt"]),
    ]


def pick_container(task: dict[str, Any], name: str | None) -> dict[str, Any]:
    containers: list[dict[str, Any]] = task.get("containers", [])
    if name is not None:
        for container in containers:
            if container.get("name") == name:
                return container
        names = ", ".join(str(c.get("name")) for c in containers)
        raise CommandError(f"task {short_id(task['taskArn'])} has no container {name!r} (it has: {names})")
    if not containers:
        raise CommandError(f"task {short_id(task['taskArn'])} has no containers")
    return containers[0]


def exec_argv(runtime_id: str, command: list[str], *, tty: bool) -> list[str]:
    return ["docker", "exec", "-it" if tty else "-i", runtime_id, *(command or ["sh"])]


def register(app: typer.Typer) -> None:
    @app.command()
    @guarded
    def ps(
        all: Annotated[bool, typer.Option("--all", "-a", help="Include stopped tasks.")] = False,
        cluster: AnyCluster = None,
        endpoint: Endpoint = None,
        json: Json = False,
    ) -> None:
        """Tasks of every cluster: service, status, health, IP, CPU and memory now, age."""
        ecs = Engine.connect(endpoint).client("ecs")
        tasks = all_tasks(ecs, cluster, stopped=all)
        tasks.sort(key=lambda t: (str(t.get("clusterArn")), service_of(t), str(t.get("createdAt"))))
        usage = read_once(tasks)
        rows = [task_row(t, usage.get(t["taskArn"])) for t in tasks]
        if json:
            print_json(rows)
            return
        if not rows:
            out.print("no tasks" + ("" if all else " running (--all shows stopped ones)"))
            return
        out.print(table(PS_COLUMNS, [row_cells(r) for r in rows]))

    @app.command(name="exec")
    @guarded
    def exec_(
        task: Annotated[str, typer.Argument(help="The task's id or ARN.", autocompletion=complete_task)],
        command: Annotated[
            list[str] | None, typer.Argument(help="The command (after --); sh by default.")
        ] = None,
        container: Annotated[str | None, typer.Option("--container", help="The container's name.")] = None,
        cluster: Cluster = "default",
        endpoint: Endpoint = None,
    ) -> None:
        """Run a command in a task's container (interactive shell by default): skiff exec TASK -- CMD."""
        ecs = Engine.connect(endpoint).client("ecs")
        found = find_task(ecs, cluster, task)
        chosen = pick_container(found, container)
        if found.get("lastStatus") != "RUNNING" or not chosen.get("runtimeId"):
            raise CommandError(
                f"task {short_id(found['taskArn'])} is {found.get('lastStatus')}: container "
                f"{chosen.get('name')} is not running"
            )
        if shutil.which("docker") is None:
            raise CommandError("skiff exec needs the docker command on this machine (beside the engine)")
        argv = exec_argv(
            str(chosen["runtimeId"]), command or [], tty=sys.stdin.isatty() and sys.stdout.isatty()
        )
        sys.stdout.flush()
        os.execvp(argv[0], argv)
