"""The `skiff` command against one live server (the module's): status, ps, services, logs (-f
receiving a line printed after it started), events, wait (0 on steady state, 1 when the circuit
breaker fails a rollout), exec, top and reset, each run as the installed `skiff` script would be;
--json parses; errors are one line on stderr with exit 1 and no traceback. The TTY paths (an
interactive shell through `skiff exec`, `skiff top` drawing and quitting on q) run under tmux.

One small service runs for the whole module: busybox printing a numbered line every half second,
logging with awslogs.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CREDENTIALS
from tests.e2e.task_support import TaskLab, boto_client, container_def, in_cidr

pytestmark = pytest.mark.e2e

SKIFF = str(Path(sys.executable).with_name("skiff"))
EXECUTION_ROLE = "arn:aws:iam::000000000000:role/ecsTaskExecutionRole"
GROUP = "/ecs/cli-e2e"
TICKER = 'trap "exit 0" TERM; i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 0.5 & wait $!; done'


def cli_env(endpoint: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        **CREDENTIALS,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_DEFAULT_REGION": "us-east-1",
        "COLUMNS": "200",
    }


@dataclass
class Skiff:
    endpoint: str

    def __call__(
        self, *args: str, timeout: float = 120, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [SKIFF, *args],
            env=cli_env(self.endpoint),
            capture_output=True,
            text=True,
            timeout=timeout,
            input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL,
            check=False,
        )
        assert "Traceback" not in proc.stderr, proc.stderr
        return proc

    def ok(self, *args: str, timeout: float = 120) -> str:
        proc = self(*args, timeout=timeout)
        assert proc.returncode == 0, f"skiff {' '.join(args)} exited {proc.returncode}: {proc.stderr}"
        return proc.stdout

    def json(self, *args: str) -> Any:
        return json.loads(self.ok(*args, "--json"))


@dataclass
class Box:
    skiff: Skiff
    lab: TaskLab
    service: str
    definition: dict[str, Any]

    @property
    def cluster(self) -> str:
        return self.lab.cluster

    def running(self, timeout: float = 60) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while True:
            arns = self.lab.ecs.list_tasks(cluster=self.cluster, serviceName=self.service)["taskArns"]
            tasks = self.lab.describe_all(arns) if arns else []
            live = [t for t in tasks if t["lastStatus"] == "RUNNING"]
            if live:
                for task in live:
                    self.lab.note_pauses(task)
                return live
            assert time.monotonic() < deadline, f"service {self.service} runs no task"
            time.sleep(0.3)


def awslogs() -> dict[str, Any]:
    return {
        "logDriver": "awslogs",
        "options": {
            "awslogs-group": GROUP,
            "awslogs-region": "us-east-1",
            "awslogs-stream-prefix": "ecs",
            "awslogs-create-group": "true",
        },
    }


@pytest.fixture(scope="module")
def box(endpoint: str, module_lab: TaskLab) -> Iterator[Box]:
    iam = boto_client(endpoint, "iam")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
             "Principal": {"Service": "ecs-tasks.amazonaws.com"}}]}  # fmt: skip
    with contextlib.suppress(Exception):
        iam.create_role(RoleName="ecsTaskExecutionRole", AssumeRolePolicyDocument=json.dumps(trust))
    definition = module_lab.register(
        [container_def("app", TICKER, logConfiguration=awslogs())], executionRoleArn=EXECUTION_ROLE
    )
    name = f"ticker-{uuid.uuid4().hex[:6]}"
    module_lab.ecs.create_service(
        cluster=module_lab.cluster,
        serviceName=name,
        taskDefinition=definition["taskDefinitionArn"],
        desiredCount=1,
        launchType="FARGATE",
        networkConfiguration=module_lab.network(),
    )
    current = Box(Skiff(endpoint), module_lab, name, definition)
    try:
        current.running()
        yield current
    finally:
        with contextlib.suppress(Exception):
            for arn in module_lab.ecs.list_services(cluster=module_lab.cluster)["serviceArns"]:
                module_lab.ecs.delete_service(cluster=module_lab.cluster, service=arn, force=True)
        with contextlib.suppress(Exception):
            for arn in module_lab.ecs.list_tasks(cluster=module_lab.cluster)["taskArns"]:
                module_lab.task_arns.append(arn)


def wait_until(check: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.3)


# -- status, ps, services --------------------------------------------------------------------------
def test_status_shows_the_engine_and_its_parts(box: Box) -> None:
    text = box.skiff.ok("status")
    assert box.skiff.endpoint in text
    for part in ("engine", "docker", "dns", "haproxy", "registry"):
        assert part in text, text
    reply = box.skiff.json("status")
    assert reply["engine"]["up"] is True and reply["engine"]["endpoint"] == box.skiff.endpoint
    assert reply["parts"]["docker"]["up"] is True and reply["parts"]["docker"]["version"]
    assert reply["parts"]["dns"]["up"] is True
    assert reply["parts"]["haproxy"] == {"up": False, "enabled": False}  # SKIFF_LB=off in tests


def test_ps_lists_the_service_task_with_its_ip_and_use(box: Box) -> None:
    (task,) = box.running()
    task_id = task["taskArn"].rsplit("/", 1)[-1]
    text = box.skiff.ok("ps")
    line = next(line for line in text.splitlines() if task_id in line)
    assert box.service in line and "RUNNING" in line, line
    rows = box.skiff.json("ps", "--cluster", box.cluster)
    (row,) = [r for r in rows if r["taskArn"] == task["taskArn"]]
    assert row["service"] == box.service and row["status"] == "RUNNING"
    assert in_cidr(row["ip"], box.lab.subnet_cidr), row
    assert row["cpuPercent"] is not None and row["cpuPercent"] >= 0
    assert 0 < row["memoryBytes"] < row["memoryLimitBytes"] == 512 * 1024 * 1024


def test_ps_all_includes_stopped_tasks_with_their_stop_code(box: Box) -> None:
    quick = box.lab.register([container_def("once", "echo done")])
    arn = box.lab.run_one(quick)["taskArn"]
    box.lab.wait_stopped(arn)
    assert arn not in {r["taskArn"] for r in box.skiff.json("ps", "--cluster", box.cluster)}
    rows = {r["taskArn"]: r for r in box.skiff.json("ps", "--all", "--cluster", box.cluster)}
    assert rows[arn]["status"] == "STOPPED (EssentialContainerExited)", rows[arn]


def test_services_shows_counts_and_the_completed_deployment(box: Box) -> None:
    rows = box.skiff.json("services", "--cluster", box.cluster)
    (row,) = [r for r in rows if r["service"] == box.service]
    assert (row["desired"], row["running"], row["pending"]) == (1, 1, 0), row
    (deployment,) = row["deployments"]
    assert deployment["status"] == "PRIMARY" and deployment["rolloutState"] == "COMPLETED", deployment
    text = box.skiff.ok("services")
    line = next(line for line in text.splitlines() if box.service in line)
    assert "PRIMARY 1/1 COMPLETED" in line, line


def test_errors_are_one_line_and_exit_1(box: Box) -> None:
    nobody = Skiff("http://127.0.0.1:9")
    for args in (["ps"], ["status"], ["services"], ["reset", "--yes"]):
        proc = nobody(*args)
        assert proc.returncode == 1, (args, proc.stdout, proc.stderr)
        assert proc.stderr.strip().startswith("error: skiff is not running at http://127.0.0.1:9"), (
            proc.stderr
        )
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    for args, expected in (
        (["wait", "no-such-service", "--cluster", box.cluster], "no service 'no-such-service'"),
        (["logs", "0" * 32, "--cluster", box.cluster], "no task"),
        (["exec", "0" * 32, "--cluster", box.cluster, "--", "true"], "no task"),
        (["logs", box.service, "--cluster", box.cluster, "--since", "yesterday-ish"], "--since"),
        (["ps", "--cluster", "no-such-cluster"], "no cluster"),
    ):
        proc = box.skiff(*args)
        assert proc.returncode == 1 and expected in proc.stderr, (args, proc.stderr)
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
