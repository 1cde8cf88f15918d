"""ECS tasks at the API: RunTask, StopTask, DescribeTasks, ListTasks.

This backend checks a run request as ECS does, records the new tasks (PROVISIONING, desired
RUNNING) and hands them to the `TaskLauncher` (the agent), which alone moves their known status.
StopTask only asks the launcher to stop; the task's runner does the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from skiff.services.ecs.arns import parse_arn
from skiff.services.ecs.clusters import ClusterBackend
from skiff.services.ecs.exceptions import client_error, invalid_parameter, invalid_token
from skiff.services.ecs.tags import TagBackend, check_tags
from skiff.services.ecs.task_definitions import TaskDefinitionBackend
from skiff.services.ecs.task_model import new_task, public_view
from skiff.services.pagination import BadToken, paginate
from skiff.state.scope import Scope
from skiff.state.tasks import LAUNCHING_STATES, TASKS, delete_task, save_task, task_arn, task_id_of
from skiff.store.base import Document, Store

MAX_COUNT = 10


class TaskLauncher(Protocol):
    """What the agent offers the API."""

    def launch(self, task: Document) -> None: ...

    def request_stop(self, task_arn: str, stop_code: str, reason: str) -> Document | None: ...


class SubnetDirectory(Protocol):
    """What the EC2 backend offers: subnets by id (None when unknown) and the default VPC."""

    def find_subnet(self, scope: Scope, subnet_id: str) -> Document | None: ...


class TaskBackend:
    def __init__(
        self,
        store: Store,
        clusters: ClusterBackend,
        task_definitions: TaskDefinitionBackend,
        tags: TagBackend,
    ) -> None:
        self.store = store
        self.clusters = clusters
        self.task_definitions = task_definitions
        self.tags = tags
        self.launcher: TaskLauncher | None = None
        self.subnets: SubnetDirectory | None = None
        tags.register_type("task", lambda scope, arn: self.store.get(TASKS, arn) is not None)
        clusters.counters["running"] = self._counter("RUNNING")
        clusters.counters["pending"] = self._counter("PENDING")

    def _counter(self, status: str) -> Callable[[Scope, str], int]:
        def count(scope: Scope, cluster: str) -> int:
            if status == "RUNNING":
                wanted: tuple[str, ...] = ("RUNNING",)
            else:
                wanted = LAUNCHING_STATES
            return len(self.store.find(TASKS, {"cluster": cluster, "last_status": wanted}))

        return count

    # -- RunTask ------------------------------------------------------------------------------
    def run(self, scope: Scope, params: dict[str, Any]) -> tuple[list[Document], list[Document]]:
        cluster = self.clusters.require_active(scope, params.get("cluster"))
        count = params.get("count", 1)
        if not 1 <= count <= MAX_COUNT:
            raise invalid_parameter(f"The count must be between 1 and {MAX_COUNT}.")
        launch_type = params.get("launchType")
        if launch_type in ("EC2", "EXTERNAL", "MANAGED_INSTANCES"):
            raise invalid_parameter("No Container Instances were found in your cluster.")
        definition = self.runnable_definition(scope, params["taskDefinition"])
        overrides = params.get("overrides") or {}
        self._check_overrides(definition, overrides)
        network = self.network_for(scope, definition, params.get("networkConfiguration"))
        tags = check_tags(params.get("tags", []))
        if params.get("propagateTags") == "TASK_DEFINITION":
            known = {t["key"] for t in tags}
            tags += [t for t in self.tags.get(definition["taskDefinitionArn"]) if t["key"] not in known]
        group = params.get("group") or f"family:{definition['family']}"
        with self.store.transaction():
            tasks = [
                self.start_task(
                    scope,
                    cluster["clusterArn"],
                    definition,
                    network,
                    overrides=overrides,
                    started_by=params.get("startedBy"),
                    group=group,
                    tags=tags,
                    launch=False,
                )
                for _ in range(count)
            ]
        for doc in tasks:
            self._launch(doc)
        return [public_view(doc, include_tags=True) for doc in tasks], []

    def runnable_definition(self, scope: Scope, identifier: str) -> Document:
        """The task definition a RunTask or service names, if it can run on Fargate."""
        definition = self.task_definitions.find(scope, identifier)
        if definition is None or definition["status"] == "DELETE_IN_PROGRESS":
            raise client_error("TaskDefinition not found.")
        if "FARGATE" not in definition.get("compatibilities", []):
            raise invalid_parameter("Task definition does not support launch_type FARGATE.")
        return definition

    def start_task(
        self,
        scope: Scope,
        cluster_arn: str,
        definition: Document,
        network: dict[str, Any],
        *,
        overrides: dict[str, Any] | None = None,
        started_by: str | None,
        group: str,
        tags: list[dict[str, str]],
        launch: bool = True,
    ) -> Document:
        """Record one task (PROVISIONING) and, unless told not to yet, hand it to the agent."""
        doc = new_task(
            scope,
            cluster_arn=cluster_arn,
            definition=definition,
            overrides=overrides or {},
            network=network,
            started_by=started_by,
            group=group,
            tags=tags,
            availability_zone=network["availability_zone"],
        )
        save_task(self.store, doc)
        self.tags.replace(doc["taskArn"], tags)
        if launch:
            self._launch(doc)
        return doc

    def _launch(self, doc: Document) -> None:
        if self.launcher is not None:
            self.launcher.launch(doc)

    @staticmethod
    def _check_overrides(definition: Document, overrides: dict[str, Any]) -> None:
        names = {c["name"] for c in definition["containerDefinitions"]}
        for override in overrides.get("containerOverrides") or []:
            if override.get("name") not in names:
                name = override.get("name")
                raise invalid_parameter(
                    f"Override for container named {name} is not a container in the TaskDefinition."
                )

    def network_for(
        self, scope: Scope, definition: Document, configuration: dict[str, Any] | None
    ) -> dict[str, Any]:
        """The checked awsvpc network of a task: subnets, security groups, the chosen subnet."""
        config = (configuration or {}).get("awsvpcConfiguration")
        if definition.get("networkMode") == "awsvpc" and not config:
            raise invalid_parameter(
                "Network Configuration must be provided when networkMode 'awsvpc' is specified."
            )
        assert config is not None
        subnets = config.get("subnets") or []
        if not subnets:
            raise invalid_parameter("subnets can not be empty.")
        if len(subnets) > 16:
            raise invalid_parameter("subnets can have at most 16 items.")
        chosen: Document | None = None
        if self.subnets is not None:
            for subnet_id in subnets:
                found = self.subnets.find_subnet(scope, subnet_id)
                if found is None:
                    raise invalid_parameter(
                        f"Error retrieving subnet information for [{subnet_id}]: "
                        f"The subnet ID '{subnet_id}' does not exist"
                    )
                chosen = chosen or found
        return {
            "subnets": list(subnets),
            "security_groups": list(config.get("securityGroups") or []),
            "assign_public_ip": config.get("assignPublicIp", "DISABLED"),
            "subnet": chosen,
            "availability_zone": (chosen or {}).get("AvailabilityZone", f"{scope.region}a"),
        }

    # -- StopTask -----------------------------------------------------------------------------
    def stop(self, scope: Scope, cluster_id: str | None, task: str, reason: str | None) -> Document:
        cluster = self.clusters.require_active(scope, cluster_id)
        doc = self.find(scope, cluster["clusterArn"], task)
        if doc is None:
            raise invalid_parameter("The referenced task was not found.")
        text = reason or "Task stopped by user"
        stopped = self.launcher.request_stop(doc["taskArn"], "UserInitiated", text) if self.launcher else None
        if stopped is None:
            stopped = self.store.get(TASKS, doc["taskArn"]) or doc
        return public_view(stopped, include_tags=False)

    def forget(self, arn: str) -> None:
        """Drop a stopped task's record and its tags (it has aged out, as ECS forgets them)."""
        with self.store.transaction():
            delete_task(self.store, arn)
            self.tags.replace(arn, [])

    # -- DescribeTasks / ListTasks ------------------------------------------------------------
    def find(self, scope: Scope, cluster_arn: str, task: str) -> Document | None:
        if task.startswith("arn:"):
            parsed = parse_arn(task)
            if parsed is None or parsed.resource_type != "task":
                return None
            arn = task
        else:
            arn = task_arn(scope, cluster_arn, task_id_of(task))
        doc = self.store.get(TASKS, arn)
        if doc is None or doc["clusterArn"] != cluster_arn:
            return None
        return doc

    def describe(
        self, scope: Scope, cluster_id: str | None, tasks: list[str], include: list[str] | None
    ) -> tuple[list[Document], list[Document]]:
        cluster = self.clusters.require_active(scope, cluster_id)
        if len(tasks) > 100:
            raise invalid_parameter("tasks can have at most 100 items.")
        found: list[Document] = []
        failures: list[Document] = []
        with_tags = "TAGS" in (include or [])
        for task in tasks:
            doc = self.find(scope, cluster["clusterArn"], task)
            if doc is None:
                arn = task if task.startswith("arn:") else task_arn(scope, cluster["clusterArn"], task)
                failures.append({"arn": arn, "reason": "MISSING"})
            else:
                found.append(public_view(doc, include_tags=with_tags))
        return found, failures

    def list_arns(self, scope: Scope, params: dict[str, Any]) -> tuple[list[str], str | None]:
        cluster = self.clusters.require_active(scope, params.get("cluster"))
        where: dict[str, Any] = {"cluster": cluster["clusterArn"]}
        where["desired_status"] = params.get("desiredStatus") or "RUNNING"
        if params.get("family"):
            where["family"] = params["family"]
        if params.get("startedBy"):
            where["started_by"] = params["startedBy"]
        if params.get("serviceName"):
            where["grp"] = f"service:{params['serviceName']}"
        if params.get("launchType") not in (None, "FARGATE"):
            return [], None
        arns = [d["taskArn"] for d in self.store.find(TASKS, where)]
        try:
            return paginate(
                arns, lambda arn: arn, int(params.get("maxResults") or 100), params.get("nextToken")
            )
        except BadToken as exc:
            raise invalid_token() from exc
