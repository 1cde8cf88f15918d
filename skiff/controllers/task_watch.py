"""Counting a service's failed tasks as they stop, so that a scheduler pass reads live tasks only.

The service document keeps, under `_skiff`, the tasks it saw alive last pass (`watch`: task ARN →
deployment id) and its recent failures (`failures`: deployment id and stop time, within the
backoff window). When a watched task is no longer alive, its record is read once: a failed stop
(TaskFailedToStart, EssentialContainerExited) adds one to its deployment's `failedTasks` and to the
recent failures. A pass therefore costs what the live tasks cost, however long the history.
"""

from __future__ import annotations

import datetime as dt

from skiff.services.ecs.service_model import is_failure, now
from skiff.state.tasks import TASKS, load_task
from skiff.store.base import Document, Store

WATCH = "watch"
FAILURES = "failures"
WINDOW = dt.timedelta(minutes=5)  # failures older than this no longer slow a deployment down
MAX_FAILURES = 64  # more than the backoff ever needs (it caps at 5 minutes after 9 failures)


def observe(store: Store, service: Document, alive: list[Document]) -> bool:
    """Account for the watched tasks that stopped since the last pass; True when anything changed."""
    internal = service["_skiff"]
    alive_now = {t["taskArn"]: str(t.get("startedBy") or "") for t in alive}
    watched: dict[str, str] | None = internal.get(WATCH)
    if watched is None:  # a service recorded before failures were counted: count its history once
        for deployment in service["deployments"]:
            history = store.find(TASKS, {"cluster": service["clusterArn"], "started_by": deployment["id"]})
            deployment["failedTasks"] = sum(1 for t in history if is_failure(t))
        internal[WATCH] = alive_now
        internal[FAILURES] = []
        return True
    changed = watched.keys() != alive_now.keys()
    for arn, deployment_id in watched.items():
        if arn in alive_now:
            continue
        task = load_task(store, arn)
        if task is not None and is_failure(task):
            record_failure(service, deployment_id, task.get("stoppedAt"))
    internal[WATCH] = alive_now
    return changed


def watch_launched(service: Document, tasks: list[Document]) -> None:
    """Watch tasks from the moment they are launched (a task may fail before the next pass)."""
    watched = service["_skiff"].setdefault(WATCH, {})
    for task in tasks:
        watched[task["taskArn"]] = str(task.get("startedBy") or "")


def record_failure(service: Document, deployment_id: str, stopped_at: object) -> None:
    when = stopped_at if isinstance(stopped_at, dt.datetime) else now()
    for deployment in service["deployments"]:
        if deployment["id"] == deployment_id:
            deployment["failedTasks"] = int(deployment.get("failedTasks", 0)) + 1
    cutoff = now() - WINDOW
    recent = [f for f in service["_skiff"].get(FAILURES, []) if f["at"] >= cutoff]
    recent.append({"deployment": deployment_id, "at": when})
    service["_skiff"][FAILURES] = recent[-MAX_FAILURES:]


def recent_failures(service: Document, deployment_id: str) -> list[dt.datetime]:
    """Stop times of the deployment's failed tasks within the window, oldest first."""
    cutoff = now() - WINDOW
    return [
        f["at"]
        for f in service["_skiff"].get(FAILURES, [])
        if f["deployment"] == deployment_id and f["at"] >= cutoff
    ]
