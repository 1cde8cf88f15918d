"""PutMetricData, GetMetricStatistics and ListMetrics over the metric store (state/metrics.py).

Input is checked as CloudWatch checks it (AWS's texts, `InvalidParameterValue`,
`InvalidParameterCombination`, `MissingParameter`); datapoints go to the store as statistic sets.
`fine_storage` (SKIFF_METRICS_PERIOD_SECONDS below 60) stores every datapoint per second too, so
alarms on the shortened cadence see standard-resolution data of the last seconds.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
from typing import Any

from skiff.services.cloudwatch import exceptions as errors
from skiff.services.cloudwatch import statistics
from skiff.state import metrics
from skiff.state.metrics import Datum, MetricKey, Stats
from skiff.state.scope import Scope
from skiff.store.base import Store

Params = dict[str, Any]

MAX_DATAPOINTS = 1440  # GetMetricStatistics
MAX_METRIC_DATA = 1000
MAX_VALUES = 150
PAGE = 500  # ListMetrics
LIMIT = 2.0**360  # values beyond this are refused, as on AWS
HIGH_RES_PERIODS = (1, 5, 10, 20, 30)


def check_value(value: float, member: str) -> float:
    if not math.isfinite(value) or abs(value) > LIMIT or (value != 0 and abs(value) < 2.0**-260):
        raise errors.bad_value(_number_text(value), member)
    return float(value)


def _number_text(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(value)


def check_period(period: int, member: str = "Period") -> None:
    if period not in HIGH_RES_PERIODS and period % 60 != 0:
        raise errors.invalid_value(f"The parameter {member} must be 1, 5, 10, 20, 30, or a multiple of 60.")


def dimensions_of(raw: Any) -> list[dict[str, str]]:
    return [{"Name": str(d.get("Name", "")), "Value": str(d.get("Value", ""))} for d in raw or []]


def check_dimensions(dims: list[dict[str, str]], member: str) -> None:
    seen: set[str] = set()
    for index, dim in enumerate(dims, 1):
        if not dim["Name"]:
            raise errors.missing(f"The parameter {member}.member.{index}.Name is required.")
        if not dim["Value"]:
            raise errors.missing(f"The parameter {member}.member.{index}.Value is required.")
        if dim["Name"] in seen:
            raise errors.invalid_value(f"No metric may have duplicate dimension names: {dim['Name']}.")
        seen.add(dim["Name"])


class MetricDataBackend:
    def __init__(self, store: Store, *, fine_storage: bool = False) -> None:
        self.store = store
        self.fine_storage = fine_storage

    # -- PutMetricData ------------------------------------------------------------------------
    def put(self, scope: Scope, params: Params, now: dt.datetime | None = None) -> None:
        now = now or dt.datetime.now(dt.UTC)
        namespace = str(params["Namespace"])
        if namespace.startswith("AWS/"):
            raise errors.bad_value(namespace, "Namespace")
        data = list(params.get("MetricData") or [])
        for entity in params.get("EntityMetricData") or []:
            data.extend(entity.get("MetricData") or [])
        if not data:
            raise errors.missing("The parameter MetricData is required.")
        if len(data) > MAX_METRIC_DATA:
            raise errors.invalid_value(
                f"The collection MetricData must not have a size greater than {MAX_METRIC_DATA}."
            )
        entries = [self._datum(scope, namespace, raw, i, now) for i, raw in enumerate(data, 1)]
        metrics.put_data(self.store, entries, now=now)

    def _datum(
        self, scope: Scope, namespace: str, raw: Params, index: int, now: dt.datetime
    ) -> tuple[MetricKey, Datum]:
        member = f"MetricData.member.{index}"
        dims = dimensions_of(raw.get("Dimensions"))
        check_dimensions(dims, f"{member}.Dimensions")
        value, stat_set, values = raw.get("Value"), raw.get("StatisticValues"), raw.get("Values")
        given = [
            name
            for name, v in (("Value", value), ("StatisticValues", stat_set), ("Values", values))
            if v is not None
        ]
        if len(given) > 1:
            raise errors.combination(
                f"The parameters {member}.{given[0]} and {member}.{given[1]} are mutually exclusive and "
                "you have specified both."
            )
        if not given:
            raise errors.missing(
                f"At least one of the parameters {member}.Value, {member}.StatisticValues or {member}.Values "
                "must be specified."
            )
        if value is not None:
            stats = Stats.of_values([check_value(float(value), f"{member}.Value")])
        elif stat_set is not None:
            stats = self._statistic_set(stat_set, f"{member}.StatisticValues")
        else:
            stats = self._values(raw, member)
        when = raw.get("Timestamp") or now
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        if when < now - dt.timedelta(days=14):
            raise errors.invalid_value(
                f"The parameter {member}.Timestamp must specify a time no more than two weeks in the past."
            )
        if when > now + dt.timedelta(hours=2):
            raise errors.invalid_value(
                f"The parameter {member}.Timestamp must specify a time no more than two hours in the future."
            )
        resolution = raw.get("StorageResolution")
        if resolution is not None and resolution not in (1, 60):
            raise errors.bad_value(resolution, f"{member}.StorageResolution")
        fine = resolution == 1 or self.fine_storage
        key = MetricKey.of(scope.account, scope.region, namespace, str(raw["MetricName"]), dims)
        return key, Datum(when, stats, str(raw.get("Unit") or "None"), 1 if fine else 60)

    @staticmethod
    def _statistic_set(raw: Params, member: str) -> Stats:
        parts = {}
        for name in ("SampleCount", "Sum", "Minimum", "Maximum"):
            if raw.get(name) is None:
                raise errors.missing(f"The parameter {member}.{name} is required.")
            parts[name] = check_value(float(raw[name]), f"{member}.{name}")
        if parts["SampleCount"] <= 0:
            raise errors.bad_value(_number_text(parts["SampleCount"]), f"{member}.SampleCount")
        if parts["Minimum"] > parts["Maximum"]:
            raise errors.invalid_value(
                f"The parameter {member}.Minimum must not be greater than {member}.Maximum."
            )
        return Stats.of_summary(parts["SampleCount"], parts["Sum"], parts["Minimum"], parts["Maximum"])

    @staticmethod
    def _values(raw: Params, member: str) -> Stats:
        values = [float(v) for v in raw.get("Values") or []]
        counts_raw = raw.get("Counts")
        if not values:
            raise errors.missing(f"The parameter {member}.Values must not be empty.")
        if len(values) > MAX_VALUES:
            raise errors.invalid_value(
                f"The collection {member}.Values must not have a size greater than {MAX_VALUES}."
            )
        for i, v in enumerate(values, 1):
            check_value(v, f"{member}.Values.member.{i}")
        counts = [float(c) for c in counts_raw] if counts_raw is not None else None
        if counts is not None:
            if len(counts) != len(values):
                raise errors.invalid_value(
                    f"The parameters {member}.Values and {member}.Counts must be of the same size."
                )
            for i, c in enumerate(counts, 1):
                if not math.isfinite(c) or c < 0:
                    raise errors.bad_value(_number_text(c), f"{member}.Counts.member.{i}")
            if sum(counts) <= 0:
                raise errors.invalid_value(
                    f"The parameter {member}.Counts must hold at least one positive count."
                )
            kept = [(v, c) for v, c in zip(values, counts, strict=True) if c > 0]
            values, counts = [v for v, _ in kept], [c for _, c in kept]
        return Stats.of_values(values, counts)

    # -- GetMetricStatistics ------------------------------------------------------------------
    def statistics(self, scope: Scope, params: Params) -> Params:
        start, end, period = params["StartTime"], params["EndTime"], int(params["Period"])
        standard = list(params.get("Statistics") or [])
        extended = list(params.get("ExtendedStatistics") or [])
        if not standard and not extended:
            raise errors.missing("Must specify either Statistics or ExtendedStatistics.")
        if standard and extended:
            raise errors.combination(
                "The parameters Statistics and ExtendedStatistics are mutually exclusive."
            )
        for name in standard:
            if name not in statistics.STANDARD:
                raise errors.bad_value(name, "Statistics")
        for name in extended:
            parsed = statistics.parse(name)
            if parsed is None or not parsed.extended:
                raise errors.invalid_value(
                    f"The value {name} for parameter ExtendedStatistics is not supported."
                )
        check_period(period)
        if start >= end:
            raise errors.invalid_value("The parameter StartTime must be less than the parameter EndTime.")
        count = math.ceil((end - start).total_seconds() / period)
        if count > MAX_DATAPOINTS:
            raise errors.combination(
                f"You have requested up to {count:,} datapoints, which exceeds the limit of "
                f"{MAX_DATAPOINTS:,}. "
                "You may reduce the datapoints requested by increasing Period, or decreasing the time range."
            )
        dims = dimensions_of(params.get("Dimensions"))
        check_dimensions(dims, "Dimensions")
        key = MetricKey.of(scope.account, scope.region, params["Namespace"], params["MetricName"], dims)
        start = align(start, period)
        points = metrics.query(self.store, key, start, end, period, unit=params.get("Unit"))
        datapoints = []
        for point in points:
            item: Params = {"Timestamp": point.timestamp, "Unit": params.get("Unit") or point.unit}
            for name in standard:
                item[name] = statistics.statistic_value(point.stats, name)
            if extended:
                values = {n: statistics.statistic_value(point.stats, n) for n in extended}
                item["ExtendedStatistics"] = {n: v for n, v in values.items() if v is not None}
            datapoints.append(item)
        return {"Label": params["MetricName"], "Datapoints": datapoints}

    # -- ListMetrics --------------------------------------------------------------------------
    def list(self, scope: Scope, params: Params, now: dt.datetime | None = None) -> Params:
        filters = []
        for index, raw in enumerate(params.get("Dimensions") or [], 1):
            if not raw.get("Name"):
                raise errors.missing(f"The parameter Dimensions.member.{index}.Name is required.")
            filters.append((str(raw["Name"]), None if raw.get("Value") is None else str(raw["Value"])))
        recent = 3 * 3600 if params.get("RecentlyActive") == "PT3H" else None
        found = metrics.list_metrics(
            self.store,
            scope.account,
            scope.region,
            namespace=params.get("Namespace"),
            name=params.get("MetricName"),
            dimensions=filters,
            recently_active_seconds=recent,
            now=now,
        )
        start = decode_token(params.get("NextToken"), "ListMetrics")
        page = found[start : start + PAGE]
        result: Params = {
            "Metrics": [
                {"Namespace": k.namespace, "MetricName": k.name, "Dimensions": k.dimension_list} for k in page
            ]
        }
        if params.get("IncludeLinkedAccounts"):
            result["OwningAccounts"] = [scope.account] * len(page)
        if start + PAGE < len(found):
            result["NextToken"] = encode_token(start + PAGE, "ListMetrics")
        return result


def align(when: dt.datetime, period: int) -> dt.datetime:
    """StartTime rounded down as CloudWatch rounds it: to the second for short periods, to the
    minute for periods of a minute or more (and to 5 minutes / 1 hour for older data)."""
    seconds = metrics.epoch(when)
    age = metrics.epoch(dt.datetime.now(dt.UTC)) - seconds
    step = 1 if period < 60 else 60
    if age > 63 * 86400:
        step = max(step, 3600)
    elif age > 15 * 86400:
        step = max(step, 300)
    return metrics.from_epoch(seconds // step * step)


def encode_token(offset: int, operation: str, extra: str = "") -> str:
    raw = json.dumps({"o": offset, "op": operation, "x": extra}).encode()
    return base64.urlsafe_b64encode(raw).decode()


def decode_token(token: str | None, operation: str, extra: str = "") -> int:
    if not token:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        if data["op"] != operation or data.get("x", "") != extra:
            raise ValueError
        offset = int(data["o"])
    except (ValueError, KeyError, TypeError, UnicodeError):
        raise errors.bad_token() from None
    if offset < 0:
        raise errors.bad_token()
    return offset
