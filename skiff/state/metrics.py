"""CloudWatch metric datapoints: how they are stored, aggregated, queried, kept and downsampled.

Who uses it: the CloudWatch API (PutMetricData, GetMetricData, GetMetricStatistics, ListMetrics),
the stats collector that publishes `AWS/ECS` and `ECS/ContainerInsights`, the alarm evaluation
controller, and Application Auto Scaling (through alarms).

A metric is identified by (account, region, namespace, name, dimensions); dimensions are
canonicalized (sorted by name, see `MetricKey`), so the order a caller lists them in never makes a
second metric. Its id (`MetricKey.id`) is a hash of that identity.

Datapoints are kept as statistic sets (`Stats`: SampleCount, Sum, Minimum, Maximum, and the
distribution of raw values for percentiles) aggregated per storage slot, never one row per value:

| level (`res`) | slot | rows (`bucket`) | kept | as AWS |
|---|---|---|---|---|
| 1 s   | 1 s   | 10 min | 3 hours  | high-resolution data, periods < 60 s |
| 60 s  | 1 min | 1 hour | 15 days  | one-minute data |
| 300 s | 5 min | 1 day  | 63 days  | five-minute data |
| 3600 s| 1 h   | 7 days | 455 days | one-hour data |

PutMetricData writes the 60 s level (and the 1 s level too for StorageResolution 1). `compact`
(run periodically by the server) moves 60 s slots older than 15 days into 5-minute slots, those
older than 63 days into 1-hour slots, and drops 1-hour slots older than 455 days and 1 s slots older
than 3 hours; each move is one transaction, so no datapoint is ever counted twice or lost on kill -9.
A metric written once a minute for a month thus holds 15 * 24 rows of 60 slots plus 15 rows of 288.
Simplification: the value distribution kept for percentiles is capped at `MAX_DISTINCT` distinct
values per slot (values are rounded to fewer significant digits beyond that), so percentiles of
busy metrics are approximate, as they are on AWS.

Rows live in `cw_datapoints` (pk `<metric id>|<res>|<bucket start>`, columns metric, res, bucket),
the catalogue of metrics (for ListMetrics) in `cw_metrics`, compaction watermarks in `cw_meta`.
Timestamps are epoch seconds (int) inside this module; the public functions take datetimes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from skiff.store.base import Document, Store

METRICS = "cw_metrics"
DATAPOINTS = "cw_datapoints"
META = "cw_meta"

MAX_DISTINCT = 200  # distinct values kept per slot for percentiles
DEFAULT_UNIT = "None"
RECENT_SECONDS = 14 * 86400  # ListMetrics lists metrics with data in the last two weeks
# a catalogue entry's lastTimestamp is rewritten only when it is this much behind: ListMetrics'
# windows (3 hours, two weeks) do not notice, and a pass of many series saves a write per series
TOUCH_SLACK_SECONDS = 300.0


@dataclass(frozen=True)
class Level:
    """One storage level: slots of `res` seconds, grouped in rows of `bucket` seconds, kept `keep`."""

    res: int
    """Seconds per slot (the finest period this level answers)."""
    bucket: int
    """Seconds of slots one stored row holds (a multiple of `res`)."""
    keep: int
    """Seconds a slot stays at this level before it moves to `next_res` (or goes)."""
    next_res: int | None
    """The coarser level slots move to when they age out, None when they are dropped."""


LEVELS: dict[int, Level] = {
    1: Level(1, 600, 3 * 3600, None),
    60: Level(60, 3600, 15 * 86400, 300),
    300: Level(300, 86400, 63 * 86400, 3600),
    3600: Level(3600, 7 * 86400, 455 * 86400, None),
}
CHAIN = (60, 300, 3600)  # each standard datapoint is in exactly one of these levels


def epoch(when: dt.datetime) -> float:
    """Seconds since the epoch of an aware (or UTC-naive) datetime."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.timestamp()


