"""ECS task definitions: register revisions per family, describe, list, deregister, delete.

Every field of the request is kept as sent (after AWS's normalisations: cpu/memory units,
container defaults), so DescribeTaskDefinition returns exactly what was registered plus the
fields ECS computes (ARN, revision, status, compatibilities, requiresAttributes, ...).
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from typing import Any

from skiff.api.errors import AwsError
from skiff.services.ecs.arns import parse_arn, task_definition_arn
from skiff.services.ecs.bounds import check_container_numbers
from skiff.services.ecs.exceptions import client_error, invalid_parameter, invalid_token
from skiff.services.ecs.fargate import (
    awsvpc_problem,
    fargate_problem,
    normalize_cpu,
    normalize_memory,
    normalize_units,
)
from skiff.services.ecs.requirements import compatibilities, requires_attributes
from skiff.services.ecs.tags import TagBackend, check_tags
from skiff.services.pagination import BadToken, paginate
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

TASK_DEFINITIONS = "task_definitions"
_FAMILY = re.compile(r"^[a-zA-Z0-9_-]{1,255}$")
_CONTAINER_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,255}$")
MAX_CONTAINERS = 10
MAX_DELETE = 10
DEPENDENCY_ON_ESSENTIAL = (
    "A dependency container with SUCCESS or COMPLETE condition cannot be an essential container"
)
_IDENTIFIER = re.compile(r"^([a-zA-Z0-9_-]{1,255})(?::(\d+))?$")
NOT_FOUND = "Unable to describe task definition."


class TaskDefinitionBackend:
    def __init__(self, store: Store, tags: TagBackend) -> None:
        self.store = store
        self.tags = tags
        tags.register_type(
            "task-definition", lambda scope, arn: self.store.get(TASK_DEFINITIONS, arn) is not None
        )

    # -- register -------------------------------------------------------------------------------
    def register(self, scope: Scope, params: dict[str, Any]) -> tuple[Document, list[dict[str, str]]]:
        definition = copy.deepcopy({k: v for k, v in params.items() if k != "tags"})
        tags = check_tags(params.get("tags", []))
        family = definition["family"]
        if not _FAMILY.match(family):
            raise client_error("Family contains invalid characters.")
        _check_containers(definition)
        normalize_units(definition)
        required = definition.get("requiresCompatibilities") or []
        if "FARGATE" in required:
            problem = fargate_problem(definition)
            if problem:
                raise client_error(problem)
        problem = awsvpc_problem(definition)
        if problem:
            raise client_error(problem)
        _fill_defaults(definition)
        with self.store.transaction():
            revision = self.store.next_number(f"task-definition|{scope.account}|{scope.region}|{family}")
            arn = task_definition_arn(scope.region, scope.account, family, revision)
            doc: Document = {
                **definition,
                "taskDefinitionArn": arn,
                "revision": revision,
                "status": "ACTIVE",
                "requiresAttributes": requires_attributes(definition),
                "compatibilities": compatibilities(definition, fargate_problem(definition) is None),
                "registeredAt": dt.datetime.now(dt.UTC),
                "registeredBy": scope.root_arn,
            }
            self._save(scope, doc)
            self.tags.replace(arn, tags)
        return doc, tags

    def _save(self, scope: Scope, doc: Document) -> None:
        self.store.put(
            TASK_DEFINITIONS,
            doc["taskDefinitionArn"],
            doc,
            account=scope.account,
            region=scope.region,
            family=doc["family"],
            revision=doc["revision"],
            status=doc["status"],
        )

    # -- lookup -------------------------------------------------------------------------------
    def find(self, scope: Scope, identifier: str) -> Document | None:
        """By ARN, `family:revision`, or `family` (its latest ACTIVE revision)."""
        if identifier.startswith("arn:"):
            parsed = parse_arn(identifier)
            if parsed is None or parsed.resource_type != "task-definition":
                return None
            if (parsed.account, parsed.region) != (scope.account, scope.region):
                return None
            identifier = parsed.resource
        match = _IDENTIFIER.match(identifier)
        if match is None:
            return None
        family, revision = match.group(1), match.group(2)
        if revision is not None:
            return self.store.get(
                TASK_DEFINITIONS, task_definition_arn(scope.region, scope.account, family, int(revision))
            )
        latest = self.store.find(
            TASK_DEFINITIONS,
            {"account": scope.account, "region": scope.region, "family": family, "status": "ACTIVE"},
            order_by=("revision",),
            descending=True,
            limit=1,
        )
        return latest[0] if latest else None

    def describe(self, scope: Scope, identifier: str) -> Document:
        doc = self.find(scope, identifier)
        if doc is None:
            raise client_error(NOT_FOUND)
        return doc

    # -- listing ------------------------------------------------------------------------------
    def list_arns(self, scope: Scope, params: dict[str, Any]) -> tuple[list[str], str | None]:
        where: dict[str, Any] = {
            "account": scope.account,
            "region": scope.region,
            "status": params.get("status") or "ACTIVE",
        }
        if params.get("familyPrefix"):
            where["family"] = params["familyPrefix"]
        descending = params.get("sort") == "DESC"
        docs = self.store.find(
            TASK_DEFINITIONS, where, order_by=("family", "revision"), descending=descending
        )
        keyed = [((d["family"], d["revision"]), d["taskDefinitionArn"]) for d in docs]
        try:
            page, token = paginate(
                keyed,
                lambda item: item[0],
                int(params.get("maxResults") or 100),
                params.get("nextToken"),
                descending=descending,
            )
        except BadToken as exc:
            raise invalid_token() from exc
        return [arn for _, arn in page], token

    def list_families(self, scope: Scope, params: dict[str, Any]) -> tuple[list[str], str | None]:
        status = params.get("status") or "ACTIVE"
        docs = self.store.find(
            TASK_DEFINITIONS, {"account": scope.account, "region": scope.region}, order_by=("family",)
        )
        active = {d["family"] for d in docs if d["status"] == "ACTIVE"}
        every = {d["family"] for d in docs}
        chosen = {"ACTIVE": active, "INACTIVE": every - active, "ALL": every}[status]
        prefix = params.get("familyPrefix") or ""
        families = sorted(f for f in chosen if f.startswith(prefix))
        try:
            return paginate(
                families, lambda f: f, int(params.get("maxResults") or 100), params.get("nextToken")
            )
        except BadToken as exc:
            raise invalid_token() from exc

    # -- deregister / delete -------------------------------------------------------------------
    def deregister(self, scope: Scope, identifier: str) -> Document:
        bare = identifier.rsplit("/", 1)[-1]
        if ":" not in bare:
            raise client_error(
                "Invalid revision number. Specify the task definition as family:revision or its full ARN."
            )
        doc = self.find(scope, identifier)
        if doc is None:
            raise client_error("The specified task definition does not exist.")
        if doc["status"] == "ACTIVE":
            doc["status"] = "INACTIVE"
            doc["deregisteredAt"] = dt.datetime.now(dt.UTC)
            self._save(scope, doc)
        return doc

    def delete(self, scope: Scope, identifiers: list[str]) -> tuple[list[Document], list[Document]]:
        if not 1 <= len(identifiers) <= MAX_DELETE:
            raise invalid_parameter(f"You can specify between 1 and {MAX_DELETE} task definitions.")
        deleted: list[Document] = []
        failures: list[Document] = []
        for identifier in identifiers:
            bare = identifier.rsplit("/", 1)[-1]
            doc = self.find(scope, identifier) if ":" in bare else None
            if doc is None:
                failures.append(
                    {
                        "arn": identifier,
                        "reason": "TASK_DEFINITION_NOT_FOUND",
                        "detail": "The specified task definition does not exist.",
                    }
                )
            elif doc["status"] == "ACTIVE":
                failures.append(
                    {
                        "arn": doc["taskDefinitionArn"],
                        "reason": "TASK_DEFINITION_IN_ACTIVE_STATE",
                        "detail": "The specified task definition must be deregistered (INACTIVE) "
                        "before it can be deleted.",
                    }
                )
            else:
                if doc["status"] != "DELETE_IN_PROGRESS":
                    doc["status"] = "DELETE_IN_PROGRESS"
                    doc["deleteRequestedAt"] = dt.datetime.now(dt.UTC)
                    self._save(scope, doc)
                deleted.append(doc)
        return deleted, failures


def _check_containers(definition: dict[str, Any]) -> None:
    containers = definition.get("containerDefinitions") or []
    if not containers:
        raise client_error("Container list cannot be empty.")
    if len(containers) > MAX_CONTAINERS:
        raise client_error("Too many containers.")
    seen: set[str] = set()
    for container in containers:
        name = container.get("name")
        if not name:
            raise client_error("Container.name should not be null or empty.")
        if not container.get("image"):
            raise client_error("Container.image should not be null or empty.")
        if name in seen:
            raise client_error("Container names must be unique within a Task Definition.")
        if not _CONTAINER_NAME.match(name):
            raise client_error("Container.name contains invalid characters.")
        check_container_numbers(container)
        seen.add(name)
    if not any(c.get("essential", True) for c in containers):
        raise client_error("Task definition doesn't have any essential container.")
    essential = {c["name"] for c in containers if c.get("essential", True)}
    for container in containers:
        for dependency in container.get("dependsOn") or []:
            if (
                dependency.get("condition") in ("SUCCESS", "COMPLETE")
                and dependency.get("containerName") in essential
            ):
                raise client_error(DEPENDENCY_ON_ESSENTIAL)
    if not definition.get("memory"):
        for container in containers:
            if container.get("memory") is None and container.get("memoryReservation") is None:
                raise client_error(
                    f"Invalid setting for container '{container['name']}'. "
                    "At least one of 'memory' or 'memoryReservation' must be specified."
                )
    _check_task_limits(definition, containers)
    for container in containers:
        memory, reservation = container.get("memory"), container.get("memoryReservation")
        if memory is not None and reservation is not None and reservation > memory:
            raise invalid_parameter(
                f"Invalid setting for container '{container['name']}'. "
                "'memoryReservation' must be less than or equal to 'memory'."
            )


def _check_task_limits(definition: dict[str, Any], containers: list[dict[str, Any]]) -> None:
    """Container memory and cpu must fit the task's (checked once units are integers)."""
    try:
        task_memory = int(normalize_memory(definition["memory"])) if definition.get("memory") else None
        task_cpu = int(normalize_cpu(definition["cpu"])) if definition.get("cpu") else None
    except AwsError:
        return  # reported by normalize_units with AWS's text
    for container in containers:
        if task_memory is not None and (container.get("memory") or 0) > task_memory:
            raise client_error(
                f"The 'memory' setting for container '{container['name']}' is greater than for the task."
            )
    if task_cpu is not None and sum(c.get("cpu") or 0 for c in containers) > task_cpu:
        raise client_error(
            "The sum of all container 'cpu' values cannot be greater than the value of the task 'cpu'."
        )


def _fill_defaults(definition: dict[str, Any]) -> None:
    """The defaults ECS writes into a stored definition."""
    awsvpc = definition.get("networkMode") == "awsvpc"
    definition.setdefault("volumes", [])
    definition.setdefault("placementConstraints", [])
    for container in definition["containerDefinitions"]:
        container.setdefault("cpu", 0)
        container.setdefault("essential", True)
        for listed in ("portMappings", "environment", "mountPoints", "volumesFrom", "systemControls"):
            container.setdefault(listed, [])
        for mapping in container["portMappings"]:
            mapping.setdefault("protocol", "tcp")
            if awsvpc and mapping.get("containerPort") is not None:
                mapping["hostPort"] = mapping["containerPort"]
