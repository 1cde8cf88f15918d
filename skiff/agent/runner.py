"""The task runner: one per task, the only writer of that task's known status.

It walks a task through Fargate's lifecycle (PROVISIONING → PENDING → ACTIVATING → RUNNING →
DEACTIVATING → STOPPING → DEPROVISIONING → STOPPED) by calling the lifecycle hooks in order,
saves the task after every transition, and reacts to Docker events for its containers
(an essential container's exit stops the task). A runner can also adopt a task that was already
running when the agent restarted: it reads its containers' states from Docker and supervises.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from skiff.agent.cgroups import TaskCgroups
from skiff.agent.hooks import configuration, create, deactivate, health, network, pull, start, stop
from skiff.agent.hooks.configuration import ConfigSources
from skiff.agent.log_collector import LogCollector
from skiff.agent.task_dns import TaskDns
from skiff.net.linklocal import LinkLocalRedirects
from skiff.net.pause import PausePool
from skiff.runtime.docker import DockerClient, DockerError
from skiff.state.tasks import INTERNAL, save_task, task_id_of
from skiff.store.base import Document, Store

log = logging.getLogger("skiff.agent.runner")

OOM_REASON = "OutOfMemoryError: Container killed due to memory usage"
ESSENTIAL_EXITED = "Essential container in task exited"


@dataclass
class AgentEnv:
    """What runners share: Docker, the network pool, cgroups, the store and the agent's hooks."""

    docker: DockerClient
    pause_pool: PausePool
    cgroups: TaskCgroups
    store: Store
    injected_env: Callable[[Document, str], dict[str, str]]
    instance: str = "default"
    config_sources: ConfigSources | None = None
    on_eni: Callable[[Document, bool], None] | None = None
    linklocal: LinkLocalRedirects | None = None
    on_stopped: Callable[[TaskRunner], None] | None = None
    stop_gates: list[deactivate.StopGate] = field(default_factory=list)
    registry_access: pull.RegistryAccess | None = None  # pulls from skiff's ECR registry
    registry_wait: float = 5.0  # how long a pull with no network path waits before it fails
    dns: TaskDns | None = None  # the resolver tasks use (None: Docker's own)
    logs: LogCollector | None = None  # the awslogs driver's collector


@dataclass
class ContainerState:
    container_id: str = ""
    status: str = "NONE"  # NONE, RUNNING, STOPPED
    started: bool = False
    exit_code: int | None = None
    health: str = "UNKNOWN"


