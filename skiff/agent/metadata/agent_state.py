"""The metadata state over the agent's live task runners."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from skiff.agent.metadata.state import ContainerRef, metadata_id, task_ip
from skiff.store.base import Document

if TYPE_CHECKING:
    from skiff.agent.runner import TaskRunner


class RunnerMetadataState:
    def __init__(self, runners: Mapping[str, TaskRunner]) -> None:
        self.runners = runners

    def container(self, metadata: str) -> ContainerRef | None:
        task_id = metadata.rsplit("-", 1)[0]
        for runner in self.runners.values():
            if runner.task_id != task_id:
                continue
            for name in runner.states:
                if metadata_id(runner.doc, name) == metadata:
                    return ContainerRef(runner.doc, name)
        return None

    def task_by_ip(self, ip: str) -> Document | None:
        for runner in self.runners.values():
            if task_ip(runner.doc) == ip:
                return runner.doc
        return None

    def docker_id(self, task: Document, name: str) -> str | None:
        runner = self.runners.get(task["taskArn"])
        state = runner.states.get(name) if runner else None
        return state.container_id if state and state.container_id else None

    def pause_id(self, task: Document) -> str | None:
        pause = task["_skiff"].get("pause_id")
        return str(pause) if pause else None
