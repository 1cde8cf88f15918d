"""Pull hook: make every image of the task present.

Images on an ECR host (`<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>` or `@sha256:`)
are always pulled, as Fargate does, from skiff's registry with a login for the task's execution
role, and only when the task's network has a path to the registry (`RegistryAccess`, handed in
by skiff/server/; EC2 knows the routes and endpoints): without one the pull waits, then fails as on
Fargate with Docker's connection time-out. The task's imageDigest (and the metadata endpoint's
ImageID) is the digest the registry served. Other images come from Docker's cache first (no
registry needed). A failure stops the task before anything starts, with `CannotPullContainerError`.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Protocol

from skiff.runtime.docker import DockerError
from skiff.state.ecr import split_image
from skiff.store.base import Document

if TYPE_CHECKING:
    from skiff.agent.runner import TaskRunner

NO_PATH = (
    "CannotPullContainerError: Error response from daemon: Get https://{host}/v2/: net/http: "
    "request canceled while waiting for connection (Client.Timeout exceeded while awaiting headers)"
)
NOT_FOUND = (
    "CannotPullContainerError: pull image manifest has been retried 7 time(s): "
    "failed to resolve ref {image}: not found"
)


class RegistryAccess(Protocol):
    def login(self, task: Document, image: str) -> dict[str, str] | None:
        """Docker's auth for pulling `image` as the task's execution role (None: anonymous)."""

    def network_path(self, task: Document) -> bool:
        """Whether the task's subnet reaches the registry (internet route, or VPC endpoints)."""


class PullError(Exception):
    def __init__(self, container: str, message: str) -> None:
        super().__init__(message)
        self.container = container


def normalise(image: str) -> str:
    """Docker's own default tag, as a pull would resolve it."""
    last = image.rsplit("/", 1)[-1]
    if "@" in image or ":" in last:
        return image
    return image + ":latest"


async def pull_images(runner: TaskRunner) -> None:
    runner.doc["pullStartedAt"] = runner.now()
    for container in runner.internal["containers"]:
        name = str(container["name"])
        image = normalise(container["image"])
        on_registry = split_image(image)
        access = runner.env.registry_access
        if on_registry is not None and access is not None:
            await _pull_from_registry(runner, access, name, image, on_registry[0], on_registry[1])
            continue
        info = await runner.env.docker.inspect_image(image)
        if info is None:
            try:
                await runner.env.docker.pull_image(image, runner.registry_auth.get(name))
            except DockerError as exc:
                raise PullError(name, f"CannotPullContainerError: {exc.message}") from exc
            info = await runner.env.docker.inspect_image(image)
        runner.internal.setdefault("image_ids", {})[name] = (info or {}).get("Id", "")
        digests = (info or {}).get("RepoDigests") or []
        if digests:
            runner.container(name)["imageDigest"] = digests[0].split("@", 1)[-1]
    runner.doc["pullStoppedAt"] = runner.now()


async def _pull_from_registry(
    runner: TaskRunner, access: RegistryAccess, name: str, image: str, host: str, repository: str
) -> None:
    if not access.network_path(runner.doc):
        await asyncio.sleep(runner.env.registry_wait)
        raise PullError(name, NO_PATH.format(host=host))
    try:
        await runner.env.docker.pull_image(image, access.login(runner.doc, image))
    except DockerError as exc:
        text = exc.message
        if "manifest unknown" in text or "not found" in text.lower():
            raise PullError(name, NOT_FOUND.format(image=image)) from exc
        raise PullError(name, f"CannotPullContainerError: {text}") from exc
    info: dict[str, Any] = await runner.env.docker.inspect_image(image) or {}
    prefix = f"{host}/{repository}@"
    digest = next((d[len(prefix) :] for d in info.get("RepoDigests") or [] if d.startswith(prefix)), "")
    if not digest and "@" in image:
        digest = image.split("@", 1)[1]
    if digest:
        runner.container(name)["imageDigest"] = digest
    runner.internal.setdefault("image_ids", {})[name] = digest or info.get("Id", "")
