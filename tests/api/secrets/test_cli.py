"""The aws CLI against Secrets Manager and Parameter Store, as a user types it."""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.api.secrets.conftest import unique
from tests.conftest import CliResult

Aws = Callable[..., CliResult]


def test_secretsmanager_walkthrough(aws: Aws) -> None:
    name = unique("cli/secret")
    created = json.loads(
        aws("secretsmanager", "create-secret", "--name", name, "--secret-string", '{"a":"1"}').stdout
    )
    assert created["Name"] == name and created["ARN"].startswith(
        "arn:aws:secretsmanager:us-east-1:000000000000:secret:"
    )
    got = json.loads(aws("secretsmanager", "get-secret-value", "--secret-id", name).stdout)
    assert json.loads(got["SecretString"]) == {"a": "1"} and got["VersionStages"] == ["AWSCURRENT"]
    put = json.loads(
        aws("secretsmanager", "put-secret-value", "--secret-id", name, "--secret-string", "rotated").stdout
    )
    assert put["VersionStages"] == ["AWSCURRENT"]
    text = aws(
        "secretsmanager",
        "get-secret-value",
        "--secret-id",
        created["ARN"],
        "--query",
        "SecretString",
        "--output",
        "text",
    ).stdout.strip()
    assert text == "rotated"
    previous = aws(
        "secretsmanager",
        "get-secret-value",
        "--secret-id",
        name,
        "--version-stage",
        "AWSPREVIOUS",
        "--query",
        "SecretString",
        "--output",
        "text",
    ).stdout.strip()
    assert json.loads(previous) == {"a": "1"}
    described = json.loads(aws("secretsmanager", "describe-secret", "--secret-id", name).stdout)
    assert sorted(described["VersionIdsToStages"].values()) == [["AWSCURRENT"], ["AWSPREVIOUS"]]
    missing = aws("secretsmanager", "get-secret-value", "--secret-id", unique("nope"), check=False)
    assert missing.returncode != 0 and "ResourceNotFoundException" in missing.stderr
    password = aws(
        "secretsmanager", "get-random-password", "--password-length", "20", "--exclude-punctuation"
    )
    assert len(json.loads(password.stdout)["RandomPassword"]) == 20
    aws("secretsmanager", "delete-secret", "--secret-id", name, "--force-delete-without-recovery")


def test_ssm_walkthrough(aws: Aws) -> None:
    base = f"/{unique('cli')}"
    reply = json.loads(
        aws(
            "ssm",
            "put-parameter",
            "--name",
            f"{base}/db/password",
            "--value",
            "pa55word",
            "--type",
            "SecureString",
        ).stdout
    )
    assert reply == {"Version": 1, "Tier": "Standard"}
    aws("ssm", "put-parameter", "--name", f"{base}/db/user", "--value", "admin", "--type", "String")
    aws("ssm", "put-parameter", "--name", f"{base}/region", "--value", "eu-west-1", "--type", "String")
    hidden = json.loads(aws("ssm", "get-parameter", "--name", f"{base}/db/password").stdout)["Parameter"]
    assert hidden["Value"] != "pa55word"
    shown = json.loads(
        aws("ssm", "get-parameter", "--name", f"{base}/db/password", "--with-decryption").stdout
    )
    assert shown["Parameter"]["Value"] == "pa55word"
    tree = json.loads(
        aws("ssm", "get-parameters-by-path", "--path", base, "--recursive", "--with-decryption").stdout
    )["Parameters"]
    assert {p["Name"]: p["Value"] for p in tree} == {
        f"{base}/db/password": "pa55word",
        f"{base}/db/user": "admin",
        f"{base}/region": "eu-west-1",
    }
    flat = json.loads(aws("ssm", "get-parameters-by-path", "--path", base).stdout)["Parameters"]
    assert [p["Name"] for p in flat] == [f"{base}/region"]
    aws("ssm", "put-parameter", "--name", f"{base}/region", "--value", "us-east-2", "--overwrite")
    history = json.loads(aws("ssm", "get-parameter-history", "--name", f"{base}/region").stdout)["Parameters"]
    assert [h["Value"] for h in history] == ["eu-west-1", "us-east-2"]
    exists = aws(
        "ssm", "put-parameter", "--name", f"{base}/region", "--value", "x", "--type", "String", check=False
    )
    assert exists.returncode != 0 and "ParameterAlreadyExists" in exists.stderr
    aws("ssm", "delete-parameter", "--name", f"{base}/region")
