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

import pytest
from hypothesis import strategies as st

from tests.api.application_autoscaling.conftest import DIMENSION, make_service
from tests.api.fuzz_suite import JsonFuzzSuite, operations_of, substitute

REGION = "ap-northeast-3"
TARGET_PREFIX = "AnyScaleFrontendService"
OPERATIONS = operations_of("application-autoscaling")


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


def choose(
    draw: st.DrawFn, shape: Any, params: dict[str, Any], world: dict[str, Any], op: str
) -> dict[str, Any]:
    members: dict[str, list[Any]] = {
        "ServiceNamespace": ["ecs"],
        "ResourceId": [world["resource"], "service/none/none"],
        "ScalableDimension": [DIMENSION],
        "ResourceARN": [world["arn"]],
        "PolicyName": ["fuzz-step", "fuzz-other"],
        "ResourceIds": [[world["resource"]]],
    }
    return substitute(draw, shape, params, members)


SUITE = JsonFuzzSuite(TARGET_PREFIX, choose=choose)
test_generated_input, test_corrupted_input, test_raw_bodies, test_special_bodies = SUITE.tests(OPERATIONS)
