"""The per-service action tables against botocore's models: every operation of a service with a
table gets a well-formed action and resource, and no table names an operation the model lacks."""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest

from skiff.auth.actions import Call, checks_for, prefix_for, tables
from skiff.auth.actions import ecs as ecs_table
from skiff.auth.actions import s3 as s3_table

SESSION = botocore.session.get_session()


def _model(service: str) -> Any:
    return SESSION.get_service_model(service)


def _sample(shape: Any, depth: int = 0, name: str = "") -> Any:
    """A small input naming resources the way requests do (ARN members hold ARNs)."""
    if shape is None or depth > 3:
        return None
    kind = shape.type_name
    if kind == "structure":
        return {
            member_name: _sample(member, depth + 1, member_name)
            for member_name, member in shape.members.items()
            if depth < 1 or member_name in shape.required_members
        }
    if kind == "list":
        return [_sample(shape.member, depth + 1, name)]
    if kind == "string":
        if name == "CopySource":
            return "bucket/key"
        if name.lower().endswith(("arn", "arns")):
            return "arn:aws:svc:us-east-1:000000000000:thing/name-1"
        return "name-1"
    if kind in ("integer", "long"):
        return 1
    if kind == "boolean":
        return True
    return None


@pytest.mark.parametrize("service", sorted(tables()))
def test_every_modelled_operation_has_a_rule(service: str) -> None:
    table = tables()[service]
    model = _model(service)
    names = set(model.operation_names)
    assert set(table.rules) <= names, (
        f"{service} table names operations the model lacks: {set(table.rules) - names}"
    )
    if table.every_operation is None:
        assert set(table.rules) == names, f"{service} table misses {sorted(names - set(table.rules))}"
    for operation in sorted(names):
        params = _sample(model.operation_model(operation).input_shape) or {}
        checks = table.checks(Call(operation, params, "000000000000", "us-east-1"))
        for check in checks:
            prefix, _, action = check.action.partition(":")
            assert prefix and action[:1].isupper(), (operation, check)
            assert check.resource == "*" or check.resource.startswith("arn:aws:"), (operation, check)


def test_services_without_a_table_use_the_signing_name() -> None:
    call = Call("DescribeLoadBalancers", {}, "000000000000", "us-east-1")
    assert [c.action for c in checks_for("elbv2", "elasticloadbalancing", call)] == [
        "elasticloadbalancing:DescribeLoadBalancers"
    ]
    assert prefix_for("monitoring") == "cloudwatch"


def test_s3_actions_and_resources() -> None:
    def one(operation: str, **params: Any) -> list[tuple[str, str]]:
        return [
            (c.action, c.resource) for c in s3_table.TABLE.checks(Call(operation, params, "1", "us-east-1"))
        ]

    assert one("ListObjectsV2", Bucket="b") == [("s3:ListBucket", "arn:aws:s3:::b")]
    assert one("HeadObject", Bucket="b", Key="a/k") == [("s3:GetObject", "arn:aws:s3:::b/a/k")]
    assert one("CopyObject", Bucket="b", Key="k", CopySource="src/a%20b.txt") == [
        ("s3:PutObject", "arn:aws:s3:::b/k"),
        ("s3:GetObject", "arn:aws:s3:::src/a b.txt"),
    ]
    assert one("ListBuckets") == [("s3:ListAllMyBuckets", "*")]


def test_ecs_resources_and_pass_role() -> None:
    def run(operation: str, **params: Any) -> list[tuple[str, str]]:
        return [
            (c.action, c.resource) for c in ecs_table.TABLE.checks(Call(operation, params, "1", "eu-west-1"))
        ]

    assert run(
        "RunTask", cluster="prod", taskDefinition="web", overrides={"taskRoleArn": "arn:aws:iam::1:role/t"}
    ) == [
        ("ecs:RunTask", "arn:aws:ecs:eu-west-1:1:task-definition/web:*"),
        ("iam:PassRole", "arn:aws:iam::1:role/t"),
    ]
    assert run("DescribeServices", cluster="arn:aws:ecs:eu-west-1:1:cluster/c", services=["a", "b"]) == [
        ("ecs:DescribeServices", "arn:aws:ecs:eu-west-1:1:service/c/a"),
        ("ecs:DescribeServices", "arn:aws:ecs:eu-west-1:1:service/c/b"),
    ]
    assert run("StopTask", task="abc") == [("ecs:StopTask", "arn:aws:ecs:eu-west-1:1:task/default/abc")]
    assert run("ListClusters") == [("ecs:ListClusters", "*")]
