"""Fuzzing every CloudWatch Logs operation in botocore's model against a live skiff server:
zero 5xx.

Three kinds of input per operation: valid-shaped parameters (group and stream names often
swapped for ones that exist, with events in them, so handlers get past their lookups and read
and filter real rows), corrupted parameters (wrong types, nulls, out-of-range values), both
through boto3 without client-side validation; and raw awsJson bodies. Every reply is a success
or a 4xx with an error code. Operations skiff does not serve answer UnsupportedOperation (400).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import strategies as st

from tests.api.fuzz_suite import JsonFuzzSuite, operations_of, substitute

REGION = "sa-east-1"
TARGET_PREFIX = "Logs_20140328"
GROUP = "/fuzz/app"
ARN = f"arn:aws:logs:{REGION}:000000000000:log-group:{GROUP}"

OPERATIONS = operations_of("logs")


@pytest.fixture(scope="module")
def world(client_factory: Callable[..., Any], no_host_prefix: None) -> Iterator[dict[str, Any]]:
    logs = client_factory("logs", region=REGION, parameter_validation=False)
    logs.create_log_group(logGroupName=GROUP)
    logs.create_log_stream(logGroupName=GROUP, logStreamName="web")
    now = int(time.time() * 1000)
    logs.put_log_events(
        logGroupName=GROUP,
        logStreamName="web",
        logEvents=[
            {"timestamp": now - 100 + i, "message": m} for i, m in enumerate(["a b", '{"x": 1}', "c"])
        ],
    )
    yield {"client": logs}


def choose(
    draw: st.DrawFn, shape: Any, params: dict[str, Any], world: dict[str, Any], op: str
) -> dict[str, Any]:
    members = {
        "logGroupName": [GROUP],
        "logGroupIdentifier": [GROUP, ARN, f"{ARN}:*"],
        "logGroupIdentifiers": [[ARN]],
        "logStreamName": ["web"],
        "logStreamNames": [["web"]],
        "resourceArn": [ARN],
        "nextToken": [
            "f/00000000000000000000000000000000000000000000000000000000/s",
            "b/1/s",
            "eyJhZnRlciI6WzFdfQ",
        ],
    }
    return substitute(draw, shape, params, members)


SUITE = JsonFuzzSuite(TARGET_PREFIX, choose=choose, examples=8)
test_generated_input, test_corrupted_input, test_raw_bodies, test_special_bodies = SUITE.tests(OPERATIONS)
