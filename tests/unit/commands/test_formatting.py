"""The commands' pure helpers: ages, --since, sizes, Docker stats arithmetic, task and deployment
cells, and how `skiff wait` judges a rollout."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from skiff.commands import formatting as f
from skiff.commands.services import judge
from skiff.commands.status import part_rows

NOW = dt.datetime(2026, 1, 2, 12, 0, 0, tzinfo=dt.UTC)


def test_age_in_the_largest_whole_unit() -> None:
    assert f.age(NOW - dt.timedelta(seconds=42), NOW) == "42s"
    assert f.age(NOW - dt.timedelta(minutes=5, seconds=59), NOW) == "5m"
    assert f.age(NOW - dt.timedelta(hours=3, minutes=1), NOW) == "3h"
    assert f.age(NOW - dt.timedelta(days=2, hours=23), NOW) == "2d"
    assert f.age(NOW + dt.timedelta(seconds=5), NOW) == "0s"  # clock skew: never negative
    assert f.age(None, NOW) == "-"
    assert f.age(NOW.timestamp() - 90, NOW) == "1m"  # epoch seconds, as JSON holds them


def test_since_durations_and_iso_times() -> None:
    assert f.parse_since("10m", NOW) == NOW - dt.timedelta(minutes=10)
    assert f.parse_since("90", NOW) == NOW - dt.timedelta(seconds=90)
    assert f.parse_since("1.5h", NOW) == NOW - dt.timedelta(minutes=90)
    assert f.parse_since("2d", NOW) == NOW - dt.timedelta(days=2)
    assert f.parse_since("1w", NOW) == NOW - dt.timedelta(days=7)
    assert f.parse_since("2026-01-01T10:00:00Z", NOW) == dt.datetime(2026, 1, 1, 10, tzinfo=dt.UTC)
    assert f.parse_since("2026-01-01T10:00:00", NOW) == dt.datetime(2026, 1, 1, 10, tzinfo=dt.UTC)
    for bad in ("yesterday", "10 minutes", "-5m", ""):
        with pytest.raises(ValueError, match="--since"):
            f.parse_since(bad, NOW)


def test_sizes_rates_and_percents() -> None:
    assert f.human_bytes(512) == "512 B"
    assert f.human_bytes(1536) == "1.5 KiB"
    assert f.human_bytes(5 * 1024 * 1024) == "5.0 MiB"
    assert f.human_bytes(3 * 1024**4) == "3072.0 GiB"
    assert f.human_bytes(None) == "-" and f.rate(None) == "-" and f.percent(None) == "-"
    assert f.rate(2048) == "2.0 KiB/s"
    assert f.percent(12.345) == "12.3%"


def stats(total: int, pre_total: int, system: int, pre_system: int, cpus: int = 2) -> dict[str, Any]:
    return {
        "cpu_stats": {"cpu_usage": {"total_usage": total}, "system_cpu_usage": system, "online_cpus": cpus},
        "precpu_stats": {"cpu_usage": {"total_usage": pre_total}, "system_cpu_usage": pre_system},
    }


def test_cpu_percent_as_docker_stats_computes_it() -> None:
    # half of the system's time over 2 cores: one full core
    assert f.cpu_percent(stats(1_500, 1_000, 2_000, 1_000)) == pytest.approx(100.0)
    assert f.cpu_percent(stats(1_100, 1_000, 2_000, 1_000, cpus=4)) == pytest.approx(40.0)
    assert f.cpu_percent(stats(1_000, 1_000, 1_000, 1_000)) == 0.0  # no time passed
    assert f.cpu_percent({"cpu_stats": {}, "precpu_stats": {}}) is None  # first sample: nothing to compare
    one_shot = stats(1_500, 1_000, 2_000, 1_000, cpus=0)
    one_shot["cpu_stats"]["cpu_usage"]["percpu_usage"] = [1, 2, 3, 4]  # cgroup v1 without online_cpus
    assert f.cpu_percent(one_shot) == pytest.approx(200.0)


def test_memory_leaves_out_the_page_cache_and_network_sums_interfaces() -> None:
    assert f.memory_used({"memory_stats": {"usage": 10_000, "stats": {"inactive_file": 4_000}}}) == 6_000
    assert f.memory_used({"memory_stats": {"usage": 10_000, "stats": {"total_inactive_file": 1}}}) == 9_999
    assert f.memory_used({"memory_stats": {"usage": 10, "stats": {"inactive_file": 50}}}) == 0
    assert f.memory_used({"memory_stats": {}}) is None
    networks = {"eth0": {"rx_bytes": 10, "tx_bytes": 1}, "eth1": {"rx_bytes": 5, "tx_bytes": 2}}
    assert f.network_totals({"networks": networks}) == (15, 3)
    assert f.network_totals({}) is None


def test_task_cells() -> None:
    arn = "arn:aws:ecs:us-east-1:000000000000:task/web/0123456789abcdef0123456789abcdef"
    task = {
        "taskArn": arn,
        "group": "service:web",
        "attachments": [{"details": [{"name": "subnetId", "value": "s"},
                                     {"name": "privateIPv4Address", "value": "10.0.0.7"}]}],
    }  # fmt: skip
    assert f.short_id(arn) == "0123456789abcdef0123456789abcdef"
    assert f.service_of(task) == "web" and f.service_of({"group": "family:x"}) == "-"
    assert f.task_ip(task) == "10.0.0.7" and f.task_ip({}) == "-"
    assert f.definition_name("arn:aws:ecs:us-east-1:0:task-definition/web:3") == "web:3"
    assert f.is_task_ref(arn) and f.is_task_ref("0123456789abcdef0123456789abcdef")
    assert not f.is_task_ref("web") and not f.is_task_ref("0123456789ABCDEF0123456789abcdef")


def test_deployment_line() -> None:
    deployment = {"status": "PRIMARY", "runningCount": 1, "desiredCount": 3, "pendingCount": 1,
                  "failedTasks": 2, "rolloutState": "IN_PROGRESS",
                  "taskDefinition": "arn:aws:ecs:us-east-1:0:task-definition/web:4"}  # fmt: skip
    assert f.deployment_line(deployment) == "PRIMARY 1/3 IN_PROGRESS (1 pending, 2 failed) web:4"
    assert f.deployment_line({"status": "ACTIVE"}) == "ACTIVE 0/0 - -"


def deployment(
    ident: str, status: str, state: str | None, running: int, desired: int, minute: int
) -> dict[str, Any]:
    return {"id": ident, "status": status, "rolloutState": state, "runningCount": running,
            "desiredCount": desired, "createdAt": NOW + dt.timedelta(minutes=minute)}  # fmt: skip


def service(*deployments: dict[str, Any], running: int = 2, desired: int = 2) -> dict[str, Any]:
    return {"serviceName": "web", "deployments": list(deployments), "runningCount": running,
            "desiredCount": desired}  # fmt: skip


def test_wait_judges_steady_failed_rolled_back_and_superseded_rollouts() -> None:
    new = deployment("ecs-svc/2", "PRIMARY", "IN_PROGRESS", 1, 2, 2)
    old = deployment("ecs-svc/1", "ACTIVE", "COMPLETED", 2, 2, 1)
    assert judge(service(new, old), new).state == "progress"
    done = {**new, "rolloutState": "COMPLETED", "runningCount": 2}
    assert judge(service(done, old), new).state == "progress"  # the old deployment still drains
    outcome = judge(service(done), new)
    assert outcome.state == "steady" and outcome.deployment == done
    assert judge(service(done, running=1), new).state == "progress"  # the service still short
    failed = {**new, "rolloutState": "FAILED", "rolloutStateReason": "tasks failed to start."}
    outcome = judge(service(failed, old), new)
    assert outcome.state == "failed" and "tasks failed to start." in outcome.message
    back = {**old, "status": "PRIMARY"}
    outcome = judge(service(back), new)  # rolled back: ours is gone, an older one is PRIMARY
    assert outcome.state == "failed" and "rolled back to ecs-svc/1" in outcome.message
    newer = deployment("ecs-svc/3", "PRIMARY", "COMPLETED", 2, 2, 3)
    outcome = judge(service(newer), new)  # a newer update replaced ours: wait for that one
    assert outcome.state == "steady" and outcome.deployment == newer
    legacy = deployment("ecs-svc/1", "PRIMARY", None, 2, 2, 1)  # no rolloutState reported
    assert judge(service(legacy), legacy).state == "steady"


def test_status_rows() -> None:
    reply = {
        "engine": {"up": True, "version": "0.1.0", "endpoint": "http://e", "data_dir": "/d"},
        "parts": {
            "docker": {"up": True, "version": "24.0", "tasks": 3},
            "haproxy": {"up": False, "enabled": False},
            "registry": {"up": False, "enabled": True, "error": "boom"},
        },
    }
    assert part_rows(reply) == [
        ["engine", "up", "0.1.0", "endpoint=http://e data_dir=/d"],
        ["docker", "up", "24.0", "tasks=3"],
        ["haproxy", "off", "-", ""],
        ["registry", "down", "-", "error=boom"],
    ]
