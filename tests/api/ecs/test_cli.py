"""The real aws CLI (v1) against skiff, including the README's first steps as printed."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

from tests.conftest import REPO


def readme_first_steps() -> list[list[str]]:
    text = (REPO / "README.md").read_text()
    section = text.split("## First steps", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None
    return [shlex.split(line) for line in block.group(1).splitlines() if line.startswith("aws ")]


def test_readme_first_steps_work_as_printed(aws: Any, tmp_path: Path) -> None:
    steps = readme_first_steps()
    assert len(steps) >= 5
    for argv in steps:
        result = aws(*argv[1:], "--output", "json")
        assert result.returncode == 0
    described = json.loads(aws("ecs", "describe-task-definition", "--task-definition", "hello:1").stdout)
    assert described["taskDefinition"]["cpu"] == "256"
    assert described["taskDefinition"]["memory"] == "512"
    assert described["taskDefinition"]["status"] == "INACTIVE"


def test_cli_create_and_list_clusters(aws: Any) -> None:
    created = json.loads(aws("ecs", "create-cluster", "--cluster-name", "cli-cluster").stdout)
    assert created["cluster"]["status"] == "ACTIVE"
    listed = json.loads(aws("ecs", "list-clusters").stdout)
    assert created["cluster"]["clusterArn"] in listed["clusterArns"]


def test_cli_reports_fargate_errors_as_aws_does(aws: Any, tmp_path: Path) -> None:
    definition = json.loads((REPO / "examples/first-steps/task-definition.json").read_text())
    definition.update(family="cli-bad", cpu="256", memory="4096")
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(definition))
    result = aws("ecs", "register-task-definition", "--cli-input-json", f"file://{path}", check=False)
    assert result.returncode == 255  # aws CLI v1: service error
    assert (
        "An error occurred (ClientException) when calling the RegisterTaskDefinition operation: "
        "No Fargate configuration exists for given values." in result.stderr
    )


def test_cli_describe_missing_task_definition(aws: Any) -> None:
    result = aws("ecs", "describe-task-definition", "--task-definition", "nothing-here", check=False)
    assert result.returncode == 255  # aws CLI v1: service error
    assert "(ClientException)" in result.stderr
    assert "Unable to describe task definition." in result.stderr


def test_cli_deregister_and_list_families(aws: Any) -> None:
    aws(
        "ecs",
        "register-task-definition",
        "--family",
        "cli-fam",
        "--container-definitions",
        '[{"name":"a","image":"busybox","memory":64}]',
    )
    families = json.loads(aws("ecs", "list-task-definition-families", "--family-prefix", "cli-").stdout)
    assert "cli-fam" in families["families"]
    gone = json.loads(aws("ecs", "deregister-task-definition", "--task-definition", "cli-fam:1").stdout)
    assert gone["taskDefinition"]["status"] == "INACTIVE"
