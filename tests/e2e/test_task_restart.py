"""Restart is the normal path: after `kill -9` of the server, a new server on the same data dir
adopts running tasks (no restarts, no duplicates), notices what happened while it was away, and
finishes launches that were cut short."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SkiffServer
from tests.e2e.task_support import (
    ECS_CLUSTER,
    ECS_TASK_ARN,
    TaskLab,
    by_name,
    close_lab,
    container_def,
    containers_labelled,
    detail,
    docker,
    docker_time,
    inspect,
    make_lab,
    must_inspect,
    pause_id_of,
    remove_server_leftovers,
    server_subnets,
    start_e2e_server,
    summary,
)

pytestmark = pytest.mark.e2e

ESSENTIAL_EXITED = "Essential container in task exited"


@dataclass
class Restartable:
    """A server of this module's own, on one data dir and port, that tests kill and start again."""

    data_dir: Path
    server: SkiffServer
    lab: TaskLab

    def kill(self) -> None:
        self.server.stop(kill=True)

    def start(self) -> None:
        self.server = start_e2e_server(self.data_dir, self.server.port)

    def ensure_running(self) -> None:
        if self.server.process.poll() is not None:
            self.start()


@pytest.fixture(scope="module")
def restartable(docker_ready: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Restartable]:
    data_dir = tmp_path_factory.mktemp("skiff-restart")
    server = start_e2e_server(data_dir)
    try:
        box = Restartable(data_dir, server, make_lab(server.endpoint))
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
    log = box.server.log()
    assert "Traceback" not in log, f"the server logged a traceback:\n{log}"


@pytest.fixture
def box(restartable: Restartable) -> Iterator[Restartable]:
    restartable.ensure_running()
    with restartable.lab.scoped():
        try:
            yield restartable
        finally:
            restartable.ensure_running()  # the scoped clean-up needs a server


def container_state(container_id: str) -> tuple[bool, str, int]:
    info = must_inspect(container_id)
    return bool(info["State"]["Running"]), str(info["State"]["StartedAt"]), int(info["RestartCount"])


def test_a_fresh_data_dir_runs_tasks_in_its_default_subnet(docker_ready: None, tmp_path: Path) -> None:
    """Every data dir's default VPC has the same CIDRs (172.31.0.0/20, ...) under new subnet ids;
    a server on a fresh data dir must run tasks there after another server used those ranges."""
    subnets: list[dict[str, Any]] = []
    first = start_e2e_server(tmp_path / "first")
    try:
        lab = make_lab(first.endpoint, default_subnets_only=True)
        arn = lab.run_one(lab.register([container_def("app")]))["taskArn"]
        lab.wait_for(arn, lambda t: t["lastStatus"] in ("RUNNING", "STOPPED"), "RUNNING or STOPPED")
        close_lab(lab)
    finally:
        subnets += server_subnets(first.endpoint)
        first.stop()
    second = start_e2e_server(tmp_path / "second")
    try:
        lab = make_lab(second.endpoint, default_subnets_only=True)
        try:
            arn = lab.run_one(lab.register([container_def("app")]))["taskArn"]
            lab.wait_running(arn)
        finally:
            close_lab(lab)
    finally:
        subnets += server_subnets(second.endpoint)
        second.stop()
        remove_server_leftovers(subnets)


def test_running_task_is_adopted_after_kill_9(box: Restartable) -> None:
    lab = box.lab
    arn = lab.run_one(lab.register([container_def("app"), container_def("sidecar")]))["taskArn"]
    before = lab.wait_running(arn)
    runtime_ids = sorted(c["runtimeId"] for c in before["containers"])
    states = {cid: container_state(cid) for cid in runtime_ids}
    pause = pause_id_of(runtime_ids[0])
    in_cluster = sorted(containers_labelled(f"{ECS_CLUSTER}={lab.cluster_arn}", running_only=True))

    box.kill()
    assert {cid: container_state(cid) for cid in runtime_ids} == states, "containers died with the server"
    box.start()

    after = lab.describe(arn)
    assert after["lastStatus"] == "RUNNING", summary(after)
    assert sorted(c["runtimeId"] for c in after["containers"]) == runtime_ids
    assert sorted(containers_labelled(f"{ECS_TASK_ARN}={arn}")) == runtime_ids, "containers were duplicated"
    time.sleep(2)  # let the adopted runner look around
    after = lab.describe(arn)
    assert after["lastStatus"] == "RUNNING" and after["desiredStatus"] == "RUNNING", summary(after)
    assert {cid: container_state(cid) for cid in runtime_ids} == states, "containers were restarted"
    assert sorted(containers_labelled(f"{ECS_CLUSTER}={lab.cluster_arn}", running_only=True)) == in_cluster
    assert must_inspect(pause)["State"]["Running"], "the task's pause container was removed"
    assert [pause_id_of(cid) for cid in runtime_ids] == [pause, pause]
    assert detail(after, "privateIPv4Address") == detail(before, "privateIPv4Address")

    lab.stop(arn)
    stopped = lab.wait_stopped(arn, timeout=30)
    assert stopped["stopCode"] == "UserInitiated" and stopped["stoppedReason"] == "Task stopped by user"
    assert [c.get("exitCode") for c in stopped["containers"]] == [0, 0], summary(stopped)
    deadline = time.monotonic() + 20
    while (containers_labelled(f"{ECS_TASK_ARN}={arn}") or inspect(pause)) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert containers_labelled(f"{ECS_TASK_ARN}={arn}") == [], "the adopted task's containers were left"
    assert inspect(pause) is None, "the adopted task's pause container was left"


