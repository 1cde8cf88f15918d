"""Scheduled actions: PutScheduledAction (create or update), DescribeScheduledActions,
DeleteScheduledAction. Each action keeps, in its internal record, the next time it fires
(`next_fire`, UTC); the controller fires it and moves that on in the same transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from skiff.services.application_autoscaling.resources import (
    Resource,
    check_dimension_filter,
    not_found,
    resource_of,
    scheduled_arn,
    validation,
)
from skiff.services.application_autoscaling.schedule_expr import BadSchedule, parse
from skiff.services.application_autoscaling.targets import TargetBackend, page
from skiff.state import autoscaling as records
from skiff.state.scope import Scope
from skiff.store.base import Document, Store


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def next_fire(action: Document, after: dt.datetime) -> dt.datetime | None:
    """When the action fires next after `after`, within its StartTime/EndTime; None: never."""
    schedule = parse(action["Schedule"], action.get("Timezone"))
    start, end = _utc(action.get("StartTime")), _utc(action.get("EndTime"))
    base = start or action["CreationTime"]
    if start is not None and after < start:
        after = start - dt.timedelta(microseconds=1)
    when = schedule.next_after(after, base)
    if when is not None and end is not None and when > end:
        return None
    return when


class ScheduledBackend:
    def __init__(self, store: Store, targets: TargetBackend) -> None:
        self.store = store
        self.targets = targets

    def put(self, scope: Scope, params: dict[str, Any]) -> None:
        resource = resource_of(params["ServiceNamespace"], params["ResourceId"], params["ScalableDimension"])
        name = params["ScheduledActionName"]
        with self.store.transaction():
            self.targets.require(scope, resource)
            action = records.find_scheduled(
                self.store,
                scope.account,
                scope.region,
                resource.namespace,
                resource.resource_id,
                resource.dimension,
                name,
            )
            if action is None:
                if not params.get("Schedule"):
                    raise validation("Schedule is required for a new scheduled action")
                action = {
                    "ScheduledActionName": name,
                    "ScheduledActionARN": scheduled_arn(scope, resource, name),
                    "ServiceNamespace": resource.namespace,
                    "ResourceId": resource.resource_id,
                    "ScalableDimension": resource.dimension,
                    "CreationTime": records.now(),
                    records.INTERNAL: {"account": scope.account, "region": scope.region},
                }
            for key in ("Schedule", "Timezone", "StartTime", "EndTime"):
                if params.get(key) is not None:
                    action[key] = params[key]
            if params.get("ScalableTargetAction") is not None:
                given = {k: v for k, v in params["ScalableTargetAction"].items() if v is not None}
                action["ScalableTargetAction"] = given
            capacities = action.get("ScalableTargetAction") or {}
            if capacities.get("MinCapacity") is None and capacities.get("MaxCapacity") is None:
                raise validation("At least one of minimum capacity and maximum capacity should be provided")
            for key, which in (("MinCapacity", "Minimum"), ("MaxCapacity", "Maximum")):
                if capacities.get(key) is not None and capacities[key] < 0:
                    raise validation(f"{which} capacity cannot be less than 0")
            if (
                capacities.get("MinCapacity") is not None
                and capacities.get("MaxCapacity") is not None
                and capacities["MinCapacity"] > capacities["MaxCapacity"]
            ):
                raise validation("Minimum capacity cannot be greater than maximum capacity")
            for key in ("StartTime", "EndTime"):
                if action.get(key) is not None:
                    action[key] = _utc(action[key])
            if action.get("StartTime") and action.get("EndTime") and action["EndTime"] <= action["StartTime"]:
                raise validation("EndTime must be after StartTime")
            try:
                action[records.INTERNAL]["next_fire"] = next_fire(action, records.now())
            except BadSchedule as exc:
                raise validation(str(exc)) from exc
            if action.get("Timezone") is None:
                action["Timezone"] = "UTC"
            records.save_scheduled(self.store, action)

    def describe(self, scope: Scope, params: dict[str, Any]) -> dict[str, Any]:
        namespace = params["ServiceNamespace"]
        dimension = params.get("ScalableDimension")
        check_dimension_filter(namespace, dimension)
        names = set(params.get("ScheduledActionNames") or [])
        found = [
            a
            for a in records.scheduled_of(
                self.store, scope.account, scope.region, namespace, params.get("ResourceId")
            )
            if (not names or a["ScheduledActionName"] in names)
            and (dimension is None or a.get("ScalableDimension") == dimension)
        ]
        items, token = page(found, params, lambda a: (a["ResourceId"], a["ScheduledActionName"]))
        out: dict[str, Any] = {"ScheduledActions": [records.public(a) for a in items]}
        if token:
            out["NextToken"] = token
        return out

    def delete(self, scope: Scope, resource: Resource, name: str) -> None:
        with self.store.transaction():
            self.targets.require(scope, resource)
            action = records.find_scheduled(
                self.store,
                scope.account,
                scope.region,
                resource.namespace,
                resource.resource_id,
                resource.dimension,
                name,
            )
            if action is None:
                raise not_found(f"No scheduled action found for name: {name}")
            self.store.delete(records.SCHEDULED, action["ScheduledActionARN"])

    def delete_all(self, scope: Scope, resource: Resource) -> None:
        for action in records.scheduled_of(
            self.store, scope.account, scope.region, resource.namespace, resource.resource_id
        ):
            if action.get("ScalableDimension") == resource.dimension:
                self.store.delete(records.SCHEDULED, action["ScheduledActionARN"])
