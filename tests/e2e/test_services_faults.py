"""Services survive the engine being killed: `kill -9` of the server while a service scales out or
rolls a deployment, then a new server on the same data dir, must end with exactly the desired
tasks RUNNING, Docker agreeing with the database, and nothing left over."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SkiffServer
from tests.e2e.task_support import (
    ECS_TASK_ARN,
    TaskLab,
    close_lab,
    docker,
    inspect,
    make_lab,
    remove_server_leftovers,
    server_subnets,
    start_e2e_server,
    summary,
)
from tests.e2e.test_services import ServiceLab, brief, sleeper

pytestmark = pytest.mark.e2e

DESIRED = 8
KILL_AFTER = (0.2, 0.6, 1.0, 1.5, 2.5)  # seconds after UpdateService
CLEANUP_SECONDS = 3.0  # start_e2e_server's SKIFF_TASK_CLEANUP_SECONDS
SETTLE = CLEANUP_SECONDS + 3.0  # the cleanup delay, the janitor's period and a margin
POOL_SIZE = 2  # idle pause containers a subnet keeps (skiff.net.pause.POOL_SIZE)
CONVERGE_SECONDS = 90.0


@dataclass
class Engine:
    """A server of this module's own on one data dir and port, killed and started again."""

    data_dir: Path
    server: SkiffServer
    lab: TaskLab
    kills: list[str] = field(default_factory=list)

    @property
    def instance(self) -> str:
        return (self.data_dir / "instance-id").read_text().strip()

    def kill(self, note: str, svc: ServiceLab | None = None, name: str = "") -> None:
        """SIGKILL the server; with a service named, note what its tasks were doing just before."""
        assert self.server.process.poll() is None, f"the server died by itself:\n{self.server.log()[-3000:]}"
        if svc is not None:
            statuses = sorted(t["lastStatus"] for t in svc.live_tasks(name))
            note += f" (live tasks: {dict((s, statuses.count(s)) for s in dict.fromkeys(statuses))})"
        self.server.stop(kill=True)  # SIGKILL
        self.kills.append(note)

    def start(self) -> None:
        self.server = start_e2e_server(self.data_dir, self.server.port)

    def ensure_running(self) -> None:
        if self.server.process.poll() is not None:
            self.start()


