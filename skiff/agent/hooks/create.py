"""Create hook: the task's volumes, then its containers (joined to the pause namespace)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from skiff.agent.container_config import build_config
from skiff.agent.hooks.pull import normalise
from skiff.runtime.docker import DockerError
from skiff.runtime.labels import INSTANCE, MANAGED, TASK_ARN

if TYPE_CHECKING:
    from skiff.agent.runner import TaskRunner


class CreateError(Exception):
    def __init__(self, container: str, message: str) -> None:
        super().__init__(message)
        self.container = container


def volume_name(task_id: str, volume: str) -> str:
    return f"skiff-{task_id}-{volume}"


def creation_order(containers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Containers whose volumes others borrow (`volumesFrom`) are created first."""
    by_name = {str(c["name"]): c for c in containers}
    ordered: list[dict[str, Any]] = []
    seen: set[str] = set()

    def visit(name: str, trail: tuple[str, ...]) -> None:
        if name in seen or name in trail or name not in by_name:
            return
        for source in by_name[name].get("volumesFrom") or []:
            visit(str(source.get("sourceContainer", "")), (*trail, name))
        seen.add(name)
        ordered.append(by_name[name])

    for container in containers:
        visit(str(container["name"]), ())
    return ordered


async def create_containers(runner: TaskRunner) -> None:
    docker = runner.env.docker
    task_id = runner.task_id
    volume_names: dict[str, str] = {}
    for volume in runner.internal["definition"].get("volumes", []):
        if volume.get("host", {}).get("sourcePath"):
            continue  # bind mounts of host paths are not available on Fargate
        name = volume_name(task_id, volume["name"])
        try:
            await docker.create_volume(
                name, labels={MANAGED: "true", INSTANCE: runner.env.instance, TASK_ARN: runner.arn}
            )
        except DockerError as exc:
            raise CreateError(
                "", f"ResourceInitializationError: volume {volume['name']}: {exc.message}"
            ) from exc
        volume_names[volume["name"]] = name
    definition = runner.internal["definition"]
    for container in creation_order(runner.internal["containers"]):
        name = str(container["name"])
        volumes_from = [
            runner.states[str(source["sourceContainer"])].container_id
            + (":ro" if source.get("readOnly") else "")
            for source in container.get("volumesFrom") or []
            if str(source.get("sourceContainer")) in runner.states
        ]
        config = build_config(
            runner.doc,
            container,
            pause_id=runner.internal["pause_id"],
            cgroup_parent=runner.internal.get("cgroup"),
            injected_env={**runner.env.injected_env(runner.doc, name), **runner.file_env.get(name, {})},
            secret_env=runner.secret_env.get(name, {}),
            volume_names=volume_names,
            volumes_from=volumes_from,
            image=normalise(str(container["image"])),
            instance=runner.env.instance,
        )
        docker_name = f"ecs-{definition['family']}-{definition['revision']}-{name}-{task_id[:12]}"
        try:
            container_id = await docker.create_container(config, name=docker_name)
        except DockerError as exc:
            raise CreateError(name, f"CannotCreateContainerError: {exc.message}") from exc
        runner.states[name].container_id = container_id
        runner.container(name)["runtimeId"] = container_id
        runner.internal.setdefault("container_times", {})[name] = {"created": runner.now()}
    runner.internal["volumes"] = list(volume_names.values())
