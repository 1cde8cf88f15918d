"""Fuzzing every ACM operation in botocore's model against a live skiff server: zero 5xx.

Valid-shaped and corrupted parameters through boto3 without client-side validation (the
certificate ARN often one that exists, PEM members often real PEM), and raw awsJson bodies.
Every reply is a success or a 4xx with an error code; operations skiff does not serve answer
UnsupportedOperation (400).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import strategies as st

from tests.api.fuzz_suite import JsonFuzzSuite, operations_of, substitute

REGION = "eu-west-2"
TARGET_PREFIX = "CertificateManager"
OPERATIONS = operations_of("acm")


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
    return substitute(draw, shape, params, values)


def pin(world: dict[str, Any], operation: str, params: dict[str, Any]) -> dict[str, Any]:
    if operation == "DeleteCertificate":
        params["CertificateArn"] = world["arn"][:-3] + "abc"  # keep the one the others need
    return params


SUITE = JsonFuzzSuite(TARGET_PREFIX, choose=choose, pin=pin, examples=8)
test_generated_input, test_corrupted_input, test_raw_bodies, test_special_bodies = SUITE.tests(OPERATIONS)
