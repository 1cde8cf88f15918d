"""Generated input for every EC2 operation skiff serves: only AWS-shaped errors come out.

Each implemented operation gets model-valid parameters (`values_for`), checked like the gateway
checks them, and is called on a provider over a fresh store. A handler may refuse the input
with an `AwsError`, but never raise anything else (which the gateway would turn into a 500).
Many values are random, so ids usually do not exist; a few examples reuse real ids from the
default network so that deeper code runs too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import botocore.session
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skiff.api.context import RequestContext
from skiff.api.errors import AwsError
from skiff.api.provider import snake_case
from skiff.api.validate import validate_input
from skiff.services.ec2.provider import Ec2Provider
from skiff.state.scope import Scope
from skiff.store import SqliteStore
from tests.shape_strategies import values_for

MODEL = botocore.session.get_session().get_service_model("ec2")
SERVED = [op for op in MODEL.operation_names if callable(getattr(Ec2Provider, snake_case(op), None))]
REGION = Scope("000000000000", "ap-southeast-4")
ID_MEMBERS = ("VpcId", "SubnetId", "GroupId", "RouteTableId", "InternetGatewayId")


def test_the_vpc_subset_is_served() -> None:
    assert len(SERVED) >= 38
    assert {"CreateVpc", "AuthorizeSecurityGroupIngress", "DescribePrefixLists"} <= set(SERVED)


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Ec2Provider:
    store = SqliteStore(Path(tmp_path_factory.mktemp("fuzz")) / "fuzz.db")
    return Ec2Provider(store)


def context(operation: str) -> RequestContext:
    return RequestContext("req-1", "ec2", operation, REGION.region, REGION.account, protocol="ec2")


@pytest.fixture(scope="module")
def ids(provider: Ec2Provider) -> dict[str, str]:
    """Ids of the default network's resources, made before any fuzzing."""
    backend = provider.backend
    vpc = backend.ensure_default_vpc(REGION)
    assert vpc is not None
    return {
        "VpcId": vpc["VpcId"],
        "SubnetId": backend.default_subnet_ids(REGION)[0],
        "GroupId": backend.groups.in_vpc(REGION, vpc["VpcId"])[0]["GroupId"],
        "RouteTableId": backend.route_tables.in_vpc(REGION, vpc["VpcId"])[0]["RouteTableId"],
        "InternetGatewayId": backend.gateways.attached_to(REGION, vpc["VpcId"])[0]["InternetGatewayId"],
    }


@pytest.mark.parametrize("operation", SERVED)
def test_generated_input_never_faults(provider: Ec2Provider, ids: dict[str, str], operation: str) -> None:
    op = MODEL.operation_model(operation)
    handler = provider.handler(operation)
    assert handler is not None

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(values_for(op.input_shape), st.booleans())
    def check(params: dict[str, Any], use_real_ids: bool) -> None:
        params.pop("DryRun", None)
        if use_real_ids:
            for member in ID_MEMBERS:
                if member in params:
                    params[member] = ids[member]
        try:
            validate_input(op.input_shape, params, code="ValidationError")
            handler(context(operation), params)
        except AwsError as error:
            assert error.status < 500, error

    check()
