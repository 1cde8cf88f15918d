"""Scalable targets: RegisterScalableTarget (new or update, the desired count clamped into the
new bounds as AWS does), DeregisterScalableTarget, DescribeScalableTargets, and the targets' tags."""

from __future__ import annotations

from typing import Any

from skiff.api.errors import AwsError
from skiff.services.application_autoscaling.capacity import ServiceCapacity
from skiff.services.application_autoscaling.resources import (
    Resource,
    check_dimension_filter,
    default_role,
    resource_of,
    target_arn,
    validation,
)
from skiff.services.application_autoscaling.scaling import apply, clamp
from skiff.services.pagination import BadToken, paginate
from skiff.state import autoscaling as records
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

SUSPENSIONS = ("DynamicScalingInSuspended", "DynamicScalingOutSuspended", "ScheduledScalingSuspended")
MAX_TAGS = 50


def invalid_token() -> AwsError:
    return AwsError("Invalid NextToken", code="InvalidNextTokenException")


def max_results(params: dict[str, Any], limit: int = 50) -> int:
    value = params.get("MaxResults")
    if value is None:
        return limit
    if value < 1 or value > limit:
        bound = f"less than or equal to {limit}" if value > limit else "greater than or equal to 1"
        raise validation(
            f"1 validation error detected: Value '{value}' at 'maxResults' failed to satisfy constraint: "
            f"Member must have value {bound}"
        )
    return int(value)


def page(
    items: list[Document], params: dict[str, Any], key: Any, limit: int = 50
) -> tuple[list[Document], str | None]:
    try:
        return paginate(items, key, max_results(params, limit), params.get("NextToken"))
    except BadToken as exc:
        raise invalid_token() from exc


def resource_not_found(arn: str) -> AwsError:
    return AwsError(
        f"No scalable target found for ARN {arn}",
        code="ResourceNotFoundException",
        fields={"ResourceName": arn},
    )


def check_tags(tags: dict[str, str]) -> None:
    for key in tags:
        if key.lower().startswith("aws:"):
            raise validation("Tag keys starting with 'aws:' are reserved for system use")


class TargetBackend:
    def __init__(self, store: Store, capacity: ServiceCapacity) -> None:
        self.store = store
        self.capacity = capacity

    def require(self, scope: Scope, resource: Resource) -> Document:
        target = records.load_target(
            self.store,
            scope.account,
            scope.region,
            resource.namespace,
            resource.resource_id,
            resource.dimension,
        )
        if target is None:
            raise resource.no_target()
        return target

    # -- RegisterScalableTarget ---------------------------------------------------------------
    def register(self, scope: Scope, params: dict[str, Any]) -> str:
        resource = resource_of(params["ServiceNamespace"], params["ResourceId"], params["ScalableDimension"])
        current = self.capacity.desired(scope, resource)
        if current is None:
            raise validation(f"ECS service doesn't exist: {resource.resource_id}")
        minimum, maximum = params.get("MinCapacity"), params.get("MaxCapacity")
        for value, which in ((minimum, "Minimum"), (maximum, "Maximum")):
            if value is not None and value < 0:
                raise validation(f"{which} capacity cannot be less than 0")
        tags = dict(params.get("Tags") or {})
        check_tags(tags)
        if len(tags) > MAX_TAGS:
            raise AwsError("Too many tags", code="TooManyTagsException")
        with self.store.transaction():
            target = records.load_target(
                self.store,
                scope.account,
                scope.region,
                resource.namespace,
                resource.resource_id,
                resource.dimension,
            )
            if target is None:
                if minimum is None or maximum is None:
                    raise validation(
                        "MinCapacity and MaxCapacity are required for registering a new scalable target"
                    )
                target = {
                    "ServiceNamespace": resource.namespace,
                    "ResourceId": resource.resource_id,
                    "ScalableDimension": resource.dimension,
                    "MinCapacity": minimum,
                    "MaxCapacity": maximum,
                    "RoleARN": params.get("RoleARN") or default_role(scope),
                    "CreationTime": records.now(),
                    "SuspendedState": {k: False for k in SUSPENSIONS},
                    "ScalableTargetARN": target_arn(scope),
                    records.INTERNAL: {"account": scope.account, "region": scope.region, "tags": tags},
                }
            else:
                if minimum is not None:
                    target["MinCapacity"] = minimum
                if maximum is not None:
                    target["MaxCapacity"] = maximum
                if params.get("RoleARN"):
                    target["RoleARN"] = params["RoleARN"]
                if tags:
                    target[records.INTERNAL].setdefault("tags", {}).update(tags)
            if target["MinCapacity"] > target["MaxCapacity"]:
                raise validation("Minimum capacity cannot be greater than maximum capacity")
            for key, value in (params.get("SuspendedState") or {}).items():
                if key in SUSPENSIONS and value is not None:
                    target["SuspendedState"][key] = bool(value)
            records.save_target(self.store, target)
            wanted = clamp(current, target)
            if wanted != current:
                bound = "minimum" if wanted > current else "maximum"
                apply(
                    self.store,
                    self.capacity,
                    scope,
                    target,
                    resource,
                    wanted,
                    f"{bound} capacity was set to {wanted}",
                )
        return str(target["ScalableTargetARN"])

    # -- DeregisterScalableTarget -------------------------------------------------------------
    def deregister(self, scope: Scope, resource: Resource) -> None:
        target = self.require(scope, resource)
        records.delete_target(self.store, target)

    # -- DescribeScalableTargets --------------------------------------------------------------
    def describe(self, scope: Scope, params: dict[str, Any]) -> dict[str, Any]:
        namespace = params["ServiceNamespace"]
        dimension = params.get("ScalableDimension")
        check_dimension_filter(namespace, dimension)
        wanted = set(params.get("ResourceIds") or [])
        found = [
            t
            for t in records.targets_of(self.store, scope.account, scope.region, namespace)
            if (not wanted or t["ResourceId"] in wanted)
            and (dimension is None or t["ScalableDimension"] == dimension)
        ]
        items, token = page(found, params, lambda t: (t["ResourceId"], t["ScalableDimension"]))
        out: dict[str, Any] = {"ScalableTargets": [records.public(t) for t in items]}
        if token:
            out["NextToken"] = token
        return out

    # -- tags ---------------------------------------------------------------------------------
    def _by_arn(self, scope: Scope, arn: str) -> Document:
        """The caller's own target (its account and region) of that ARN."""
        target = records.target_by_arn(self.store, arn)
        internal = target[records.INTERNAL] if target is not None else {}
        if target is None or (internal.get("account"), internal.get("region")) != (
            scope.account,
            scope.region,
        ):
            raise resource_not_found(arn)
        return target

    def tags(self, scope: Scope, arn: str) -> dict[str, str]:
        return dict(self._by_arn(scope, arn)[records.INTERNAL].get("tags") or {})

    def tag(self, scope: Scope, arn: str, tags: dict[str, str]) -> None:
        check_tags(tags)
        with self.store.transaction():
            target = self._by_arn(scope, arn)
            merged = {**(target[records.INTERNAL].get("tags") or {}), **tags}
            if len(merged) > MAX_TAGS:
                raise AwsError("Too many tags", code="TooManyTagsException")
            target[records.INTERNAL]["tags"] = merged
            records.save_target(self.store, target)

    def untag(self, scope: Scope, arn: str, keys: list[str]) -> None:
        with self.store.transaction():
            target = self._by_arn(scope, arn)
            current = target[records.INTERNAL].get("tags") or {}
            target[records.INTERNAL]["tags"] = {k: v for k, v in current.items() if k not in set(keys)}
            records.save_target(self.store, target)
