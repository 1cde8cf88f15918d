"""Application Auto Scaling records: scalable targets, scaling policies, scheduled actions and
scaling activities.

The API backend (services/application_autoscaling) writes targets, policies and scheduled
actions; the controller (controllers/autoscaling.py) reads them, records what it does as
activities and remembers, in the same transaction as the capacity change, what it acted on
(a policy's last invocation per alarm evaluation, the cooldown clock, a schedule's last firing),
so a restart never acts twice on the same cause.

Documents are the API's shapes (ScalableTarget, ScalingPolicy, ScheduledAction, ScalingActivity)
plus an internal `_skiff` key that no output carries (see `public`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from skiff.store.base import Document, Store

TARGETS = "aas_targets"
POLICIES = "aas_policies"
SCHEDULED = "aas_scheduled_actions"
ACTIVITIES = "aas_activities"
INTERNAL = "_skiff"
ECS_DIMENSION = "ecs:service:DesiredCount"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def public(doc: Document) -> Document:
    """The document without skiff's internal key."""
    return {k: v for k, v in doc.items() if k != INTERNAL}


def target_key(account: str, region: str, namespace: str, resource_id: str, dimension: str) -> str:
    return "|".join((account, region, namespace, resource_id, dimension))


# -- scalable targets -------------------------------------------------------------------------
def load_target(
    store: Store, account: str, region: str, namespace: str, resource_id: str, dimension: str
) -> Document | None:
    return store.get(TARGETS, target_key(account, region, namespace, resource_id, dimension))


def save_target(store: Store, target: Document) -> None:
    internal = target[INTERNAL]
    store.put(
        TARGETS,
        target_key(
            internal["account"],
            internal["region"],
            target["ServiceNamespace"],
            target["ResourceId"],
            target["ScalableDimension"],
        ),
        target,
        account=internal["account"],
        region=internal["region"],
        namespace=target["ServiceNamespace"],
        resource_id=target["ResourceId"],
        arn=target["ScalableTargetARN"],
    )


def delete_target(store: Store, target: Document) -> None:
    internal = target[INTERNAL]
    store.delete(
        TARGETS,
        target_key(
            internal["account"],
            internal["region"],
            target["ServiceNamespace"],
            target["ResourceId"],
            target["ScalableDimension"],
        ),
    )


def targets_of(store: Store, account: str, region: str, namespace: str) -> list[Document]:
    where = {"account": account, "region": region, "namespace": namespace}
    return store.find(TARGETS, where, order_by=("resource_id", "pk"))


def target_by_arn(store: Store, arn: str) -> Document | None:
    found = store.find(TARGETS, {"arn": arn}, limit=1)
    return found[0] if found else None


def all_targets(store: Store) -> list[Document]:
    return [doc for _, doc in store.scan(TARGETS)]


# -- scaling policies -------------------------------------------------------------------------
def save_policy(store: Store, policy: Document) -> None:
    internal = policy[INTERNAL]
    store.put(
        POLICIES,
        policy["PolicyARN"],
        policy,
        account=internal["account"],
        region=internal["region"],
        namespace=policy["ServiceNamespace"],
        resource_id=policy["ResourceId"],
        name=policy["PolicyName"],
    )


def policies_of(
    store: Store, account: str, region: str, namespace: str, resource_id: str | None = None
) -> list[Document]:
    where: dict[str, Any] = {"account": account, "region": region, "namespace": namespace}
    if resource_id is not None:
        where["resource_id"] = resource_id
    return store.find(POLICIES, where, order_by=("resource_id", "name"))


def load_policy(store: Store, arn: str) -> Document | None:
    return store.get(POLICIES, arn)


def find_policy(
    store: Store, account: str, region: str, namespace: str, resource_id: str, dimension: str, name: str
) -> Document | None:
    where = {
        "account": account,
        "region": region,
        "namespace": namespace,
        "resource_id": resource_id,
        "name": name,
    }
    for doc in store.find(POLICIES, where):
        if doc["ScalableDimension"] == dimension:
            return doc
    return None


# -- scheduled actions ------------------------------------------------------------------------
def save_scheduled(store: Store, action: Document) -> None:
    internal = action[INTERNAL]
    store.put(
        SCHEDULED,
        action["ScheduledActionARN"],
        action,
        account=internal["account"],
        region=internal["region"],
        namespace=action["ServiceNamespace"],
        resource_id=action["ResourceId"],
        name=action["ScheduledActionName"],
    )


def scheduled_of(
    store: Store, account: str, region: str, namespace: str, resource_id: str | None = None
) -> list[Document]:
    where: dict[str, Any] = {"account": account, "region": region, "namespace": namespace}
    if resource_id is not None:
        where["resource_id"] = resource_id
    return store.find(SCHEDULED, where, order_by=("resource_id", "name"))


def find_scheduled(
    store: Store, account: str, region: str, namespace: str, resource_id: str, dimension: str, name: str
) -> Document | None:
    where = {
        "account": account,
        "region": region,
        "namespace": namespace,
        "resource_id": resource_id,
        "name": name,
    }
    for doc in store.find(SCHEDULED, where):
        if doc.get("ScalableDimension") == dimension:
            return doc
    return None


def all_scheduled(store: Store) -> list[Document]:
    return [doc for _, doc in store.scan(SCHEDULED)]


# -- scaling activities -----------------------------------------------------------------------
def record_activity(
    store: Store,
    target: Document,
    description: str,
    cause: str,
    *,
    status: str = "Successful",
    message: str | None = None,
    details: str | None = None,
    not_scaled: list[Document] | None = None,
    when: dt.datetime | None = None,
    ended: bool = True,
) -> Document:
    """Append a ScalingActivity for `target` (StatusCode Successful unless told). `ended` False:
    no EndTime, as AWS shows for min/max changes and not scaled activities."""
    internal = target[INTERNAL]
    when = when or now()
    number = store.next_number("aas-activity")
    activity: Document = {
        "ActivityId": str(uuid.uuid4()),
        "ServiceNamespace": target["ServiceNamespace"],
        "ResourceId": target["ResourceId"],
        "ScalableDimension": target["ScalableDimension"],
        "Description": description,
        "Cause": cause,
        "StartTime": when,
        "StatusCode": status,
    }
    if ended and status in ("Successful", "Failed", "Unfulfilled", "Overridden"):
        activity["EndTime"] = when
    if message is not None:
        activity["StatusMessage"] = message
    if details is not None:
        activity["Details"] = details
    if not_scaled:
        activity["NotScaledReasons"] = not_scaled
    activity[INTERNAL] = {"number": number, "scaled": not not_scaled}
    store.put(
        ACTIVITIES,
        f"{number:012d}",
        activity,
        account=internal["account"],
        region=internal["region"],
        namespace=target["ServiceNamespace"],
        resource_id=target["ResourceId"],
        started=when.isoformat(),
    )
    return activity


def activities_of(
    store: Store, account: str, region: str, namespace: str, resource_id: str | None = None
) -> list[Document]:
    """Newest first."""
    where: dict[str, Any] = {"account": account, "region": region, "namespace": namespace}
    if resource_id is not None:
        where["resource_id"] = resource_id
    return store.find(ACTIVITIES, where, order_by=("pk",), descending=True)
