"""Pull hook: make every image of the task present, cached images first (no registry needed).

A failure stops the task before anything starts, with ECS's `CannotPullContainerError`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from skiff.runtime.docker import DockerError

if TYPE_CHECKING:
    from skiff.agent.runner import TaskRunner


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
        image = normalise(container["image"])
        info = await runner.env.docker.inspect_image(image)
        if info is None:
            try:
                await runner.env.docker.pull_image(image, runner.registry_auth.get(container["name"]))
            except DockerError as exc:
                raise PullError(container["name"], f"CannotPullContainerError: {exc.message}") from exc
            info = await runner.env.docker.inspect_image(image)
        runner.internal.setdefault("image_ids", {})[container["name"]] = (info or {}).get("Id", "")
        digests = (info or {}).get("RepoDigests") or []
        if digests:
            runner.container(container["name"])["imageDigest"] = digests[0].split("@", 1)[-1]
    runner.doc["pullStoppedAt"] = runner.now()
