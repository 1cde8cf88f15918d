"""Fuzzing every Cloud Map operation in botocore's model against a live skiff server: zero 5xx.

Three kinds of input per operation: valid-shaped parameters (ids often swapped for ones that exist,
so the handlers get past their lookups), corrupted parameters (wrong types, nulls, out-of-range
values), both through boto3 without client-side validation; and raw awsJson bodies (random JSON,
bytes, nasty values under every member). Every reply is a success or a 4xx with an error code.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

import pytest
from hypothesis import strategies as st

from tests.api.fuzz_suite import JsonFuzzSuite, operations_of, substitute

REGION = "ap-south-2"
TARGET_PREFIX = "Route53AutoNaming_v20170314"


@pytest.fixture(scope="module")
def world(client_factory: Callable[..., Any]) -> Iterator[dict[str, Any]]:
    with mock.patch.dict(os.environ, {"AWS_DISABLE_HOST_PREFIX_INJECTION": "true"}):
        sd = client_factory("servicediscovery", region=REGION, parameter_validation=False)
        vpc = client_factory("ec2", region=REGION).describe_vpcs()["Vpcs"][0]["VpcId"]
        operation = sd.create_private_dns_namespace(Name="fuzz.local", Vpc=vpc)["OperationId"]
        namespace = sd.get_operation(OperationId=operation)["Operation"]["Targets"]["NAMESPACE"]
        http_op = sd.create_http_namespace(Name="fuzz-http")["OperationId"]
        service = sd.create_service(
            Name="fuzz-svc",
            DnsConfig={
                "NamespaceId": namespace,
                "DnsRecords": [{"Type": "A", "TTL": 5}, {"Type": "SRV", "TTL": 5}],
            },
            HealthCheckCustomConfig={"FailureThreshold": 1},
        )["Service"]
        sd.register_instance(
            ServiceId=service["Id"],
            InstanceId="fuzz-1",
            Attributes={"AWS_INSTANCE_IPV4": "10.7.0.1", "AWS_INSTANCE_PORT": "80"},
        )
        yield {
            "client": sd,
            "ids": {
                "namespace": [
                    namespace,
                    f"arn:aws:servicediscovery:{REGION}:000000000000:namespace/{namespace}",
                ],
                "service": [service["Id"], service["Arn"]],
                "operation": [operation, http_op],
                "arn": [
                    service["Arn"],
                    f"arn:aws:servicediscovery:{REGION}:000000000000:namespace/{namespace}",
                ],
            },
        }


OPERATIONS = operations_of("servicediscovery")


def choose(
    draw: st.DrawFn, shape: Any, params: dict[str, Any], world: dict[str, Any], op: str
) -> dict[str, Any]:
    ids = world["ids"]
    members = {
        "Id": ids["namespace"] + ids["service"],
        "NamespaceId": ids["namespace"],
        "ServiceId": ids["service"],
        "OperationId": ids["operation"],
        "ResourceARN": ids["arn"],
        "InstanceId": ["fuzz-1", "fuzz-2"],
        "NamespaceName": ["fuzz.local", "fuzz-http"],
        "ServiceName": ["fuzz-svc"],
    }
    return substitute(draw, shape, params, members)


SUITE = JsonFuzzSuite(TARGET_PREFIX, choose=choose, environment={"AWS_DISABLE_HOST_PREFIX_INJECTION": "true"})
test_generated_input, test_corrupted_input, test_raw_bodies, test_special_bodies = SUITE.tests(OPERATIONS)
