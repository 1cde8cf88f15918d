"""Suites written for moto's server mode run against skiff: with `TEST_SERVER_MODE=true` and
`TEST_SERVER_MODE_ENDPOINT` naming skiff, moto's own `mock_aws` posts to `/moto-api/reset` when
each test starts and ends (unless `MOTO_CALL_RESET_API=false`), and its boto3 clients reach skiff.
The suite runs in a pytest of its own, with moto as installed (no patching of ours)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.conftest import SkiffServer, start_server

MOTO_KEYS = {"AWS_ACCESS_KEY_ID": "FOOBARKEY", "AWS_SECRET_ACCESS_KEY": "FOOBARSECRET"}  # moto's own

SUITE = textwrap.dedent(
    """
    import boto3
    from moto import mock_aws


    @mock_aws
    def test_first_makes_a_cluster():
        ecs = boto3.client("ecs", region_name="us-east-1")
        ecs.create_cluster(clusterName="one")
        assert len(ecs.list_clusters()["clusterArns"]) == 1


    @mock_aws
    def test_second_starts_fresh():
        ecs = boto3.client("ecs", region_name="us-east-1")
        assert ecs.list_clusters()["clusterArns"] == []
        ecs.create_cluster(clusterName="two")
        sts = boto3.client("sts", region_name="us-east-1")
        assert sts.get_caller_identity()["Account"] == "123456789012"
    """
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SkiffServer]:
    env = {
        "SKIFF_ROOT_ACCESS_KEY_ID": MOTO_KEYS["AWS_ACCESS_KEY_ID"],
        "SKIFF_ROOT_SECRET_ACCESS_KEY": MOTO_KEYS["AWS_SECRET_ACCESS_KEY"],
        "SKIFF_ACCOUNT_ID": "123456789012",  # moto's default account
    }
    started = start_server(tmp_path_factory.mktemp("moto-mode"), env=env)
    yield started
    started.stop()


def clusters(server: SkiffServer) -> list[str]:
    ecs: Any = boto3.client("ecs", endpoint_url=server.endpoint, region_name="us-east-1",
                            aws_access_key_id=MOTO_KEYS["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=MOTO_KEYS["AWS_SECRET_ACCESS_KEY"])  # fmt: skip
    return [arn.rsplit("/", 1)[1] for arn in ecs.list_clusters()["clusterArns"]]


def run_suite(
    tmp_path: Path, server: SkiffServer, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_suite.py").write_text(SUITE)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MOTO_", "TEST_SERVER"))},
        "TEST_SERVER_MODE": "true",
        "TEST_SERVER_MODE_ENDPOINT": server.endpoint,
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_suite.py", *args],
        cwd=tmp_path, env=environ, capture_output=True, text=True, timeout=180,
    )  # fmt: skip


def test_each_test_of_a_moto_server_mode_suite_starts_fresh(tmp_path: Path, server: SkiffServer) -> None:
    result = run_suite(tmp_path, server)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
    assert clusters(server) == []  # moto resets when the last test ends, too


def test_moto_call_reset_api_false_keeps_state(tmp_path: Path, server: SkiffServer) -> None:
    result = run_suite(tmp_path, server, "-k", "first", MOTO_CALL_RESET_API="false")
    assert result.returncode == 0, result.stdout + result.stderr
    assert clusters(server) == ["one"]
    result = run_suite(tmp_path, server, "-k", "second", MOTO_CALL_RESET_API="false")
    assert result.returncode != 0 and "1 failed" in result.stdout
    assert ":cluster/one" in result.stdout  # the first run's cluster was still there
