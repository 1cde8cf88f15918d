"""Fixtures of the Cloud Map API tests: a client per region of their own, a namespace ready to use.

DiscoverInstances carries the model's `data-` host prefix, which an IP endpoint cannot take:
clients here (and the CLI runs) set AWS_DISABLE_HOST_PREFIX_INJECTION, as the README tells users.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

import pytest

REGION = "eu-west-3"


@pytest.fixture(scope="module", autouse=True)
def no_host_prefix() -> Iterator[None]:
    with mock.patch.dict(os.environ, {"AWS_DISABLE_HOST_PREFIX_INJECTION": "true"}):
        yield


@pytest.fixture(scope="module")
def sd(client_factory: Callable[..., Any], no_host_prefix: None) -> Any:
    return client_factory("servicediscovery", region=REGION)


@pytest.fixture(scope="module")
def vpc_id(client_factory: Callable[..., Any]) -> str:
    vpcs = client_factory("ec2", region=REGION).describe_vpcs()["Vpcs"]
    return str(next(v["VpcId"] for v in vpcs if v["IsDefault"]))


def wait_operation(sd: Any, operation_id: str, timeout: float = 10) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        operation: dict[str, Any] = sd.get_operation(OperationId=operation_id)["Operation"]
        if operation["Status"] in ("SUCCESS", "FAIL") or time.monotonic() > deadline:
            return operation
        time.sleep(0.1)
