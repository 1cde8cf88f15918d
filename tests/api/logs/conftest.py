"""Fixtures of the CloudWatch Logs API tests: a client in a region of their own.

StartLiveTail and GetLogObject carry the model's `stream-` host prefix, which an IP endpoint
cannot take: clients here set AWS_DISABLE_HOST_PREFIX_INJECTION, as the README tells users.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

import pytest

REGION = "eu-north-1"


@pytest.fixture(scope="module", autouse=True)
def no_host_prefix() -> Iterator[None]:
    with mock.patch.dict(os.environ, {"AWS_DISABLE_HOST_PREFIX_INJECTION": "true"}):
        yield


@pytest.fixture(scope="module")
def logs(client_factory: Callable[..., Any], no_host_prefix: None) -> Any:
    return client_factory("logs", region=REGION)
