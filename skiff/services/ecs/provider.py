"""The ECS API: thin handlers that read the request members and call the ECS backends."""

from __future__ import annotations

from typing import Any

from skiff.api.context import RequestContext
from skiff.api.provider import Provider
from skiff.services.ecs.account_settings import AccountSettingsBackend
from skiff.services.ecs.clusters import ClusterBackend
from skiff.services.ecs.exceptions import invalid_parameter
from skiff.services.ecs.services import ServiceBackend
from skiff.services.ecs.tags import TagBackend
from skiff.services.ecs.task_definitions import TaskDefinitionBackend
from skiff.services.ecs.tasks import TaskBackend
from skiff.state.scope import Scope
from skiff.store.base import Store

Params = dict[str, Any]


def _max_results(params: Params, default: int, limit: int) -> int:
    value = params.get("maxResults")
    if value is None:
        return default
    if not 1 <= value <= limit:
        raise invalid_parameter(f"maxResults must be between 1 and {limit}.")
    return int(value)


class EcsProvider(Provider):
    service = "ecs"

    def __init__(self, store: Store) -> None:
        self.tags = TagBackend(store)
        self.clusters = ClusterBackend(store, self.tags)
        self.task_definitions = TaskDefinitionBackend(store, self.tags)
        self.account_settings = AccountSettingsBackend(store)
        self.clusters.insights_default = lambda scope, principal: self.account_settings.effective(
            scope, "containerInsights", principal
        )
        self.tasks = TaskBackend(store, self.clusters, self.task_definitions, self.tags)
        self.services = ServiceBackend(store, self.clusters, self.tasks, self.tags)

    # -- clusters -----------------------------------------------------------------------------
    def create_cluster(self, ctx: RequestContext, params: Params) -> Params:
        return {"cluster": self.clusters.create(Scope.of(ctx), params, ctx.principal_arn)}

    def update_cluster_settings(self, ctx: RequestContext, params: Params) -> Params:
        return {
            "cluster": self.clusters.update_settings(Scope.of(ctx), params["cluster"], params["settings"])
        }

    def update_cluster(self, ctx: RequestContext, params: Params) -> Params:
        return {"cluster": self.clusters.update(Scope.of(ctx), params)}

    def describe_clusters(self, ctx: RequestContext, params: Params) -> Params:
        clusters, failures = self.clusters.describe(
            Scope.of(ctx), params.get("clusters"), params.get("include")
        )
        return {"clusters": clusters, "failures": failures}

    def list_clusters(self, ctx: RequestContext, params: Params) -> Params:
        arns, token = self.clusters.list_arns(
            Scope.of(ctx), _max_results(params, 100, 100), params.get("nextToken")
        )
        return {"clusterArns": arns, "nextToken": token}

    def delete_cluster(self, ctx: RequestContext, params: Params) -> Params:
        return {"cluster": self.clusters.delete(Scope.of(ctx), params["cluster"])}

    # -- account settings ---------------------------------------------------------------------
    def put_account_setting_default(self, ctx: RequestContext, params: Params) -> Params:
        return {"setting": self.account_settings.put_default(Scope.of(ctx), params["name"], params["value"])}

    def put_account_setting(self, ctx: RequestContext, params: Params) -> Params:
        setting = self.account_settings.put(
            Scope.of(ctx), params["name"], params["value"], params.get("principalArn")
        )
        return {"setting": setting}

    def delete_account_setting(self, ctx: RequestContext, params: Params) -> Params:
        setting = self.account_settings.delete(Scope.of(ctx), params["name"], params.get("principalArn"))
        return {"setting": setting}

    def list_account_settings(self, ctx: RequestContext, params: Params) -> Params:
        _max_results(params, 10, 10)
        settings, token = self.account_settings.list(Scope.of(ctx), params)
        return {"settings": settings, "nextToken": token}

    # -- task definitions ---------------------------------------------------------------------
    def register_task_definition(self, ctx: RequestContext, params: Params) -> Params:
        doc, tags = self.task_definitions.register(Scope.of(ctx), params)
        return {"taskDefinition": doc, "tags": tags}

    def describe_task_definition(self, ctx: RequestContext, params: Params) -> Params:
        doc = self.task_definitions.describe(Scope.of(ctx), params["taskDefinition"])
        out: Params = {"taskDefinition": doc}
        if "TAGS" in (params.get("include") or []):
            out["tags"] = self.tags.get(doc["taskDefinitionArn"])
        return out

    def list_task_definitions(self, ctx: RequestContext, params: Params) -> Params:
        _max_results(params, 100, 100)
        arns, token = self.task_definitions.list_arns(Scope.of(ctx), params)
        return {"taskDefinitionArns": arns, "nextToken": token}

    def list_task_definition_families(self, ctx: RequestContext, params: Params) -> Params:
        _max_results(params, 100, 100)
        families, token = self.task_definitions.list_families(Scope.of(ctx), params)
        return {"families": families, "nextToken": token}

    def deregister_task_definition(self, ctx: RequestContext, params: Params) -> Params:
        return {"taskDefinition": self.task_definitions.deregister(Scope.of(ctx), params["taskDefinition"])}

    def delete_task_definitions(self, ctx: RequestContext, params: Params) -> Params:
        deleted, failures = self.task_definitions.delete(Scope.of(ctx), params["taskDefinitions"])
        return {"taskDefinitions": deleted, "failures": failures}

    # -- tasks --------------------------------------------------------------------------------
    def run_task(self, ctx: RequestContext, params: Params) -> Params:
        tasks, failures = self.tasks.run(Scope.of(ctx), params)
        return {"tasks": tasks, "failures": failures}

    def stop_task(self, ctx: RequestContext, params: Params) -> Params:
        return {
            "task": self.tasks.stop(
                Scope.of(ctx), params.get("cluster"), params["task"], params.get("reason")
            )
        }

    def describe_tasks(self, ctx: RequestContext, params: Params) -> Params:
        tasks, failures = self.tasks.describe(
            Scope.of(ctx), params.get("cluster"), params["tasks"], params.get("include")
        )
        return {"tasks": tasks, "failures": failures}

    def list_tasks(self, ctx: RequestContext, params: Params) -> Params:
        _max_results(params, 100, 100)
        arns, token = self.tasks.list_arns(Scope.of(ctx), params)
        return {"taskArns": arns, "nextToken": token}

    # -- services -----------------------------------------------------------------------------
    def create_service(self, ctx: RequestContext, params: Params) -> Params:
        return {"service": self.services.create(Scope.of(ctx), params)}

    def update_service(self, ctx: RequestContext, params: Params) -> Params:
        return {"service": self.services.update(Scope.of(ctx), params)}

    def delete_service(self, ctx: RequestContext, params: Params) -> Params:
        service = self.services.delete(
            Scope.of(ctx), params.get("cluster"), params["service"], bool(params.get("force"))
        )
        return {"service": service}

    def describe_services(self, ctx: RequestContext, params: Params) -> Params:
        services, failures = self.services.describe(
            Scope.of(ctx), params.get("cluster"), params["services"], params.get("include")
        )
        return {"services": services, "failures": failures}

    def list_services(self, ctx: RequestContext, params: Params) -> Params:
        _max_results(params, 10, 100)
        arns, token = self.services.list_arns(Scope.of(ctx), params)
        return {"serviceArns": arns, "nextToken": token}

    # -- tags ---------------------------------------------------------------------------------
    def tag_resource(self, ctx: RequestContext, params: Params) -> Params:
        self.tags.tag(Scope.of(ctx), params["resourceArn"], params["tags"])
        return {}

    def untag_resource(self, ctx: RequestContext, params: Params) -> Params:
        self.tags.untag(Scope.of(ctx), params["resourceArn"], params["tagKeys"])
        return {}

    def list_tags_for_resource(self, ctx: RequestContext, params: Params) -> Params:
        return {"tags": self.tags.list(Scope.of(ctx), params["resourceArn"])}
