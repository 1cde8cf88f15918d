"""Generated input for every Secrets Manager and Parameter Store operation skiff serves.

Parameters come from botocore's shapes (`values_for`), sent without client-side validation; the
members that name a secret or parameter are often replaced with ones that exist (with selectors,
ARNs and partial ARNs), so the handlers get past the lookups. Whatever comes in, the reply is a
success or a 4xx with an error code, never an internal fault.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore import xform_name
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.shape_strategies import values_for

REGION = "ap-northeast-3"
FAULT_CODES = frozenset({"ServerException", "InternalFailure", "InternalError", "InternalServerError"})
SECRET_OPS = [
    "CreateSecret",
    "GetSecretValue",
    "PutSecretValue",
    "UpdateSecret",
    "DescribeSecret",
    "ListSecrets",
    "ListSecretVersionIds",
    "UpdateSecretVersionStage",
    "DeleteSecret",
    "RestoreSecret",
    "TagResource",
    "UntagResource",
    "GetRandomPassword",
    "BatchGetSecretValue",
]
SSM_OPS = [
    "PutParameter",
    "GetParameter",
    "GetParameters",
    "GetParametersByPath",
    "DescribeParameters",
    "DeleteParameter",
    "DeleteParameters",
    "GetParameterHistory",
    "LabelParameterVersion",
    "UnlabelParameterVersion",
    "AddTagsToResource",
    "RemoveTagsFromResource",
    "ListTagsForResource",
]
SECRET_IDS = [
    "fuzz/one",
    "fuzz/two",
    f"arn:aws:secretsmanager:{REGION}:000000000000:secret:fuzz/one",
    f"arn:aws:secretsmanager:{REGION}:000000000000:secret:fuzz/one-AAAAAA",
]
NAMES = [
    "/fuzz/a",
    "/fuzz/a:1",
    "/fuzz/a:prod",
    "/fuzz/a:",
    "fuzz",
    "/fuzz/b/c",
    f"arn:aws:ssm:{REGION}:0:parameter/x",
]
PATHS = ["/", "/fuzz", "/fuzz/", "fuzz", "/aws/service"]
FUZZ = settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def clients(client_factory: Callable[..., Any]) -> dict[str, Any]:
    sm = client_factory("secretsmanager", region=REGION, parameter_validation=False)
    ssm = client_factory("ssm", region=REGION, parameter_validation=False)
    sm.create_secret(Name="fuzz/one", SecretString="x")
    sm.create_secret(Name="fuzz/two", SecretBinary=b"y")
    ssm.put_parameter(Name="/fuzz/a", Value="v", Type="SecureString")
    ssm.put_parameter(Name="/fuzz/b/c", Value="w", Type="String")
    return {"secretsmanager": sm, "ssm": ssm}


@st.composite
def requests(draw: st.DrawFn, client: Any, operation: str) -> dict[str, Any]:
    shape = client.meta.service_model.operation_model(operation).input_shape
    params: dict[str, Any] = draw(values_for(shape)) if shape is not None else {}
    choices = {
        "SecretId": st.sampled_from(SECRET_IDS),
        "SecretIdList": st.lists(st.sampled_from(SECRET_IDS), min_size=1, max_size=3),
        "Name": st.sampled_from(NAMES),
        "Names": st.lists(st.sampled_from(NAMES), min_size=1, max_size=3),
        "Path": st.sampled_from(PATHS),
        "ResourceId": st.sampled_from(NAMES),
        "ResourceType": st.just("Parameter"),
    }
    for member, strategy in choices.items():
        if shape is not None and member in shape.members and draw(st.booleans()):
            params[member] = draw(strategy)
    return params


def check(client: Any, operation: str, params: dict[str, Any]) -> None:
    try:
        reply = getattr(client, xform_name(operation))(**params)
    except ClientError as error:
        status = error.response["ResponseMetadata"]["HTTPStatusCode"]
        code = error.response["Error"]["Code"]
        assert 400 <= status < 500 and code and code not in FAULT_CODES, (operation, params, error.response)
        return
    assert reply["ResponseMetadata"]["HTTPStatusCode"] == 200


@pytest.mark.parametrize(
    ("service", "operation"), [("secretsmanager", op) for op in SECRET_OPS] + [("ssm", op) for op in SSM_OPS]
)
def test_generated_input_never_faults(clients: dict[str, Any], service: str, operation: str) -> None:
    client = clients[service]

    @FUZZ
    @given(params=requests(client, operation))
    def run(params: dict[str, Any]) -> None:
        check(client, operation, params)

    run()
