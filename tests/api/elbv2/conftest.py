"""Fixtures of the ELBv2 API tests: clients in a region of their own, the default VPC's subnets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

REGION = "eu-north-1"


@pytest.fixture(scope="module")
def elb(client_factory: Callable[..., Any]) -> Any:
    return client_factory("elbv2", region=REGION)


@pytest.fixture(scope="module")
def ec2(client_factory: Callable[..., Any]) -> Any:
    return client_factory("ec2", region=REGION)


@pytest.fixture(scope="module")
def network(ec2: Any) -> dict[str, Any]:
    """The default VPC, its subnets by zone, and its default security group."""
    vpc = next(v for v in ec2.describe_vpcs()["Vpcs"] if v["IsDefault"])
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["Subnets"]
    subnets.sort(key=lambda s: s["AvailabilityZone"])
    groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])
    default = next(g["GroupId"] for g in groups["SecurityGroups"] if g["GroupName"] == "default")
    return {"vpc": vpc["VpcId"], "cidr": vpc["CidrBlock"], "subnets": subnets, "group": default}