@pytest.fixture(scope="module")
def engine(docker_ready: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    data_dir = tmp_path_factory.mktemp("skiff-service-faults")
    server = start_e2e_server(data_dir)
    try:
        box = Engine(data_dir, server, make_lab(server.endpoint))
    except BaseException:
        server.stop()
        raise
    try:
        yield box
    finally:
        with contextlib.suppress(Exception):
            box.ensure_running()
        close_lab(box.lab)
        subnets = server_subnets(box.server.endpoint)
        box.server.stop()
        remove_server_leftovers(subnets)
        remove_containers_of(box.instance)
    log = box.server.log()
    assert "Traceback" not in log, f"the server logged a traceback:\n{log}"


@pytest.fixture
def svc(engine: Engine) -> Iterator[ServiceLab]:
    engine.ensure_running()
    slab = ServiceLab(engine.lab)
    try:
        yield slab
    finally:
        engine.ensure_running()
        slab.close()


def remove_containers_of(instance: str) -> None:
    ids = docker("ps", "-aq", "--no-trunc", "--filter", f"label=skiff.instance={instance}").split()
    if ids:
        docker("rm", "-f", "-v", *ids, check=False)


# -- what Docker shows ---------------------------------------------------------------------------------
def containers_of(instance: str) -> list[dict[str, Any]]:
    """`docker inspect` of every container (any state) of this server instance."""
    ids = docker("ps", "-aq", "--no-trunc", "--filter", f"label=skiff.instance={instance}").split()
    found = [inspect(cid) for cid in ids]
    return [info for info in found if info is not None]


def problems(svc: ServiceLab, name: str, instance: str, desired: int, definition: str) -> list[str]:
    """Everything that differs from a converged service: exactly `desired` tasks of `definition`
    RUNNING (desired and last status), one COMPLETED deployment, Docker agreeing with the database,
    no container of this server that belongs to no RUNNING task, at most a pool of idle pauses."""
    found: list[str] = []
    service = svc.describe(name)
    deployments = service["deployments"]
    if len(deployments) != 1 or deployments[0]["rolloutState"] != "COMPLETED":
        found.append(f"not one COMPLETED deployment: {brief(service)}")
    if (service["runningCount"], service["pendingCount"]) != (desired, 0):
        found.append(f"running/pending {service['runningCount']}/{service['pendingCount']}, not {desired}/0")
    live = svc.live_tasks(name)
    if len(live) != desired:
        found.append(f"{len(live)} tasks with desiredStatus RUNNING, not {desired}")
    running_ids: set[str] = set()
    used_pauses: set[str] = set()
    for task in live:
        if task["lastStatus"] != "RUNNING":
            found.append(f"task not RUNNING: {summary(task)}")
        if task["taskDefinitionArn"] != definition or task["startedBy"] != deployments[0]["id"]:
            found.append(f"task of another revision or deployment: {task['taskArn']} {task['startedBy']}")
        for container in task["containers"]:
            runtime = container.get("runtimeId")
            info = inspect(runtime) if runtime else None
            if info is None or not info["State"]["Running"]:
                found.append(f"RUNNING task {task['taskArn']} has no running container {container['name']}")
                continue
            running_ids.add(str(info["Id"]))
            mode = str(info["HostConfig"]["NetworkMode"])
            if mode.startswith("container:"):
                used_pauses.add(mode.split(":", 1)[1])
    idle_pauses: dict[str, int] = {}
    for info in containers_of(instance):
        labels = info["Config"]["Labels"] or {}
        if labels.get("skiff.role") == "pause":
            if info["Id"] not in used_pauses:
                idle_pauses[labels.get("skiff.subnet", "?")] = (
                    idle_pauses.get(labels.get("skiff.subnet", "?"), 0) + 1
                )
            elif not info["State"]["Running"]:
                found.append(f"pause container {info['Id'][:12]} of a RUNNING task is not running")
        elif ECS_TASK_ARN in labels and info["Id"] not in running_ids:
            state = info["State"]["Status"]
            found.append(
                f"container {info['Id'][:12]} ({state}) of task {labels[ECS_TASK_ARN]} is no RUNNING task's"
            )
    for subnet, count in idle_pauses.items():
        if count > POOL_SIZE:
            found.append(f"{count} idle pause containers in {subnet} (a pool holds {POOL_SIZE})")
    return found


def converge(svc: ServiceLab, engine: Engine, name: str, desired: int, definition: str) -> None:
    """Wait until the service looks converged, let the cleanup delay pass, then check it all at once."""
    deadline = time.monotonic() + CONVERGE_SECONDS
    while True:
        service = svc.describe(name)
        deployments = service["deployments"]
        live = svc.live_tasks(name)
        if (
            len(deployments) == 1
            and deployments[0]["rolloutState"] == "COMPLETED"
            and service["runningCount"] == desired
            and len(live) == desired
            and all(t["lastStatus"] == "RUNNING" for t in live)
        ):
            break
        if time.monotonic() > deadline:
            states = sorted(f"{t['taskArn'][-6:]}:{t['lastStatus']}" for t in live)
            raise AssertionError(
                f"not converged {CONVERGE_SECONDS:.0f} s after the kills {engine.kills}: "
                f"{brief(service)} {states}"
                f"\nserver log:\n{engine.server.log()[-4000:]}"
            )
        time.sleep(0.3)
    time.sleep(SETTLE)
    found = problems(svc, name, engine.instance, desired, definition)
    assert found == [], f"after the kills {engine.kills}:\n" + "\n".join(found)


def drain(svc: ServiceLab, name: str) -> None:
    """Scale to 0 and wait until no task of the service is left RUNNING or on its way."""
    svc.update(name, desiredCount=0)
    deadline = time.monotonic() + 60
    while True:
        tasks = svc.tasks(name)
        if all(t["lastStatus"] == "STOPPED" for t in tasks) and svc.describe(name)["runningCount"] == 0:
            return
        if time.monotonic() > deadline:
            left = [summary(t) for t in tasks if t["lastStatus"] != "STOPPED"]
            raise AssertionError(f"service {name} never drained: {left}")
        time.sleep(0.3)


# -- the tests -----------------------------------------------------------------------------------------
def test_kill_9_at_each_moment_of_a_scale_out(engine: Engine, svc: ServiceLab) -> None:
    """0 → 8 tasks, the engine killed 0.2 s ... 2.5 s after UpdateService and started again; each
    time the service converges to exactly 8 tasks and nothing else."""
    definition = svc.lab.register([sleeper()], family="faults-scale")
    name = svc.create(definition, 0)["serviceName"]
    svc.wait_stable(name)
    for delay in KILL_AFTER:
        svc.update(name, desiredCount=DESIRED)
        time.sleep(delay)
        engine.kill(f"{delay} s after UpdateService desiredCount {DESIRED}", svc, name)
        engine.start()
        converge(svc, engine, name, DESIRED, definition["taskDefinitionArn"])
        drain(svc, name)
    print("kills:", *engine.kills, sep="\n  ")


def test_kill_9_again_while_the_restarted_engine_recovers(engine: Engine, svc: ServiceLab) -> None:
    """Kills in a row: during the scale-out, then during the restarted engine's own recovery."""
    definition = svc.lab.register([sleeper()], family="faults-chain")
    name = svc.create(definition, 0)["serviceName"]
    svc.wait_stable(name)
    svc.update(name, desiredCount=DESIRED)
    time.sleep(0.4)
    engine.kill("0.4 s after UpdateService", svc, name)
    for delay in (0.3, 0.8):
        engine.start()
        time.sleep(delay)
        engine.kill(f"{delay} s after a restart", svc, name)
    engine.start()
    converge(svc, engine, name, DESIRED, definition["taskDefinitionArn"])


def test_kill_9_during_a_rolling_deployment(engine: Engine, svc: ServiceLab) -> None:
    config = {"minimumHealthyPercent": 50, "maximumPercent": 150}
    old = svc.lab.register([sleeper()], family="faults-rolling")
    name = svc.create(old, 4, deploymentConfiguration=config)["serviceName"]
    svc.wait_stable(name)
    old_arns = set(svc.task_arns(name))
    new = svc.lab.register(
        [sleeper(environment=[{"name": "REVISION", "value": "new"}])], family="faults-rolling"
    )
    new_deployment = svc.update(name, taskDefinition=new["taskDefinitionArn"])["deployments"][0]["id"]
    time.sleep(0.7)
    engine.kill("0.7 s into a rolling deployment", svc, name)
    engine.start()
    converge(svc, engine, name, 4, new["taskDefinitionArn"])
    service = svc.describe(name)
    assert [d["id"] for d in service["deployments"]] == [new_deployment], brief(service)
    for task in svc.describe_tasks(sorted(old_arns)):
        assert task["lastStatus"] == "STOPPED", summary(task)
        assert task["stopCode"] == "ServiceSchedulerInitiated", summary(task)
