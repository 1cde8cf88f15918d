"""Fuzzing every Application Auto Scaling operation in botocore's model against a live skiff
server: zero 5xx.

Three kinds of input per operation: valid-shaped parameters (the namespace, resource id,
dimension and ARNs often swapped for ones that exist, so the handlers get past their lookups),
corrupted parameters (wrong types, nulls, out-of-range values), both through boto3 without
client-side validation; and raw awsJson bodies (random JSON, bytes, nasty values under every
member). Every reply is a success or a 4xx with an error code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import botocore.session
import pytest
from botocore import xform_name
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.application_autoscaling.conftest import DIMENSION, make_service
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

REGION = "ap-northeast-3"
TARGET_PREFIX = "AnyScaleFrontendService"
FAULT_CODES = frozenset({"ServerException", "InternalFailure", "InternalError", "InternalServerError",
                         "InternalServiceException"})  # fmt: skip
FUZZ = settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
OPERATIONS = sorted(
    botocore.session.get_session().get_service_model("application-autoscaling").operation_names
)


@pytest.fixture(scope="module")
def world(client_factory: Callable[..., Any]) -> dict[str, Any]:
    client = client_factory("application-autoscaling", region=REGION, parameter_validation=False)
    ecs = client_factory("ecs", region=REGION)
    resource = make_service(ecs, lambda service, region=REGION, **kw: client_factory(service, region=REGION))
    arn = client.register_scalable_target(
        ServiceNamespace="ecs", ResourceId=resource, ScalableDimension=DIMENSION, MinCapacity=0, MaxCapacity=0
    )["ScalableTargetARN"]
    client.put_scaling_policy(
        PolicyName="fuzz-step", ServiceNamespace="ecs", ResourceId=resource, ScalableDimension=DIMENSION,
        StepScalingPolicyConfiguration={
            "AdjustmentType": "ChangeInCapacity",
            "StepAdjustments": [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}],
        },
    )  # fmt: skip
    return {"client": client, "resource": resource, "arn": arn}


def choose(draw: st.DrawFn, world: dict[str, Any], shape: Any, params: dict[str, Any]) -> dict[str, Any]:
    members: dict[str, list[Any]] = {
        "ServiceNamespace": ["ecs"],
        "ResourceId": [world["resource"], "service/none/none"],
        "ScalableDimension": [DIMENSION],
        "ResourceARN": [world["arn"]],
        "PolicyName": ["fuzz-step", "fuzz-other"],
        "ResourceIds": [[world["resource"]]],
    }
    for member, values in members.items():
        if shape is not None and member in shape.members and draw(st.booleans()):
            params[member] = draw(st.sampled_from(values))
    return params


def check(client: Any, operation: str, params: Any) -> None:
    sent: list[bool] = []

    def mark(**_: Any) -> None:
        sent.append(True)

    client.meta.events.register("before-send.application-autoscaling", mark)
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
        client.meta.events.unregister("before-send.application-autoscaling", mark)
    assert reply["ResponseMetadata"]["HTTPStatusCode"] == 200


@pytest.mark.parametrize("operation", OPERATIONS)
@FUZZ
@given(data=st.data())
def test_generated_input(world: dict[str, Any], operation: str, data: st.DataObject) -> None:
    client = world["client"]
    shape = client.meta.service_model.operation_model(operation).input_shape
    params = data.draw(values_for(shape)) if shape is not None else {}
    check(client, operation, choose(data.draw, world, shape, params))


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
