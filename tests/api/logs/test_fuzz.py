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

import botocore.session
import pytest
from botocore import xform_name
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.test_fuzz_ecs import (
    MEMBER_SPECIALS,
    SPECIAL_BODIES,
    SPECIAL_VALUES,
    check_raw,
    corrupted_params,
    post_raw,
    raw_bodies,
    raw_problem,
)
from tests.shape_strategies import values_for

REGION = "sa-east-1"
TARGET_PREFIX = "Logs_20140328"
FAULT_CODES = frozenset({"ServerException", "InternalFailure", "InternalError", "InternalServerError"})
FUZZ = settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
GROUP = "/fuzz/app"
ARN = f"arn:aws:logs:{REGION}:000000000000:log-group:{GROUP}"

OPERATIONS = sorted(botocore.session.get_session().get_service_model("logs").operation_names)


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


def choose(draw: st.DrawFn, shape: Any, params: dict[str, Any]) -> dict[str, Any]:
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
    for member, values in members.items():
        if shape is not None and member in shape.members and draw(st.booleans()):
            params[member] = draw(st.sampled_from(values))
    return params


def check(client: Any, operation: str, params: Any) -> None:
    sent: list[bool] = []

    def mark(**_: Any) -> None:
        sent.append(True)

    client.meta.events.register("before-send.cloudwatch-logs", mark)
    try:
        reply = getattr(client, xform_name(operation))(**params)
    except ClientError as error:
        status = error.response["ResponseMetadata"]["HTTPStatusCode"]
        code = error.response["Error"]["Code"]
        assert 400 <= status < 500 and code and code not in FAULT_CODES, (operation, params, error.response)
        return
    except Exception:
        if not sent:
            return  # botocore could not serialize it (or put a host prefix on an IP): nothing sent
        raise
    finally:
        client.meta.events.unregister("before-send.cloudwatch-logs", mark)
    assert reply["ResponseMetadata"]["HTTPStatusCode"] == 200
    if "responseStream" in reply:  # a live tail session: end it
        reply["responseStream"].close()


@pytest.mark.parametrize("operation", OPERATIONS)
@FUZZ
@given(data=st.data())
def test_generated_input(world: dict[str, Any], operation: str, data: st.DataObject) -> None:
    client = world["client"]
    shape = client.meta.service_model.operation_model(operation).input_shape
    params = data.draw(values_for(shape)) if shape is not None else {}
    check(client, operation, choose(data.draw, shape, params))


@pytest.mark.parametrize("operation", OPERATIONS)
@FUZZ
@given(data=st.data())
def test_corrupted_input(world: dict[str, Any], operation: str, data: st.DataObject) -> None:
    client = world["client"]
    shape = client.meta.service_model.operation_model(operation).input_shape
    check(client, operation, data.draw(corrupted_params(shape)))


@pytest.mark.parametrize("operation", OPERATIONS)
@FUZZ
@given(data=st.data())
def test_raw_bodies(endpoint: str, world: dict[str, Any], operation: str, data: st.DataObject) -> None:
    shape = world["client"].meta.service_model.operation_model(operation).input_shape
    body = data.draw(raw_bodies(shape))
    check_raw(post_raw(endpoint, f"{TARGET_PREFIX}.{operation}", body), f"{operation} with {body[:200]!r}")


@pytest.mark.parametrize("operation", OPERATIONS)
def test_special_bodies(endpoint: str, world: dict[str, Any], operation: str) -> None:
    shape = world["client"].meta.service_model.operation_model(operation).input_shape
    bodies = list(SPECIAL_VALUES + SPECIAL_BODIES)
    for member in shape.members if shape is not None else []:
        bodies += [b'{"' + member.encode() + b'": ' + value + b"}" for value in MEMBER_SPECIALS]
    failures = [
        f"{body[:80]!r}: {problem}"
        for body in bodies
        if (problem := raw_problem(post_raw(endpoint, f"{TARGET_PREFIX}.{operation}", body))) is not None
    ]
    assert not failures, "\n".join(failures)
