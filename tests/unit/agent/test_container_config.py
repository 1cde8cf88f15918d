"""Container definition -> Docker create configuration."""

from __future__ import annotations

from typing import Any

from skiff.agent.container_config import build_config, environment, health_config


def task() -> dict[str, Any]:
    return {
        "taskArn": "arn:aws:ecs:us-east-1:000000000000:task/c/abc",
        "clusterArn": "arn:aws:ecs:us-east-1:000000000000:cluster/c",
        "_skiff": {"definition": {"family": "fam", "revision": 3, "pidMode": "task"}},
    }


def test_full_container_definition() -> None:
    container = {
        "name": "app",
        "image": "busybox",
        "command": ["sleep", "1"],
        "entryPoint": ["sh", "-c"],
        "environment": [{"name": "A", "value": "1"}, {"name": "AWS_REGION", "value": "mine"}],
        "workingDirectory": "/w",
        "user": "nobody",
        "memory": 128,
        "memoryReservation": 64,
        "cpu": 100,
        "ulimits": [{"name": "nofile", "softLimit": 10, "hardLimit": 20}],
        "readonlyRootFilesystem": True,
        "linuxParameters": {"initProcessEnabled": True, "capabilities": {"add": ["NET_ADMIN"]}},
        "mountPoints": [{"sourceVolume": "data", "containerPath": "/data", "readOnly": True}],
        "healthCheck": {"command": ["CMD-SHELL", "true"], "interval": 5},
        "stopTimeout": 2,
        "dockerLabels": {"team": "a"},
    }
    config = build_config(
        task(),
        container,
        pause_id="p1",
        cgroup_parent="/skiff/abc",
        injected_env={"AWS_REGION": "us-east-1", "AWS_EXECUTION_ENV": "AWS_ECS_FARGATE"},
        volume_names={"data": "skiff-abc-data"},
        volumes_from=["c2:ro"],
        image="busybox:latest",
        instance="i1",
    )
    host = config["HostConfig"]
    assert host["NetworkMode"] == "container:p1"
    assert host["PidMode"] == "container:p1"
    assert host["CgroupParent"] == "/skiff/abc"
    assert host["Memory"] == 128 * 1024 * 1024
    assert host["MemoryReservation"] == 64 * 1024 * 1024
    assert host["CpuShares"] == 100
    assert host["Ulimits"] == [{"Name": "nofile", "Soft": 10, "Hard": 20}]
    assert host["ReadonlyRootfs"] is True
    assert host["Init"] is True
    assert host["CapAdd"] == ["NET_ADMIN"]
    assert host["Mounts"] == [
        {"Type": "volume", "Source": "skiff-abc-data", "Target": "/data", "ReadOnly": True}
    ]
    assert host["VolumesFrom"] == ["c2:ro"]
    assert config["Cmd"] == ["sleep", "1"]
    assert config["Entrypoint"] == ["sh", "-c"]
    assert config["WorkingDir"] == "/w"
    assert config["User"] == "nobody"
    assert config["StopTimeout"] == 2
    assert "A=1" in config["Env"] and "AWS_REGION=mine" in config["Env"]
    assert "AWS_EXECUTION_ENV=AWS_ECS_FARGATE" in config["Env"]
    labels = config["Labels"]
    assert labels["com.amazonaws.ecs.container-name"] == "app"
    assert labels["com.amazonaws.ecs.task-definition-version"] == "3"
    assert labels["team"] == "a"
    assert labels["skiff.instance"] == "i1"


def test_health_check_defaults_are_ecs_defaults() -> None:
    assert health_config({"command": ["CMD", "true"]}) == {
        "Test": ["CMD", "true"],
        "Interval": 30_000_000_000,
        "Timeout": 5_000_000_000,
        "Retries": 3,
        "StartPeriod": 0,
    }


def test_definition_environment_wins_over_injected() -> None:
    assert environment({"environment": [{"name": "X", "value": "mine"}]}, {"X": "skiff"}) == ["X=mine"]
