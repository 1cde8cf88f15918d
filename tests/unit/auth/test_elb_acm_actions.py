"""ELBv2 and ACM action tables: which resource each kind of call is checked on."""

from __future__ import annotations

from typing import Any

from skiff.auth.actions import Call, acm, elasticloadbalancing

LB = "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/web/0123456789abcdef"
LISTENER = (
    "arn:aws:elasticloadbalancing:us-east-1:111122223333:listener/app/web/0123456789abcdef/fedcba9876543210"
)


def _elb(operation: str, **params: Any) -> list[tuple[str, str]]:
    call = Call(operation, params, "111122223333", "us-east-1")
    return [(c.action, c.resource) for c in elasticloadbalancing.TABLE.checks(call)]


def test_elb_creates_are_checked_on_the_arn_to_be_and_describes_on_everything() -> None:
    prefix = "arn:aws:elasticloadbalancing:us-east-1:111122223333"
    assert _elb("CreateLoadBalancer", Name="web", Type="network") == [
        ("elasticloadbalancing:CreateLoadBalancer", f"{prefix}:loadbalancer/net/web/*")
    ]
    assert _elb("CreateTargetGroup", Name="tg") == [
        ("elasticloadbalancing:CreateTargetGroup", f"{prefix}:targetgroup/tg/*")
    ]
    assert _elb("CreateListener", LoadBalancerArn=LB) == [
        ("elasticloadbalancing:CreateListener", f"{prefix}:listener/app/web/0123456789abcdef/*")
    ]
    assert _elb("CreateRule", ListenerArn=LISTENER)[0][1].endswith(
        ":listener-rule/app/web/0123456789abcdef/fedcba9876543210/*"
    )
    assert _elb("DescribeLoadBalancers", LoadBalancerArns=[LB]) == [
        ("elasticloadbalancing:DescribeLoadBalancers", "*")
    ]
    assert _elb("DeleteLoadBalancer", LoadBalancerArn=LB) == [("elasticloadbalancing:DeleteLoadBalancer", LB)]
    assert _elb("AddTags", ResourceArns=[LB, LISTENER], Tags=[]) == [
        ("elasticloadbalancing:AddTags", LB),
        ("elasticloadbalancing:AddTags", LISTENER),
    ]


def test_acm_calls_are_checked_on_the_certificate() -> None:
    arn = "arn:aws:acm:us-east-1:111122223333:certificate/0b1e5c9e-0000-4000-8000-000000000001"
    checks = acm.TABLE.checks(Call("DeleteCertificate", {"CertificateArn": arn}, "111122223333", "us-east-1"))
    assert [(c.action, c.resource) for c in checks] == [("acm:DeleteCertificate", arn)]
    listing = acm.TABLE.checks(Call("ListCertificates", {}, "111122223333", "us-east-1"))
    assert [(c.action, c.resource) for c in listing] == [("acm:ListCertificates", "*")]
