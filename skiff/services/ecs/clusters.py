"""ECS clusters: create (idempotent), describe, list, update (settings, configuration, Service
Connect defaults), delete.

The `containerInsights` setting of a cluster created without one is the creator's effective
`containerInsights` account setting (PutAccountSetting / PutAccountSettingDefault), as in ECS; it
is stored on the cluster, so a later change of the account setting leaves existing clusters alone.

A deleted cluster stays as INACTIVE (DescribeClusters still shows it, ListClusters does not);
creating it again makes it ACTIVE. Counts of tasks and services come from callbacks that the
task and service backends register, so this module does not depend on them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from skiff.services.ecs.arns import cluster_arn, cluster_name
from skiff.services.ecs.exceptions import (
    cluster_contains_services,
    cluster_contains_tasks,
    cluster_not_found,
    invalid_parameter,
    invalid_token,
)
from skiff.services.ecs.tags import TagBackend, check_tags
from skiff.services.pagination import BadToken, paginate
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

CLUSTERS = "clusters"
CONTAINER_INSIGHTS = ("enabled", "disabled", "enhanced")
_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,255}$")
INCLUDE_FIELDS = {
    "SETTINGS": ("settings",),
    "CONFIGURATIONS": ("configuration",),
    "ATTACHMENTS": ("attachments", "attachmentsStatus"),
}
# Counter name -> function(scope, cluster arn) -> count, registered by other backends.
CountFn = Callable[[Scope, str], int]
# (scope, principal ARN or None) -> the effective containerInsights account setting
InsightsDefault = Callable[[Scope, str | None], str]


def check_settings(settings: list[dict[str, Any]]) -> list[Document]:
    """The cluster settings as stored: containerInsights values checked, the last of a name wins."""
    by_name: dict[str, Document] = {}
    for setting in settings:
        if setting.get("value") not in CONTAINER_INSIGHTS:
            raise invalid_parameter("Invalid setting 'value'")
        by_name[str(setting.get("name") or "containerInsights")] = {
            "name": str(setting.get("name") or "containerInsights"),
            "value": str(setting["value"]),
        }
    return list(by_name.values())


def merge_settings(current: list[Document], changes: list[Document]) -> list[Document]:
    """`current` with the settings of `changes` replaced (or added), in their first order."""
    merged = {str(s["name"]): s for s in current}
    for change in changes:
        merged[str(change["name"])] = change
    return list(merged.values())


class ClusterBackend:
    def __init__(self, store: Store, tags: TagBackend) -> None:
        self.store = store
        self.tags = tags
        self.counters: dict[str, CountFn] = {}
        self.insights_default: InsightsDefault = lambda scope, principal: "disabled"  # set by provider
        # a Service Connect namespace name or ARN -> the Cloud Map namespace's ARN (set by skiff/server/)
        self.service_connect_namespace: Callable[[Scope, str], str] = lambda scope, namespace: namespace
        tags.register_type("cluster", lambda scope, arn: self.store.get(CLUSTERS, arn) is not None)

    def create(self, scope: Scope, params: dict[str, Any], principal: str | None = None) -> Document:
        name = params.get("clusterName") or "default"
        if not _NAME.match(name):
            raise invalid_parameter(
                "Cluster name can have up to 255 characters: letters (upper and lower case), "
                "numbers, hyphens and underscores."
            )
        tags = check_tags(params.get("tags", []))
        arn = cluster_arn(scope.region, scope.account, name)
        existing = self.store.get(CLUSTERS, arn)
        if existing is not None and existing["status"] == "ACTIVE":
            return self.view(scope, existing, include_all=True)
        settings = check_settings(params.get("settings") or [])
        if not any(s["name"] == "containerInsights" for s in settings):
            default = self.insights_default(scope, principal)
            settings.insert(0, {"name": "containerInsights", "value": default})
        doc: Document = {
            "clusterArn": arn,
            "clusterName": name,
            "status": "ACTIVE",
            "settings": settings,
            "capacityProviders": params.get("capacityProviders", []),
            "defaultCapacityProviderStrategy": params.get("defaultCapacityProviderStrategy", []),
        }
        if "configuration" in params:
            doc["configuration"] = params["configuration"]
        self._set_service_connect(scope, doc, params.get("serviceConnectDefaults"))
        with self.store.transaction():
            self._save(scope, doc)
            self.tags.replace(arn, tags)
        return self.view(scope, doc, include_all=True)

    def update_settings(self, scope: Scope, identifier: str, settings: list[dict[str, Any]]) -> Document:
        """UpdateClusterSettings: the named settings replaced, the others kept."""
        doc = self.require_active(scope, identifier)
        doc["settings"] = merge_settings(doc.get("settings") or [], check_settings(settings))
        self._save(scope, doc)
        return self.view(scope, doc, include_all=True)

    def update(self, scope: Scope, params: dict[str, Any]) -> Document:
        """UpdateCluster: settings merged as UpdateClusterSettings does, `configuration` replaced,
        `serviceConnectDefaults` set (an empty namespace removes it)."""
        doc = self.require_active(scope, params["cluster"])
        if "settings" in params:
            doc["settings"] = merge_settings(
                doc.get("settings") or [], check_settings(params["settings"] or [])
            )
        if "configuration" in params:
            doc["configuration"] = params["configuration"]
        if "serviceConnectDefaults" in params:
            self._set_service_connect(scope, doc, params["serviceConnectDefaults"])
        self._save(scope, doc)
        return self.view(scope, doc, include_all=True)

    def _set_service_connect(self, scope: Scope, doc: Document, request: dict[str, Any] | None) -> None:
        """The cluster's default Service Connect namespace (its ARN); an empty name removes it."""
        if request is None:
            return
        namespace = str(request.get("namespace") or "")
        if namespace:
            doc["serviceConnectDefaults"] = {"namespace": self.service_connect_namespace(scope, namespace)}
        else:
            doc.pop("serviceConnectDefaults", None)

    def _save(self, scope: Scope, doc: Document) -> None:
        self.store.put(
            CLUSTERS,
            doc["clusterArn"],
            doc,
            account=scope.account,
            region=scope.region,
            name=doc["clusterName"],
            status=doc["status"],
        )

    def view(
        self, scope: Scope, doc: Document, *, include: list[str] | None = None, include_all: bool = False
    ) -> Document:
        """The Cluster shape as DescribeClusters returns it, with live counts."""
        wanted = set(include or [])
        out: Document = {
            "clusterArn": doc["clusterArn"],
            "clusterName": doc["clusterName"],
            "status": doc["status"],
            "registeredContainerInstancesCount": 0,
            "runningTasksCount": self._count(scope, "running", doc),
            "pendingTasksCount": self._count(scope, "pending", doc),
            "activeServicesCount": self._count(scope, "services", doc),
            "capacityProviders": doc.get("capacityProviders", []),
            "defaultCapacityProviderStrategy": doc.get("defaultCapacityProviderStrategy", []),
        }
        if include_all or "STATISTICS" in wanted:
            out["statistics"] = []
        for key, fields in INCLUDE_FIELDS.items():
            if include_all or key in wanted:
                for name in fields:
                    if name in doc:
                        out[name] = doc[name]
        if "serviceConnectDefaults" in doc:
            out["serviceConnectDefaults"] = doc["serviceConnectDefaults"]
        if include_all or "TAGS" in wanted:
            out["tags"] = self.tags.get(doc["clusterArn"])
        return out

    def _count(self, scope: Scope, counter: str, doc: Document) -> int:
        if doc["status"] != "ACTIVE" or counter not in self.counters:
            return 0
        return self.counters[counter](scope, doc["clusterArn"])

    def find(self, scope: Scope, identifier: str | None) -> Document | None:
        name = cluster_name(identifier or "default")
        return self.store.get(CLUSTERS, cluster_arn(scope.region, scope.account, name))

    def require_active(self, scope: Scope, identifier: str | None) -> Document:
        doc = self.find(scope, identifier)
        if doc is None or doc["status"] != "ACTIVE":
            raise cluster_not_found()
        return doc

    def describe(
        self, scope: Scope, identifiers: list[str] | None, include: list[str] | None
    ) -> tuple[list[Document], list[Document]]:
        clusters: list[Document] = []
        failures: list[Document] = []
        for identifier in identifiers or ["default"]:
            doc = self.find(scope, identifier)
            if doc is None:
                arn = (
                    identifier
                    if identifier.startswith("arn:")
                    else cluster_arn(scope.region, scope.account, identifier)
                )
                failures.append({"arn": arn, "reason": "MISSING"})
            else:
                clusters.append(self.view(scope, doc, include=include))
        return clusters, failures

    def list_arns(
        self, scope: Scope, max_results: int, next_token: str | None
    ) -> tuple[list[str], str | None]:
        arns = [
            d["clusterArn"]
            for d in self.store.find(
                CLUSTERS, {"account": scope.account, "region": scope.region, "status": "ACTIVE"}
            )
        ]
        try:
            return paginate(arns, lambda arn: arn, max_results, next_token)
        except BadToken as exc:
            raise invalid_token() from exc

    def delete(self, scope: Scope, identifier: str) -> Document:
        doc = self.require_active(scope, identifier)
        if self._count(scope, "services", doc):
            raise cluster_contains_services()
        if self._count(scope, "running", doc) or self._count(scope, "pending", doc):
            raise cluster_contains_tasks()
        doc["status"] = "INACTIVE"
        self._save(scope, doc)
        return self.view(scope, doc, include_all=True)