def test_container_killed_while_the_server_was_down(box: Restartable) -> None:
    lab = box.lab
    arn = lab.run_one(lab.register([container_def("main"), container_def("side")]))["taskArn"]
    task = lab.wait_running(arn)
    box.kill()
    docker("kill", by_name(task, "main")["runtimeId"])
    box.start()
    task = lab.wait_stopped(arn, timeout=30)
    assert task["stopCode"] == "EssentialContainerExited", summary(task)
    assert task["stoppedReason"] == ESSENTIAL_EXITED
    assert by_name(task, "main").get("exitCode") == 137, summary(task)
    side = by_name(task, "side")
    assert side["lastStatus"] == "STOPPED" and side.get("exitCode") == 0, summary(task)


@pytest.mark.parametrize("delay", [0.0, 0.3], ids=["at-once", "after-300ms"])
def test_interrupted_launch_is_finished_after_restart(box: Restartable, delay: float) -> None:
    lab = box.lab
    definition = lab.register([container_def("app"), container_def("sidecar")])
    arn = lab.run_one(definition)["taskArn"]
    time.sleep(delay)
    box.kill()
    restarted = time.time()
    box.start()

    task = lab.wait_running(arn)
    runtime_ids = sorted(c["runtimeId"] for c in task["containers"])
    assert sorted(containers_labelled(f"{ECS_TASK_ARN}={arn}")) == runtime_ids, "not exactly one set"
    for cid in runtime_ids:
        assert must_inspect(cid)["State"]["Running"]
    pause = pause_id_of(runtime_ids[0])
    assert pause_id_of(runtime_ids[1]) == pause and must_inspect(pause)["State"]["Running"]
    networks = must_inspect(pause)["NetworkSettings"]["Networks"]
    assert [n["IPAddress"] for n in networks.values()] == [detail(task, "privateIPv4Address")]
    # no pause container from the interrupted launch survives beside the one in use
    stale = [
        cid
        for cid in containers_labelled(f"skiff.subnet={lab.subnet_id}")
        if cid != pause and docker_time(must_inspect(cid)["Created"]) < restarted
    ]
    assert stale == [], f"pause containers of the interrupted launch were left: {stale}"


# -- another skiff on the same Docker host -------------------------------------------------------
# Last: starting another server disturbs this module's server while skiff removes, at start-up,
# containers that are not its own.


def test_another_server_on_the_host_leaves_our_tasks_alone(box: Restartable, tmp_path: Path) -> None:
    """A second skiff (its own data dir) starting on the same Docker host must not remove the
    first one's pause containers or task containers: they are not its own."""
    lab = box.lab
    arn = lab.run_one(lab.register([container_def("app")]))["taskArn"]
    task = lab.wait_running(arn)
    runtime_id = by_name(task, "app")["runtimeId"]
    pause = pause_id_of(runtime_id)
    other = start_e2e_server(tmp_path / "other")
    try:
        time.sleep(4)  # longer than the other server's clean-up delay (3 s) and janitor period
        assert inspect(pause) is not None, "the other server removed our task's pause container"
        assert inspect(runtime_id) is not None, "the other server removed our task's container"
        task = lab.describe(arn)
        assert task["lastStatus"] == "RUNNING", summary(task)
    finally:
        subnets = server_subnets(other.endpoint)
        other.stop()
        remove_server_leftovers(subnets)
        box.kill()  # a fresh process: its pause pool may hold containers the other server removed
        box.start()
