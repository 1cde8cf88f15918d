"""Nothing secret at rest: secret values and SecureStrings never reach the data dir or the log.

A server with its own data dir receives secrets and SecureStrings with known plaintexts (through
creates, updates, reads, and requests that fail), then every file under the data dir (SQLite
database, WAL, shared memory, key file, server log) is searched for each plaintext, raw and in
base64 at every alignment, while the server runs and after it stopped.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import SkiffServer, client_at, start_server


def plaintext(kind: str) -> str:
    return f"plaintext-{kind}-{uuid.uuid4().hex}"


def needles(secret: bytes) -> list[bytes]:
    """The secret as raw bytes and as the base64 characters it yields at each of three alignments."""
    found = [secret]
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + secret)
        found.append(encoded[4 if shift else 0 : -4])
    return found


def leaks(data_dir: Path, secrets: list[str]) -> list[str]:
    problems = []
    files = [path for path in data_dir.rglob("*") if path.is_file()]
    assert any(path.suffix == ".log" for path in files)
    for path in files:
        content = path.read_bytes()
        for secret in secrets:
            for needle in needles(secret.encode()):
                if needle in content:
                    problems.append(f"{path.name} holds {secret!r} ({needle!r})")
    return problems


@pytest.fixture
def server(tmp_path: Path) -> Iterator[SkiffServer]:
    server = start_server(tmp_path / "data")
    yield server
    server.stop()


def client(server: SkiffServer, service: str) -> Any:
    return client_at(server.endpoint, service)


def test_no_plaintext_in_the_data_dir_or_the_log(server: SkiffServer) -> None:
    sm = client(server, "secretsmanager")
    ssm = client(server, "ssm")
    secrets = [plaintext(kind) for kind in ("create", "put", "update", "binary", "rejected", "pending")]
    parameters = [plaintext(kind) for kind in ("secure", "overwrite", "pattern", "tagged")]

    arn = sm.create_secret(Name="db/creds", SecretString=secrets[0])["ARN"]
    token = sm.put_secret_value(SecretId=arn, SecretString=secrets[1])["VersionId"]
    sm.update_secret(SecretId="db/creds", SecretString=secrets[2])
    sm.create_secret(Name="blob", SecretBinary=secrets[3].encode())
    sm.put_secret_value(SecretId="db/creds", SecretString=secrets[5], VersionStages=["AWSPENDING"])
    with pytest.raises(ClientError):
        sm.put_secret_value(SecretId="db/creds", SecretString=secrets[4], ClientRequestToken=token)
    with pytest.raises(ClientError):
        sm.create_secret(Name="db/creds", SecretString=secrets[4])
    assert sm.get_secret_value(SecretId="db/creds")["SecretString"] == secrets[2]
    assert sm.get_secret_value(SecretId="blob")["SecretBinary"] == secrets[3].encode()
    batch = sm.batch_get_secret_value(SecretIdList=["db/creds", "blob", "nope"])
    assert len(batch["SecretValues"]) == 2

    ssm.put_parameter(Name="/app/password", Value=parameters[0], Type="SecureString")
    ssm.put_parameter(Name="/app/password", Value=parameters[1], Type="SecureString", Overwrite=True)
    ssm.put_parameter(Name="/app/pin", Value="1234", Type="SecureString", AllowedPattern=r"\d+")
    with pytest.raises(ClientError) as info:
        ssm.put_parameter(Name="/app/pin", Value=parameters[2], Overwrite=True)
    assert parameters[2] not in str(info.value)
    with pytest.raises(ClientError) as info:
        ssm.put_parameter(
            Name="/app/other",
            Value=parameters[3],
            Type="SecureString",
            Overwrite=True,
            Tags=[{"Key": "a", "Value": "b"}],
        )
    assert parameters[3] not in str(info.value)
    assert ssm.get_parameter(Name="/app/password", WithDecryption=True)["Parameter"]["Value"] == parameters[1]
    assert parameters[1] not in str(ssm.get_parameter(Name="/app/password"))
    history = ssm.get_parameter_history(Name="/app/password", WithDecryption=True)["Parameters"]
    assert [h["Value"] for h in history] == parameters[:2]
    by_path = ssm.get_parameters_by_path(Path="/app", WithDecryption=True)["Parameters"]
    assert parameters[1] in [p["Value"] for p in by_path]

    everything = secrets + parameters
    assert leaks(server.data_dir, everything) == []
    assert any(path.name.endswith("-wal") for path in server.data_dir.rglob("*"))
    server.stop()
    assert leaks(server.data_dir, everything) == []
    assert "Traceback" not in server.log()
