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
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.conftest import CREDENTIALS
from tests.e2e.task_support import TaskLab, boto_client, container_def, in_cidr

pytestmark = pytest.mark.e2e

SKIFF = str(Path(sys.executable).with_name("skiff"))
EXECUTION_ROLE = "arn:aws:iam::000000000000:role/ecsTaskExecutionRole"
GROUP = "/ecs/cli-e2e"
T = TypeVar("T")
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
        self, *args: str, timeout: float = 120, stdin: str | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [SKIFF, *args],
            env={**cli_env(self.endpoint), **(env or {})},
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
        def live() -> list[dict[str, Any]]:
            arns = self.lab.ecs.list_tasks(cluster=self.cluster, serviceName=self.service)["taskArns"]
            tasks = self.lab.describe_all(arns) if arns else []
            return [t for t in tasks if t["lastStatus"] == "RUNNING"]

        found = wait_until(live, f"a running task of service {self.service}", timeout)
        for task in found:
            self.lab.note_pauses(task)
        return found


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


def wait_until(
    check: Callable[[], T], what: str, timeout: float = 30, every: float = 0.3, shown: Callable[[], str] = str
) -> T:
    """Poll `check` until it gives something true, and return that; fail naming `what` (and what
    `shown` says then) after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not (got := check()):
        assert time.monotonic() < deadline, f"never: {what}\n{shown()}"
        time.sleep(every)
    return got


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


def test_shell_completion_names_clusters_services_and_tasks(box: Box) -> None:
    """What an installed bash completion asks while the user types: the engine's names."""
    (task,) = box.running()
    task_id = task["taskArn"].rsplit("/", 1)[-1]

    def offered(*words: str) -> list[str]:
        env = {"_SKIFF_COMPLETE": "complete_bash", "COMP_WORDS": " ".join(["skiff", *words]),
               "COMP_CWORD": str(len(words))}  # fmt: skip
        proc = box.skiff(env=env)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.split()

    assert box.cluster in offered("ps", "--cluster", "")
    assert offered("wait", "--cluster", box.cluster, box.service[:4]) == [box.service]
    assert offered("exec", "--cluster", box.cluster, task_id[:6]) == [task_id]
    assert {box.service, task_id} <= set(offered("logs", "--cluster", box.cluster, ""))
    assert offered("wait", "--cluster", "no-such-cluster", "") == []


# -- logs, exec, events ------------------------------------------------------------------------------
def test_logs_of_the_service_and_of_one_task(box: Box) -> None:
    (task,) = box.running()
    task_id = task["taskArn"].rsplit("/", 1)[-1]
    wait_until(
        lambda: "tick 3" in box.skiff.ok("logs", box.service, "--cluster", box.cluster), "tick 3 logged"
    )
    lines = box.skiff.ok("logs", box.service, "--cluster", box.cluster).splitlines()
    ticks = [int(line.rsplit(" ", 1)[1]) for line in lines if line.startswith("tick ")]
    assert ticks[:3] == [1, 2, 3] and ticks == sorted(ticks), lines[:10]
    events = [json.loads(line) for line in box.skiff.ok("logs", task["taskArn"], "--json").splitlines()]
    assert events and {e["task"] for e in events} == {task_id} and {e["container"] for e in events} == {"app"}
    assert events[0]["logStreamName"] == f"ecs/app/{task_id}" and events[0]["logGroupName"] == GROUP
    recent = box.skiff.ok("logs", task_id, "--cluster", box.cluster, "--since", "2s", "-t").splitlines()
    assert len(recent) < len(lines), "--since 2s printed the whole history"
    proc = box.skiff("logs", task_id, "--cluster", box.cluster, "--container", "nope")
    assert proc.returncode == 1 and "no awslogs log configuration" in proc.stderr, proc.stderr


