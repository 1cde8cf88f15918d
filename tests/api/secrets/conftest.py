"""Secrets Manager and SSM clients for the API tests, and an error-reply check."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def sm(client_factory: Callable[..., Any]) -> Any:
    return client_factory("secretsmanager")


@pytest.fixture(scope="session")
def ssm(client_factory: Callable[..., Any]) -> Any:
    return client_factory("ssm")


def assert_error(
    info: pytest.ExceptionInfo[ClientError], code: str, status: int = 400, message: str | None = None
) -> None:
    error = info.value.response["Error"]
    assert error["Code"] == code, error
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    if message is not None:
        assert error["Message"] == message
