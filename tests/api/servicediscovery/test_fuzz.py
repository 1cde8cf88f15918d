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

REGION = "ap-south-2"
TARGET_PREFIX = "Route53AutoNaming_v20170314"
FAULT_CODES = frozenset({"ServerException", "InternalFailure", "InternalError", "InternalServerError"})
FUZZ = settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))


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


OPERATIONS = sorted(botocore.session.get_session().get_service_model("servicediscovery").operation_names)


def choose(draw: st.DrawFn, ids: dict[str, list[str]], shape: Any, params: dict[str, Any]) -> dict[str, Any]:
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
    for member, values in members.items():
        if shape is not None and member in shape.members and draw(st.booleans()):
            params[member] = draw(st.sampled_from(values))
    return params


def check(client: Any, operation: str, params: Any) -> None:
    sent: list[bool] = []

    def mark(**_: Any) -> None:
        sent.append(True)

    client.meta.events.register("before-send.servicediscovery", mark)
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
        client.meta.events.unregister("before-send.servicediscovery", mark)
    assert reply["ResponseMetadata"]["HTTPStatusCode"] == 200


@pytest.mark.parametrize("operation", OPERATIONS)
@FUZZ
@given(data=st.data())
def test_generated_input(world: dict[str, Any], operation: str, data: st.DataObject) -> None:
    client = world["client"]
    shape = client.meta.service_model.operation_model(operation).input_shape
    params = data.draw(values_for(shape)) if shape is not None else {}
    params = choose(data.draw, world["ids"], shape, params)
    with mock.patch.dict(os.environ, {"AWS_DISABLE_HOST_PREFIX_INJECTION": "true"}):
        check(client, operation, params)


@pytest.mark.parametrize("operation", OPERATIONS)
@FUZZ
@given(data=st.data())
def test_corrupted_input(world: dict[str, Any], operation: str, data: st.DataObject) -> None:
    client = world["client"]
    shape = client.meta.service_model.operation_model(operation).input_shape
    params = data.draw(corrupted_params(shape))
    with mock.patch.dict(os.environ, {"AWS_DISABLE_HOST_PREFIX_INJECTION": "true"}):
        check(client, operation, params)


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
