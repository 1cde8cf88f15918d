"""Restart is the normal path: state acknowledged before `kill -9` is there after restart."""

from __future__ import annotations

from pathlib import Path

import boto3

from tests.conftest import CREDENTIALS, start_server


def _ecs(endpoint: str) -> object:
    return boto3.client(
        "ecs",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )


def test_state_survives_kill_9(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = start_server(data)
    try:
        ecs = _ecs(server.endpoint)
        ecs.create_cluster(clusterName="durable")  # type: ignore[attr-defined]
        for _ in range(3):
            ecs.register_task_definition(  # type: ignore[attr-defined]
                family="durable", containerDefinitions=[{"name": "a", "image": "busybox", "memory": 64}]
            )
    finally:
        server.stop(kill=True)
    server = start_server(data, port=server.port)
    try:
        ecs = _ecs(server.endpoint)
        clusters = ecs.describe_clusters(clusters=["durable"])["clusters"]  # type: ignore[attr-defined]
        assert [c["status"] for c in clusters] == ["ACTIVE"]
        described = ecs.describe_task_definition(taskDefinition="durable")  # type: ignore[attr-defined]
        assert described["taskDefinition"]["revision"] == 3
    finally:
        server.stop()
