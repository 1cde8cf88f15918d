"""The ECS service scheduler: keeps each service at its desired count and rolls deployments.

Every pass reads a service and its live tasks, and moves one step toward the wanted state:
launch primary tasks while the total stays within `maximumPercent`, stop old or unhealthy ones
while the healthy total stays at `minimumHealthyPercent`, trip the circuit breaker (and roll back)
when a deployment's tasks keep failing, retire drained deployments, and emit ECS's events.
Nothing but the service document is stored here: running and pending counts come from task
records, so a pass after a crash sees exactly what runs; failed tasks are counted once each as
they stop (`task_watch`), so a pass never reads the service's history.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Callable

from skiff.controllers import task_watch
from skiff.periodic import PeriodicLoop
from skiff.services.ecs.service_model import (
    SERVICES,
    add_event,
    failure_threshold,
    new_deployment,
    now,
    save_service,
    task_is_healthy,
)
from skiff.services.ecs.services import ServiceBackend
from skiff.services.ecs.tasks import TaskBackend
from skiff.state.scope import Scope
from skiff.state.tasks import task_id_of
from skiff.store.base import Document, Store

log = logging.getLogger("skiff.controllers.services")

INTERVAL = 1.0
BATCH = 50  # tasks launched per service per pass
SHOW_FAILED = dt.timedelta(seconds=5)  # a failed, drained deployment stays listed this long


class ServiceScheduler:
    def __init__(
        self, store: Store, services: ServiceBackend, tasks: TaskBackend, interval: float = INTERVAL
    ) -> None:
        self.store = store
        self.services = services
        self.tasks = tasks
        self.interval = interval
        self._loop = PeriodicLoop("service-scheduler", interval, self.reconcile_all)
        services.wake = self.wake
        # behind a load balancer a task is healthy only while its targets are (target_registration)
        self.target_health: Callable[[Document, Document], bool] | None = None

    def healthy(self, service: Document, task: Document) -> bool:
        if not task_is_healthy(task):
            return False
        return self.target_health is None or self.target_health(service, task)

    def wake(self) -> None:
        self._loop.wake()

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    def reconcile_all(self) -> None:
        for service in self.store.find(SERVICES, {"status": ("ACTIVE", "DRAINING")}):
            self.reconcile(service)

    # -- one pass over one service ------------------------------------------------------------------
    def reconcile(self, service: Document) -> None:
        scope = Scope(service["_skiff"]["account"], service["_skiff"]["region"])
        # Live tasks only: the history only grows, and failures were counted as tasks stopped.
        tasks = self.services.tasks_of(service, stopped=False)
        changed = task_watch.observe(self.store, service, tasks)
        changed |= self._replace_unhealthy(service, tasks)
        changed |= self._circuit_breaker(service)
        changed |= self._scale(scope, service, tasks)
        if changed:
            tasks = self.services.tasks_of(service, stopped=False)
        changed |= self._retire(service, tasks)
        if changed:
            save_service(self.store, service)

    def _live(self, tasks: list[Document], deployment: Document | None = None) -> list[Document]:
        wanted = None if deployment is None else deployment["id"]
        return [t for t in tasks if t["desiredStatus"] == "RUNNING" and wanted in (None, t.get("startedBy"))]

    def _stop(self, service: Document, stopping: list[Document], reason: str) -> None:
        launcher = self.tasks.launcher
        for task in stopping:
            if launcher is not None:
                launcher.request_stop(task["taskArn"], "ServiceSchedulerInitiated", reason)
        if stopping:
            ids = " ".join(f"(task {task_id_of(t['taskArn'])})" for t in stopping)
            add_event(
                service,
                f"(service {service['serviceName']}) has stopped {len(stopping)} running tasks: {ids}.",
            )

    def _replace_unhealthy(self, service: Document, tasks: list[Document]) -> bool:
        grace = dt.timedelta(seconds=int(service.get("healthCheckGracePeriodSeconds") or 0))
        sick = [
            t
            for t in self._live(tasks)
            if t.get("healthStatus") == "UNHEALTHY"
            and isinstance(t.get("startedAt"), dt.datetime)
            and now() - t["startedAt"] >= grace
        ]
        for task in sick:
            add_event(
                service,
                f"(service {service['serviceName']}) (task {task_id_of(task['taskArn'])}) "
                "failed container health checks.",
            )
        self._stop(service, sick, "Task failed container health checks")
        return bool(sick)

    def _circuit_breaker(self, service: Document) -> bool:
        primary = service["deployments"][0]
        breaker = service["deploymentConfiguration"].get("deploymentCircuitBreaker") or {}
        if not breaker.get("enable") or primary.get("rolloutState") != "IN_PROGRESS":
            return False
        if int(primary.get("failedTasks", 0)) < failure_threshold(service["desiredCount"]):
            return False
        name = service["serviceName"]
        primary["rolloutState"] = "FAILED"
        primary["rolloutStateReason"] = "ECS deployment circuit breaker: tasks failed to start."
        primary["updatedAt"] = now()
        add_event(
            service,
            f"(service {name}) (deployment {primary['id']}) deployment failed: tasks failed to start.",
        )
        last = service["_skiff"].get("last_completed")
        if breaker.get("rollback") and last:
            primary["status"] = "ACTIVE"
            earlier = [d for d in service["deployments"] if d["id"] == last.get("id")]
            if earlier:  # the last completed deployment is still there: it becomes PRIMARY again
                rollback = earlier[0]
                service["deployments"].remove(rollback)
                rollback.update(status="PRIMARY", desiredCount=service["desiredCount"], updatedAt=now())
                rollback["rolloutState"] = "IN_PROGRESS"
                rollback["rolloutStateReason"] = f"ECS deployment {rollback['id']} in progress."
            else:
                rollback = new_deployment(
                    last["taskDefinition"], service["desiredCount"], last.get("networkConfiguration")
                )
            service["deployments"].insert(0, rollback)
            service["taskDefinition"] = last["taskDefinition"]
            if last.get("network"):
                service["_skiff"]["network"] = last["network"]
            add_event(service, f"(service {name}) rolling back to deployment {rollback['id']}.")
        return True

    def _backing_off(self, service: Document, deployment: Document) -> bool:
        """A deployment whose tasks keep failing waits before trying again (5 s doubling, ≤ 5 min)."""
        recent = task_watch.recent_failures(service, deployment["id"])
        if len(recent) < 3:
            return False
        wait = min(300.0, 5.0 * 2 ** (len(recent) - 3))
        return bool((now() - max(recent)).total_seconds() < wait)

    def _scale(self, scope: Scope, service: Document, tasks: list[Document]) -> bool:
        primary = service["deployments"][0]
        desired = service["desiredCount"] if service["status"] == "ACTIVE" else 0
        config = service["deploymentConfiguration"]
        max_total = math.floor(desired * int(config["maximumPercent"]) / 100)
        min_healthy = math.ceil(desired * int(config["minimumHealthyPercent"]) / 100)
        live = self._live(tasks)
        mine = self._live(tasks, primary)
        old = [t for t in live if t.get("startedBy") != primary["id"]]
        changed = False
        launchable = primary.get("rolloutState") != "FAILED" and not self._backing_off(service, primary)
        need = desired - len(mine)
        if need > 0 and launchable:
            room = max(0, max_total - len(live))
            if not old:
                room = max(room, need)  # nothing to replace: scaling out is bounded by desired only
            launched = self._launch(scope, service, primary, min(need, room, BATCH))
            changed |= bool(launched)
        elif need < 0:
            extra = sorted(mine, key=lambda t: (t["lastStatus"] == "RUNNING", t["createdAt"]))[:-need]
            self._stop(service, extra, f"Scaling activity initiated by (deployment {primary['id']})")
            changed |= bool(extra)
        # Old deployments drain: unhealthy or pending ones freely, healthy ones down to min_healthy.
        healthy = sum(
            1 for t in self._live(self.services.tasks_of(service, stopped=False)) if self.healthy(service, t)
        )
        stoppable = healthy - min_healthy
        draining: list[Document] = []
        for task in sorted(old, key=lambda t: (self.healthy(service, t), t["createdAt"])):
            if not self.healthy(service, task):
                draining.append(task)
            elif stoppable > 0:
                draining.append(task)
                stoppable -= 1
        if draining:
            deployment = next(
                (d for d in service["deployments"] if d["id"] == draining[0].get("startedBy")), primary
            )
            self._stop(service, draining, f"Scaling activity initiated by (deployment {deployment['id']})")
            changed = True
        if primary.get("desiredCount") != desired:
            primary["desiredCount"] = desired
            changed = True
        return changed

    def _launch(self, scope: Scope, service: Document, deployment: Document, count: int) -> list[Document]:
        if count <= 0:
            return []
        definition = self.tasks.task_definitions.find(scope, deployment["taskDefinition"])
        if definition is None:
            return []
        tags = self._task_tags(service, definition)
        started = [
            self.tasks.start_task(
                scope,
                service["clusterArn"],
                definition,
                service["_skiff"]["network"],
                started_by=deployment["id"],
                group=f"service:{service['serviceName']}",
                tags=tags,
            )
            for _ in range(count)
        ]
        task_watch.watch_launched(service, started)
        ids = " ".join(f"(task {task_id_of(t['taskArn'])})" for t in started)
        add_event(service, f"(service {service['serviceName']}) has started {len(started)} tasks: {ids}.")
        deployment["updatedAt"] = now()
        return started

    def _task_tags(self, service: Document, definition: Document) -> list[dict[str, str]]:
        tags: list[dict[str, str]] = []
        if service.get("propagateTags") == "SERVICE":
            tags = list(self.services.tags.get(service["serviceArn"]))
        elif service.get("propagateTags") == "TASK_DEFINITION":
            tags = list(self.services.tags.get(definition["taskDefinitionArn"]))
        if service.get("enableECSManagedTags"):
            cluster = service["clusterArn"].rsplit("/", 1)[-1]
            tags += [
                {"key": "aws:ecs:clusterName", "value": cluster},
                {"key": "aws:ecs:serviceName", "value": service["serviceName"]},
            ]
        return tags

    def _retire(self, service: Document, tasks: list[Document]) -> bool:
        changed = False
        primary = service["deployments"][0]
        keep = [primary]
        for deployment in service["deployments"][1:]:
            failed_lately = (
                deployment.get("rolloutState") == "FAILED" and now() - deployment["updatedAt"] < SHOW_FAILED
            )
            if self._live(tasks, deployment) or failed_lately:
                keep.append(deployment)  # still draining, or a failure users should get to see
            else:
                changed = True  # drained: INACTIVE, no longer listed
        service["deployments"] = keep
        mine = self._live(tasks, primary)
        desired = primary["desiredCount"]
        steady = len(keep) == 1 and len(mine) == desired and all(self.healthy(service, t) for t in mine)
        if steady and primary.get("rolloutState") == "IN_PROGRESS":
            primary["rolloutState"] = "COMPLETED"
            primary["rolloutStateReason"] = f"ECS deployment {primary['id']} completed."
            primary["updatedAt"] = now()
            service["_skiff"]["last_completed"] = {
                "id": primary["id"],
                "taskDefinition": primary["taskDefinition"],
                "networkConfiguration": primary.get("networkConfiguration"),
                "network": service["_skiff"]["network"],
            }
            name = service["serviceName"]
            add_event(service, f"(service {name}) (deployment {primary['id']}) deployment completed.")
            add_event(service, f"(service {name}) has reached a steady state.")
            changed = True
        if service["status"] == "DRAINING" and not tasks:
            service["status"] = "INACTIVE"
            changed = True
        return changed
