"""IAM users with the policies a test gives them, and boto3 clients signed with their keys."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.config import Config

ACCOUNT = "000000000000"


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: str | list[str], resource: str | list[str] = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: str | list[str], resource: str | list[str] = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def client_for(
    endpoint: str, service: str, key: dict[str, str], region_name: str = "us-east-1", **config: Any
) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region_name,
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
        aws_session_token=key.get("SessionToken"),
        config=Config(retries={"max_attempts": 1}, **config),
    )


@pytest.fixture
def make_user(client_factory: Callable[..., Any]) -> Callable[..., tuple[str, dict[str, str]]]:
    """make_user(policy_json or None) -> (user ARN, its access key): a fresh user with that inline
    policy."""
    iam = client_factory("iam")

    def make(document: str | None = None, name: str | None = None) -> tuple[str, dict[str, str]]:
        name = name or f"user-{uuid.uuid4().hex[:8]}"
        arn = iam.create_user(UserName=name)["User"]["Arn"]
        if document is not None:
            iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=document)
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return arn, key

    return make
