"""Metric datapoints: canonical identity, aggregation per slot, queries per period, percentiles,
high resolution, ListMetrics filters, and retention/downsampling that keeps a month small."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from skiff.state import metrics
from skiff.state.metrics import Datum, MetricKey, Stats
from skiff.store import SqliteStore

T0 = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
ACC, REG = "000000000000", "us-east-1"


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    return SqliteStore(tmp_path / "m.db")


def key(**dims: str) -> MetricKey:
    return MetricKey.of(ACC, REG, "App", "Load", dims)


def test_dimension_order_never_makes_a_second_metric() -> None:
    a = MetricKey.of(
        ACC,
        REG,
        "AWS/ECS",
        "CPUUtilization",
        [{"Name": "ServiceName", "Value": "s"}, {"Name": "ClusterName", "Value": "c"}],
    )
    b = MetricKey.of(ACC, REG, "AWS/ECS", "CPUUtilization", {"ClusterName": "c", "ServiceName": "s"})
    assert a == b and a.id == b.id
    assert a.dimension_list == [{"Name": "ClusterName", "Value": "c"}, {"Name": "ServiceName", "Value": "s"}]
    assert a.id != MetricKey.of(ACC, "eu-west-1", "AWS/ECS", "CPUUtilization", {"ClusterName": "c"}).id


def test_values_aggregate_per_minute_and_per_period(store: SqliteStore) -> None:
    k = key(Service="web")
    entries = [
        (k, Datum(T0 + dt.timedelta(seconds=s), Stats.of_values([v]), "Percent"))
        for s, v in [(0, 10.0), (20, 30.0), (61, 50.0), (130, 70.0), (300, 99.0)]
    ]
    assert metrics.put_data(store, entries, now=T0 + dt.timedelta(minutes=6)) == 5
    per_minute = metrics.query(store, k, T0, T0 + dt.timedelta(minutes=5), 60)
    assert [(p.timestamp - T0).seconds for p in per_minute] == [0, 60, 120]
    assert [(p.stats.count, p.stats.sum, p.stats.minimum, p.stats.maximum) for p in per_minute] == [
        (2, 40.0, 10.0, 30.0),
        (1, 50.0, 50.0, 50.0),
        (1, 70.0, 70.0, 70.0),
    ]
    assert per_minute[0].stats.average == 20.0 and per_minute[0].unit == "Percent"
    (whole,) = metrics.query(store, k, T0, T0 + dt.timedelta(minutes=5), 300)
    assert (whole.stats.count, whole.stats.sum) == (4, 160.0)
    assert metrics.query(store, k, T0, T0 + dt.timedelta(minutes=10), 300, unit="Count") == []
    assert metrics.query(store, key(Service="other"), T0, T0 + dt.timedelta(minutes=5), 60) == []


def test_values_counts_statistic_sets_and_percentiles(store: SqliteStore) -> None:
    k = key()
    metrics.put_data(store, [(k, Datum(T0, Stats.of_values(list(range(1, 101)))))], now=T0)
    (p,) = metrics.query(store, k, T0, T0 + dt.timedelta(minutes=1), 60)
    assert (
        p.stats.percentile(90) == 90.0 and p.stats.percentile(50) == 50.0 and p.stats.percentile(100) == 100.0
    )
    assert p.stats.trimmed(10, 90) == (81.0, sum(range(10, 91)))
    weighted = Stats.of_values([1.0, 5.0], [3, 1])
    assert (weighted.count, weighted.sum, weighted.percentile(75)) == (4, 8.0, 1.0)
    metrics.put_data(store, [(k, Datum(T0, Stats.of_summary(10, 1000, 1, 200)))], now=T0)
    (p,) = metrics.query(store, k, T0, T0 + dt.timedelta(minutes=1), 60)
    assert (p.stats.count, p.stats.maximum, p.stats.percentile(90)) == (110, 200.0, None)


def test_distributions_are_capped_for_busy_metrics() -> None:
    stats = Stats.of_values([1 + i / 10000 for i in range(5000)])
    assert stats.values is not None and len(stats.values) <= metrics.MAX_DISTINCT
    assert stats.count == 5000 and 1.2 < (stats.percentile(50) or 0) < 1.3


def test_high_resolution_data_answers_short_periods_for_three_hours(store: SqliteStore) -> None:
    k = key()
    entries = [
        (k, Datum(T0 + dt.timedelta(seconds=s), Stats.of_values([float(s)]), storage_resolution=1))
        for s in range(10)
    ]
    metrics.put_data(store, entries, now=T0)
    fives = metrics.query(store, k, T0, T0 + dt.timedelta(seconds=10), 5)
    assert [(p.stats.count, p.stats.sum) for p in fives] == [(5, 10.0), (5, 35.0)]
    (minute,) = metrics.query(store, k, T0, T0 + dt.timedelta(minutes=1), 60)
    assert minute.stats.count == 10
    metrics.compact(store, now=T0)  # first run sets the watermarks
    metrics.compact(store, now=T0 + dt.timedelta(hours=4))
    assert metrics.query(store, k, T0, T0 + dt.timedelta(seconds=10), 5) == []
    assert metrics.query(store, k, T0, T0 + dt.timedelta(minutes=1), 60)[0].stats.count == 10


def test_list_metrics_filters_and_recent_activity(store: SqliteStore) -> None:
    cpu_s = MetricKey.of(ACC, REG, "AWS/ECS", "CPUUtilization", {"ClusterName": "c", "ServiceName": "s"})
    cpu_c = MetricKey.of(ACC, REG, "AWS/ECS", "CPUUtilization", {"ClusterName": "c"})
    mem = MetricKey.of(ACC, REG, "AWS/ECS", "MemoryUtilization", {"ClusterName": "c"})
    old = MetricKey.of(ACC, REG, "App", "Old")
    metrics.put_data(store, [(k, Datum(T0, Stats.of_values([1.0]))) for k in (cpu_s, cpu_c, mem)], now=T0)
    metrics.put_data(store, [(old, Datum(T0 - dt.timedelta(days=13), Stats.of_values([1.0])))], now=T0)
    everything = metrics.list_metrics(store, ACC, REG, now=T0)
    assert everything == [cpu_c, cpu_s, mem, old]
    assert metrics.list_metrics(store, ACC, REG, namespace="AWS/ECS", name="CPUUtilization", now=T0) == [
        cpu_c,
        cpu_s,
    ]
    assert metrics.list_metrics(store, ACC, REG, dimensions=[("ServiceName", None)], now=T0) == [cpu_s]
    assert metrics.list_metrics(store, ACC, REG, dimensions=[("ClusterName", "x")], now=T0) == []
    assert metrics.list_metrics(store, ACC, REG, recently_active_seconds=3 * 3600, now=T0) == [
        cpu_c,
        cpu_s,
        mem,
    ]
    assert metrics.list_metrics(store, ACC, REG, now=T0 + dt.timedelta(days=2)) == [cpu_c, cpu_s, mem]
    assert metrics.list_metrics(store, ACC, "eu-west-1", now=T0) == []


def test_a_month_of_minutes_is_downsampled_and_keeps_its_totals(store: SqliteStore) -> None:
    k = key()
    start = T0 - dt.timedelta(days=30)
    metrics.compact(store, now=start)
    day = 0
    for day in range(31):
        now = start + dt.timedelta(days=day)
        entries = [(k, Datum(now + dt.timedelta(minutes=m), Stats.of_values([1.0]))) for m in range(1440)]
        metrics.put_data(store, entries, now=now + dt.timedelta(days=1))
        metrics.compact(store, now=now + dt.timedelta(days=1))
    now = start + dt.timedelta(days=day + 1)
    rows = {r: len(store.find(metrics.DATAPOINTS, {"metric": k.id, "res": r})) for r in (60, 300, 3600)}
    assert rows[60] <= 16 * 24 and 14 <= rows[300] <= 17 and rows[3600] == 0
    (total,) = metrics.query(store, k, start, now, 31 * 86400)
    assert total.stats.count == 31 * 1440 and total.stats.sum == 31 * 1440
    old = metrics.query(store, k, start, start + dt.timedelta(hours=1), 300)
    assert [p.stats.count for p in old] == [5] * 12
    recent = metrics.query(store, k, now - dt.timedelta(hours=1), now, 60)
    assert [p.stats.count for p in recent] == [1] * 60


def test_year_old_data_goes_to_hours_and_then_away(store: SqliteStore) -> None:
    k = key()
    metrics.compact(store, now=T0)
    metrics.put_data(
        store, [(k, Datum(T0 + dt.timedelta(minutes=m), Stats.of_values([2.0]))) for m in range(120)], now=T0
    )
    metrics.compact(store, now=T0 + dt.timedelta(days=70))
    assert store.find(metrics.DATAPOINTS, {"metric": k.id, "res": 60}) == []
    hours = metrics.query(store, k, T0, T0 + dt.timedelta(hours=2), 3600)
    assert [(p.stats.count, p.stats.sum) for p in hours] == [(60, 120.0), (60, 120.0)]
    metrics.compact(store, now=T0 + dt.timedelta(days=460))
    assert metrics.query(store, k, T0, T0 + dt.timedelta(hours=2), 3600) == []
    assert metrics.forget_stale_metrics(store, now=T0 + dt.timedelta(days=460)) == 1


def test_the_catalogue_is_rewritten_only_when_its_last_timestamp_falls_behind(store: SqliteStore) -> None:
    """A pass of many series does not rewrite every catalogue entry; ListMetrics' windows are hours."""
    k = key(Host="a")

    def last() -> float:
        doc = store.get(metrics.METRICS, k.id)
        assert doc is not None
        return float(doc["lastTimestamp"])

    def put(at: dt.datetime) -> None:
        metrics.put_data(store, [(k, Datum(at, Stats.of_values([1.0]), "Count", 60))], now=at)

    put(T0)
    assert last() == metrics.epoch(T0)  # a new metric is catalogued at once
    put(T0 + dt.timedelta(minutes=2))
    assert last() == metrics.epoch(T0)  # within the slack: left alone
    later = T0 + dt.timedelta(seconds=metrics.TOUCH_SLACK_SECONDS + 60)
    put(later)
    assert last() == metrics.epoch(later)
    listed = metrics.list_metrics(store, ACC, REG, recently_active_seconds=3 * 3600, now=later)
    assert k in listed
