"""ECS services behind target groups: each task's ENI address and container port is a target.

A pass a second (and at once when woken), for every service with `loadBalancers`:
- registers each RUNNING task (desired RUNNING) in each of the service's target groups, at its
  ENI address and the entry's `containerPort`, with the event `(service x) registered N targets
  in (target-group arn)`; the target remembers the task and service (`task`, `ecs_service`);
- reports a target that turns unhealthy, `(service x) (task y) (port p) is unhealthy in
  (target-group arn) due to (reason ...)`, and once `healthCheckGracePeriodSeconds` have passed
  since the task started, stops the task (`Task failed ELB health checks in (target-group arn)`)
  with `(service x) (task y) failed ELB health checks in (target-group arn)`; the scheduler
  replaces it;
- drains targets whose task is gone without passing the stop gate (killed, failed).
A task counts toward a healthy deployment only while every target of it is healthy
(`targets_healthy`, which the scheduler consults). As the `StopGate`, it deregisters a stopping
task's targets first (draining, `(service x) deregistered N targets in (target-group arn)`) and
returns once the group's deregistration delay has passed, so the containers stop only after
HAProxy has let go of them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

from skiff.controllers.discovery_registration import task_address
from skiff.periodic import PeriodicLoop
from skiff.services.ecs.service_model import SERVICES, add_event, now, save_service
from skiff.services.ecs.services import ServiceBackend
from skiff.services.ecs.tasks import TaskBackend
from skiff.state import balancers as records
from skiff.state.tasks import task_id_of
from skiff.store.base import Document, Store

log = logging.getLogger("skiff.controllers.targets")

INTERVAL = 1.0
DATA_PATH_CATCH_UP = 0.6  # the data path applies a drain within one pass (0.5 s)
REPORTED = "elb_reported"  # service _skiff: "<tg>|<task id>" of unhealthy targets already told


def entries(service: Document) -> list[dict[str, Any]]:
    return [lb for lb in service.get("loadBalancers") or [] if lb.get("targetGroupArn")]


def owned_targets(store: Store, service: Document) -> list[Document]:
    found: list[Document] = []
    for arn in {lb["targetGroupArn"] for lb in entries(service)}:
        found += [t for t in records.targets_of(store, arn) if t.get("ecs_service") == service["serviceArn"]]
    return found


class TargetRegistration:
    """The controller and, through `before_stop`, the stop gate of target groups."""

    def __init__(
        self, store: Store, services: ServiceBackend, tasks: TaskBackend, interval: float = INTERVAL
    ) -> None:
        self.store = store
        self.services = services
        self.tasks = tasks
        self.interval = interval
        self._loop = PeriodicLoop("target registration", interval, self.reconcile_all)

    # -- the loop ---------------------------------------------------------------------------------
    def wake(self) -> None:
        self._loop.wake()

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    def reconcile_all(self) -> None:
        for service in self.store.find(SERVICES, {"status": ("ACTIVE", "DRAINING")}):
            if entries(service):
                self.reconcile(service)

    # -- health as the scheduler sees it -----------------------------------------------------------
    def targets_of_task(self, service: Document, task: Document) -> list[Document]:
        address = task_address(task)
        found = []
        for lb in entries(service):
            target = records.load_target(
                self.store, lb["targetGroupArn"], str(address), int(lb["containerPort"])
            )
            if target is not None:
                found.append(target)
        return found

    def targets_healthy(self, service: Document, task: Document) -> bool:
        """Behind a load balancer a task is healthy only while each of its targets is."""
        wanted = entries(service)
        if not wanted:
            return True
        targets = self.targets_of_task(service, task)
        return len(targets) == len(wanted) and all(t["health"]["state"] == "healthy" for t in targets)

    # -- one service ------------------------------------------------------------------------------
    def reconcile(self, service: Document) -> None:
        events: list[str] = []
        registered: dict[str, int] = {}
        live: set[str] = set()
        stop: list[tuple[Document, str]] = []
        grace = dt.timedelta(seconds=int(service.get("healthCheckGracePeriodSeconds") or 0))
        reported: list[str] = list(service["_skiff"].get(REPORTED) or [])
        still_unhealthy: list[str] = []
        for task in self.services.tasks_of(service, stopped=False):
            address = task_address(task)
            if task["lastStatus"] != "RUNNING" or task["desiredStatus"] != "RUNNING" or address is None:
                continue
            live.add(task["taskArn"])
            for lb in entries(service):
                arn, port = lb["targetGroupArn"], int(lb["containerPort"])
                group = records.load_target_group(self.store, arn)
                if group is None:
                    continue
                target = records.load_target(self.store, arn, address, port)
                if target is None:
                    doc = records.new_target(arn, address, port, str(task.get("availabilityZone") or ""))
                    doc["task"] = task["taskArn"]
                    doc["ecs_service"] = service["serviceArn"]
                    records.save_target(self.store, doc)
                    registered[arn] = registered.get(arn, 0) + 1
                    continue
                health = target.get("health") or {}
                if target.get("state") != "registered" or health.get("state") != "unhealthy":
                    continue
                key = f"{arn}|{task_id_of(task['taskArn'])}"
                still_unhealthy.append(key)
                if key not in reported:
                    task_id = task_id_of(task["taskArn"])
                    events.append(
                        f"(service {service['serviceName']}) (task {task_id}) (port {port}) "
                        f"is unhealthy in (target-group {arn}) due to (reason {health.get('description')})."
                    )
                started = task.get("startedAt")
                if isinstance(started, dt.datetime) and now() - started >= grace:
                    stop.append((task, arn))
        for target in owned_targets(self.store, service):
            if target.get("state") == "registered" and target.get("task") not in live:
                self._drain(target)  # its task went without the stop gate (killed, exited)
        for arn, count in registered.items():
            events.append(
                f"(service {service['serviceName']}) registered {count} targets in (target-group {arn})"
            )
        stopped: set[str] = set()
        for task, arn in stop:
            if task["taskArn"] in stopped:
                continue
            stopped.add(task["taskArn"])
            events.append(
                f"(service {service['serviceName']}) (task {task_id_of(task['taskArn'])}) "
                f"failed ELB health checks in (target-group {arn})"
            )
            launcher = self.tasks.launcher
            if launcher is not None:
                launcher.request_stop(
                    task["taskArn"],
                    "ServiceSchedulerInitiated",
                    f"Task failed ELB health checks in (target-group {arn})",
                )
        if events or reported != still_unhealthy:
            self._record(service["serviceArn"], events, still_unhealthy)

    def _record(self, service_arn: str, events: list[str], reported: list[str]) -> None:
        service = self.store.get(SERVICES, service_arn)  # fresh: the scheduler saves it too
        if service is None:
            return
        for message in events:
            add_event(service, message)
        service["_skiff"][REPORTED] = reported
        save_service(self.store, service)

    def _drain(self, target: Document) -> dt.datetime | None:
        group = records.load_target_group(self.store, target["target_group"])
        delay = records.deregistration_delay(group) if group else 0
        until = now() + dt.timedelta(seconds=delay)
        doc = records.start_draining(
            self.store, target["target_group"], target["id"], int(target["port"]), until
        )
        return doc["draining_until"] if doc else None

    # -- StopGate ---------------------------------------------------------------------------------
    async def before_stop(self, task: Document) -> None:
        """Deregister the task's targets, then wait out their deregistration delay."""
        service_arn = None
        by_group: dict[str, int] = {}
        deadline: dt.datetime | None = None
        for target in self._targets_of_stopping(task):
            service_arn = target.get("ecs_service") or service_arn
            if target.get("state") == "registered":
                by_group[target["target_group"]] = by_group.get(target["target_group"], 0) + 1
            until = target.get("draining_until") if target.get("state") == "draining" else self._drain(target)
            if isinstance(until, dt.datetime) and (deadline is None or until > deadline):
                deadline = until
        if service_arn and by_group:
            service = self.store.get(SERVICES, service_arn)
            name = service["serviceName"] if service else service_arn.rsplit("/", 1)[-1]
            events = [
                f"(service {name}) deregistered {n} targets in (target-group {arn})"
                for arn, n in by_group.items()
            ]
            deployment = str(task.get("startedBy") or "")
            events.append(
                f"(service {name}, taskSet {deployment}) has begun draining connections on 1 tasks."
            )
            self._record_events(service_arn, events)
        if deadline is not None:
            wait = max((deadline - now()).total_seconds(), DATA_PATH_CATCH_UP)
            await asyncio.sleep(wait)

    def _record_events(self, service_arn: str, events: list[str]) -> None:
        service = self.store.get(SERVICES, service_arn)
        if service is None:
            return
        for message in events:
            add_event(service, message)
        save_service(self.store, service)

    def _targets_of_stopping(self, task: Document) -> list[Document]:
        """The targets ECS registered for this task (targets registered by hand stay)."""
        return [
            target
            for _pk, target in self.store.scan(records.TARGETS)
            if target.get("task") == task["taskArn"]
        ]
