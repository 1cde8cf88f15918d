"""The Application Auto Scaling API: thin handlers over the target, policy, scheduled action and
activity backends."""

from __future__ import annotations

from typing import Any

from skiff.api.context import RequestContext
from skiff.api.provider import Provider
from skiff.services.application_autoscaling.capacity import ServiceCapacity
from skiff.services.application_autoscaling.policies import PolicyBackend
from skiff.services.application_autoscaling.resources import check_dimension_filter, resource_of, validation
from skiff.services.application_autoscaling.scheduled import ScheduledBackend
from skiff.services.application_autoscaling.targets import TargetBackend, page
from skiff.state import autoscaling as records
from skiff.state.scope import Scope
from skiff.store.base import Store

Params = dict[str, Any]


class ApplicationAutoScalingProvider(Provider):
    service = "application-autoscaling"

    def __init__(self, store: Store, capacity: ServiceCapacity) -> None:
        self.store = store
        self.capacity = capacity
        self.targets = TargetBackend(store, capacity)
        self.policies = PolicyBackend(store, self.targets)
        self.scheduled = ScheduledBackend(store, self.targets)

    # -- scalable targets ---------------------------------------------------------------------
    def register_scalable_target(self, ctx: RequestContext, params: Params) -> Params:
        return {"ScalableTargetARN": self.targets.register(Scope.of(ctx), params)}

    def deregister_scalable_target(self, ctx: RequestContext, params: Params) -> Params:
        scope = Scope.of(ctx)
        resource = resource_of(params["ServiceNamespace"], params["ResourceId"], params["ScalableDimension"])
        with self.store.transaction():
            self.targets.require(scope, resource)
            self.policies.delete_all(scope, resource)
            self.scheduled.delete_all(scope, resource)
            self.targets.deregister(scope, resource)
        return {}

    def describe_scalable_targets(self, ctx: RequestContext, params: Params) -> Params:
        return self.targets.describe(Scope.of(ctx), params)

    # -- scaling policies ---------------------------------------------------------------------
    def put_scaling_policy(self, ctx: RequestContext, params: Params) -> Params:
        return self.policies.put(Scope.of(ctx), params)

    def describe_scaling_policies(self, ctx: RequestContext, params: Params) -> Params:
        return self.policies.describe(Scope.of(ctx), params)

    def delete_scaling_policy(self, ctx: RequestContext, params: Params) -> Params:
        resource = resource_of(params["ServiceNamespace"], params["ResourceId"], params["ScalableDimension"])
        self.policies.delete(Scope.of(ctx), resource, params["PolicyName"])
        return {}

    def get_predictive_scaling_forecast(self, ctx: RequestContext, params: Params) -> Params:
        resource = resource_of(params["ServiceNamespace"], params["ResourceId"], params["ScalableDimension"])
        self.targets.require(Scope.of(ctx), resource)
        raise validation(f"No predictive scaling policy found with name: {params['PolicyName']}")

    # -- scheduled actions --------------------------------------------------------------------
    def put_scheduled_action(self, ctx: RequestContext, params: Params) -> Params:
        self.scheduled.put(Scope.of(ctx), params)
        return {}

    def describe_scheduled_actions(self, ctx: RequestContext, params: Params) -> Params:
        return self.scheduled.describe(Scope.of(ctx), params)

    def delete_scheduled_action(self, ctx: RequestContext, params: Params) -> Params:
        resource = resource_of(params["ServiceNamespace"], params["ResourceId"], params["ScalableDimension"])
        self.scheduled.delete(Scope.of(ctx), resource, params["ScheduledActionName"])
        return {}

    # -- activities ---------------------------------------------------------------------------
    def describe_scaling_activities(self, ctx: RequestContext, params: Params) -> Params:
        scope = Scope.of(ctx)
        namespace = params["ServiceNamespace"]
        dimension = params.get("ScalableDimension")
        check_dimension_filter(namespace, dimension)
        include_not_scaled = bool(params.get("IncludeNotScaledActivities"))
        found = [
            a
            for a in records.activities_of(
                self.store, scope.account, scope.region, namespace, params.get("ResourceId")
            )
            if (dimension is None or a["ScalableDimension"] == dimension)
            and (include_not_scaled or a[records.INTERNAL].get("scaled", True))
        ]
        items, token = page(found, params, lambda a: -int(a[records.INTERNAL]["number"]))
        out: Params = {"ScalingActivities": [records.public(a) for a in items]}
        if token:
            out["NextToken"] = token
        return out

    # -- tags ---------------------------------------------------------------------------------
    def list_tags_for_resource(self, ctx: RequestContext, params: Params) -> Params:
        return {"Tags": self.targets.tags(Scope.of(ctx), params["ResourceARN"])}

    def tag_resource(self, ctx: RequestContext, params: Params) -> Params:
        self.targets.tag(Scope.of(ctx), params["ResourceARN"], dict(params["Tags"]))
        return {}

    def untag_resource(self, ctx: RequestContext, params: Params) -> Params:
        self.targets.untag(Scope.of(ctx), params["ResourceARN"], list(params["TagKeys"]))
        return {}
