"""The policy decision: wildcards, NotAction/NotResource, explicit deny, boundaries, session and
resource policies, condition operators and policy variables."""

from __future__ import annotations

import json
from typing import Any

import pytest

from skiff.auth.conditions import holds
from skiff.auth.evaluate import ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY, Policies, decide, denial_message
from skiff.auth.policy import Caller

USER = "arn:aws:iam::000000000000:user/alice"


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def s(effect: str = "Allow", action: Any = "*", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    out = {"Effect": effect, **extra}
    if action is not None:
        out["Action"] = action
    if resource is not None:
        out["Resource"] = resource
    return out


def verdict(policies: Policies, action: str, resource: str = "*", **kw: Any) -> str:
    context = kw.pop("context", {})
    return decide(policies, action, resource, context, **kw).decision


def test_wildcards_and_case() -> None:
    p = Policies(identity=[("p", doc(s(action="ecs:Describe*", resource="arn:aws:ecs:*:*:cluster/prod-?")))])
    assert verdict(p, "ecs:DescribeClusters", "arn:aws:ecs:us-east-1:1:cluster/prod-a") == ALLOWED
    assert verdict(p, "ECS:describeclusters", "arn:aws:ecs:us-east-1:1:cluster/prod-a") == ALLOWED
    assert verdict(p, "ecs:DescribeClusters", "arn:aws:ecs:us-east-1:1:cluster/prod-ab") == IMPLICIT_DENY
    assert verdict(p, "ecs:DescribeClusters", "arn:aws:ecs:us-east-1:1:cluster/PROD-a") == IMPLICIT_DENY
    assert verdict(p, "ecs:RunTask", "arn:aws:ecs:us-east-1:1:cluster/prod-a") == IMPLICIT_DENY


def test_not_action_and_not_resource() -> None:
    p = Policies(
        identity=[
            (
                "p",
                doc(
                    s(action=None, NotAction="iam:*"),
                    s("Deny", "s3:*", None, NotResource="arn:aws:s3:::mine/*"),
                ),
            )
        ]
    )
    assert verdict(p, "ecs:RunTask") == ALLOWED
    assert verdict(p, "iam:CreateUser") == IMPLICIT_DENY
    assert verdict(p, "s3:GetObject", "arn:aws:s3:::mine/k") == ALLOWED
    assert verdict(p, "s3:GetObject", "arn:aws:s3:::other/k") == EXPLICIT_DENY


def test_explicit_deny_beats_allow_and_the_messages() -> None:
    p = Policies(identity=[("a", doc(s())), ("d", doc(s("Deny", "ecs:StopTask")))])
    decision = decide(p, "ecs:StopTask", "arn:x", {})
    assert decision.decision == EXPLICIT_DENY and decision.matched == ("d",)
    assert denial_message(USER, "ecs:StopTask", "arn:x", decision) == (
        f"User: {USER} is not authorized to perform: ecs:StopTask on resource: arn:x "
        "with an explicit deny in an identity-based policy"
    )
    none = decide(Policies(), "ecs:StopTask", "arn:x", {})
    assert denial_message(USER, "ecs:StopTask", "arn:x", none).endswith(
        "because no identity-based policy allows the ecs:StopTask action"
    )


def test_boundary_and_session_policy_limit() -> None:
    base = [("a", doc(s()))]
    bounded = Policies(identity=base, boundary=doc(s(action="s3:*")))
    assert verdict(bounded, "s3:GetObject") == ALLOWED
    assert (
        decide(bounded, "ecs:RunTask", "*", {}).reason
        == "because no permissions boundary allows the ecs:RunTask action"
    )
    session = Policies(identity=base, session=doc(s(action="ecs:List*")))
    assert verdict(session, "ecs:ListTasks") == ALLOWED
    assert (
        decide(session, "ecs:RunTask", "*", {}).reason
        == "because no session policy allows the ecs:RunTask action"
    )


def test_resource_policies_grant_and_deny() -> None:
    caller = Caller(USER, "000000000000")
    grant = doc(s(Principal={"AWS": USER}, action="s3:GetObject", resource="arn:aws:s3:::b/*"))
    assert (
        verdict(Policies(), "s3:GetObject", "arn:aws:s3:::b/k", resource_policy=grant, caller=caller)
        == ALLOWED
    )
    other = Caller("arn:aws:iam::000000000000:user/bob", "000000000000")
    assert (
        verdict(Policies(), "s3:GetObject", "arn:aws:s3:::b/k", resource_policy=grant, caller=other)
        == IMPLICIT_DENY
    )
    deny_all = doc(s("Deny", "s3:*", "arn:aws:s3:::b/*", Principal="*"))
    everything = Policies(identity=[("a", doc(s()))])
    decision = decide(
        everything, "s3:GetObject", "arn:aws:s3:::b/k", {}, resource_policy=deny_all, caller=caller
    )
    assert (
        decision.decision == EXPLICIT_DENY
        and decision.reason == "with an explicit deny in a resource-based policy"
    )
    role_session = Caller(
        "arn:aws:sts::000000000000:assumed-role/r/s", "000000000000", "arn:aws:iam::000000000000:role/r"
    )
    by_role = doc(
        s(Principal={"AWS": "arn:aws:iam::000000000000:role/r"}, action="secretsmanager:GetSecretValue")
    )
    assert (
        verdict(
            Policies(), "secretsmanager:GetSecretValue", "arn:s", resource_policy=by_role, caller=role_session
        )
        == ALLOWED
    )


def test_policy_variables_in_resources() -> None:
    p = Policies(
        identity=[("p", doc(s(action="iam:*AccessKey*", resource="arn:aws:iam::*:user/${aws:username}")))]
    )
    ctx = {"aws:username": ["alice"]}
    assert verdict(p, "iam:CreateAccessKey", "arn:aws:iam::1:user/alice", context=ctx) == ALLOWED
    assert verdict(p, "iam:CreateAccessKey", "arn:aws:iam::1:user/bob", context=ctx) == IMPLICIT_DENY
    assert verdict(p, "iam:CreateAccessKey", "arn:aws:iam::1:user/alice", context={}) == IMPLICIT_DENY


@pytest.mark.parametrize(
    ("block", "context", "expected"),
    [
        (
            {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}},
            {"aws:requestedregion": ["eu-west-1"]},
            True,
        ),
        (
            {"StringEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}},
            {"aws:requestedregion": ["eu-west-1"]},
            True,
        ),
        (
            {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}},
            {"aws:requestedregion": ["eu-west-1"]},
            False,
        ),
        ({"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}, {}, True),
        ({"StringEqualsIgnoreCase": {"aws:username": "ALICE"}}, {"aws:username": ["alice"]}, True),
        ({"StringLike": {"s3:prefix": "home/*"}}, {"s3:prefix": ["home/a"]}, True),
        ({"StringLike": {"s3:prefix": "home/*"}}, {}, False),
        ({"StringLikeIfExists": {"s3:prefix": "home/*"}}, {}, True),
        ({"StringNotLike": {"s3:prefix": "home/*"}}, {"s3:prefix": ["tmp/a"]}, True),
        ({"NumericLessThan": {"s3:max-keys": "10"}}, {"s3:max-keys": ["5"]}, True),
        ({"NumericGreaterThanEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": ["5"]}, False),
        ({"NumericEquals": {"s3:max-keys": "x"}}, {"s3:max-keys": ["5"]}, False),
        (
            {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}},
            {"aws:currenttime": ["2026-01-01T00:00:00Z"]},
            True,
        ),
        (
            {"DateGreaterThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}},
            {"aws:currenttime": ["2026-01-01T00:00:00Z"]},
            False,
        ),
        ({"DateGreaterThan": {"aws:EpochTime": "1000"}}, {"aws:epochtime": ["2000"]}, True),
        ({"Bool": {"aws:SecureTransport": "false"}}, {"aws:securetransport": ["false"]}, True),
        ({"Bool": {"aws:SecureTransport": True}}, {"aws:securetransport": ["false"]}, False),
        ({"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}, {"aws:sourceip": ["127.0.0.1"]}, True),
        (
            {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.0.1/32"]}},
            {"aws:sourceip": ["127.0.0.1"]},
            False,
        ),
        ({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:sourceip": ["127.0.0.1"]}, True),
        (
            {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/ecs-*"}},
            {"aws:principalarn": ["arn:aws:iam::1:role/ecs-x"]},
            True,
        ),
        (
            {"ArnNotEquals": {"aws:PrincipalArn": "arn:aws:iam::1:role/a"}},
            {"aws:principalarn": ["arn:aws:iam::1:role/b"]},
            True,
        ),
        ({"Null": {"aws:username": "true"}}, {}, True),
        ({"Null": {"aws:username": "false"}}, {}, False),
        ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a", "b"]}}, {"aws:tagkeys": ["b", "c"]}, True),
        ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}, {"aws:tagkeys": ["b", "c"]}, False),
        ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}, {}, True),
        ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a"]}}, {}, False),
        ({"StringEquals": {"aws:PrincipalArn": "${aws:PrincipalArn}"}}, {"aws:principalarn": ["x"]}, True),
        ({"NoSuchOperator": {"a": "b"}}, {"a": ["b"]}, False),
        ({"StringEquals": {"a": "b"}, "Bool": {"c": "true"}}, {"a": ["b"], "c": ["false"]}, False),
        ({}, {}, True),
    ],
)
def test_condition_operators(block: dict[str, Any], context: dict[str, list[str]], expected: bool) -> None:
    assert holds(block, context) is expected


def test_policies_that_are_not_json_allow_nothing() -> None:
    assert verdict(Policies(identity=[("bad", "{not json")]), "ecs:ListClusters") == IMPLICIT_DENY
    assert (
        verdict(
            Policies(
                identity=[
                    ("bad", json.dumps({"Statement": [{"Effect": "Maybe", "Action": "*", "Resource": "*"}]}))
                ]
            ),
            "x:y",
        )
        == IMPLICIT_DENY
    )
