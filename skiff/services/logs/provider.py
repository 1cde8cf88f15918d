"""The CloudWatch Logs API (awsJson 1.1): thin handlers over the group, stream, event and filter
backends. Operations of the model skiff does not serve answer UnsupportedOperation."""

from __future__ import annotations

from typing import Any

from skiff.api.context import RequestContext
from skiff.api.provider import Provider
from skiff.services.logs.events import EventBackend
from skiff.services.logs.filtering import FilterBackend
from skiff.services.logs.groups import GroupBackend, group_name
from skiff.services.logs.live_tail import LiveTailBackend
from skiff.services.logs.streams import StreamBackend
from skiff.state.scope import Scope
from skiff.store.base import Store

Params = dict[str, Any]


class LogsProvider(Provider):
    service = "logs"

    def __init__(self, store: Store) -> None:
        self.groups = GroupBackend(store)
        self.streams = StreamBackend(store, self.groups)
        self.events = EventBackend(store, self.groups, self.streams)
        self.filters = FilterBackend(store, self.groups)
        self.live_tail = LiveTailBackend(store, self.groups)

    # -- groups -------------------------------------------------------------------------------
    def create_log_group(self, ctx: RequestContext, params: Params) -> Params:
        self.groups.create(Scope.of(ctx), params)
        return {}

    def delete_log_group(self, ctx: RequestContext, params: Params) -> Params:
        self.groups.delete(Scope.of(ctx), params["logGroupName"])
        return {}

    def describe_log_groups(self, ctx: RequestContext, params: Params) -> Params:
        return self.groups.describe(Scope.of(ctx), params)

    def put_retention_policy(self, ctx: RequestContext, params: Params) -> Params:
        self.groups.put_retention(Scope.of(ctx), params["logGroupName"], int(params["retentionInDays"]))
        return {}

    def delete_retention_policy(self, ctx: RequestContext, params: Params) -> Params:
        self.groups.delete_retention(Scope.of(ctx), params["logGroupName"])
        return {}

    # -- streams ------------------------------------------------------------------------------
    def create_log_stream(self, ctx: RequestContext, params: Params) -> Params:
        self.streams.create(Scope.of(ctx), params["logGroupName"], params["logStreamName"])
        return {}

    def delete_log_stream(self, ctx: RequestContext, params: Params) -> Params:
        self.streams.delete(Scope.of(ctx), params["logGroupName"], params["logStreamName"])
        return {}

    def describe_log_streams(self, ctx: RequestContext, params: Params) -> Params:
        return self.streams.describe(Scope.of(ctx), params)

    # -- events -------------------------------------------------------------------------------
    def put_log_events(self, ctx: RequestContext, params: Params) -> Params:
        return self.events.put(Scope.of(ctx), params)

    def get_log_events(self, ctx: RequestContext, params: Params) -> Params:
        return self.events.get(Scope.of(ctx), params)

    def filter_log_events(self, ctx: RequestContext, params: Params) -> Params:
        return self.filters.filter(Scope.of(ctx), params)

    def start_live_tail(self, ctx: RequestContext, params: Params) -> Params:
        return {"responseStream": self.live_tail.start(Scope.of(ctx), params, ctx.request_id)}

    # -- tags ---------------------------------------------------------------------------------
    def tag_log_group(self, ctx: RequestContext, params: Params) -> Params:
        scope = Scope.of(ctx)
        self.groups.tag(scope, self.groups.require(scope, params["logGroupName"]), params["tags"])
        return {}

    def untag_log_group(self, ctx: RequestContext, params: Params) -> Params:
        scope = Scope.of(ctx)
        self.groups.untag(scope, self.groups.require(scope, params["logGroupName"]), list(params["tags"]))
        return {}

    def list_tags_log_group(self, ctx: RequestContext, params: Params) -> Params:
        scope = Scope.of(ctx)
        return {"tags": self.groups.tags(self.groups.require(scope, group_name(scope, params)))}

    def tag_resource(self, ctx: RequestContext, params: Params) -> Params:
        scope = Scope.of(ctx)
        self.groups.tag(scope, self.groups.group_for_arn(scope, params["resourceArn"]), params["tags"])
        return {}

    def untag_resource(self, ctx: RequestContext, params: Params) -> Params:
        scope = Scope.of(ctx)
        self.groups.untag(
            scope, self.groups.group_for_arn(scope, params["resourceArn"]), list(params["tagKeys"])
        )
        return {}

    def list_tags_for_resource(self, ctx: RequestContext, params: Params) -> Params:
        scope = Scope.of(ctx)
        return {"tags": self.groups.tags(self.groups.group_for_arn(scope, params["resourceArn"]))}
