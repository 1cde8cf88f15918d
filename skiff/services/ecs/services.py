"""ECS services at the API: CreateService, UpdateService, DeleteService, DescribeServices,
ListServices. The scheduler (`skiff.controllers.service_scheduler`) does the running; this module
records what is wanted: desired count, deployments, configuration.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

from skiff.api.errors import AwsError
from skiff.services.ecs.arns import cluster_name, parse_arn
from skiff.services.ecs.bounds import check_service_numbers
from skiff.services.ecs.clusters import ClusterBackend
from skiff.services.ecs.exceptions import invalid_parameter, invalid_token
from skiff.services.ecs.service_model import (
    SERVICES,
    counts,
    new_deployment,
    now,
    save_service,
    service_arn,
)
from skiff.services.ecs.tags import TagBackend, check_tags
from skiff.services.ecs.tasks import TaskBackend
from skiff.services.pagination import BadToken, paginate
from skiff.state.scope import Scope
from skiff.state.tasks import ACTIVE_STATES, TASKS
from skiff.store.base import Document, Store

SERVICE_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,255}$")
DEFAULT_DEPLOYMENT: dict[str, Any] = {
    "deploymentCircuitBreaker": {"enable": False, "rollback": False},
    "maximumPercent": 200,
    "minimumHealthyPercent": 100,
}
# Create members kept as given (and reported back by DescribeServices).
KEPT = ("loadBalancers", "serviceRegistries", "healthCheckGracePeriodSeconds", "propagateTags",
        "enableECSManagedTags", "enableExecuteCommand", "placementConstraints", "placementStrategy",
        "availabilityZoneRebalancing")  # fmt: skip


def service_not_found() -> AwsError:
    return AwsError("Service not found.", code="ServiceNotFoundException")


def service_not_active() -> AwsError:
    return AwsError("Service was not ACTIVE.", code="ServiceNotActiveException")


class ServiceBackend:
    def __init__(self, store: Store, clusters: ClusterBackend, tasks: TaskBackend, tags: TagBackend) -> None:
        self.store = store
        self.clusters = clusters
        self.tasks = tasks
        self.tags = tags
        self.wake: Callable[[], None] = lambda: None  # the scheduler's nudge
        # service discovery: refuses serviceRegistries naming no Cloud Map service (set by skiff/server/)
        self.check_registries: Callable[[Scope, list[dict[str, Any]]], None] = lambda scope, registries: None
        # load balancing: refuses loadBalancers naming no usable target group, container or port
        self.check_load_balancers: Callable[[Scope, Document, list[dict[str, Any]]], None] = (
            lambda scope, definition, entries: None
        )
        tags.register_type("service", lambda scope, arn: self.store.get(SERVICES, arn) is not None)
        clusters.counters["services"] = lambda scope, cluster: len(
            self.store.find(SERVICES, {"cluster": cluster, "status": "ACTIVE"})
        )

    # -- CreateService ------------------------------------------------------------------------
    def create(self, scope: Scope, params: dict[str, Any]) -> Document:
        cluster = self.clusters.require_active(scope, params.get("cluster"))
        check_service_numbers(params)
        name = params["serviceName"]
        if not SERVICE_NAME.match(name):
            raise invalid_parameter(
                "Service name can have up to 255 characters: letters (upper and lower case), numbers, "
                "hyphens and underscores."
            )
        arn = service_arn(scope, cluster["clusterName"], name)
        existing = self.store.get(SERVICES, arn)
        if existing is not None and existing["status"] != "INACTIVE":
            token = params.get("clientToken")
            if token and existing["_skiff"].get("client_token") == token:
                return self.view(existing, include_tags=False)
            raise invalid_parameter("Creation of service was not idempotent.")
        if params.get("launchType") not in (None, "FARGATE"):
            raise invalid_parameter("No Container Instances were found in your cluster.")
        if params.get("schedulingStrategy") == "DAEMON":
            raise invalid_parameter(
                "The daemon scheduling strategy does not support the FARGATE launch type."
            )
        if not params.get("taskDefinition"):
            raise invalid_parameter("A task definition must be specified for the ECS deployment controller.")
        definition = self.tasks.runnable_definition(scope, params["taskDefinition"])
        self.check_registries(scope, params.get("serviceRegistries") or [])
        self.check_load_balancers(scope, definition, params.get("loadBalancers") or [])
        desired = int(params.get("desiredCount", 0))
        network = self.tasks.network_for(scope, definition, params.get("networkConfiguration"))
        deployment_config = _deployment_config(params.get("deploymentConfiguration"))
        tags = check_tags(params.get("tags", []))
        deployment = new_deployment(
            definition["taskDefinitionArn"], desired, params.get("networkConfiguration")
        )
        service: Document = {
            "serviceArn": arn,
            "serviceName": name,
            "clusterArn": cluster["clusterArn"],
            "status": "ACTIVE",
            "desiredCount": desired,
            "launchType": "FARGATE",
            "platformVersion": params.get("platformVersion", "LATEST"),
            "platformFamily": "Linux",
            "taskDefinition": definition["taskDefinitionArn"],
            "deploymentConfiguration": deployment_config,
            "deployments": [deployment],
            "events": [],
            "createdAt": now(),
            "createdBy": scope.root_arn,
            "schedulingStrategy": "REPLICA",
            "deploymentController": params.get("deploymentController") or {"type": "ECS"},
            "loadBalancers": [],
            "serviceRegistries": [],
            "placementConstraints": [],
            "placementStrategy": [],
            "enableECSManagedTags": False,
            "propagateTags": "NONE",
            "enableExecuteCommand": False,
            "_skiff": {"account": scope.account, "region": scope.region, "network": network,
                       "client_token": params.get("clientToken")},
        }  # fmt: skip
        if params.get("networkConfiguration"):
            service["networkConfiguration"] = params["networkConfiguration"]
        for key in KEPT:
            if key in params:
                service[key] = copy.deepcopy(params[key])
        service["_skiff"]["registries"] = {deployment["id"]: service["serviceRegistries"]}
        if service["deploymentController"].get("type", "ECS") != "ECS":
            raise invalid_parameter("skiff supports the ECS deployment controller only.")
        with self.store.transaction():
            save_service(self.store, service)
            self.tags.replace(arn, tags)
        self.wake()
        return self.view(service, include_tags=True)

    # -- UpdateService ------------------------------------------------------------------------
    def update(self, scope: Scope, params: dict[str, Any]) -> Document:
        service = self.require(scope, params.get("cluster"), params["service"])
        if service["status"] != "ACTIVE":
            raise service_not_active()
        check_service_numbers(params)
        primary = service["deployments"][0]
        new_definition = None
        if params.get("taskDefinition"):
            new_definition = self.tasks.runnable_definition(scope, params["taskDefinition"])
        if "desiredCount" in params:
            service["desiredCount"] = int(params["desiredCount"])
        if "deploymentConfiguration" in params:
            merged = {**service["deploymentConfiguration"], **params["deploymentConfiguration"]}
            service["deploymentConfiguration"] = _deployment_config(merged)
        network_changed = False
        if "networkConfiguration" in params:
            definition = new_definition or self.tasks.runnable_definition(scope, service["taskDefinition"])
            service["_skiff"]["network"] = self.tasks.network_for(
                scope, definition, params["networkConfiguration"]
            )
            network_changed = params["networkConfiguration"] != service.get("networkConfiguration")
            service["networkConfiguration"] = params["networkConfiguration"]
        registries_changed = "serviceRegistries" in params and params["serviceRegistries"] != service.get(
            "serviceRegistries"
        )
        if registries_changed:
            self.check_registries(scope, params["serviceRegistries"] or [])
        balancers_changed = "loadBalancers" in params and params["loadBalancers"] != service.get(
            "loadBalancers"
        )
        if "loadBalancers" in params or new_definition is not None:
            definition = new_definition or self.tasks.runnable_definition(scope, service["taskDefinition"])
            entries = params["loadBalancers"] if "loadBalancers" in params else service.get("loadBalancers")
            self.check_load_balancers(scope, definition, entries or [])
        for key in KEPT:
            if key in params:
                service[key] = copy.deepcopy(params[key])
        redeploy = (
            params.get("forceNewDeployment")
            or network_changed
            or registries_changed
            or balancers_changed
            or (
                new_definition is not None
                and new_definition["taskDefinitionArn"] != primary["taskDefinition"]
            )
        )
        if new_definition is not None:
            service["taskDefinition"] = new_definition["taskDefinitionArn"]
        if redeploy:
            for deployment in service["deployments"]:
                deployment["status"] = "ACTIVE"
            deployment = new_deployment(service["taskDefinition"], service["desiredCount"],
                                        service.get("networkConfiguration"))  # fmt: skip
            service["deployments"].insert(0, deployment)
            live = {d["id"] for d in service["deployments"]}
            registries = {k: v for k, v in service["_skiff"].get("registries", {}).items() if k in live}
            registries[deployment["id"]] = service.get("serviceRegistries") or []
            service["_skiff"]["registries"] = registries
        else:
            primary["desiredCount"] = service["desiredCount"]
            primary["updatedAt"] = now()
        save_service(self.store, service)
        self.wake()
        return self.view(service, include_tags=False)

    # -- DeleteService ------------------------------------------------------------------------
    def delete(self, scope: Scope, cluster: str | None, name: str, force: bool) -> Document:
        service = self.require(scope, cluster, name)
        if service["status"] != "ACTIVE":
            raise service_not_active()
        if service["desiredCount"] > 0 and not force:
            raise invalid_parameter("The service cannot be stopped while it is scaled above 0.")
        service["desiredCount"] = 0
        service["status"] = "DRAINING"
        for deployment in service["deployments"]:
            deployment["desiredCount"] = 0
        save_service(self.store, service)
        self.wake()
        return self.view(service, include_tags=False)

    # -- lookups and views --------------------------------------------------------------------
    def find(self, scope: Scope, cluster: str | None, name: str) -> Document | None:
        cluster_doc = self.clusters.find(scope, cluster)
        if cluster_doc is None:
            return None
        if name.startswith("arn:"):
            parsed = parse_arn(name)
            if parsed is None or parsed.resource_type != "service":
                return None
            name = parsed.resource.rsplit("/", 1)[-1]
        doc = self.store.get(SERVICES, service_arn(scope, cluster_doc["clusterName"], name))
        return doc

    def require(self, scope: Scope, cluster: str | None, name: str) -> Document:
        self.clusters.require_active(scope, cluster)
        service = self.find(scope, cluster, name)
        if service is None:
            raise service_not_found()
        return service

    def tasks_of(
        self, service: Document, *, started_by: str | None = None, stopped: bool = True
    ) -> list[Document]:
        """The service's tasks: all of them, or only those not STOPPED, or one deployment's."""
        where: dict[str, Any] = {"cluster": service["clusterArn"], "grp": f"service:{service['serviceName']}"}
        if started_by is not None:
            where["started_by"] = started_by
        if not stopped:
            where["last_status"] = ACTIVE_STATES
        return self.store.find(TASKS, where)

    def view(self, service: Document, *, include_tags: bool) -> Document:
        out = {k: copy.deepcopy(v) for k, v in service.items() if k != "_skiff"}
        tasks = self.tasks_of(service, stopped=False)
        total = counts(tasks)
        out["runningCount"], out["pendingCount"] = total["runningCount"], total["pendingCount"]
        for deployment in out["deployments"]:
            deployment.update(counts([t for t in tasks if t.get("startedBy") == deployment["id"]]))
        if include_tags:
            out["tags"] = self.tags.get(service["serviceArn"])
        return out

    def describe(
        self, scope: Scope, cluster: str | None, names: list[str], include: list[str] | None
    ) -> tuple[list[Document], list[Document]]:
        cluster_doc = self.clusters.require_active(scope, cluster)
        if len(names) > 10:
            raise invalid_parameter("service names can have at most 10 items.")
        found: list[Document] = []
        failures: list[Document] = []
        for name in names:
            service = self.find(scope, cluster, name)
            if service is None:
                arn = (
                    name if name.startswith("arn:") else service_arn(scope, cluster_doc["clusterName"], name)
                )
                failures.append({"arn": arn, "reason": "MISSING"})
            else:
                found.append(self.view(service, include_tags="TAGS" in (include or [])))
        return found, failures

    def list_arns(self, scope: Scope, params: dict[str, Any]) -> tuple[list[str], str | None]:
        cluster = self.clusters.require_active(scope, params.get("cluster"))
        if params.get("launchType") not in (None, "FARGATE") or params.get("schedulingStrategy") == "DAEMON":
            return [], None
        docs = self.store.find(SERVICES, {"cluster": cluster["clusterArn"], "status": ("ACTIVE", "DRAINING")})
        arns = sorted(d["serviceArn"] for d in docs)
        try:
            return paginate(arns, lambda a: a, int(params.get("maxResults") or 10), params.get("nextToken"))
        except BadToken as exc:
            raise invalid_token() from exc


def _deployment_config(given: dict[str, Any] | None) -> dict[str, Any]:
    config = copy.deepcopy(DEFAULT_DEPLOYMENT)
    config.update(copy.deepcopy(given or {}))
    breaker = {"enable": False, "rollback": False, **config.get("deploymentCircuitBreaker", {})}
    config["deploymentCircuitBreaker"] = breaker
    low, high = int(config["minimumHealthyPercent"]), int(config["maximumPercent"])
    if not 0 <= low <= 100:
        raise invalid_parameter("minimumHealthyPercent must be between 0 and 100.")
    if high < 100:
        raise invalid_parameter("maximumPercent must be at least 100.")
    return config


__all__ = ["ServiceBackend", "cluster_name"]