def from_epoch(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


# -- identity ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class MetricKey:
    """The identity of one metric."""

    account: str
    """The owning account id."""
    region: str
    """The region the metric lives in."""
    namespace: str
    """Namespace, e.g. `AWS/ECS`."""
    name: str
    """MetricName, e.g. `CPUUtilization`."""
    dimensions: tuple[tuple[str, str], ...] = ()
    """(Name, Value) pairs sorted by name: canonical, whatever order the caller gave."""

    @classmethod
    def of(
        cls,
        account: str,
        region: str,
        namespace: str,
        name: str,
        dimensions: Mapping[str, str] | Iterable[Any] = (),
    ) -> MetricKey:
        """A key from a {name: value} mapping or a list of {"Name", "Value"} dicts or pairs."""
        if isinstance(dimensions, Mapping):
            pairs = [(str(k), str(v)) for k, v in dimensions.items()]
        else:
            pairs = [
                (str(d["Name"]), str(d["Value"])) if isinstance(d, Mapping) else (str(d[0]), str(d[1]))
                for d in dimensions
            ]
        return cls(account, region, namespace, name, tuple(sorted(pairs)))

    @cached_property
    def id(self) -> str:
        """A stable id: hash of the canonical identity (computed once per key)."""
        text = json.dumps([self.account, self.region, self.namespace, self.name, self.dimensions])
        return hashlib.sha1(text.encode()).hexdigest()

    @property
    def dimension_list(self) -> list[dict[str, str]]:
        """Dimensions in the API's shape: [{"Name": ..., "Value": ...}]."""
        return [{"Name": n, "Value": v} for n, v in self.dimensions]


# -- statistic sets ---------------------------------------------------------------------------
@dataclass
class Stats:
    """Aggregated datapoints of one slot (or one period): a CloudWatch statistic set."""

    count: float
    """SampleCount."""
    sum: float
    """Sum."""
    minimum: float
    """Minimum."""
    maximum: float
    """Maximum."""
    values: dict[float, float] | None = field(default_factory=dict)
    """value -> how many times it occurred, for percentiles; None when some data came as a
    StatisticSet (AWS gives no percentiles then)."""

    @property
    def average(self) -> float:
        return self.sum / self.count if self.count else 0.0

    @classmethod
    def of_values(cls, values: Sequence[float], counts: Sequence[float] | None = None) -> Stats:
        """The set of raw values (PutMetricData Value or Values/Counts)."""
        weights = list(counts) if counts else [1.0] * len(values)
        dist: dict[float, float] = {}
        for value, weight in zip(values, weights, strict=True):
            dist[float(value)] = dist.get(float(value), 0.0) + float(weight)
        return cls(
            count=sum(weights),
            sum=sum(float(v) * float(w) for v, w in zip(values, weights, strict=True)),
            minimum=min(float(v) for v in values),
            maximum=max(float(v) for v in values),
            values=_cap(dist),
        )

    @classmethod
    def of_summary(cls, count: float, total: float, minimum: float, maximum: float) -> Stats:
        """A StatisticSet given by the caller (no raw values, so no percentiles)."""
        return cls(float(count), float(total), float(minimum), float(maximum), None)

    def merge(self, other: Stats) -> None:
        """Add `other`'s datapoints to this set."""
        self.count += other.count
        self.sum += other.sum
        self.minimum = min(self.minimum, other.minimum)
        self.maximum = max(self.maximum, other.maximum)
        if self.values is None or other.values is None:
            self.values = None
        else:
            for value, weight in other.values.items():
                self.values[value] = self.values.get(value, 0.0) + weight
            self.values = _cap(self.values)

    def copy(self) -> Stats:
        return Stats(
            self.count,
            self.sum,
            self.minimum,
            self.maximum,
            None if self.values is None else dict(self.values),
        )

    def percentile(self, p: float) -> float | None:
        """The p-th percentile (0..100, nearest rank over the kept distribution), None if unknown."""
        if self.values is None or not self.values or self.count <= 0:
            return None
        ordered = sorted(self.values.items())
        total = sum(w for _, w in ordered)
        rank = max(p / 100.0 * total, 0.0)
        seen = 0.0
        for value, weight in ordered:
            seen += weight
            if seen >= rank and seen > 0:
                return value
        return ordered[-1][0]

    def trimmed(self, low: float, high: float) -> tuple[float, float] | None:
        """(count, sum) of the values between the low and high percentiles (inclusive), for TM/TC/TS."""
        if self.values is None or not self.values:
            return None
        lo, hi = self.percentile(low), self.percentile(high)
        if lo is None or hi is None:
            return None
        count = sum(w for v, w in self.values.items() if lo <= v <= hi)
        total = sum(v * w for v, w in self.values.items() if lo <= v <= hi)
        return count, total

    def to_doc(self) -> list[Any]:
        values = None if self.values is None else [[v, w] for v, w in self.values.items()]
        return [self.count, self.sum, self.minimum, self.maximum, values]

    @classmethod
    def from_doc(cls, doc: Sequence[Any]) -> Stats:
        values = None if doc[4] is None else {float(v): float(w) for v, w in doc[4]}
        return cls(float(doc[0]), float(doc[1]), float(doc[2]), float(doc[3]), values)


def _cap(dist: dict[float, float]) -> dict[float, float]:
    digits = 6
    while len(dist) > MAX_DISTINCT and digits > 0:
        rounded: dict[float, float] = {}
        for value, weight in dist.items():
            key = _round_significant(value, digits)
            rounded[key] = rounded.get(key, 0.0) + weight
        dist, digits = rounded, digits - 1
    return dist


def _round_significant(value: float, digits: int) -> float:
    if value == 0 or not math.isfinite(value):
        return value
    return round(value, digits - 1 - math.floor(math.log10(abs(value))))


# -- writing ----------------------------------------------------------------------------------
@dataclass
class Datum:
    """One PutMetricData entry for a metric: when, in what unit, what values, how finely stored."""

    timestamp: dt.datetime
    """When the values were observed."""
    stats: Stats
    """The values (or the StatisticSet) observed."""
    unit: str = DEFAULT_UNIT
    """StandardUnit, `None` when not given."""
    storage_resolution: int = 60
    """1 (high resolution, kept per second for 3 hours) or 60."""


def _row_pk(metric: str, res: int, bucket: int) -> str:
    return f"{metric}|{res}|{bucket}"


def _slot_of(level: Level, ts: float) -> tuple[int, int]:
    slot = int(ts // level.res) * level.res
    return int(slot // level.bucket) * level.bucket, slot


def _level_for_age(ts: float, now: float) -> int | None:
    for res in CHAIN:
        if ts >= now - LEVELS[res].keep:
            return res
    return None


def put_data(store: Store, entries: Iterable[tuple[MetricKey, Datum]], now: dt.datetime | None = None) -> int:
    """Record datapoints (one transaction for all); returns how many entries were stored.

    Entries older than the coarsest level keeps are dropped (AWS refuses them at the API)."""
    now_s = epoch(now or dt.datetime.now(dt.UTC))
    rows: dict[tuple[str, int, int], dict[str, Any]] = {}
    keys: dict[str, tuple[MetricKey, float, bool]] = {}
    stored = 0
    for key, datum in entries:
        ts = epoch(datum.timestamp)
        res = _level_for_age(ts, now_s)
        if res is None:
            continue
        stored += 1
        targets = [res]
        high = datum.storage_resolution < 60
        if high and ts >= now_s - LEVELS[1].keep:
            targets.append(1)
        for target in targets:
            bucket, slot = _slot_of(LEVELS[target], ts)
            rows.setdefault((key.id, target, bucket), {}).setdefault(str(slot), []).append(
                (datum.unit or DEFAULT_UNIT, datum.stats)
            )
        previous = keys.get(key.id)
        keys[key.id] = (
            key,
            max(ts, previous[1]) if previous else ts,
            high or (previous[2] if previous else False),
        )
    with store.transaction():
        for (metric, res, bucket), slots in rows.items():
            pk = _row_pk(metric, res, bucket)
            doc = store.get(DATAPOINTS, pk) or {"points": {}}
            points: dict[str, dict[str, Any]] = doc["points"]
            for slot_key, items in slots.items():
                units = points.setdefault(slot_key, {})
                for unit, stats in items:
                    if unit in units:
                        merged = Stats.from_doc(units[unit])
                        merged.merge(stats)
                        units[unit] = merged.to_doc()
                    else:
                        units[unit] = stats.to_doc()
            store.put(DATAPOINTS, pk, doc, metric=metric, res=res, bucket=bucket)
        for key, last, high in keys.values():
            _touch(store, key, last, high)
    return stored


def _touch(store: Store, key: MetricKey, last: float, high: bool) -> None:
    doc = store.get(METRICS, key.id)
    if doc is None:
        doc = {
            "Namespace": key.namespace,
            "MetricName": key.name,
            "Dimensions": key.dimension_list,
            "account": key.account,
            "region": key.region,
            "lastTimestamp": last,
            "highResolution": high,
        }
    elif doc["lastTimestamp"] >= last - TOUCH_SLACK_SECONDS and (doc.get("highResolution") or not high):
        return
    else:
        doc["lastTimestamp"] = max(doc["lastTimestamp"], last)
        doc["highResolution"] = bool(doc.get("highResolution")) or high
    store.put(
        METRICS, key.id, doc, account=key.account, region=key.region, namespace=key.namespace, name=key.name
    )


# -- reading ----------------------------------------------------------------------------------
@dataclass
class Point:
    """One period's aggregate in a query's answer."""

    timestamp: dt.datetime
    """Start of the period."""
    stats: Stats
    """The datapoints of the period."""
    unit: str
    """The unit of the datapoints (`None` when none was given; the first seen when mixed)."""


def _rows(store: Store, metric: str, res: int, start: float, end: float) -> list[Document]:
    level = LEVELS[res]
    first = int(start // level.bucket) * level.bucket
    buckets = tuple(range(first, int(end) + 1, level.bucket))
    found: list[Document] = []
    for i in range(0, len(buckets), 500):
        found.extend(store.find(DATAPOINTS, {"metric": metric, "res": res, "bucket": buckets[i : i + 500]}))
    return found


def query(
    store: Store,
    key: MetricKey,
    start: dt.datetime,
    end: dt.datetime,
    period: int,
    *,
    unit: str | None = None,
) -> list[Point]:
    """The metric's datapoints in [start, end), aggregated per `period` seconds, oldest first.

    Periods start at `start` + k * period. Periods under 60 s read the per-second level when the
    metric has high-resolution data. `unit` keeps only datapoints of that unit. Periods with no
    datapoint are absent."""
    start_s, end_s = epoch(start), epoch(end)
    if period <= 0 or end_s <= start_s:
        return []
    catalogue = store.get(METRICS, key.id)
    if catalogue is None:
        return []
    levels: tuple[int, ...] = (1,) if period < 60 and catalogue.get("highResolution") else CHAIN
    windows: dict[int, Point] = {}
    for res in levels:
        for row in _rows(store, key.id, res, start_s, end_s):
            for slot_text, units in row["points"].items():
                slot = int(slot_text)
                if slot < start_s or slot >= end_s:
                    continue
                index = int((slot - start_s) // period)
                for slot_unit, doc in units.items():
                    if unit is not None and slot_unit != unit:
                        continue
                    stats = Stats.from_doc(doc)
                    point = windows.get(index)
                    if point is None:
                        windows[index] = Point(from_epoch(start_s + index * period), stats, slot_unit)
                    else:
                        point.stats.merge(stats)
    return [windows[i] for i in sorted(windows)]


def list_metrics(
    store: Store,
    account: str,
    region: str,
    *,
    namespace: str | None = None,
    name: str | None = None,
    dimensions: Sequence[tuple[str, str | None]] = (),
    recently_active_seconds: int | None = None,
    now: dt.datetime | None = None,
) -> list[MetricKey]:
    """Metrics with data in the last two weeks (or `recently_active_seconds`), filtered as
    ListMetrics filters: namespace, name, and dimensions that must be present (value None: any
    value). Sorted by namespace, name, dimensions."""
    now_s = epoch(now or dt.datetime.now(dt.UTC))
    since = now_s - (recently_active_seconds if recently_active_seconds is not None else RECENT_SECONDS)
    where: dict[str, Any] = {"account": account, "region": region}
    if namespace is not None:
        where["namespace"] = namespace
    if name is not None:
        where["name"] = name
    found: list[MetricKey] = []
    for doc in store.find(METRICS, where, order_by=("namespace", "name")):
        if doc["lastTimestamp"] < since:
            continue
        key = MetricKey.of(account, region, doc["Namespace"], doc["MetricName"], doc["Dimensions"])
        present = dict(key.dimensions)
        if all(n in present and (v is None or present[n] == v) for n, v in dimensions):
            found.append(key)
    found.sort(key=lambda k: (k.namespace, k.name, k.dimensions))
    return found


def metric_exists(store: Store, key: MetricKey) -> bool:
    return store.get(METRICS, key.id) is not None


# -- retention --------------------------------------------------------------------------------
def compact(store: Store, now: dt.datetime | None = None, *, batch: int = 200) -> int:
    """Move aged slots to the next coarser level and drop expired ones; returns rows handled.

    Resumable: a watermark per level (in `cw_meta`) says which rows are done, so an interrupted run
    (kill -9) continues where its last committed batch ended."""
    now_s = epoch(now or dt.datetime.now(dt.UTC))
    handled = 0
    for res in (1, *CHAIN):
        level = LEVELS[res]
        cutoff = int((now_s - level.keep) // level.bucket) * level.bucket
        meta_pk = f"compaction|{res}"
        meta = store.get(META, meta_pk)
        if meta is None:
            # nothing is ever written older than a level keeps, so the first run starts at the cutoff
            store.put(META, meta_pk, {"watermark": cutoff})
            continue
        mark = int(meta["watermark"])
        while mark < cutoff:
            stop = min(cutoff, mark + batch * level.bucket)
            buckets = tuple(range(mark, stop, level.bucket))
            with store.transaction():
                for i in range(0, len(buckets), 500):
                    for pk, row in list(store.scan(DATAPOINTS, {"res": res, "bucket": buckets[i : i + 500]})):
                        if level.next_res is not None:
                            _move(store, row, pk.split("|", 1)[0], level.next_res)
                        store.delete(DATAPOINTS, pk)
                        handled += 1
                store.put(META, meta_pk, {"watermark": stop})
            mark = stop
    return handled


def _move(store: Store, row: Document, metric: str, res: int) -> None:
    level = LEVELS[res]
    targets: dict[int, dict[str, dict[str, Stats]]] = {}
    for slot_text, units in row["points"].items():
        bucket, slot = _slot_of(level, int(slot_text))
        slot_units = targets.setdefault(bucket, {}).setdefault(str(slot), {})
        for unit, doc in units.items():
            stats = Stats.from_doc(doc)
            if unit in slot_units:
                slot_units[unit].merge(stats)
            else:
                slot_units[unit] = stats
    for bucket, slots in targets.items():
        pk = _row_pk(metric, res, bucket)
        doc = store.get(DATAPOINTS, pk) or {"points": {}}
        for slot_key, units in slots.items():
            existing = doc["points"].setdefault(slot_key, {})
            for unit, stats in units.items():
                if unit in existing:
                    merged = Stats.from_doc(existing[unit])
                    merged.merge(stats)
                    existing[unit] = merged.to_doc()
                else:
                    existing[unit] = stats.to_doc()
        store.put(DATAPOINTS, pk, doc, metric=metric, res=res, bucket=bucket)


def forget_stale_metrics(store: Store, now: dt.datetime | None = None) -> int:
    """Drop catalogue entries whose newest datapoint is older than the coarsest level keeps."""
    now_s = epoch(now or dt.datetime.now(dt.UTC))
    gone = 0
    for pk, doc in list(store.scan(METRICS)):
        if doc["lastTimestamp"] < now_s - LEVELS[3600].keep:
            store.delete(METRICS, pk)
            gone += 1
    return gone
