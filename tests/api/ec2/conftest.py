"""EC2 clients for the API tests, and a helper that checks an EC2 error reply."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError


@pytest.fixture(scope="session")
def ec2(client_factory: Callable[..., Any]) -> Any:
    return client_factory("ec2")


def assert_error(info: pytest.ExceptionInfo[ClientError], code: str, message: str | None = None) -> None:
    error = info.value.response["Error"]
    assert error["Code"] == code, error
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    if message is not None:
        assert error["Message"] == message
