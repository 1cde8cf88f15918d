"""`skiff services` (desired/running/pending and deployments with their rollout state) and
`skiff wait SERVICE` (a progress bar until the rollout reaches a steady state).

`wait` follows the deployment that is PRIMARY when it starts (or the one that replaces it with a
newer update). It ends 0 once that deployment is the only one, its rollout COMPLETED and the
service runs its desired count; 1 when the circuit breaker fails it (rolloutState FAILED, or
rolled back: it vanished with an older deployment PRIMARY again); 2 on --timeout.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from skiff.commands.common import AnyCluster, Cluster, Endpoint, Engine, Json, fail, guarded, out, print_json
from skiff.commands.completion import complete_service
from skiff.commands.formatting import DASH, as_time, deployment_line, table
from skiff.commands.lookup import all_services, find_service

TIMEOUT_EXIT = 2


@dataclass(frozen=True)
class Outcome:
    state: str  # "steady" | "failed" | "progress"
    deployment: dict[str, Any] | None  # the deployment followed (None once rolled back)
    message: str = ""


def primary(service: dict[str, Any]) -> dict[str, Any] | None:
    for deployment in service.get("deployments") or []:
        if deployment.get("status") == "PRIMARY":
            found: dict[str, Any] = deployment
            return found
    return None


def created(deployment: dict[str, Any]) -> float:
    when = as_time(deployment.get("createdAt"))
    return when.timestamp() if when else 0.0


def judge(service: dict[str, Any], followed: dict[str, Any]) -> Outcome:
    """Where the rollout of `followed` (a deployment as first seen) stands in `service` now."""
    deployments = service.get("deployments") or []
    mine = next((d for d in deployments if d.get("id") == followed.get("id")), None)
    if mine is None:
        now = primary(service)
        if now is not None and created(now) > created(followed):
            return judge(service, now)  # a newer update replaced it: follow that one
        back_to = now.get("id") if now else DASH
        return Outcome("failed", None, f"deployment {followed.get('id')} was rolled back to {back_to}")
    if mine.get("rolloutState") == "FAILED":
        reason = mine.get("rolloutStateReason") or "the deployment failed"
        return Outcome("failed", mine, f"deployment {mine.get('id')} FAILED: {reason}")
    done = mine.get("rolloutState") in (None, "COMPLETED")
    if (
        done
        and mine.get("status") == "PRIMARY"
        and len(deployments) == 1
        and service.get("runningCount") == service.get("desiredCount")
        and mine.get("runningCount") == mine.get("desiredCount")
    ):
        return Outcome("steady", mine, f"{service.get('serviceName')} reached a steady state")
    return Outcome("progress", mine)


def service_row(service: dict[str, Any]) -> dict[str, Any]:
    return {
        "service": service.get("serviceName"),
        "cluster": str(service.get("clusterArn", "")).rsplit("/", 1)[-1],
        "status": service.get("status"),
        "desired": service.get("desiredCount", 0),
        "running": service.get("runningCount", 0),
        "pending": service.get("pendingCount", 0),
        "deployments": [
            {
                k: d.get(k)
                for k in (
                    "id",
                    "status",
                    "taskDefinition",
                    "desiredCount",
                    "runningCount",
                    "pendingCount",
                    "failedTasks",
                    "rolloutState",
                    "rolloutStateReason",
                )
            }
            for d in service.get("deployments") or []
        ],
    }


def register(app: typer.Typer) -> None:
    @app.command()
    @guarded
    def services(cluster: AnyCluster = None, endpoint: Endpoint = None, json: Json = False) -> None:
        """Services: desired/running/pending counts, deployments with their rollout state."""
        ecs = Engine.connect(endpoint).client("ecs")
        rows = [service_row(s) for s in all_services(ecs, cluster)]
        if json:
            print_json(rows)
            return
        if not rows:
            out.print("no services")
            return
        cells = [
            [
                r["service"],
                r["cluster"],
                r["status"],
                str(r["desired"]),
                str(r["running"]),
                str(r["pending"]),
                "\n".join(deployment_line(d) for d in r["deployments"]) or DASH,
            ]
            for r in rows
        ]
        out.print(
            table(["SERVICE", "CLUSTER", "STATUS", "DESIRED", "RUNNING", "PENDING", "DEPLOYMENTS"], cells)
        )

    @app.command()
    @guarded
    def wait(
        service: Annotated[
            str, typer.Argument(help="The service's name or ARN.", autocompletion=complete_service)
        ],
        cluster: Cluster = "default",
        timeout: Annotated[float, typer.Option(help="Give up after this many seconds (exit 2).")] = 600.0,
        interval: Annotated[float, typer.Option(help="Seconds between polls.")] = 1.0,
        endpoint: Endpoint = None,
        json: Json = False,
    ) -> None:
        """Follow a rollout until steady state; exit 1 when the circuit breaker fails it."""
        ecs = Engine.connect(endpoint).client("ecs")
        current = find_service(ecs, cluster, service)
        followed = primary(current) or (current.get("deployments") or [None])[0]
        if followed is None:
            fail(f"service {service} has no deployment")
        deadline = time.monotonic() + timeout
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=out, transient=False, disable=json) as bar:
            track = bar.add_task(str(service), total=max(1, int(followed.get("desiredCount") or 0)))
            while True:
                outcome = judge(current, followed)
                shown = outcome.deployment or followed
                failed = f" ({shown['failedTasks']} failed)" if shown.get("failedTasks") else ""
                bar.update(
                    track,
                    total=max(1, int(shown.get("desiredCount") or 0)),
                    completed=int(shown.get("runningCount") or 0),
                    description=f"{service} {shown.get('id')} {shown.get('rolloutState') or DASH}{failed}",
                )
                if outcome.deployment is not None:
                    followed = outcome.deployment
                if outcome.state != "progress":
                    break
                if time.monotonic() > deadline:
                    break
                time.sleep(max(0.2, interval))
                current = find_service(ecs, cluster, service)
        if json:
            print_json({"outcome": outcome.state, "message": outcome.message, **service_row(current)})
        if outcome.state == "steady":
            if not json:
                out.print(outcome.message)
            return
        if outcome.state == "failed":
            fail(outcome.message)
        fail(f"{service} did not reach a steady state within {timeout:.0f} s", TIMEOUT_EXIT)