class TaskRunner:
    def __init__(self, doc: Document, env: AgentEnv) -> None:
        self.doc = doc
        self.env = env
        self.internal: dict[str, Any] = doc[INTERNAL]
        self.arn: str = doc["taskArn"]
        self.task_id = task_id_of(self.arn)
        self.states = {str(c["name"]): ContainerState() for c in self.internal["containers"]}
        for entry in doc["containers"]:
            if entry.get("runtimeId"):
                self.states[entry["name"]].container_id = entry["runtimeId"]
        # Fetched configuration, in memory only: names -> values per container.
        self.file_env: dict[str, dict[str, str]] = {}
        self.secret_env: dict[str, dict[str, str]] = {}
        self.registry_auth: dict[str, dict[str, str]] = {}
        self.log_options: dict[str, dict[str, str]] = {}  # logConfiguration.secretOptions, for the log driver
        self._changed = asyncio.Event()
        self._stop_wanted = asyncio.Event()
        if doc["desiredStatus"] == "STOPPED":
            self._stop_wanted.set()
        self.task: asyncio.Task[None] | None = None
        self._pending: set[asyncio.Task[None]] = set()  # event handlers that ask Docker first

    # -- helpers used by hooks ------------------------------------------------------------------
    @staticmethod
    def now() -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def container(self, name: str) -> dict[str, Any]:
        for entry in self.doc["containers"]:
            if entry["name"] == name:
                found: dict[str, Any] = entry  # the live entry, changed in place
                return found
        raise KeyError(name)

    def changed(self) -> None:
        self._changed.set()

    async def wait_for_change(self, timeout: float) -> None:
        self._changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), timeout)

    @property
    def stop_requested(self) -> bool:
        return self._stop_wanted.is_set()

    def save(self) -> None:
        self.doc["version"] = int(self.doc.get("version", 0)) + 1
        save_task(self.env.store, self.doc)

    def transition(self, status: str) -> None:
        if self.doc["lastStatus"] != status:
            log.info("task %s %s -> %s", self.task_id, self.doc["lastStatus"], status)
            self.doc["lastStatus"] = status
        self.save()

    # -- requests from outside ------------------------------------------------------------------
    def request_stop(self, stop_code: str, reason: str) -> None:
        """Desired status STOPPED; the first reason given is the one reported."""
        if self.doc["desiredStatus"] != "STOPPED":
            self.doc["desiredStatus"] = "STOPPED"
            self.doc["stopCode"] = stop_code
            self.doc["stoppedReason"] = reason
            self.doc["stoppingAt"] = self.now()
            self.save()
        self._stop_wanted.set()
        self.changed()

    # -- the lifecycle --------------------------------------------------------------------------
    def start(self, adopt: bool = False) -> None:
        self.task = asyncio.get_running_loop().create_task(self.run(adopt), name=f"task-{self.task_id}")

    async def run(self, adopt: bool) -> None:
        try:
            if adopt:
                await self._adopt()
            else:
                await self._launch()
            if not self.stop_requested:
                await self._stop_wanted.wait()
        except asyncio.CancelledError:
            raise  # the agent is shutting down: the task stays as it is, to be adopted later
        except _LaunchFailure as failure:
            if failure.container:
                entry = self.container(failure.container)
                entry["reason"] = failure.reason
            self.request_stop("TaskFailedToStart", failure.reason)
        except Exception as exc:
            log.exception("task %s failed inside skiff", self.task_id)
            self.request_stop("TaskFailedToStart", f"InternalError: {exc}")
        await self._shutdown()

    async def _launch(self) -> None:
        cpu = int(self.doc["cpu"]) if self.doc.get("cpu") else None
        memory = int(self.doc["memory"]) if self.doc.get("memory") else None
        self.internal["cgroup"] = self.env.cgroups.create(self.task_id, cpu, memory)
        try:
            await network.attach(self)
        except network.NetworkSetupError as exc:
            raise _LaunchFailure("", f"ResourceInitializationError: {exc}") from exc
        self.transition("PENDING")
        if self.stop_requested:
            return
        try:
            configuration.resolve(self)
            await pull.pull_images(self)
            self.save()
            await create.create_containers(self)
            self.save()
            await start.start_in_order(self)
        except (
            configuration.ConfigurationError,
            pull.PullError,
            create.CreateError,
            start.StartError,
        ) as exc:
            raise _LaunchFailure(exc.container, str(exc)) from exc
        if self._pending:  # exits Docker already reported: a task whose essential container died
            await asyncio.gather(*list(self._pending), return_exceptions=True)  # is never RUNNING
        if self.stop_requested:
            return
        self.transition("ACTIVATING")
        self.doc["startedAt"] = self.now()
        self.transition("RUNNING")

    async def _adopt(self) -> None:
        """Read what Docker knows of this task's containers; react to what changed while away."""
        for name in self.states:
            await self.refresh_container(name)
        self.save()
        for entry in self.internal["containers"]:
            state = self.states[str(entry["name"])]
            if self.env.logs is not None and state.started:
                self.env.logs.follow(self, str(entry["name"]))  # resumes from the stored cursor
            if entry.get("essential", True) and state.started and state.status == "STOPPED":
                self._essential_exited(str(entry["name"]))

    async def _shutdown(self) -> None:
        if self.doc["lastStatus"] in ("ACTIVATING", "RUNNING"):
            self.transition("DEACTIVATING")
        if self.doc["lastStatus"] == "DEACTIVATING":
            await deactivate.release_traffic(self)
        if self.doc["lastStatus"] != "STOPPED":
            self.transition("STOPPING")
            await stop.stop_containers(self)
            if self.env.logs is not None:
                await self.env.logs.drain(self)  # the containers' last lines are stored
            self.doc["executionStoppedAt"] = self.now()
            self.transition("DEPROVISIONING")
            await network.detach(self)
            self.env.cgroups.remove(self.task_id)
            for name, state in self.states.items():
                entry = self.container(name)
                if state.status != "STOPPED":
                    entry["lastStatus"] = "STOPPED"
            self.doc["stoppedAt"] = self.now()
            self.doc["connectivity"] = "DISCONNECTED"
            self.transition("STOPPED")
        if self.env.on_stopped is not None:
            self.env.on_stopped(self)

    # -- Docker events --------------------------------------------------------------------------
    def on_event(self, event: dict[str, Any]) -> None:
        attributes = event.get("Actor", {}).get("Attributes", {})
        name = attributes.get("com.amazonaws.ecs.container-name", "")
        state = self.states.get(name)
        action = str(event.get("Action", ""))
        if state is None or event.get("id") != state.container_id:
            return
        if action == "die":
            code = attributes.get("exitCode")
            exit_code = int(code) if code is not None and str(code).lstrip("-").isdigit() else None
            handler = asyncio.get_running_loop().create_task(self._on_die(name, exit_code))
            self._pending.add(handler)
            handler.add_done_callback(self._pending.discard)
        elif action.startswith("health_status"):
            health.record(self, name, action.split(":", 1)[1].strip())
            self.save()
        self.changed()

    async def _on_die(self, name: str, exit_code: int | None) -> None:
        oom = False
        if exit_code == 137:  # SIGKILL: was it the OOM killer? Docker knows; the task cgroup too
            info = await self._inspect(self.states[name].container_id)
            oom = bool(info and info["State"].get("OOMKilled")) or self.env.cgroups.oom_killed(self.task_id)
        self._record_exit(name, exit_code, oom)
        self.changed()

    def _record_exit(self, name: str, exit_code: int | None, oom: bool) -> None:
        state = self.states[name]
        if state.status == "STOPPED":
            return
        state.status = "STOPPED"
        state.exit_code = exit_code
        self.internal.setdefault("container_times", {}).setdefault(name, {})["finished"] = self.now()
        entry = self.container(name)
        entry["lastStatus"] = "STOPPED"
        if exit_code is not None:
            entry["exitCode"] = exit_code
        if oom:
            entry["reason"] = OOM_REASON
        self.save()
        definition = next(c for c in self.internal["containers"] if c["name"] == name)
        if definition.get("essential", True) and state.started:
            self._essential_exited(name)

    def _essential_exited(self, name: str) -> None:
        reason = OOM_REASON if self.container(name).get("reason") == OOM_REASON else ESSENTIAL_EXITED
        self.request_stop("EssentialContainerExited", reason)

    async def _inspect(self, container_id: str) -> dict[str, Any] | None:
        try:
            return await self.env.docker.inspect_container(container_id)
        except DockerError:
            return None

    async def refresh_container(self, name: str) -> None:
        """Bring one container's state up to date from `docker inspect`."""
        state = self.states[name]
        if not state.container_id:
            return
        info = await self._inspect(state.container_id)
        entry = self.container(name)
        if info is None:
            if state.status != "STOPPED":
                state.status = "STOPPED"
                entry["lastStatus"] = "STOPPED"
                entry["reason"] = "Container vanished while skiff was not watching"
            return
        status = info["State"]
        state.started = state.started or not str(status.get("StartedAt", "0001")).startswith("0001")
        if status.get("Running"):
            state.status = "RUNNING"
            entry["lastStatus"] = "RUNNING"
        elif state.started:
            state.status = "STOPPED"
            state.exit_code = int(status.get("ExitCode", 0))
            entry["lastStatus"] = "STOPPED"
            entry["exitCode"] = state.exit_code
            if status.get("OOMKilled") or (
                state.exit_code == 137 and self.env.cgroups.oom_killed(self.task_id)
            ):
                entry["reason"] = OOM_REASON
        docker_health = (status.get("Health") or {}).get("Status")
        if docker_health:
            health.record(self, name, docker_health)


class _LaunchFailure(Exception):
    def __init__(self, container: str, reason: str) -> None:
        super().__init__(reason)
        self.container = container
        self.reason = reason
