"""Task records: the one place that knows how a task is stored.

The ECS backends create and describe tasks, the agent's runners move their known status, and the
scheduler and retention controllers read them; all of them go through this module. A record is
the Task shape ECS returns plus what the agent needs under the internal `INTERNAL` key, stored in
the `tasks` collection with the indexed columns below.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from skiff.state.scope import Scope
from skiff.store.base import Document, Store

TASKS = "tasks"
INTERNAL = "_skiff"  # what the agent needs to run a task; no output shape has this member

ACTIVE_STATES = (
    "PROVISIONING",
    "PENDING",
    "ACTIVATING",
    "RUNNING",
    "DEACTIVATING",
    "STOPPING",
    "DEPROVISIONING",
)
LAUNCHING_STATES = ("PROVISIONING", "PENDING", "ACTIVATING")


def task_arn(scope: Scope, cluster_arn: str, task_id: str) -> str:
    cluster = cluster_arn.rsplit("/", 1)[-1]
    return f"arn:aws:ecs:{scope.region}:{scope.account}:task/{cluster}/{task_id}"


def task_id_of(arn_or_id: str) -> str:
    return arn_or_id.rsplit("/", 1)[-1]


def task_scope(task: Document) -> Scope:
    internal = task[INTERNAL]
    return Scope(internal["account"], internal["region"])


def stopped_at_column(doc: Document) -> str:
    """The `stopped_at` column: ISO 8601 UTC of a STOPPED task's stop, else empty."""
    stopped = doc.get("stoppedAt")
    if doc.get("lastStatus") != "STOPPED" or not isinstance(stopped, dt.datetime):
        return ""
    return stopped.astimezone(dt.UTC).isoformat()


def save_task(store: Store, doc: Document) -> None:
    internal = doc[INTERNAL]
    store.put(
        TASKS,
        doc["taskArn"],
        doc,
        account=internal["account"],
        region=internal["region"],
        cluster=doc["clusterArn"],
        family=internal["definition"]["family"],
        last_status=doc["lastStatus"],
        desired_status=doc["desiredStatus"],
        started_by=doc.get("startedBy", ""),
        grp=doc.get("group", ""),
        stopped_at=stopped_at_column(doc),
    )


def load_task(store: Store, arn: str) -> Document | None:
    return store.get(TASKS, arn)


def live_tasks(store: Store, **where: Any) -> list[Document]:
    """Tasks not yet STOPPED, filtered by indexed columns (cluster, grp, started_by, ...)."""
    return store.find(TASKS, {**where, "last_status": ACTIVE_STATES})


def oldest_stopped(store: Store, limit: int) -> list[Document]:
    """STOPPED tasks, the longest stopped first."""
    return store.find(TASKS, {"last_status": "STOPPED"}, order_by=("stopped_at",), limit=limit)


def delete_task(store: Store, arn: str) -> bool:
    return store.delete(TASKS, arn)
