"""The awslogs driver end to end: a Fargate task's output in CloudWatch Logs, read with boto3 and
the real aws CLI (get-log-events, filter-log-events, start-live-tail receiving a new line; v2's
`logs tail` and `logs tail --follow`), the
group made by awslogs-create-group or the task failing as on Fargate without it, multi-line
events, and after `kill -9` of the server a sequence with no gap and no duplicate."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import AWS_CLI, CREDENTIALS, SkiffServer
from tests.e2e.task_support import (
    TaskLab,
    boto_client,
    by_name,
    close_lab,
    container_def,
    make_lab,
    remove_server_leftovers,
    server_subnets,
    start_e2e_server,
    summary,
)

pytestmark = pytest.mark.e2e

EXECUTION_ROLE = "arn:aws:iam::000000000000:role/ecsTaskExecutionRole"
AWS_CLI_V2 = "/usr/bin/aws"  # Debian's awscli package (scripts/setup.sh)
COUNTER = 'i=0; while true; do i=$((i+1)); echo "seq $i"; sleep 0.05; done'


@dataclass
class Box:
    data_dir: Path
    server: SkiffServer
    lab: TaskLab

    @property
    def logs(self) -> Any:
        return boto_client(self.server.endpoint, "logs")

    def restart(self) -> None:
        self.server.stop(kill=True)
        self.server = start_e2e_server(self.data_dir, self.server.port)


@pytest.fixture(scope="module")
def box(docker_ready: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Box]:
    data_dir = tmp_path_factory.mktemp("skiff-logs")
    server = start_e2e_server(data_dir)
    try:
        lab = make_lab(server.endpoint)
        iam = boto_client(server.endpoint, "iam")
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
        iam.create_role(RoleName="ecsTaskExecutionRole", AssumeRolePolicyDocument=json.dumps(trust))
        current = Box(data_dir, server, lab)
    except BaseException:
        server.stop()
        raise
    try:
        yield current
    finally:
        if current.server.process.poll() is not None:
            current.server = start_e2e_server(data_dir, current.server.port)
        close_lab(current.lab)
        subnets = server_subnets(current.server.endpoint)
        current.server.stop()
        remove_server_leftovers(subnets)
    log = current.server.log()
    assert "Traceback" not in log, f"the server logged a traceback:\n{log}"


def awslogs(group: str, **options: str) -> dict[str, Any]:
    return {
        "logDriver": "awslogs",
        "options": {
            "awslogs-group": group,
            "awslogs-region": "us-east-1",
            "awslogs-stream-prefix": "ecs",
            **options,
        },
    }


def cli_env(box: Box) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        **CREDENTIALS,
        "AWS_ENDPOINT_URL": box.server.endpoint,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",
        "HOME": str(box.data_dir),
    }


def aws(box: Box, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [AWS_CLI, *args], env=cli_env(box), capture_output=True, text=True, timeout=timeout, check=False
    )


def aws_v2(box: Box, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """AWS CLI v2 (`logs tail` is v2's alone); Debian's 2.9 predates AWS_ENDPOINT_URL."""
    version = subprocess.run([AWS_CLI_V2, "--version"], capture_output=True, text=True, check=False)
    assert version.stdout.startswith("aws-cli/2."), f"{AWS_CLI_V2} is not AWS CLI v2 (make setup installs it)"
    return subprocess.run(
        [AWS_CLI_V2, "--endpoint-url", box.server.endpoint, *args],
        env=cli_env(box), capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


def wait_messages(logs: Any, group: str, stream: str, predicate: Any, timeout: float = 20) -> list[str]:
    deadline = time.monotonic() + timeout
    messages: list[str] = []
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            reply = logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True)
            messages = [e["message"] for e in reply["events"]]
            if predicate(messages):
                return messages
        time.sleep(0.3)
    raise AssertionError(f"{group}/{stream} never had the lines expected: {messages[-20:]}")


def sequence(logs: Any, group: str, stream: str) -> list[int]:
    numbers: list[int] = []
    reply = logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True)
    while reply["events"]:
        numbers += [
            int(m.split()[1]) for m in (e["message"] for e in reply["events"]) if m.startswith("seq ")
        ]
        token = reply["nextForwardToken"]
        reply = logs.get_log_events(logGroupName=group, logStreamName=stream, nextToken=token)
    return numbers


def test_task_output_reaches_get_filter_and_live_tail(box: Box) -> None:
    lab, logs = box.lab, box.logs
    group = "/ecs/e2e-logs"
    script = 'echo "hello stdout"; echo "oops stderr" >&2; echo \'{"level":"error","n":1}\'; ' + COUNTER
    definition = lab.register(
        [container_def("app", script, logConfiguration=awslogs(group, **{"awslogs-create-group": "true"}))],
        executionRoleArn=EXECUTION_ROLE,
    )
    task = lab.run_one(definition)
    task_id = task["taskArn"].rsplit("/", 1)[-1]
    stream = f"ecs/app/{task_id}"
    lab.wait_running(task["taskArn"])
    messages = wait_messages(logs, group, stream, lambda m: "seq 3" in m)
    # stdout and stderr are two pipes: each in order, interleaved as Docker timestamped them
    assert "oops stderr" in messages
    stdout = [m for m in messages if m != "oops stderr"]
    assert stdout[:4] == ["hello stdout", '{"level":"error","n":1}', "seq 1", "seq 2"]
    (described,) = logs.describe_log_streams(logGroupName=group)["logStreams"]
    assert described["logStreamName"] == stream and described["storedBytes"] > 0

    # the real CLI: get-log-events, filter-log-events with a JSON pattern
    got = aws(
        box, "logs", "get-log-events", "--log-group-name", group, "--log-stream-name", stream, "--limit", "2"
    )
    assert got.returncode == 0, got.stderr
    assert len(json.loads(got.stdout)["events"]) == 2
    filtered = aws(
        box,
        "logs",
        "filter-log-events",
        "--log-group-name",
        group,
        "--filter-pattern",
        '{ $.level = "error" }',
        "--query",
        "events[].message",
        "--output",
        "text",
    )
    assert filtered.returncode == 0, filtered.stderr
    assert filtered.stdout.strip() == '{"level":"error","n":1}'

    # start-live-tail (this CLI's `logs tail --follow`) prints lines written after it started
    tail = subprocess.Popen(
        [
            AWS_CLI,
            "logs",
            "start-live-tail",
            "--log-group-identifiers",
            f"arn:aws:logs:us-east-1:000000000000:log-group:{group}",
            "--log-event-filter-pattern",
            "seq",
        ],
        env=cli_env(box),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(4)
    tail.terminate()
    out, err = tail.communicate(timeout=20)
    live = [int(line.split()[1]) for line in out.splitlines() if line.startswith("seq ")]
    assert len(live) >= 5, (out[-500:], err[-500:])
    assert live == list(range(live[0], live[0] + len(live))), "live tail skipped or repeated lines"

    # `aws logs tail` of AWS CLI v2 (Debian's awscli): the group's lines, then --follow's new ones
    printed = aws_v2(box, "logs", "tail", group, "--since", "1h")
    assert printed.returncode == 0, printed.stderr
    assert f"{stream} hello stdout" in printed.stdout, printed.stdout[-500:]
    newest_before = max(sequence(logs, group, stream))
    following = subprocess.Popen(
        [AWS_CLI_V2, "--endpoint-url", box.server.endpoint, "logs", "tail", group, "--follow", "--format",
         "short", "--filter-pattern", "seq"],
        env=cli_env(box), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    time.sleep(6)
    following.terminate()
    out, err = following.communicate(timeout=20)
    followed = [int(line.split()[-1]) for line in out.splitlines() if " seq " in line]
    assert followed and max(followed) > newest_before + 5, (newest_before, out[-500:], err[-500:])
    assert followed == list(range(followed[0], followed[0] + len(followed))), (
        "tail --follow skipped or repeated"
    )
    lab.stop(task["taskArn"])
    lab.wait_stopped(task["taskArn"])


def test_no_gap_and_no_duplicate_across_kill_9(box: Box) -> None:
    lab = box.lab
    group = "/ecs/e2e-restart"
    box.logs.create_log_group(logGroupName=group)
    definition = lab.register(
        [container_def("counter", COUNTER, logConfiguration=awslogs(group))], executionRoleArn=EXECUTION_ROLE
    )
    task = lab.run_one(definition)
    stream = f"ecs/counter/{task['taskArn'].rsplit('/', 1)[-1]}"
    lab.wait_running(task["taskArn"])
    wait_messages(box.logs, group, stream, lambda m: len(m) >= 10)
    box.restart()  # kill -9 mid-stream; the container keeps printing while the server is away
    time.sleep(1)
    wait_messages(box.logs, group, stream, lambda m: len(m) >= 60)
    lab.stop(task["taskArn"])
    lab.wait_stopped(task["taskArn"])
    numbers = sequence(box.logs, group, stream)
    assert numbers == list(range(1, len(numbers) + 1)), f"gap or duplicate: {numbers}"
    assert len(numbers) >= 60


def test_missing_group_fails_the_task_and_multiline_joins(box: Box) -> None:
    lab = box.lab
    missing = lab.register(
        [container_def("app", "echo hi", logConfiguration=awslogs("/ecs/never-made"))],
        executionRoleArn=EXECUTION_ROLE,
    )
    stopped = lab.wait_stopped(lab.run_one(missing)["taskArn"])
    assert stopped["stopCode"] == "TaskFailedToStart", summary(stopped)
    reason = by_name(stopped, "app")["reason"]
    assert re.match(
        r"CannotStartContainerError: Error response from daemon: failed to initialize logging driver: "
        r"failed to create Cloudwatch log stream: ResourceNotFoundException: "
        r"The specified log group does not exist\. status code: 400, request id: [0-9a-f-]{36}$",
        reason,
    ), reason

    group = "/ecs/e2e-multiline"
    box.logs.create_log_group(logGroupName=group)
    script = "printf 'INFO start\\n  at one\\n  at two\\nINFO next\\n'; sleep 30"
    definition = lab.register(
        [
            container_def(
                "app", script, logConfiguration=awslogs(group, **{"awslogs-multiline-pattern": "^INFO"})
            )
        ],
        executionRoleArn=EXECUTION_ROLE,
    )
    task = lab.run_one(definition)
    stream = f"ecs/app/{task['taskArn'].rsplit('/', 1)[-1]}"
    messages = wait_messages(box.logs, group, stream, lambda m: len(m) >= 2)
    assert messages == ["INFO start\n  at one\n  at two", "INFO next"]
    lab.stop(task["taskArn"])
    lab.wait_stopped(task["taskArn"])


def test_a_fast_exiting_chatty_container_keeps_every_line(box: Box) -> None:
    """Docker ends a follow at the container's exit, before the log's end for a fast writer: the
    collector reads the stopped container's log to its end (the task is STOPPED only after)."""
    lab = box.lab
    group = "/ecs/e2e-chatty"
    box.logs.create_log_group(logGroupName=group)
    lines = 50_000
    definition = lab.register(
        [
            container_def(
                "chatty",
                f"seq 1 {lines}",
                # a small blocking buffer keeps the collector well behind the writer
                logConfiguration=awslogs(group, mode="blocking", **{"max-buffer-size": "16k"}),
            )
        ],
        executionRoleArn=EXECUTION_ROLE,
    )
    task = lab.run_one(definition)
    stream = f"ecs/chatty/{task['taskArn'].rsplit('/', 1)[-1]}"
    lab.wait_stopped(task["taskArn"])
    numbers: list[int] = []
    reply = box.logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True)
    while reply["events"]:
        numbers += [int(e["message"]) for e in reply["events"]]
        reply = box.logs.get_log_events(
            logGroupName=group, logStreamName=stream, nextToken=reply["nextForwardToken"]
        )
    gap = next((a for a, b in itertools.pairwise(numbers) if b != a + 1), None)
    assert numbers == list(range(1, lines + 1)), f"{len(numbers)} of {lines} lines, first gap after {gap}"
