"""An ECS control plane without HTTP or Docker: the real backends on an in-memory store, and an
agent stand-in that records launches and lets a test decide when and how each task stops."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest

from skiff.controllers.service_scheduler import ServiceScheduler
from skiff.services.ecs.provider import EcsProvider
from skiff.state.scope import Scope
from skiff.state.tasks import load_task, save_task
from skiff.store import SqliteStore
from skiff.store.base import Document

SCOPE = Scope("000000000000", "us-east-1")
NETWORK = {"awsvpcConfiguration": {"subnets": ["subnet-1"]}}


@dataclass
class RecordingAgent:
    """Stands in for the agent: the scheduler's launches and stop requests, nothing run."""

    store: SqliteStore
    launched: list[str] = field(default_factory=list)

    def launch(self, task: Document) -> None:
        self.launched.append(task["taskArn"])

    def request_stop(self, task_arn: str, stop_code: str, reason: str) -> Document | None:
        doc = load_task(self.store, task_arn)
        if doc is None:
            return None
        if doc["desiredStatus"] != "STOPPED":
            doc.update(desiredStatus="STOPPED", stopCode=stop_code, stoppedReason=reason)
            save_task(self.store, doc)
        return doc

    def set_status(self, task_arn: str, status: str) -> None:
        doc = load_task(self.store, task_arn)
        assert doc is not None
        doc["lastStatus"] = status
        if status == "RUNNING":
            doc["startedAt"] = dt.datetime.now(dt.UTC)
        save_task(self.store, doc)

    def finish(self, task_arn: str, stop_code: str, when: dt.datetime | None = None) -> None:
        doc = load_task(self.store, task_arn)
        assert doc is not None
        doc.update(
            lastStatus="STOPPED",
            desiredStatus="STOPPED",
            stopCode=stop_code,
            stoppedAt=when or dt.datetime.now(dt.UTC),
        )
        save_task(self.store, doc)


@dataclass
class ControlPlane:
    store: SqliteStore
    ecs: EcsProvider
    agent: RecordingAgent
    scheduler: ServiceScheduler

    def register(self, family: str = "web") -> str:
        doc, _ = self.ecs.task_definitions.register(
            SCOPE,
            {
                "family": family,
                "networkMode": "awsvpc",
                "requiresCompatibilities": ["FARGATE"],
                "cpu": "256",
                "memory": "512",
                "containerDefinitions": [{"name": "app", "image": "busybox"}],
            },
        )
        return str(doc["taskDefinitionArn"])

    def create_service(self, name: str, desired: int, **extra: Any) -> Document:
        return self.ecs.services.create(
            SCOPE,
            {
                "cluster": "lab",
                "serviceName": name,
                "taskDefinition": self.register(),
                "desiredCount": desired,
                "networkConfiguration": NETWORK,
                **extra,
            },
        )

    def describe(self, name: str) -> Document:
        services, _ = self.ecs.services.describe(SCOPE, "lab", [name], None)
        return services[0]


def make_plane(store: SqliteStore) -> ControlPlane:
    ecs = EcsProvider(store)
    agent = RecordingAgent(store)
    ecs.tasks.launcher = agent
    ecs.clusters.create(SCOPE, {"clusterName": "lab"})
    return ControlPlane(store, ecs, agent, ServiceScheduler(store, ecs.services, ecs.tasks))


@pytest.fixture
def plane() -> ControlPlane:
    return make_plane(SqliteStore(":memory:"))
