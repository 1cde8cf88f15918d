"""The real aws CLI (v1) against skiff, including the README's first steps as printed."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import AWS_CLI, REPO


def readme_first_steps() -> str:
    text = (REPO / "README.md").read_text()
    section = text.split("## First steps", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None
    return block.group(1)


@pytest.mark.e2e
def test_readme_first_steps_work_as_printed(endpoint: str, tmp_path: Path) -> None:
    """The block runs in bash as printed; only the endpoint is the test server's."""
    script = readme_first_steps().replace("http://127.0.0.1:4620", endpoint)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(PATH=f"{Path(AWS_CLI).parent}:{env.get('PATH', '')}", HOME=str(tmp_path))
    proc = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Hello from skiff" in proc.stdout
    assert '"STOPPED"' in proc.stdout
    assert "Task stopped by user" in proc.stdout


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
