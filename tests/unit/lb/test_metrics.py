"""AWS/ApplicationELB metrics from a real HAProxy: requests through a balancer counted once each,
per balancer and per target group, across a collector restart, an HAProxy reload, a stale
baseline and a failed write."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from skiff.lb.manager import LoadBalancing
from skiff.lb.metrics import BalancerMetrics, deltas, lb_dimension, tg_dimension
from skiff.state import metrics
from skiff.store import SqliteStore
from tests.unit.lb.test_manager import (
    SCOPE,
    balancer,
    free_port,
    get,
    health_of,
    listener,
    register,
    serve,
    store,
    target_group,
    until,
)

pytestmark = pytest.mark.skipif(not Path("/usr/sbin/haproxy").exists(), reason="haproxy is not installed")

__all__ = ["store"]  # the fixture
PERIOD = 10
T0 = dt.datetime(2026, 12, 3, 9, 0, 0, tzinfo=dt.UTC)


def value(store: SqliteStore, name: str, dims: dict[str, str], at: dt.datetime) -> float | None:
    """The Sum of `name` in the period starting at `at`."""
    key = metrics.MetricKey.of(SCOPE.account, SCOPE.region, "AWS/ApplicationELB", name, dims)
    points = metrics.query(store, key, at, at + dt.timedelta(seconds=PERIOD), PERIOD)
    return points[0].stats.sum if points else None


def test_deltas_count_from_zero_for_a_new_worker_or_a_lower_counter() -> None:
    baseline = {"pid": "7", "counters": {"a": 10.0, "b": 5.0}}
    assert deltas(baseline, "7", {"a": 15.0, "b": 2.0, "c": 1.0}) == {"a": 5.0, "b": 2.0, "c": 1.0}
    assert deltas(baseline, "8", {"a": 3.0, "b": 0.0}) == {"a": 3.0, "b": 0.0}
    assert deltas(None, "8", {"a": 3.0}) == {"a": 3.0}


def test_requests_are_counted_once_across_restart_reload_and_failure(
    store: SqliteStore, tmp_path: Path
) -> None:
    asyncio.run(scenario(store, tmp_path))


async def scenario(store: SqliteStore, tmp_path: Path) -> None:
    lb = balancer(store, "web")
    web = target_group(store, "web-tg")
    a, a_port = serve("127.0.0.2", "a")
    b, b_port = serve("127.0.0.3", "b")
    port = free_port()
    listener(store, lb, port, [{"Type": "forward", "TargetGroupArn": web["TargetGroupArn"]}])
    register(store, web, "127.0.0.2", a_port)
    register(store, web, "127.0.0.3", b_port)
    lbs = LoadBalancing(store, tmp_path, interval=0.2)
    await lbs.start()
    lb_dims = {"LoadBalancer": lb_dimension(lb["LoadBalancerArn"])}
    both = {**lb_dims, "TargetGroup": tg_dimension(web["TargetGroupArn"])}
    tg_dims = {"TargetGroup": tg_dimension(web["TargetGroupArn"])}
    assert lb_dims["LoadBalancer"].startswith("app/web/") and tg_dims["TargetGroup"].startswith(
        "targetgroup/"
    )

    def at(n: int) -> dt.datetime:
        return T0 + dt.timedelta(seconds=n * PERIOD + 0.2)

    def window(n: int) -> dt.datetime:  # the period a collection at at(n) stamps
        return T0 + dt.timedelta(seconds=(n - 1) * PERIOD)

    async def send(count: int, path: str = "/") -> None:
        for _ in range(count):
            await asyncio.to_thread(get, f"http://{lb['_skiff']['address']}:{port}{path}")

    try:
        await until(lambda: set(health_of(store, web).values()) == {"healthy"})
        collector = BalancerMetrics(store, lbs, PERIOD)
        await collector.collect(at(0))  # the baseline (health checks are not requests)
        await send(10)
        await send(2, "/missing")
        assert await collector.collect(at(1)) > 0
        assert value(store, "RequestCount", lb_dims, window(1)) == 12
        assert value(store, "RequestCount", both, window(1)) == 12
        assert value(store, "RequestCountPerTarget", tg_dims, window(1)) == 6
        assert value(store, "RequestCountPerTarget", both, window(1)) == 6
        assert value(store, "HTTPCode_Target_2XX_Count", lb_dims, window(1)) == 10
        assert value(store, "HTTPCode_Target_4XX_Count", both, window(1)) == 2  # /missing: 404
        assert value(store, "HealthyHostCount", both, window(1)) == 2
        assert value(store, "UnHealthyHostCount", both, window(1)) == 0
        key = metrics.MetricKey.of(
            SCOPE.account, SCOPE.region, "AWS/ApplicationELB", "TargetResponseTime", both
        )
        (point,) = metrics.query(store, key, window(1), at(1), PERIOD)
        assert point.stats.count == 12 and point.unit == "Seconds" and 0 <= point.stats.maximum < 1
        # a restarted collector (skiff killed and started again) goes on from the stored baseline
        collector = BalancerMetrics(store, lbs, PERIOD)
        await send(3)
        await collector.collect(at(2))
        assert value(store, "RequestCount", lb_dims, window(2)) == 3
        assert value(store, "RequestCount", lb_dims, window(1)) == 12
        # a quiet period: no RequestCount, RequestCountPerTarget 0 (always reported)
        await collector.collect(at(3))
        assert value(store, "RequestCount", lb_dims, window(3)) is None
        assert value(store, "RequestCountPerTarget", tg_dims, window(3)) == 0
        # HAProxy reloaded (a new listener): the new worker counts from zero, nothing is negative
        before = await lbs.supervisor._worker_pid()
        second = free_port()
        listener(store, lb, second, [{"Type": "forward", "TargetGroupArn": web["TargetGroupArn"]}])
        await until(lambda: lbs.datapath.reloads == 1)
        assert await lbs.supervisor._worker_pid() != before
        await send(4)
        await collector.collect(at(4))
        assert value(store, "RequestCount", lb_dims, window(4)) == 4
        assert value(store, "RequestCountPerTarget", both, window(4)) == 2
        # a failed write publishes nothing and keeps the baseline: the next collection counts it all
        await send(5)
        original = metrics.put_data

        def broken(*args: Any, **kwargs: Any) -> int:
            original(*args, **kwargs)
            raise OSError("disk full")

        metrics.put_data = broken  # type: ignore[assignment]
        try:
            with pytest.raises(OSError):
                await collector.collect(at(5))
        finally:
            metrics.put_data = original  # type: ignore[assignment]
        assert value(store, "RequestCount", lb_dims, window(5)) is None
        await collector.collect(at(6))
        assert value(store, "RequestCount", lb_dims, window(6)) == 5
        # skiff down for long: the next collection renews the baseline and stamps nothing
        await send(2)
        await collector.collect(at(20))
        assert value(store, "RequestCount", lb_dims, window(20)) is None
        assert value(store, "HealthyHostCount", both, window(20)) == 2
        await send(1)
        await collector.collect(at(21))
        assert value(store, "RequestCount", lb_dims, window(21)) == 1
    finally:
        await lbs.stop()
        await lbs.reset()
        for server in (a, b):
            server.shutdown()