def test_exec_runs_a_command_in_the_task_container(box: Box) -> None:
    (task,) = box.running()
    out = box.skiff.ok("exec", task["taskArn"], "--", "sh", "-c", "echo in-$HOSTNAME; cat /proc/1/cmdline")
    assert out.startswith("in-") and "tick" in out, out
    proc = box.skiff("exec", task["taskArn"], "--container", "nope", "--", "true")
    assert proc.returncode == 1 and "has no container 'nope' (it has: app)" in proc.stderr, proc.stderr


def test_logs_follow_receives_a_line_printed_after_it_started(box: Box) -> None:
    (task,) = box.running()
    marker = f"marker-{uuid.uuid4().hex[:8]}"
    follower = subprocess.Popen(
        [SKIFF, "logs", box.service, "--cluster", box.cluster, "-f", "--since", "1m"],
        env=cli_env(box.skiff.endpoint),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert follower.stdout is not None
        first = follower.stdout.readline()
        assert first.startswith("tick "), first  # it is reading
        # a line the task prints now, after the follower started: to its PID 1's stdout
        box.skiff.ok("exec", task["taskArn"], "--", "sh", "-c", f"echo {marker} > /proc/1/fd/1")
        deadline = time.monotonic() + 30
        seen: list[str] = []
        while time.monotonic() < deadline:
            line = follower.stdout.readline()
            seen.append(line)
            if marker in line:
                break
        assert any(marker in line for line in seen), seen[-5:]
    finally:
        follower.terminate()
        follower.wait(timeout=10)
    assert follower.stderr is not None and "Traceback" not in follower.stderr.read()


def test_events_show_service_events_and_task_stops_with_reasons(box: Box) -> None:
    (task,) = box.running()
    box.lab.stop(task["taskArn"], "stopped by the cli e2e test")
    box.lab.wait_stopped(task["taskArn"])
    box.running()  # the scheduler started a replacement

    def listed() -> list[dict[str, Any]]:
        lines = box.skiff.ok("events", "--cluster", box.cluster, "--json").splitlines()
        return [json.loads(line) for line in lines]

    def stop_listed() -> bool:
        return any(e["kind"] == "task" and "stopped by the cli e2e test" in e["message"] for e in listed())

    wait_until(stop_listed, "the stop listed")
    events = listed()
    (stop,) = [
        e for e in events if e["kind"] == "task" and task["taskArn"].rsplit("/", 1)[-1] in e["message"]
    ]
    assert stop["name"] == box.service and "(UserInitiated)" in stop["message"], stop
    assert "app exit" in stop["message"], stop
    started = [e for e in events if e["kind"] == "service" and "has started 1 tasks" in e["message"]]
    assert len(started) >= 2, events  # the first task and its replacement
    times = [e["time"] for e in events]
    assert times == sorted(times)
    text = box.skiff.ok("events", "--service", box.service, "--cluster", box.cluster)
    assert "stopped by the cli e2e test" in text and f"{box.cluster}/{box.service}" in text


# -- wait ------------------------------------------------------------------------------------------
def test_wait_ends_0_on_steady_state(box: Box) -> None:
    box.lab.ecs.update_service(cluster=box.cluster, service=box.service, desiredCount=2)
    out = box.skiff.ok("wait", box.service, "--cluster", box.cluster, "--timeout", "90")
    assert "reached a steady state" in out, out
    service = box.lab.ecs.describe_services(cluster=box.cluster, services=[box.service])["services"][0]
    assert service["runningCount"] == 2
    box.lab.ecs.update_service(cluster=box.cluster, service=box.service, desiredCount=1)
    reply = box.skiff.json("wait", box.service, "--cluster", box.cluster, "--timeout", "90")
    assert reply["outcome"] == "steady" and reply["running"] == 1, reply


def test_wait_ends_1_when_the_circuit_breaker_fails_the_rollout(box: Box) -> None:
    crashing = box.lab.register([container_def("app", "exit 3")])
    name = f"crash-{uuid.uuid4().hex[:6]}"
    box.lab.ecs.create_service(
        cluster=box.cluster,
        serviceName=name,
        taskDefinition=crashing["taskDefinitionArn"],
        desiredCount=1,
        launchType="FARGATE",
        networkConfiguration=box.lab.network(),
        deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": False}},
    )
    try:
        proc = box.skiff("wait", name, "--cluster", box.cluster, "--timeout", "150", timeout=200)
        assert proc.returncode == 1, (proc.stdout, proc.stderr)
        assert "FAILED" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    finally:
        box.lab.ecs.update_service(cluster=box.cluster, service=name, desiredCount=0)
        box.lab.ecs.delete_service(cluster=box.cluster, service=name, force=True)


def test_wait_ends_1_when_a_failed_rollout_is_rolled_back(box: Box) -> None:
    good = box.lab.register([container_def("app")])
    name = f"rollback-{uuid.uuid4().hex[:6]}"
    box.lab.ecs.create_service(
        cluster=box.cluster,
        serviceName=name,
        taskDefinition=good["taskDefinitionArn"],
        desiredCount=1,
        launchType="FARGATE",
        networkConfiguration=box.lab.network(),
        deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": True}},
    )
    try:
        box.skiff.ok("wait", name, "--cluster", box.cluster, "--timeout", "90")
        crashing = box.lab.register([container_def("app", "exit 3")])
        box.lab.ecs.update_service(
            cluster=box.cluster, service=name, taskDefinition=crashing["taskDefinitionArn"]
        )
        proc = box.skiff("wait", name, "--cluster", box.cluster, "--timeout", "150", timeout=200)
        assert proc.returncode == 1, (proc.stdout, proc.stderr)
        # seen FAILED, or already gone with the first deployment PRIMARY again
        assert "FAILED" in proc.stderr or "was rolled back to" in proc.stderr, proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        service = box.lab.ecs.describe_services(cluster=box.cluster, services=[name])["services"][0]
        assert service["taskDefinition"] in (good["taskDefinitionArn"], crashing["taskDefinitionArn"])
    finally:
        box.lab.ecs.update_service(cluster=box.cluster, service=name, desiredCount=0)
        box.lab.ecs.delete_service(cluster=box.cluster, service=name, force=True)


def test_wait_ends_2_on_timeout(box: Box) -> None:
    unpullable = box.lab.register([container_def("app", None, image="no-such-registry.invalid/nope:1")])
    name = f"never-{uuid.uuid4().hex[:6]}"
    box.lab.ecs.create_service(
        cluster=box.cluster,
        serviceName=name,
        taskDefinition=unpullable["taskDefinitionArn"],
        desiredCount=1,
        launchType="FARGATE",
        networkConfiguration=box.lab.network(),
    )
    try:
        proc = box.skiff("wait", name, "--cluster", box.cluster, "--timeout", "2")
        assert proc.returncode == 2, (proc.stdout, proc.stderr)
        assert "did not reach a steady state within 2 s" in proc.stderr, proc.stderr
    finally:
        box.lab.ecs.update_service(cluster=box.cluster, service=name, desiredCount=0)
        box.lab.ecs.delete_service(cluster=box.cluster, service=name, force=True)


# -- TTY paths, under tmux ---------------------------------------------------------------------------
@dataclass
class Tmux:
    socket: str
    env: dict[str, str]

    def __call__(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        argv = ["tmux", "-L", self.socket, *args]
        proc = subprocess.run(argv, env=self.env, capture_output=True, text=True, timeout=30, check=False)
        assert not check or proc.returncode == 0, proc.stderr
        return proc

    def start(self, command: str) -> None:
        self("new-session", "-d", "-s", "t", "-x", "160", "-y", "40", command)

    def screen(self) -> str:
        return self("capture-pane", "-p", "-t", "t", check=False).stdout

    def wait_screen(self, check: Callable[[str], bool], what: str, timeout: float = 30) -> str:
        def on_screen() -> str:
            text = self.screen()
            return text if check(text) else ""

        return wait_until(on_screen, f"on screen: {what}", timeout, 0.2, self.screen)

    def wait_ended(self, timeout: float = 15) -> None:
        def ended() -> bool:
            return self("has-session", "-t", "t", check=False).returncode != 0

        wait_until(ended, "the tmux session ended", timeout, 0.2, self.screen)


@pytest.fixture
def tmux(box: Box) -> Iterator[Tmux]:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (scripts/setup.sh installs it)")
    session = Tmux(
        f"skiff-cli-{uuid.uuid4().hex[:8]}", {**cli_env(box.skiff.endpoint), "TERM": "xterm-256color"}
    )
    try:
        yield session
    finally:
        session("kill-server", check=False)


def test_exec_gives_an_interactive_shell_a_tty(box: Box, tmux: Tmux, tmp_path: Path) -> None:
    (task,) = box.running()
    status = tmp_path / "status"
    tmux.start(f"{SKIFF} exec {task['taskArn']}; echo exit=$? > {status}")
    tmux.wait_screen(lambda text: "#" in text or "$" in text, "a shell prompt")
    tmux("send-keys", "-t", "t", "echo $((6*7)); tty", "Enter")
    text = tmux.wait_screen(lambda text: "\n42" in text and "/dev/pts/" in text, "42 and a pty")
    assert "not a tty" not in text, text
    tmux("send-keys", "-t", "t", "exit 7", "Enter")
    tmux.wait_ended()
    assert status.read_text().strip() == "exit=7"


def test_top_draws_the_running_tasks_and_quits_on_q(box: Box, tmux: Tmux, tmp_path: Path) -> None:
    (task,) = box.running()
    task_id = task["taskArn"].rsplit("/", 1)[-1]
    status = tmp_path / "status"
    tmux.start(f"{SKIFF} top --cluster {box.cluster} --interval 1; echo exit=$? > {status}")
    text = tmux.wait_screen(lambda text: task_id in text and "%" in text and "/s" in text, "the task's row")
    assert "skiff top" in text and "1 running task(s)" in text, text
    row = next(line for line in text.splitlines() if task_id in line)
    assert box.service in row and "iB " in row, row  # memory in KiB or MiB
    tmux("send-keys", "-t", "t", "q")
    tmux.wait_ended()
    assert status.read_text().strip() == "exit=0"


def test_top_json_prints_rows_per_refresh(box: Box) -> None:
    lines = box.skiff.ok("top", "--cluster", box.cluster, "--json", "-n", "2", "--interval", "1").splitlines()
    assert len(lines) == 2
    rows = json.loads(lines[1])
    (row,) = rows
    assert row["service"] == box.service and row["cpuPercent"] is not None and row["memoryBytes"] > 0
    assert row["rxBytesPerSecond"] is not None  # the second refresh has a rate


# -- reset (last: it wipes the server) ---------------------------------------------------------------
def test_reset_asks_first_then_wipes_everything(box: Box) -> None:
    (task,) = box.running()
    refused = box.skiff("reset", stdin="n\n")
    assert refused.returncode == 1 and "not reset" in refused.stderr, refused.stderr
    assert box.lab.ecs.describe_clusters(clusters=[box.cluster])["clusters"][0]["status"] == "ACTIVE"
    out = box.skiff.ok("reset", "--yes")
    assert out.startswith(f"skiff at {box.skiff.endpoint} reset in"), out
    assert box.lab.ecs.list_clusters()["clusterArns"] == []
    assert box.skiff.json("ps", "--all") == []
    assert box.skiff.ok("services").strip() == "no services"
    runtime = task["containers"][0]["runtimeId"]
    gone = subprocess.run(["docker", "inspect", runtime], capture_output=True, check=False, timeout=60)
    assert gone.returncode != 0, "the task's container outlived the reset"
