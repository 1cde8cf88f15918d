"""What a task used, computed from Docker stats JSON recorded from a real engine (cgroup v1,
Docker 20.10: tests/unit/agent/data/docker_stats_v1*.json): CPU units from cumulative nanoseconds,
memory without the page cache, network and storage rates, reservations of a task record."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from skiff.agent.task_stats import (
    Counters,
    block_bytes,
    memory_in_use,
    namespace_counters,
    parse_docker_time,
    percent,
    reservation,
    usage,
)

DATA = Path(__file__).parent / "data"


def recorded(name: str = "docker_stats_v1.json") -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((DATA / name).read_text())
    return loaded


def later(stats: dict[str, Any], seconds: int, cpu_ns: int, rx: int = 0, tx: int = 0) -> dict[str, Any]:
    """The same container `seconds` later (one-shot: no precpu) having used `cpu_ns` more CPU."""
    out = copy.deepcopy(stats)
    whole, _, fraction = stats["read"].partition(".")
    moved = dt.datetime.fromisoformat(whole + "+00:00") + dt.timedelta(seconds=seconds)
    out["read"] = moved.strftime("%Y-%m-%dT%H:%M:%S") + "." + fraction
    out["preread"] = "0001-01-01T00:00:00Z"
    out["precpu_stats"] = {"cpu_usage": {"total_usage": 0}}
    out["cpu_stats"]["cpu_usage"]["total_usage"] += cpu_ns
    out["networks"]["eth0"]["rx_bytes"] += rx
    out["networks"]["eth0"]["tx_bytes"] += tx
    return out


def test_docker_times_parse_with_nanoseconds_and_zero_time() -> None:
    assert parse_docker_time("2026-12-03T09:09:52.955466479Z") == pytest.approx(1796288992.955466479)
    assert parse_docker_time("2026-12-03T09:09:52Z") == pytest.approx(1796288992.0)
    assert parse_docker_time("2026-12-03T09:09:52.5+01:00") == pytest.approx(1796288992.5 - 3600)
    assert parse_docker_time("0001-01-01T00:00:00Z") is None
    assert parse_docker_time("") is None
    assert parse_docker_time("yesterday") is None


def test_a_full_sample_carries_dockers_previous_cpu_reading() -> None:
    stats = recorded()
    counters = Counters.of(stats)
    assert counters is not None and counters.previous is not None
    assert counters.cpu_ns == 2027717047 and counters.previous.cpu_ns == 1537046222
    assert counters.read - counters.previous.read == pytest.approx(1.011412613, abs=1e-6)
    assert counters.memory_bytes == 339968  # usage, no page cache in this container
    assert (counters.rx_bytes, counters.tx_bytes) == (736, 0)
    # its first reading alone gives CPU (from Docker's previous one) but no rates yet
    use = usage({"c": counters}, {})
    expected_units = (2027717047 - 1537046222) / 1e9 / 1.011412613 * 1024
    assert use.cpu_units == pytest.approx(expected_units, rel=1e-6)
    assert use.memory_mib == pytest.approx(339968 / 1024 / 1024)
    assert use.rx_per_second is None and use.read_per_second is None


def test_a_one_shot_sample_has_no_previous_reading() -> None:
    counters = Counters.of(recorded("docker_stats_v1_oneshot.json"))
    assert counters is not None and counters.previous is None
    assert usage({"c": counters}, {}).cpu_units is None


def test_cpu_network_and_storage_rates_between_two_samples() -> None:
    first = recorded()
    second = later(first, 10, cpu_ns=5 * 10**9, rx=10_000, tx=2_000)  # half a core for 10 s
    first["blkio_stats"]["io_service_bytes_recursive"] = [
        {"major": 8, "minor": 0, "op": "Read", "value": 4096},
        {"major": 8, "minor": 0, "op": "Write", "value": 0},
        {"major": 8, "minor": 0, "op": "Total", "value": 4096},
    ]
    second["blkio_stats"]["io_service_bytes_recursive"] = [
        {"major": 8, "minor": 0, "op": "Read", "value": 4096 + 40960},
        {"major": 8, "minor": 0, "op": "Write", "value": 1024 * 1024},
        {"major": 8, "minor": 0, "op": "Total", "value": 4096 + 40960 + 1024 * 1024},
    ]
    before, now = Counters.of(first), Counters.of(second)
    assert before is not None and now is not None
    use = usage(
        {"c": now},
        {"c": before},
        namespace_counters(None, {"c": now}),
        namespace_counters(None, {"c": before}),
    )
    assert use.cpu_units == pytest.approx(512.0, rel=1e-3)
    assert use.rx_per_second == pytest.approx(1000.0, rel=1e-3)
    assert use.tx_per_second == pytest.approx(200.0, rel=1e-3)
    assert use.read_per_second == pytest.approx(4096.0, rel=1e-3)
    assert use.write_per_second == pytest.approx(104857.6, rel=1e-3)
    assert percent(use.cpu_units, 256) == pytest.approx(200.0, rel=1e-3)


def test_the_pause_containers_counters_are_the_tasks_network() -> None:
    app = Counters.of(recorded())
    pause_then = Counters(100.0, 0, 0, rx_bytes=1_000, tx_bytes=500, read_bytes=0, write_bytes=0)
    pause_now = Counters(102.0, 0, 0, rx_bytes=5_000, tx_bytes=700, read_bytes=0, write_bytes=0)
    assert app is not None
    assert namespace_counters(pause_now, {"c": app}) is pause_now
    use = usage({"c": app}, {}, pause_now, pause_then)
    assert (use.rx_per_second, use.tx_per_second) == (2000.0, 100.0)


def test_a_counter_that_goes_back_is_a_new_container_not_negative_use() -> None:
    first = recorded()
    second = later(first, 5, cpu_ns=-(10**9))
    before, now = Counters.of(first), Counters.of(second)
    assert before is not None and now is not None
    assert usage({"c": now}, {"c": before}).cpu_units is None


def test_containers_of_a_task_add_up() -> None:
    first = recorded()
    a0, a1 = Counters.of(first), Counters.of(later(first, 4, cpu_ns=2 * 10**9))
    b0, b1 = Counters.of(first), Counters.of(later(first, 4, cpu_ns=10**9))
    assert a0 and a1 and b0 and b1
    use = usage({"a": a1, "b": b1}, {"a": a0, "b": b0})
    assert use.cpu_units == pytest.approx(3 / 4 * 1024, rel=1e-3)
    assert use.memory_mib == pytest.approx(2 * 339968 / 1024 / 1024)
    # each container's own share stays, for the container-level metrics
    assert use.containers["a"].cpu_units == pytest.approx(2 / 4 * 1024, rel=1e-3)
    assert use.containers["b"].cpu_units == pytest.approx(1 / 4 * 1024, rel=1e-3)
    assert use.containers["b"].memory_mib == pytest.approx(339968 / 1024 / 1024)
    assert use.containers["a"].read_per_second == 0.0


def test_a_new_container_beside_a_known_one_has_memory_only() -> None:
    first = recorded()
    one_shot = later(first, 4, cpu_ns=10**9)
    a0, a1, fresh = Counters.of(first), Counters.of(one_shot), Counters.of(one_shot)
    assert a0 and a1 and fresh
    use = usage({"a": a1, "new": fresh}, {"a": a0})
    assert use.containers["new"].cpu_units is None and use.containers["new"].read_per_second is None
    assert use.cpu_units == pytest.approx(use.containers["a"].cpu_units)


def test_memory_excludes_the_page_cache_v1_and_v2() -> None:
    assert memory_in_use({"memory_stats": {"usage": 10_000, "stats": {"cache": 4_000}}}) == 6_000
    assert memory_in_use({"memory_stats": {"usage": 10_000, "stats": {"inactive_file": 1_000}}}) == 9_000
    assert memory_in_use({"memory_stats": {}}) == 0
    assert memory_in_use({"memory_stats": {"usage": 10, "stats": {"cache": 40}}}) == 0


def test_block_io_ops_in_either_case() -> None:
    v2 = {
        "blkio_stats": {
            "io_service_bytes_recursive": [{"op": "read", "value": 7}, {"op": "write", "value": 9}]
        }
    }
    assert block_bytes(v2) == (7, 9)
    assert block_bytes({"blkio_stats": {"io_service_bytes_recursive": None}}) == (0, 0)


def test_stopped_container_sample_has_no_counters() -> None:
    assert Counters.of({"read": "0001-01-01T00:00:00Z", "cpu_stats": {}}) is None


def test_reservation_from_the_task_else_its_containers() -> None:
    assert reservation({"cpu": "256", "memory": "512"}) == (256.0, 512.0)
    assert reservation({"cpu": "1 vCPU", "memory": "2 GB"}) == (1024.0, 2048.0)
    containers = [{"cpu": 128, "memory": 300}, {"cpu": 64, "memoryReservation": 100, "memory": 200}]
    task = {"_skiff": {"definition": {"containerDefinitions": containers}}}
    assert reservation(task) == (192.0, 400.0)
    assert percent(10, 0) is None
