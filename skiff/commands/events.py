"""`skiff events [-f]`: what happened, by time: services' events (DescribeServices keeps the last
ones of each service) and tasks that stopped, with their stop code, reason and containers' exit
codes (DescribeTasks answers for stopped tasks for an hour). `-f` polls and prints new ones."""

from __future__ import annotations

import datetime as dt
import time
from typing import Annotated, Any

import typer

from skiff.commands.common import (
    AnyCluster,
    CommandError,
    Endpoint,
    Engine,
    Json,
    guarded,
    out,
    paginate,
    print_json_line,
)
from skiff.commands.formatting import as_time, clock, parse_since, service_of, short_id
from skiff.commands.lookup import all_services, cluster_arns, describe_tasks


def service_events(service: dict[str, Any]) -> list[dict[str, Any]]:
    cluster = short_id(str(service.get("clusterArn", "")))
    return [
        {
            "key": f"event:{e.get('id')}",
            "time": as_time(e.get("createdAt")),
            "kind": "service",
            "cluster": cluster,
            "name": service.get("serviceName"),
            "message": e.get("message", ""),
        }
        for e in service.get("events") or []
    ]


def stop_message(task: dict[str, Any]) -> str:
    text = f"task {short_id(task['taskArn'])} stopped"
    if task.get("stopCode"):
        text += f" ({task['stopCode']})"
    if task.get("stoppedReason"):
        text += f": {task['stoppedReason']}"
    exits = []
    for container in task.get("containers") or []:
        part = f"{container.get('name')} exit {container.get('exitCode', '-')}"
        if container.get("reason"):
            part += f" ({container['reason']})"
        exits.append(part)
    return text + (f" [{'; '.join(exits)}]" if exits else "")


def task_stop(task: dict[str, Any]) -> dict[str, Any]:
    when = task.get("stoppedAt") or task.get("stoppingAt") or task.get("executionStoppedAt")
    name = service_of(task)
    return {
        "key": f"task:{task['taskArn']}",
        "time": as_time(when),
        "kind": "task",
        "cluster": short_id(str(task.get("clusterArn", ""))),
        "name": name if name != "-" else short_id(task["taskArn"]),
        "message": stop_message(task),
    }


def collect(ecs: Any, cluster: str | None, service: str | None) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for item in all_services(ecs, cluster):
        if service is None or item.get("serviceName") == service:
            found += service_events(item)
    for arn in cluster_arns(ecs, cluster):
        extra = {"serviceName": service} if service else {}
        stopped = list(paginate(ecs, "list_tasks", "taskArns", cluster=arn, desiredStatus="STOPPED", **extra))
        found += [task_stop(t) for t in describe_tasks(ecs, arn, stopped) if t.get("lastStatus") == "STOPPED"]
    epoch = dt.datetime.fromtimestamp(0, dt.UTC)
    found.sort(key=lambda e: (e["time"] or epoch, e["key"]))
    return found


def register(app: typer.Typer) -> None:
    @app.command()
    @guarded
    def events(
        follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing new events.")] = False,
        since: Annotated[
            str | None, typer.Option(help="Only events since: 10m, 2h, 1d or an ISO time.")
        ] = None,
        service: Annotated[str | None, typer.Option("--service", "-s", help="Only this service.")] = None,
        cluster: AnyCluster = None,
        interval: Annotated[float, typer.Option(help="Seconds between polls with -f.")] = 2.0,
        endpoint: Endpoint = None,
        json: Json = False,
    ) -> None:
        """Service events and task stops (with reasons), by time; -f follows."""
        try:
            start = parse_since(since) if since else None
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        ecs = Engine.connect(endpoint).client("ecs")
        printed: set[str] = set()
        while True:
            for event in collect(ecs, cluster, service):
                if event["key"] in printed or (start is not None and (event["time"] or start) < start):
                    continue
                printed.add(event["key"])
                if json:
                    print_json_line({k: v for k, v in event.items() if k != "key"})
                else:
                    style = "yellow" if event["kind"] == "task" else "cyan"
                    out.print(
                        f"{clock(event['time'])} [{style}]{event['cluster']}/{event['name']}[/] ",
                        end="",
                        markup=True,
                    )
                    out.print(event["message"], markup=False)
            if not follow:
                return
            time.sleep(max(0.5, interval))
