"""IAM policies on ELBv2 and ACM calls: a user allowed to describe and to manage one name's
balancers, and ACM calls on one certificate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.api.auth.conftest import ACCOUNT, allow, client_for, policy

REGION = "us-east-2"


def test_elb_permissions_follow_the_resource(
    make_user: Callable[..., Any], endpoint: str, client_factory: Callable[..., Any]
) -> None:
    ec2 = client_factory("ec2", region=REGION)
    vpc = next(v for v in ec2.describe_vpcs()["Vpcs"] if v["IsDefault"])["VpcId"]
    subnets = sorted(ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"],
                     key=lambda s: s["AvailabilityZone"])  # fmt: skip
    prefix = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}"
    arn, key = make_user(policy(
        allow("elasticloadbalancing:Describe*"),
        allow(["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:DeleteLoadBalancer"],
              f"{prefix}:loadbalancer/app/team-*/*"),
    ))  # fmt: skip
    elb = client_for(endpoint, "elbv2", key, region_name=REGION)
    subnet_ids = [s["SubnetId"] for s in subnets[:2]]
    lb = elb.create_load_balancer(Name="team-web", Subnets=subnet_ids)["LoadBalancers"][0]["LoadBalancerArn"]
    assert (
        elb.describe_load_balancers(LoadBalancerArns=[lb])["LoadBalancers"][0]["LoadBalancerName"]
        == "team-web"
    )
    with pytest.raises(ClientError) as info:
        elb.create_load_balancer(Name="other-web", Subnets=subnet_ids)
    error = info.value.response["Error"]
    assert (error["Code"], info.value.response["ResponseMetadata"]["HTTPStatusCode"]) == ("AccessDenied", 403)
    assert error["Message"] == (
        f"User: {arn} is not authorized to perform: elasticloadbalancing:CreateLoadBalancer on resource: "
        f"{prefix}:loadbalancer/app/other-web/* because no identity-based policy allows the "
        "elasticloadbalancing:CreateLoadBalancer action"
    )
    with pytest.raises(ClientError) as info:
        elb.add_tags(ResourceArns=[lb], Tags=[{"Key": "k", "Value": "v"}])
    assert info.value.response["Error"]["Message"].startswith(
        f"User: {arn} is not authorized to perform: elasticloadbalancing:AddTags on resource: {lb}"
    )
    elb.delete_load_balancer(LoadBalancerArn=lb)


def test_acm_permissions_name_the_certificate(
    make_user: Callable[..., Any], endpoint: str, client_factory: Callable[..., Any]
) -> None:
    acm = client_factory("acm", region=REGION)
    mine = acm.request_certificate(DomainName="mine.example.test")["CertificateArn"]
    other = acm.request_certificate(DomainName="other.example.test")["CertificateArn"]
    _, key = make_user(policy(allow("acm:DescribeCertificate", mine)))
    as_user = client_for(endpoint, "acm", key, region_name=REGION)
    assert (
        as_user.describe_certificate(CertificateArn=mine)["Certificate"]["DomainName"] == "mine.example.test"
    )
    with pytest.raises(ClientError) as info:
        as_user.describe_certificate(CertificateArn=other)
    assert info.value.response["Error"]["Code"] == "AccessDeniedException"
    assert f"acm:DescribeCertificate on resource: {other}" in info.value.response["Error"]["Message"]
