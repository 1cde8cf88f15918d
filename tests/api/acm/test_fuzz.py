"""Fuzzing every ACM operation in botocore's model against a live skiff server: zero 5xx.

Valid-shaped and corrupted parameters through boto3 without client-side validation (the
certificate ARN often one that exists, PEM members often real PEM), and raw awsJson bodies.
Every reply is a success or a 4xx with an error code; operations skiff does not serve answer
UnsupportedOperation (400).
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

from tests.api.test_fuzz_ecs import check_raw, corrupted_params, post_raw, raw_bodies
from tests.shape_strategies import values_for

REGION = "eu-west-2"
FAULT_CODES = frozenset({"ServerException", "InternalFailure", "InternalError", "InternalServerError"})
FUZZ = settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
OPERATIONS = sorted(botocore.session.get_session().get_service_model("acm").operation_names)


@pytest.fixture(scope="module")
def world(client_factory: Callable[..., Any]) -> dict[str, Any]:
    acm = client_factory("acm", region=REGION, parameter_validation=False)
    arn = acm.request_certificate(DomainName="fuzz.example.test", KeyAlgorithm="EC_prime256v1")[
        "CertificateArn"
    ]
    pem = acm.get_certificate(CertificateArn=arn)
    return {
        "client": acm,
        "arn": arn,
        "pem": pem["Certificate"].encode(),
        "chain": pem["CertificateChain"].encode(),
    }


def choose(
    draw: st.DrawFn, shape: Any, params: dict[str, Any], world: dict[str, Any], operation: str
) -> dict[str, Any]:
    values = {
        "CertificateArn": [world["arn"], world["arn"][:-3] + "abc"],
        "Certificate": [world["pem"], world["chain"], world["pem"] + world["chain"]],
        "CertificateChain": [world["chain"], b"junk"],
        "PrivateKey": [b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"],
        "DomainName": ["a.example.test", "*.example.test"],
    }
    for member, choices in values.items():
        if shape is not None and member in shape.members and draw(st.booleans()):
            params[member] = draw(st.sampled_from(choices))
    if operation == "DeleteCertificate":
        params["CertificateArn"] = world["arn"][:-3] + "abc"  # keep the one the others need
    return params


def check(client: Any, operation: str, params: Any) -> None:
    sent: list[bool] = []

    def mark(**_: Any) -> None:
        sent.append(True)

    client.meta.events.register("before-send.acm", mark)
    try:
        reply = getattr(client, xform_name(operation))(**params)
    except ClientError as error:
        status = error.response["ResponseMetadata"]["HTTPStatusCode"]
        code = error.response["Error"]["Code"]
        assert 400 <= status < 500 and code and code not in FAULT_CODES, (operation, params, error.response)
        return
    except Exception:
        if not sent:
            return  # botocore could not serialize it: nothing was sent
        raise
    finally:
        client.meta.events.unregister("before-send.acm", mark)
    assert reply["ResponseMetadata"]["HTTPStatusCode"] == 200


@pytest.mark.parametrize("operation", OPERATIONS)
@FUZZ
@given(data=st.data())
def test_generated_input(world: dict[str, Any], operation: str, data: st.DataObject) -> None:
    client = world["client"]
    shape = client.meta.service_model.operation_model(operation).input_shape
    params = data.draw(values_for(shape)) if shape is not None else {}
    check(client, operation, choose(data.draw, shape, params, world, operation))


@pytest.mark.parametrize("operation", OPERATIONS)
@FUZZ
@given(data=st.data())
def test_corrupted_input(world: dict[str, Any], operation: str, data: st.DataObject) -> None:
    client = world["client"]
    shape = client.meta.service_model.operation_model(operation).input_shape
    params = data.draw(corrupted_params(shape))
    if operation == "DeleteCertificate":
        params["CertificateArn"] = world["arn"][:-3] + "abc"
    check(client, operation, params)


@pytest.mark.parametrize("operation", OPERATIONS)
@FUZZ
@given(data=st.data())
def test_raw_bodies(endpoint: str, world: dict[str, Any], operation: str, data: st.DataObject) -> None:
    shape = world["client"].meta.service_model.operation_model(operation).input_shape
    body = data.draw(raw_bodies(shape))
    check_raw(post_raw(endpoint, f"CertificateManager.{operation}", body), f"{operation} with {body[:200]!r}")
