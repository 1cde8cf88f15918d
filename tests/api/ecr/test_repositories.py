"""ECR's API with the registry off: repositories, logins as the aws CLI prints them, policies, tags,
and ECR's error texts."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

ACCOUNT = "000000000000"
HOST = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def ecr(client_factory: Callable[..., Any]) -> Any:
    return client_factory("ecr")


def error_of(call: Callable[[], Any]) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        call()
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def test_walkthrough_create_and_describe_with_the_cli(aws: Callable[..., Any]) -> None:
    name = unique("static-app")
    created = json.loads(
        aws(
            "ecr", "create-repository", "--repository-name", name, "--tags", "Key=Environment,Value=Demo"
        ).stdout
    )["repository"]
    assert created["repositoryUri"] == f"{HOST}/{name}"
    assert created["repositoryArn"] == f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/{name}"
    assert created["registryId"] == ACCOUNT and created["imageTagMutability"] == "MUTABLE"
    uri = aws(
        "ecr", "describe-repositories", "--repository-names", name,
        "--query", "repositories[0].repositoryUri", "--output", "text",
    ).stdout.strip()  # fmt: skip
    assert uri == f"{HOST}/{name}"
    tags = json.loads(aws("ecr", "list-tags-for-resource", "--resource-arn", created["repositoryArn"]).stdout)
    assert tags["tags"] == [{"Key": "Environment", "Value": "Demo"}]


def test_get_login_and_get_login_password(aws: Callable[..., Any], ecr: Any) -> None:
    command = aws("ecr", "get-login", "--region", "us-east-1", "--no-include-email").stdout.split()
    assert command[:5] == ["docker", "login", "-u", "AWS", "-p"] and command[6] == f"https://{HOST}"
    password = aws("ecr", "get-login-password").stdout.strip()
    assert password.startswith("skf1.") and password.count(".") == 2
    (data,) = ecr.get_authorization_token()["authorizationData"]
    user, _, token = base64.b64decode(data["authorizationToken"]).decode().partition(":")
    assert user == "AWS" and token.startswith("skf1.")
    assert data["proxyEndpoint"] == f"https://{HOST}"
    left = data["expiresAt"] - dt.datetime.now(dt.UTC)
    assert dt.timedelta(hours=11, minutes=59) < left <= dt.timedelta(hours=12)


def test_errors_carry_ecrs_texts(ecr: Any) -> None:
    name = unique("app")
    ecr.create_repository(repositoryName=name)
    assert error_of(lambda: ecr.create_repository(repositoryName=name)) == (
        "RepositoryAlreadyExistsException",
        f"The repository with name '{name}' already exists in the registry with id '{ACCOUNT}'",
    )
    assert error_of(lambda: ecr.describe_repositories(repositoryNames=["missing"])) == (
        "RepositoryNotFoundException",
        f"The repository with name 'missing' does not exist in the registry with id '{ACCOUNT}'",
    )
    assert error_of(lambda: ecr.describe_images(repositoryName=name, imageIds=[{"imageTag": "latest"}])) == (
        "ImageNotFoundException",
        "The image with imageId {imageDigest:'null', imageTag:'latest'} does not exist within the repository "
        f"with name '{name}' in the registry with id '{ACCOUNT}'",
    )
    deleted = ecr.batch_delete_image(
        repositoryName=name, imageIds=[{"imageTag": "x"}, {"imageDigest": "bad"}]
    )
    assert [f["failureCode"] for f in deleted["failures"]] == ["ImageNotFound", "InvalidImageDigest"]
    assert ecr.list_images(repositoryName=name)["imageIds"] == []
    assert ecr.delete_repository(repositoryName=name)["repository"]["repositoryName"] == name
    assert error_of(lambda: ecr.delete_repository(repositoryName=name))[0] == "RepositoryNotFoundException"


def test_settings_policies_and_tags(ecr: Any) -> None:
    name = unique("settings")
    arn = ecr.create_repository(repositoryName=name, imageTagMutability="IMMUTABLE")["repository"][
        "repositoryArn"
    ]
    assert (
        ecr.put_image_tag_mutability(repositoryName=name, imageTagMutability="MUTABLE")["imageTagMutability"]
        == "MUTABLE"
    )
    ecr.put_image_scanning_configuration(repositoryName=name, imageScanningConfiguration={"scanOnPush": True})
    (repo,) = ecr.describe_repositories(repositoryNames=[name])["repositories"]
    assert repo["imageTagMutability"] == "MUTABLE" and repo["imageScanningConfiguration"] == {
        "scanOnPush": True
    }
    assert (
        error_of(lambda: ecr.get_repository_policy(repositoryName=name))[0]
        == "RepositoryPolicyNotFoundException"
    )
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
                                                                "Action": "ecr:BatchGetImage"}]})  # fmt: skip
    ecr.set_repository_policy(repositoryName=name, policyText=policy)
    assert ecr.get_repository_policy(repositoryName=name)["policyText"] == policy
    assert error_of(lambda: ecr.set_repository_policy(repositoryName=name, policyText="nope"))[0] == (
        "InvalidParameterException"
    )
    ecr.delete_repository_policy(repositoryName=name)
    ecr.tag_resource(resourceArn=arn, tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    ecr.untag_resource(resourceArn=arn, tagKeys=["a"])
    assert ecr.list_tags_for_resource(resourceArn=arn)["tags"] == [{"Key": "b", "Value": "2"}]
    assert error_of(lambda: ecr.list_tags_for_resource(resourceArn="arn:aws:ecr:nope"))[0] == (
        "InvalidParameterException"
    )


def test_lifecycle_policies_are_checked_and_stored(ecr: Any) -> None:
    name = unique("lifecycle")
    ecr.create_repository(repositoryName=name)
    since = {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 14}
    rule = {"rulePriority": 1, "selection": since, "action": {"type": "expire"}}
    text = json.dumps({"rules": [rule]})
    assert (
        ecr.put_lifecycle_policy(repositoryName=name, lifecyclePolicyText=text)["lifecyclePolicyText"] == text
    )
    assert ecr.get_lifecycle_policy(repositoryName=name)["lifecyclePolicyText"] == text
    any_one = {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 1}
    anything_first = {"rules": [{**rule, "selection": any_one}, {**rule, "rulePriority": 2}]}
    code, message = error_of(
        lambda: ecr.put_lifecycle_policy(repositoryName=name, lifecyclePolicyText=json.dumps(anything_first))
    )
    assert code == "InvalidParameterException" and "tagStatus 'any' must have the highest" in message
    tagged = {"rules": [{**rule, "selection": {"tagStatus": "tagged", "countType": "imageCountMoreThan",
                                               "countNumber": 1}}]}  # fmt: skip
    assert (
        "tagPrefixList"
        in error_of(
            lambda: ecr.put_lifecycle_policy(repositoryName=name, lifecyclePolicyText=json.dumps(tagged))
        )[1]
    )
    ecr.delete_lifecycle_policy(repositoryName=name)
    assert (
        error_of(lambda: ecr.get_lifecycle_policy(repositoryName=name))[0]
        == "LifecyclePolicyNotFoundException"
    )
