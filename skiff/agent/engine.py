"""The agent: owns the task runners, pumps Docker events to them, reconciles after a restart.

Restart is the normal path. On start the agent loads every task that is not STOPPED, lists the
containers it labelled, adopts the running ones (no restart, no duplicate), relaunches tasks
whose launch was cut short, and removes what no task owns. Containers of stopped tasks are
removed after a grace period.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from typing import Any

from skiff.agent.cgroups import PARENT, TaskCgroups
from skiff.agent.log_collector import LogCollector
from skiff.agent.runner import AgentEnv, TaskRunner
from skiff.agent.task_dns import TaskDns
from skiff.net.bridges import SubnetBridges
from skiff.net.linklocal import ADDRESS, API_PORT, LinkLocalRedirects
from skiff.net.pause import PausePool
from skiff.runtime.docker import DockerClient, DockerError
from skiff.runtime.labels import INSTANCE, ROLE, TASK_ARN
from skiff.state import logs as log_records
from skiff.state.tasks import INTERNAL, LAUNCHING_STATES, live_tasks, load_task, task_id_of
from skiff.store.base import Document, Store

log = logging.getLogger("skiff.agent")

NO_ENGINE = "ResourceInitializationError: the Docker engine is not reachable"


def injected_env(task: Document, container: str) -> dict[str, str]:
    """What ECS puts in every container's environment (the definition's own values win)."""
    internal = task[INTERNAL]
    region = internal["region"]
    metadata = internal.get("metadata_ids", {}).get(container, "")
    env = {
        "AWS_EXECUTION_ENV": "AWS_ECS_FARGATE",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "ECS_CONTAINER_METADATA_URI": f"http://{ADDRESS}/v3/{metadata}",
        "ECS_CONTAINER_METADATA_URI_V4": f"http://{ADDRESS}/v4/{metadata}",
        "AWS_ENDPOINT_URL": f"http://{ADDRESS}:{API_PORT}",
    }
    if internal.get("credentials_id"):
        env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = f"/v2/credentials/{internal['credentials_id']}"
    return env


class Agent:
    def __init__(
        self,
        store: Store,
        docker: DockerClient | None = None,
        cleanup_seconds: float = 60.0,
        linklocal: LinkLocalRedirects | None = None,
        instance: str = "default",
        dns: TaskDns | None = None,
    ) -> None:
        self.instance = instance
        self.store = store
        self.docker = docker or DockerClient()
        self.cleanup_seconds = cleanup_seconds
        self.runners: dict[str, TaskRunner] = {}
        self.available = False
        self.pause_pool = PausePool(self.docker, SubnetBridges(self.docker), instance)
        self.env = AgentEnv(
            docker=self.docker,
            pause_pool=self.pause_pool,
            cgroups=TaskCgroups(parent=f"{PARENT}/{instance}"),  # each server sweeps only its own
            store=store,
            injected_env=injected_env,
            on_stopped=self._stopped,
            instance=instance,
        )
        self.logs = self.env.logs = LogCollector(self.docker, store)
        self.linklocal = linklocal
        self.dns = dns
        self._cleanup_due: dict[str, float] = {}
        self._background: list[asyncio.Task[None]] = []

    # -- life of the agent ------------------------------------------------------------------------
    async def start(self) -> None:
        if self.linklocal is not None and await self.linklocal.setup():
            self.env.linklocal = self.linklocal
            if self.dns is not None and await self.dns.start():  # the resolver needs the address
                self.env.dns = self.dns
                self.pause_pool.gateway_dns = True
        self.available = await self.docker.ping()
        if not self.available:
            log.warning("no Docker engine reachable: tasks will fail to start until one is")
        loop = asyncio.get_running_loop()
        self._background.append(loop.create_task(self._pump_events(), name="docker-events"))
        if self.available:
            await self.reconcile()
        self._background.append(loop.create_task(self._janitor(), name="task-cleanup"))

    async def stop(self) -> None:
        """Stop supervising; running tasks keep running and are adopted on the next start."""
        for task in self._background:
            task.cancel()
        runners = [r.task for r in self.runners.values() if r.task is not None]
        for task in runners:
            task.cancel()
        for task in [*self._background, *runners]:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        with contextlib.suppress(DockerError):
            await self.pause_pool.drain()
        if self.env.dns is not None:
            await self.env.dns.stop()
        await self.logs.stop()
        await self.docker.close()

    async def reset(self) -> int:
        """State reset: every task of this server gone at once, with no stop sequence (runners
        cancelled; containers, volumes, cgroups, address redirects and DNS rules removed).
        Returns how many containers went. The store is wiped after this by its own hook."""
        runners = [r.task for r in self.runners.values() if r.task is not None]
        for task in runners:
            task.cancel()
        for task in runners:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self.runners.clear()
        self._cleanup_due.clear()
        await self.logs.stop()  # the log groups go with the store: no follower writes after
        with contextlib.suppress(DockerError):
            await self.pause_pool.drain()
        containers = await self.docker.list_containers({INSTANCE: self.instance})
        await asyncio.gather(*(self._remove(c["Id"]) for c in containers))
        for volume in await self.docker.list_volumes({INSTANCE: self.instance}):
            with contextlib.suppress(DockerError):
                await self.docker.remove_volume(volume["Name"])
        for task_id in self.env.cgroups.task_ids():
            self.env.cgroups.remove(task_id)
        if self.env.linklocal is not None:
            await self.env.linklocal.keep_only(set())
        if self.env.dns is not None:
            await self.env.dns.adopt([])
        return len(containers)

    # -- TaskLauncher -----------------------------------------------------------------------------
    def launch(self, task: Document) -> None:
        runner = TaskRunner(task, self.env)
        self.runners[runner.arn] = runner
        if not self.available:
            runner.request_stop("TaskFailedToStart", NO_ENGINE)
        runner.start()

    def request_stop(self, task_arn: str, stop_code: str, reason: str) -> Document | None:
        runner = self.runners.get(task_arn)
        if runner is None:
            return None
        runner.request_stop(stop_code, reason)
        return runner.doc

    def _stopped(self, runner: TaskRunner) -> None:
        self.runners.pop(runner.arn, None)
        self._cleanup_due[runner.arn] = time.monotonic() + self.cleanup_seconds

    # -- Docker events ----------------------------------------------------------------------------
    async def _pump_events(self) -> None:
        while True:
            try:
                async for event in self.docker.events({INSTANCE: self.instance}):
                    arn = event.get("Actor", {}).get("Attributes", {}).get(TASK_ARN)
                    runner = self.runners.get(arn) if arn else None
                    if runner is not None:
                        runner.on_event(event)
            except DockerError as exc:
                log.debug("docker events interrupted: %s", exc)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("docker event pump failed")
            await asyncio.sleep(1.0)
            self.available = await self.docker.ping()
            for runner in list(self.runners.values()):  # catch up with what was missed
                for name in runner.states:
                    await runner.refresh_container(name)

    # -- restart ----------------------------------------------------------------------------------
    async def reconcile(self) -> None:
        containers = await self.docker.list_containers({INSTANCE: self.instance})
        by_task: dict[str, list[dict[str, Any]]] = {}
        for container in containers:
            arn = container.get("Labels", {}).get(TASK_ARN)
            if arn:
                by_task.setdefault(arn, []).append(container)
        owned_pauses: set[str] = set()
        for doc in live_tasks(self.store):
            arn = doc["taskArn"]
            pause_id = doc[INTERNAL].get("pause_id")
            if doc["lastStatus"] in LAUNCHING_STATES and doc["desiredStatus"] == "RUNNING":
                await self._remove_all(by_task.get(arn, []), pause_id)
                self._reset_launch(doc)
                runner = TaskRunner(doc, self.env)
                self.runners[arn] = runner
                runner.start()
                continue
            if pause_id:
                owned_pauses.add(pause_id)
            runner = TaskRunner(doc, self.env)
            self.runners[arn] = runner
            runner.start(adopt=True)
        live = set(self.runners)
        if self.env.linklocal is not None:
            ips = {
                doc[INTERNAL]["eni"]["ip"]
                for doc in (r.doc for r in self.runners.values())
                if doc[INTERNAL].get("eni")
            }
            await self.env.linklocal.keep_only(ips)
            for ip in ips:
                await self.env.linklocal.redirect(ip)
        if self.env.dns is not None:
            await self.env.dns.adopt(
                [
                    (doc[INTERNAL]["eni"]["ip"], doc[INTERNAL]["network"]["subnet"])
                    for doc in (r.doc for r in self.runners.values())
                    if doc[INTERNAL].get("eni") and doc[INTERNAL].get("network", {}).get("subnet")
                ]
            )
        for task_id in self.env.cgroups.task_ids() - {task_id_of(arn) for arn in live}:
            self.env.cgroups.remove(task_id)
        for container in containers:
            labels = container.get("Labels", {})
            arn = labels.get(TASK_ARN)
            if labels.get(ROLE) == "pause":
                if container["Id"] not in owned_pauses and container["Id"] not in self._idle_pauses():
                    await self._remove(container["Id"])
            elif arn and arn not in live:
                self._cleanup_due.setdefault(arn, self._due_for(arn))

    def _idle_pauses(self) -> set[str]:
        return {h.container_id for handles in self.pause_pool._idle.values() for h in handles}

    def _due_for(self, arn: str) -> float:
        doc = load_task(self.store, arn)
        stopped_at = doc.get("stoppedAt") if doc else None
        if not isinstance(stopped_at, dt.datetime):
            return time.monotonic()
        age = (dt.datetime.now(dt.UTC) - stopped_at).total_seconds()
        return time.monotonic() + max(0.0, self.cleanup_seconds - age)

    @staticmethod
    def _reset_launch(doc: Document) -> None:
        """Forget a launch that was cut short so that it can run again from the start."""
        internal = doc[INTERNAL]
        for key in ("pause_id", "eni", "cgroup", "volumes"):
            internal.pop(key, None)
        for container in doc["containers"]:
            for key in ("runtimeId", "exitCode", "reason"):
                container.pop(key, None)
            container["lastStatus"] = "PENDING"
        doc["lastStatus"] = "PROVISIONING"
        for attachment in doc["attachments"]:
            attachment["status"] = "PRECREATED"
            attachment["details"] = []

    async def _remove_all(self, containers: list[dict[str, Any]], pause_id: str | None) -> None:
        for container in containers:
            await self._remove(container["Id"])
        if pause_id:
            await self._remove(pause_id)

    async def _remove(self, container_id: str) -> None:
        try:
            await self.docker.remove_container(container_id, force=True)
            log_records.delete_cursor(self.store, container_id)  # its awslogs cursor, if any
        except DockerError as exc:
            log.warning("could not remove container %s: %s", container_id[:12], exc)

    # -- cleanup of stopped tasks -----------------------------------------------------------------
    async def _janitor(self) -> None:
        while True:
            await asyncio.sleep(min(5.0, max(0.5, self.cleanup_seconds / 4)))
            now = time.monotonic()
            for arn, due in list(self._cleanup_due.items()):
                if due <= now and arn not in self.runners:
                    await self.remove_task_leftovers(arn)
                    del self._cleanup_due[arn]

    async def remove_task_leftovers(self, arn: str) -> None:
        try:
            for container in await self.docker.list_containers({TASK_ARN: arn, INSTANCE: self.instance}):
                await self._remove(container["Id"])
            # by label, not from the record: a stopped task's record may already have aged out
            for volume in await self.docker.list_volumes({TASK_ARN: arn, INSTANCE: self.instance}):
                await self.docker.remove_volume(volume["Name"])
            self.env.cgroups.remove(task_id_of(arn))
        except DockerError as exc:
            log.warning("cleanup of %s incomplete: %s", arn, exc)
            self._cleanup_due[arn] = time.monotonic() + self.cleanup_seconds
