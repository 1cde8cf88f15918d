"""Users' permissions, evaluated on real requests: AWS's AccessDenied texts per protocol."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.api.auth.conftest import ACCOUNT, allow, client_for, deny, policy


def test_describe_only_user_can_describe_but_not_run_a_task(
    make_user: Callable[..., Any], endpoint: str, ecs: Any
) -> None:
    ecs.create_cluster(clusterName="auth-describe")
    arn, key = make_user(policy(allow("ecs:Describe*")))
    as_user = client_for(endpoint, "ecs", key)
    described = as_user.describe_clusters(clusters=["auth-describe"])
    assert described["clusters"][0]["clusterName"] == "auth-describe"
    with pytest.raises(ClientError) as info:
        as_user.run_task(cluster="auth-describe", taskDefinition="hello:1")
    error = info.value.response["Error"]
    assert error["Code"] == "AccessDeniedException"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Message"] == (
        f"User: {arn} is not authorized to perform: ecs:RunTask on resource: "
        f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/hello:1 because no identity-based policy "
        "allows the ecs:RunTask action"
    )
    with pytest.raises(ClientError) as info:
        as_user.list_clusters()
    assert info.value.response["Error"]["Message"].endswith(
        "ecs:ListClusters on resource: * because no identity-based policy allows the ecs:ListClusters action"
    )


def test_explicit_deny_wins_and_says_so(make_user: Callable[..., Any], endpoint: str) -> None:
    arn, key = make_user(policy(allow("ecs:*"), deny("ecs:ListClusters")))
    as_user = client_for(endpoint, "ecs", key)
    as_user.list_task_definitions()
    with pytest.raises(ClientError) as info:
        as_user.list_clusters()
    assert info.value.response["Error"]["Message"] == (
        f"User: {arn} is not authorized to perform: ecs:ListClusters on resource: * "
        "with an explicit deny in an identity-based policy"
    )


def test_query_protocol_says_access_denied(make_user: Callable[..., Any], endpoint: str) -> None:
    arn, key = make_user(policy(allow("iam:GetUser")))
    as_user = client_for(endpoint, "iam", key)
    assert as_user.get_user()["User"]["Arn"] == arn  # its own user, by default
    with pytest.raises(ClientError) as info:
        as_user.list_roles()
    assert info.value.response["Error"]["Code"] == "AccessDenied"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert "iam:ListRoles" in info.value.response["Error"]["Message"]
    # GetCallerIdentity needs no permission
    assert client_for(endpoint, "sts", key).get_caller_identity()["Arn"] == arn


def test_group_policies_and_managed_policies_count(
    make_user: Callable[..., Any], endpoint: str, client_factory: Callable[..., Any], ecs: Any
) -> None:
    iam = client_factory("iam")
    arn, key = make_user(None)
    name = arn.rsplit("/", 1)[1]
    as_user = client_for(endpoint, "ecs", key)
    with pytest.raises(ClientError):
        as_user.list_clusters()
    group = f"g-{name}"
    iam.create_group(GroupName=group)
    iam.add_user_to_group(GroupName=group, UserName=name)
    iam.attach_group_policy(GroupName=group, PolicyArn="arn:aws:iam::aws:policy/AmazonECS_FullAccess")
    assert "clusterArns" in as_user.list_clusters()
    iam.remove_user_from_group(GroupName=group, UserName=name)
    with pytest.raises(ClientError):
        as_user.list_clusters()
    created = iam.create_policy(PolicyName=f"p-{name}", PolicyDocument=policy(allow("ecs:List*")))
    iam.attach_user_policy(UserName=name, PolicyArn=created["Policy"]["Arn"])
    assert "clusterArns" in as_user.list_clusters()


def test_permissions_boundary_limits_the_user(
    make_user: Callable[..., Any], endpoint: str, client_factory: Callable[..., Any]
) -> None:
    iam = client_factory("iam")
    arn, key = make_user(policy(allow("ecs:*")))
    name = arn.rsplit("/", 1)[1]
    boundary = iam.create_policy(
        PolicyName=f"b-{name}", PolicyDocument=policy(allow("ecs:ListTaskDefinitions"))
    )
    iam.put_user_permissions_boundary(UserName=name, PermissionsBoundary=boundary["Policy"]["Arn"])
    as_user = client_for(endpoint, "ecs", key)
    as_user.list_task_definitions()
    with pytest.raises(ClientError) as info:
        as_user.list_clusters()
    assert info.value.response["Error"]["Message"].endswith(
        "because no permissions boundary allows the ecs:ListClusters action"
    )


def test_conditions_on_region_and_username(make_user: Callable[..., Any], endpoint: str) -> None:
    statement = allow("ecs:ListClusters", Condition={"StringEquals": {"aws:RequestedRegion": "eu-west-1"}})
    _, key = make_user(policy(statement, allow("iam:ListAccessKeys", "arn:aws:iam::*:user/${aws:username}")))
    with pytest.raises(ClientError):
        client_for(endpoint, "ecs", key).list_clusters()
    eu = client_for(endpoint, "ecs", key, region_name="eu-west-1")
    assert "clusterArns" in eu.list_clusters()
    iam = client_for(endpoint, "iam", key)
    assert iam.list_access_keys()["AccessKeyMetadata"][0]["AccessKeyId"] == key["AccessKeyId"]


def test_pass_role_is_needed_to_register_a_task_definition_with_roles(
    make_user: Callable[..., Any], endpoint: str
) -> None:
    role = f"arn:aws:iam::{ACCOUNT}:role/ecsTaskExecutionRole"
    arn, key = make_user(policy(allow("ecs:RegisterTaskDefinition")))
    as_user = client_for(endpoint, "ecs", key)
    definition = {
        "family": "auth-passrole",
        "executionRoleArn": role,
        "containerDefinitions": [{"name": "app", "image": "busybox", "memory": 64}],
    }
    with pytest.raises(ClientError) as info:
        as_user.register_task_definition(**definition)
    assert info.value.response["Error"]["Message"] == (
        f"User: {arn} is not authorized to perform: iam:PassRole on resource: {role} because no "
        "identity-based policy allows the iam:PassRole action"
    )
    _, allowed = make_user(
        policy(
            allow("ecs:RegisterTaskDefinition"),
            allow(
                "iam:PassRole",
                role,
                Condition={"StringLike": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
            ),
        )
    )
    client_for(endpoint, "ecs", allowed).register_task_definition(**definition)


def test_inactive_and_deleted_keys_stop_working(
    make_user: Callable[..., Any], endpoint: str, client_factory: Callable[..., Any]
) -> None:
    iam = client_factory("iam")
    arn, key = make_user(policy(allow("ecs:ListClusters")))
    name = arn.rsplit("/", 1)[1]
    as_user = client_for(endpoint, "ecs", key)
    as_user.list_clusters()
    iam.update_access_key(UserName=name, AccessKeyId=key["AccessKeyId"], Status="Inactive")
    with pytest.raises(ClientError) as info:
        as_user.list_clusters()
    assert info.value.response["Error"]["Code"] == "UnrecognizedClientException"
    iam.update_access_key(UserName=name, AccessKeyId=key["AccessKeyId"], Status="Active")
    as_user.list_clusters()
    listed = iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in listed] == [key["AccessKeyId"]]
    assert "SecretAccessKey" not in listed[0]
    iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
    with pytest.raises(ClientError) as info:
        as_user.list_clusters()
    assert info.value.response["Error"]["Code"] == "UnrecognizedClientException"
    iam.delete_user_policy(UserName=name, PolicyName="inline")
    iam.delete_user(UserName=name)


def test_simulate_principal_policy_answers_from_the_same_evaluator(
    make_user: Callable[..., Any], client_factory: Callable[..., Any]
) -> None:
    iam = client_factory("iam")
    arn, _ = make_user(policy(allow("ecs:Describe*"), deny("ecs:DescribeServices")))
    results = iam.simulate_principal_policy(
        PolicySourceArn=arn, ActionNames=["ecs:DescribeClusters", "ecs:DescribeServices", "ecs:RunTask"]
    )["EvaluationResults"]
    decisions = {r["EvalActionName"]: r["EvalDecision"] for r in results}
    assert decisions == {
        "ecs:DescribeClusters": "allowed",
        "ecs:DescribeServices": "explicitDeny",
        "ecs:RunTask": "implicitDeny",
    }
    assert results[0]["MatchedStatements"][0]["SourcePolicyId"] == "inline"
