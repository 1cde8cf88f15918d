"""Fuzzing every CloudWatch operation in botocore's model against a live skiff server: zero 5xx.

Three kinds of input per operation: valid-shaped parameters (alarm names and ARNs often swapped
for ones that exist, so handlers get past their lookups), corrupted parameters (wrong types,
nulls, out-of-range values), both through boto3 (rpc-v2-cbor) without client-side validation;
and raw awsJson bodies (random JSON, bytes, nasty values under every member). Every reply is a
success or a 4xx with an error code.
"""

from __future__ import annotations

import datetime as dt
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

REGION = "ap-southeast-3"
TARGET_PREFIX = "GraniteServiceVersion20100801"
FAULT_CODES = frozenset(
    {"ServerException", "InternalFailure", "InternalError", "InternalServerError", "InternalServiceError"}
)
FUZZ = settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
ARN = f"arn:aws:cloudwatch:{REGION}:000000000000:alarm:fuzz-alarm"


@pytest.fixture(scope="module")
def world(client_factory: Callable[..., Any]) -> Iterator[dict[str, Any]]:
    cw = client_factory("cloudwatch", region=REGION, parameter_validation=False)
    cw.put_metric_data(
        Namespace="Fuzz",
        MetricData=[
            {
                "MetricName": "Load",
                "Value": float(i),
                "Timestamp": dt.datetime.now(dt.UTC) - dt.timedelta(minutes=i),
            }
            for i in range(5)
        ],
    )
    cw.put_metric_alarm(
        AlarmName="fuzz-alarm",
        Namespace="Fuzz",
        MetricName="Load",
        Statistic="Average",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1.0,
        ComparisonOperator="GreaterThanThreshold",
    )
    yield {"client": cw}


OPERATIONS = sorted(botocore.session.get_session().get_service_model("cloudwatch").operation_names)


def choose(draw: st.DrawFn, shape: Any, params: dict[str, Any]) -> dict[str, Any]:
    members: dict[str, list[Any]] = {
        "AlarmName": ["fuzz-alarm", "nothere"],
        "AlarmNames": [["fuzz-alarm"], ["fuzz-alarm", "nothere"]],
        "ResourceARN": [ARN],
        "Namespace": ["Fuzz"],
        "MetricName": ["Load"],
    }
    for member, values in members.items():
        if shape is not None and member in shape.members and draw(st.booleans()):
            params[member] = draw(st.sampled_from(values))
    return params


def check(client: Any, operation: str, params: Any) -> None:
    sent: list[bool] = []

    def mark(**_: Any) -> None:
        sent.append(True)

    client.meta.events.register("before-send.cloudwatch", mark)
    try:
        reply = getattr(client, xform_name(operation))(**params)
    except ClientError as error:
        status = error.response["ResponseMetadata"]["HTTPStatusCode"]
        code = error.response["Error"]["Code"]
        assert 400 <= status < 500 and code and code not in FAULT_CODES, (operation, params, error.response)
        return
    except Exception:
        if not sent:
            return  # botocore could not serialize it: nothing reached skiff
        raise
    finally:
        client.meta.events.unregister("before-send.cloudwatch", mark)
    assert reply["ResponseMetadata"]["HTTPStatusCode"] == 200


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
