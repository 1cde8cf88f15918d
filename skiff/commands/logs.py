"""`skiff logs SERVICE|TASK [-f] [--since 10m] [--container NAME]`: a task's or a service's output
from CloudWatch Logs.

The streams come from the task definition: each container with the awslogs driver writes to
`awslogs-group`, stream `<awslogs-stream-prefix>/<container>/<task id>` (in `awslogs-region`).
A service's tasks are the ones ListTasks knows (running and recently stopped). Events are read with
FilterLogEvents, in time order across streams; `-f` keeps polling once a second for new events
(a window of the last seconds, deduplicated by event id, so late lines are not lost) and picks up
the service's new tasks as they start.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from dataclasses import dataclass, field
from typing import Annotated, Any

import typer
from botocore.exceptions import ClientError

from skiff.commands.common import (
    Cluster,
    CommandError,
    Endpoint,
    Engine,
    Json,
    chunks,
    guarded,
    print_json_line,
)
from skiff.commands.completion import complete_service_or_task
from skiff.commands.formatting import clock, is_task_ref, parse_since, short_id
from skiff.commands.lookup import container_definitions, describe_tasks, find_service, find_task, task_arns

LATE_MS = 10_000  # how far back each follow poll looks again, for lines ingested late
REFRESH_SECONDS = 5.0  # how often `-f` on a service looks for new tasks


@dataclass
class Source:
    """One log group's streams to read, with a label for each stream."""

    region: str
    group: str
    labels: dict[str, tuple[str, str]] = field(default_factory=dict)  # stream -> (container, task id)


def awslogs_stream(definition: dict[str, Any], task_id: str) -> tuple[str, str, str] | None:
    """(region, group, stream) a container with the awslogs driver writes to, else None."""
    config = definition.get("logConfiguration") or {}
    options = config.get("options") or {}
    if config.get("logDriver") != "awslogs" or not options.get("awslogs-group"):
        return None
    prefix = options.get("awslogs-stream-prefix")
    if not prefix:
        return None  # Fargate requires a prefix; without one the stream name is Docker's container id
    stream = f"{prefix}/{definition['name']}/{task_id}"
    return str(options.get("awslogs-region") or ""), str(options["awslogs-group"]), stream


def sources_of(
    ecs: Any, tasks: list[dict[str, Any]], container: str | None, default_region: str, cache: dict[str, Any]
) -> dict[tuple[str, str], Source]:
    found: dict[tuple[str, str], Source] = {}
    for task in tasks:
        task_id = short_id(task["taskArn"])
        for definition in container_definitions(ecs, task["taskDefinitionArn"], cache):
            if container is not None and definition.get("name") != container:
                continue
            where = awslogs_stream(definition, task_id)
            if where is None:
                continue
            region, group, stream = where
            source = found.setdefault(
                (region or default_region, group), Source(region or default_region, group)
            )
            source.labels[stream] = (str(definition["name"]), task_id)
    return found


