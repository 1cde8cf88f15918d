"""Generated input for every ECR operation botocore models: a success or a 4xx, never a fault.

Parameters come from botocore's shapes (`values_for`), sent without client-side validation; the
members naming a repository are often replaced by ones that exist (one with a lifecycle policy
and a repository policy), so the handlers get past the lookups. Operations skiff does not serve
answer 400 UnsupportedOperation.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import botocore.session
import pytest
from botocore import xform_name
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.shape_strategies import values_for

REGION = "ap-southeast-2"
FAULT_CODES = frozenset({"ServerException", "InternalFailure", "InternalError", "InternalServerError"})
OPERATIONS = sorted(botocore.session.get_session().get_service_model("ecr").operation_names)
NAMES = ["fuzz/app", "fuzz/empty", "nope", "UPPER"]
ARNS = [f"arn:aws:ecr:{REGION}:000000000000:repository/fuzz/app", "arn:aws:ecr:x", "not-an-arn"]
KEEP_THREE = {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 3}
POLICIES = [
    json.dumps({"rules": [{"rulePriority": 1, "selection": KEEP_THREE, "action": {"type": "expire"}}]}),
    "{}",
    "not json",
    json.dumps({"rules": [{"rulePriority": "x"}]}),
]
FUZZ = settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def ecr(client_factory: Callable[..., Any]) -> Any:
    client = client_factory("ecr", region=REGION, parameter_validation=False)
    client.create_repository(repositoryName="fuzz/app", tags=[{"Key": "k", "Value": "v"}])
    client.create_repository(repositoryName="fuzz/empty", imageTagMutability="IMMUTABLE")
    client.put_lifecycle_policy(repositoryName="fuzz/app", lifecyclePolicyText=POLICIES[0])
    client.set_repository_policy(
        repositoryName="fuzz/app", policyText='{"Version":"2012-10-17","Statement":[]}'
    )
    return client


@st.composite
def requests(draw: st.DrawFn, client: Any, operation: str) -> dict[str, Any]:
    shape = client.meta.service_model.operation_model(operation).input_shape
    params: dict[str, Any] = draw(values_for(shape)) if shape is not None else {}
    choices = {
        "repositoryName": st.sampled_from(NAMES),
        "repositoryNames": st.lists(st.sampled_from(NAMES), min_size=1, max_size=3),
        "resourceArn": st.sampled_from(ARNS),
        "lifecyclePolicyText": st.sampled_from(POLICIES),
        "registryId": st.just("000000000000"),
    }
    for member, strategy in choices.items():
        if shape is not None and member in shape.members and draw(st.booleans()):
            params[member] = draw(strategy)
    if operation == "DeleteRepository":
        params["repositoryName"] = "nope"  # keep the repositories the others need
    return params


@pytest.mark.parametrize("operation", OPERATIONS)
def test_generated_input_never_faults(ecr: Any, operation: str) -> None:
    @FUZZ
    @given(params=requests(ecr, operation))
    def run(params: dict[str, Any]) -> None:
        try:
            reply = getattr(ecr, xform_name(operation))(**params)
        except ClientError as error:
            status = error.response["ResponseMetadata"]["HTTPStatusCode"]
            code = error.response["Error"]["Code"]
            assert 400 <= status < 500 and code and code not in FAULT_CODES, (
                operation,
                params,
                error.response,
            )
            return
        assert reply["ResponseMetadata"]["HTTPStatusCode"] == 200

    run()
