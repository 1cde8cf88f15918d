"""The read-only view of agent state the metadata server depends on, and nothing more.

Each container gets a metadata id `<task id>-<10 digits>` when its task is created (Fargate's
form; it is the container's `DockerId` in the metadata). v3/v4 find a container by that id,
v2 finds the task by the caller's source IP, credentials are looked up by their random id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from skiff.store.base import Document


@dataclass(frozen=True)
class ContainerRef:
    task: Document
    name: str  # container name in the task definition


class MetadataState(Protocol):
    def container(self, metadata_id: str) -> ContainerRef | None: ...

    def task_by_ip(self, ip: str) -> Document | None: ...

    def docker_id(self, task: Document, name: str) -> str | None: ...

    def pause_id(self, task: Document) -> str | None: ...


def metadata_id(task: Document, name: str) -> str:
    ids: dict[str, Any] = task["_skiff"].get("metadata_ids", {})
    return str(ids.get(name, ""))


def task_ip(task: Document) -> str | None:
    eni = task["_skiff"].get("eni") or {}
    ip = eni.get("ip")
    return str(ip) if ip else None
