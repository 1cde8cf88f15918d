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

import pytest
from hypothesis import strategies as st

from tests.api.fuzz_suite import JsonFuzzSuite, operations_of, substitute

REGION = "ap-southeast-3"
TARGET_PREFIX = "GraniteServiceVersion20100801"
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


OPERATIONS = operations_of("cloudwatch")


def choose(
    draw: st.DrawFn, shape: Any, params: dict[str, Any], world: dict[str, Any], op: str
) -> dict[str, Any]:
    members: dict[str, list[Any]] = {
        "AlarmName": ["fuzz-alarm", "nothere"],
        "AlarmNames": [["fuzz-alarm"], ["fuzz-alarm", "nothere"]],
        "ResourceARN": [ARN],
        "Namespace": ["Fuzz"],
        "MetricName": ["Load"],
    }
    return substitute(draw, shape, params, members)


SUITE = JsonFuzzSuite(TARGET_PREFIX, choose=choose)
test_generated_input, test_corrupted_input, test_raw_bodies, test_special_bodies = SUITE.tests(OPERATIONS)
