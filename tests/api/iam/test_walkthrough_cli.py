"""The seed walkthrough's IAM commands, run as written with the real aws CLI (v1)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.api.iam.conftest import ECS_TASKS_TRUST, TASK_EXECUTION_POLICY


def _forget_role(iam: Any, name: str) -> None:
    """Make the walkthrough repeatable against a long-running server (SKIFF_TEST_ENDPOINT)."""
    try:
        attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    except iam.exceptions.NoSuchEntityException:
        return
    for policy in attached:
        iam.detach_role_policy(RoleName=name, PolicyArn=policy["PolicyArn"])
    iam.delete_role(RoleName=name)


def test_seed_walkthrough_iam_commands(
    aws: Callable[..., Any], iam: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _forget_role(iam, "ecsTaskExecutionRole")
    (tmp_path / "ecs-tasks-trust-policy.json").write_text(json.dumps(ECS_TASKS_TRUST, indent=2))
    monkeypatch.chdir(tmp_path)  # the CLI reads file:// paths relative to its working directory
    role_arn = aws(
        "iam",
        "create-role",
        "--role-name",
        "ecsTaskExecutionRole",
        "--assume-role-policy-document",
        "file://ecs-tasks-trust-policy.json",
        "--query",
        "Role.Arn",
        "--output",
        "text",
    ).stdout.strip()
    assert role_arn == "arn:aws:iam::000000000000:role/ecsTaskExecutionRole"
    policy_arn = aws(
        "iam",
        "list-policies",
        "--scope",
        "AWS",
        "--query",
        "Policies[?PolicyName=='AmazonECSTaskExecutionRolePolicy'].Arn",
        "--output",
        "text",
    ).stdout.strip()
    assert policy_arn == TASK_EXECUTION_POLICY
    result = aws(
        "iam", "attach-role-policy", "--role-name", "ecsTaskExecutionRole", "--policy-arn", policy_arn
    )
    assert result.stdout == ""
    attached = json.loads(
        aws("iam", "list-attached-role-policies", "--role-name", "ecsTaskExecutionRole").stdout
    )
    assert attached["AttachedPolicies"] == [
        {"PolicyName": "AmazonECSTaskExecutionRolePolicy", "PolicyArn": TASK_EXECUTION_POLICY}
    ]
    role = json.loads(aws("iam", "get-role", "--role-name", "ecsTaskExecutionRole").stdout)["Role"]
    assert role["AssumeRolePolicyDocument"] == ECS_TASKS_TRUST
    assert role["RoleId"].startswith("AROA")


def test_cli_errors_name_iam_codes(aws: Callable[..., Any]) -> None:
    result = aws("iam", "get-role", "--role-name", "no-such-role-cli", check=False)
    assert result.returncode != 0
    assert "(NoSuchEntity)" in result.stderr
    assert "The role with name no-such-role-cli cannot be found." in result.stderr


def test_cli_get_caller_identity(aws: Callable[..., Any]) -> None:
    identity = json.loads(aws("sts", "get-caller-identity").stdout)
    assert identity == {
        "UserId": "000000000000",
        "Account": "000000000000",
        "Arn": "arn:aws:iam::000000000000:root",
    }
