"""The CloudWatch (`monitoring`) API: thin handlers over the metric data, metric query and alarm
backends. Served over rpc-v2-cbor, awsJson 1.0 and query, as the model lists all three (with
`x-amzn-query-error` on JSON/CBOR errors: the service is awsQueryCompatible)."""

from __future__ import annotations

from typing import Any

from skiff.api.context import RequestContext
from skiff.api.provider import Provider
from skiff.services.cloudwatch.alarm_api import AlarmBackend
from skiff.services.cloudwatch.metric_data import MetricDataBackend
from skiff.services.cloudwatch.metric_queries import MetricQueryBackend
from skiff.state.scope import Scope
from skiff.store.base import Store

Params = dict[str, Any]


class CloudWatchProvider(Provider):
    service = "cloudwatch"

    def __init__(self, store: Store, *, fine_storage: bool = False) -> None:
        self.data = MetricDataBackend(store, fine_storage=fine_storage)
        self.queries = MetricQueryBackend(store)
        self.alarms = AlarmBackend(store)

    # -- metrics ------------------------------------------------------------------------------
    def put_metric_data(self, ctx: RequestContext, params: Params) -> Params:
        self.data.put(Scope.of(ctx), params)
        return {}

    def get_metric_statistics(self, ctx: RequestContext, params: Params) -> Params:
        return self.data.statistics(Scope.of(ctx), params)

    def list_metrics(self, ctx: RequestContext, params: Params) -> Params:
        return self.data.list(Scope.of(ctx), params)

    def get_metric_data(self, ctx: RequestContext, params: Params) -> Params:
        return self.queries.get_metric_data(Scope.of(ctx), params)

    # -- alarms -------------------------------------------------------------------------------
    def put_metric_alarm(self, ctx: RequestContext, params: Params) -> Params:
        self.alarms.put(Scope.of(ctx), params)
        return {}

    def describe_alarms(self, ctx: RequestContext, params: Params) -> Params:
        return self.alarms.describe(Scope.of(ctx), params)

    def describe_alarms_for_metric(self, ctx: RequestContext, params: Params) -> Params:
        return self.alarms.for_metric(Scope.of(ctx), params)

    def delete_alarms(self, ctx: RequestContext, params: Params) -> Params:
        self.alarms.delete(Scope.of(ctx), list(params["AlarmNames"]))
        return {}

    def set_alarm_state(self, ctx: RequestContext, params: Params) -> Params:
        self.alarms.set_state(Scope.of(ctx), params)
        return {}

    def describe_alarm_history(self, ctx: RequestContext, params: Params) -> Params:
        return self.alarms.history(Scope.of(ctx), params)

    def enable_alarm_actions(self, ctx: RequestContext, params: Params) -> Params:
        self.alarms.set_actions_enabled(Scope.of(ctx), list(params["AlarmNames"]), True)
        return {}

    def disable_alarm_actions(self, ctx: RequestContext, params: Params) -> Params:
        self.alarms.set_actions_enabled(Scope.of(ctx), list(params["AlarmNames"]), False)
        return {}

    # -- tags ---------------------------------------------------------------------------------
    def list_tags_for_resource(self, ctx: RequestContext, params: Params) -> Params:
        return {"Tags": self.alarms.tags(Scope.of(ctx), str(params["ResourceARN"]))}

    def tag_resource(self, ctx: RequestContext, params: Params) -> Params:
        self.alarms.tag(Scope.of(ctx), str(params["ResourceARN"]), list(params["Tags"]))
        return {}

    def untag_resource(self, ctx: RequestContext, params: Params) -> Params:
        self.alarms.untag(Scope.of(ctx), str(params["ResourceARN"]), list(params["TagKeys"]))
        return {}