class Reader:
    def __init__(self, engine: Engine, target: str, cluster: str, container: str | None) -> None:
        self.engine = engine
        self.ecs = engine.client("ecs")
        self.target, self.cluster, self.container = target, cluster, container
        self.cache: dict[str, Any] = {}
        self.clients: dict[str, Any] = {}
        self.seen: dict[str, int] = {}  # event id -> timestamp (ms)
        self.sources: dict[tuple[str, str], Source] = {}

    def tasks(self) -> list[dict[str, Any]]:
        if is_task_ref(self.target):
            return [find_task(self.ecs, self.cluster, self.target)]
        find_service(self.ecs, self.cluster, self.target)
        return describe_tasks(
            self.ecs, self.cluster, task_arns(self.ecs, self.cluster, stopped=True, service=self.target)
        )

    def refresh(self) -> None:
        tasks = self.tasks()
        self.sources = sources_of(self.ecs, tasks, self.container, self.engine.region, self.cache)
        if not self.sources and tasks:  # a service with no task yet may have some later
            which = f"container {self.container!r}" if self.container else "any container"
            raise CommandError(
                f"{self.target}: no awslogs log configuration (with a stream prefix) for {which}"
            )

    def client(self, region: str) -> Any:
        if region not in self.clients:
            self.clients[region] = Engine(
                self.engine.endpoint, region, self.engine.access_key, self.engine.secret_key
            ).client("logs")
        return self.clients[region]

    def read(self, start_ms: int, *, quiet_missing: bool) -> list[dict[str, Any]]:
        """New events of every source since `start_ms`, in time order."""
        events: list[dict[str, Any]] = []
        for source in self.sources.values():
            logs = self.client(source.region)
            for names in chunks(sorted(source.labels), 100):
                params: dict[str, Any] = {
                    "logGroupName": source.group,
                    "logStreamNames": names,
                    "startTime": start_ms,
                }
                try:
                    for page in logs.get_paginator("filter_log_events").paginate(**params):
                        for event in page.get("events", []):
                            if event["eventId"] in self.seen:
                                continue
                            self.seen[event["eventId"]] = int(event["timestamp"])
                            container, task_id = source.labels.get(event.get("logStreamName", ""), ("?", "?"))
                            events.append(
                                {
                                    **event,
                                    "container": container,
                                    "task": task_id,
                                    "logGroupName": source.group,
                                }
                            )
                except ClientError as exc:
                    missing = exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException"
                    if not (missing and quiet_missing):
                        raise
        events.sort(key=lambda e: (e["timestamp"], e["eventId"]))
        return events

    def forget_before(self, ms: int) -> None:
        for key in [k for k, ts in self.seen.items() if ts < ms]:
            del self.seen[key]


def emit(events: list[dict[str, Any]], *, json: bool, timestamps: bool, many: bool) -> None:
    for event in events:
        if json:
            print_json_line(
                {
                    k: event.get(k)
                    for k in (
                        "timestamp",
                        "logGroupName",
                        "logStreamName",
                        "container",
                        "task",
                        "message",
                        "eventId",
                    )
                }
            )
            continue
        label = f"{event['container']}/{event['task'][:8]} | " if many else ""
        when = clock(event["timestamp"] / 1000) + " " if timestamps else ""
        sys.stdout.write(f"{when}{label}{event['message']}\n")
    sys.stdout.flush()


def register(app: typer.Typer) -> None:
    @app.command()
    @guarded
    def logs(
        target: Annotated[
            str,
            typer.Argument(
                help="A service's name, or a task's id or ARN.", autocompletion=complete_service_or_task
            ),
        ],
        follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing new lines.")] = False,
        since: Annotated[
            str | None, typer.Option(help="Only lines since: 10m, 2h, 1d or an ISO time.")
        ] = None,
        container: Annotated[str | None, typer.Option("--container", help="Only this container.")] = None,
        timestamps: Annotated[
            bool, typer.Option("--timestamps", "-t", help="Show each line's time.")
        ] = False,
        cluster: Cluster = "default",
        endpoint: Endpoint = None,
        json: Json = False,
    ) -> None:
        """A service's or task's output from CloudWatch Logs (-f follows new lines)."""
        try:
            start = parse_since(since) if since else dt.datetime.fromtimestamp(0, dt.UTC)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        reader = Reader(Engine.connect(endpoint), target, cluster, container)
        reader.refresh()
        start_ms = int(start.timestamp() * 1000)

        def many() -> bool:
            return sum(len(s.labels) for s in reader.sources.values()) > 1

        emit(reader.read(start_ms, quiet_missing=follow), json=json, timestamps=timestamps, many=many())
        if not follow:
            return
        refreshed = time.monotonic()
        while True:
            time.sleep(1.0)
            if not is_task_ref(target) and time.monotonic() - refreshed > REFRESH_SECONDS:
                reader.refresh()
                refreshed = time.monotonic()
            newest = max(reader.seen.values(), default=start_ms)
            window = max(start_ms, newest - LATE_MS)
            emit(reader.read(window, quiet_missing=True), json=json, timestamps=timestamps, many=many())
            reader.forget_before(window - LATE_MS)
