"""IAM and STS clients for the API tests, a trust policy, and an error-reply check."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

ECS_TASKS_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "",
            "Effect": "Allow",
            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
TRUST_TEXT = json.dumps(ECS_TASKS_TRUST, indent=2)
TASK_EXECUTION_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def iam(client_factory: Callable[..., Any]) -> Any:
    return client_factory("iam")


@pytest.fixture(scope="session")
def iam_unchecked(client_factory: Callable[..., Any]) -> Any:
    """An IAM client that sends what botocore would refuse, so that the server's checks are seen."""
    return client_factory("iam", parameter_validation=False)


@pytest.fixture(scope="session")
def sts_unchecked(client_factory: Callable[..., Any]) -> Any:
    return client_factory("sts", parameter_validation=False)


@pytest.fixture(scope="session")
def sts(client_factory: Callable[..., Any]) -> Any:
    return client_factory("sts")


@pytest.fixture
def role(iam: Any) -> str:
    """A fresh role's name."""
    name = unique("role")
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST_TEXT)
    return name


def assert_error(
    info: pytest.ExceptionInfo[ClientError], code: str, status: int, message: str | None = None
) -> None:
    error = info.value.response["Error"]
    assert error["Code"] == code, error
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    if message is not None:
        assert error["Message"] == message
