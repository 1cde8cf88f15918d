"""The settings: a configured root key pair, and SKIFF_AUTH=off (any key works, as the root)."""

from __future__ import annotations

from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from tests.api.auth.conftest import client_for
from tests.conftest import start_server


def test_a_configured_root_pair_replaces_test_test(tmp_path: Path) -> None:
    server = start_server(
        tmp_path / "data",
        env={
            "SKIFF_ROOT_ACCESS_KEY_ID": "AKIAROOTROOTROOT0001",
            "SKIFF_ROOT_SECRET_ACCESS_KEY": "s3cr3t-root",
        },
    )
    try:
        root = {"AccessKeyId": "AKIAROOTROOTROOT0001", "SecretAccessKey": "s3cr3t-root"}
        identity = client_for(server.endpoint, "sts", root).get_caller_identity()
        assert identity["Arn"] == "arn:aws:iam::000000000000:root"
        with pytest.raises(ClientError) as info:
            client_for(
                server.endpoint, "sts", {"AccessKeyId": "test", "SecretAccessKey": "test"}
            ).get_caller_identity()
        assert info.value.response["Error"]["Code"] == "InvalidClientTokenId"
        assert "AWS_ACCESS_KEY_ID=AKIAROOTROOTROOT0001" in server.log()  # printed at start
    finally:
        server.stop()


def test_auth_off_lets_any_key_act_as_the_root(tmp_path: Path) -> None:
    server = start_server(tmp_path / "data", env={"SKIFF_AUTH": "off"})
    try:
        anyone = {"AccessKeyId": "AKIAANYANYANYANY0000", "SecretAccessKey": "whatever"}
        assert client_for(server.endpoint, "sts", anyone).get_caller_identity()["Arn"].endswith(":root")
        assert "clusterArns" in client_for(server.endpoint, "ecs", anyone).list_clusters()
        iam = client_for(server.endpoint, "iam", anyone)
        iam.create_user(UserName="limited")
        key = iam.create_access_key(UserName="limited")["AccessKey"]
        assert "clusterArns" in client_for(server.endpoint, "ecs", key).list_clusters()  # no policy needed
        assert "SKIFF_AUTH=off" in server.log()
    finally:
        server.stop()
