"""GetMetricData: MetricStat queries and metric math expressions over them, with pagination.

`run_queries` is also what the alarm evaluator uses for metric math alarms: it takes queries in
the API's MetricDataQuery shape and returns every query's series by id.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

from skiff.services.cloudwatch import exceptions as errors
from skiff.services.cloudwatch import metric_math, statistics
from skiff.services.cloudwatch.metric_data import (
    align,
    check_dimensions,
    check_period,
    decode_token,
    dimensions_of,
    encode_token,
)
from skiff.services.cloudwatch.metric_math import Context, MathError, Series
from skiff.state import metrics
from skiff.state.metrics import MetricKey
from skiff.state.scope import Scope
from skiff.store.base import Store

Params = dict[str, Any]

MAX_QUERIES = 500
DEFAULT_MAX_DATAPOINTS = 100_800
_ID = re.compile(r"^[a-z][a-zA-Z0-9_]*$")


def check_queries(queries: list[Params], member: str = "MetricDataQueries") -> None:
    """The checks CloudWatch makes of a query list (GetMetricData and metric math alarms)."""
    if not queries:
        raise errors.missing(f"The parameter {member} is required.")
    if len(queries) > MAX_QUERIES:
        raise errors.invalid_value(
            f"The collection {member} must not have a size greater than {MAX_QUERIES}."
        )
    seen: set[str] = set()
    for index, query in enumerate(queries, 1):
        where = f"{member}.member.{index}"
        qid = str(query.get("Id", ""))
        if not _ID.match(qid):
            raise errors.validation(
                f"Invalid metric id {qid}: the Id must start with a lowercase letter and may hold only "
                "letters, numbers and underscores."
            )
        if qid in seen:
            raise errors.validation(f"The Id {qid} is used more than once in {member}.")
        seen.add(qid)
        stat, expression = query.get("MetricStat"), query.get("Expression")
        if (stat is None) == (expression is None):
            raise errors.validation(
                f"Exactly one of MetricStat and Expression must be specified in {where} ({qid})."
            )
        if stat is not None:
            metric = stat.get("Metric") or {}
            if not metric.get("Namespace") or not metric.get("MetricName"):
                raise errors.missing(
                    f"The parameters {where}.MetricStat.Metric.Namespace and MetricName are required."
                )
            check_dimensions(dimensions_of(metric.get("Dimensions")), f"{where}.MetricStat.Metric.Dimensions")
            check_period(int(stat["Period"]), f"{where}.MetricStat.Period")
            if statistics.parse(str(stat["Stat"])) is None:
                raise errors.validation(f"Invalid statistic {stat['Stat']} in {where}.MetricStat.Stat.")
        else:
            try:
                metric_math.parse(str(expression))
            except MathError as problem:
                raise errors.validation(f"Error in expression '{qid}': {problem}") from None
            if query.get("Period") is not None:
                check_period(int(query["Period"]), f"{where}.Period")
    if not any(q.get("ReturnData", True) for q in queries):
        raise errors.validation("At least one query must have ReturnData set to true.")


def _order(queries: list[Params]) -> list[Params]:
    """Queries in an order where each expression comes after the ids it uses."""
    by_id = {q["Id"]: q for q in queries}
    stat_ids = [q["Id"] for q in queries if q.get("MetricStat") is not None]
    needs: dict[str, set[str]] = {}
    for q in queries:
        if q.get("Expression") is not None:
            refs = metric_math.references(metric_math.parse(q["Expression"]))
            if "METRICS()" in refs:
                refs = (refs - {"METRICS()"}) | set(stat_ids)
            needs[q["Id"]] = {r for r in refs if r in by_id}
        else:
            needs[q["Id"]] = set()
    ordered: list[Params] = []
    done: set[str] = set()
    visiting: set[str] = set()

    def visit(qid: str) -> None:
        if qid in done:
            return
        if qid in visiting:
            raise errors.validation(f"Circular dependency in the metric math expressions at '{qid}'.")
        visiting.add(qid)
        for dep in sorted(needs[qid]):
            visit(dep)
        visiting.discard(qid)
        done.add(qid)
        ordered.append(by_id[qid])

    for q in queries:
        visit(q["Id"])
    return ordered


def stat_series(
    store: Store,
    scope: Scope,
    stat: Params,
    start: dt.datetime,
    end: dt.datetime,
    *,
    period: int | None = None,
) -> Series:
    """One MetricStat's values per period in [start, end) (periods without data are absent)."""
    metric = stat["Metric"]
    dims = dimensions_of(metric.get("Dimensions"))
    key = MetricKey.of(scope.account, scope.region, str(metric["Namespace"]), str(metric["MetricName"]), dims)
    period = period or int(stat["Period"])
    points = metrics.query(store, key, start, end, period, unit=stat.get("Unit"))
    parsed = statistics.parse(str(stat["Stat"]))
    values: dict[float, float] = {}
    for point in points:
        value = statistics.statistic_value(point.stats, parsed) if parsed else None
        if value is not None:
            values[metrics.epoch(point.timestamp)] = value
    return Series(values, str(metric["MetricName"]), period)


def run_queries(
    store: Store,
    scope: Scope,
    queries: list[Params],
    start: dt.datetime,
    end: dt.datetime,
    *,
    period_override: dict[int, int] | None = None,
) -> dict[str, list[Series]]:
    """Every query's result series by id (expressions may give several).

    `period_override` maps a query period to the one actually used (the alarm evaluator's
    shortened cadence)."""
    override = period_override or {}
    stat_periods = [int(q["MetricStat"]["Period"]) for q in queries if q.get("MetricStat") is not None]
    base = override.get(min(stat_periods), min(stat_periods)) if stat_periods else 60
    first = align(start, base)
    grid = [
        metrics.epoch(first) + i * base
        for i in range(int((metrics.epoch(end) - metrics.epoch(first)) // base) + 1)
    ]
    grid = [t for t in grid if t < metrics.epoch(end)]
    values: dict[str, metric_math.Value] = {}
    results: dict[str, list[Series]] = {}
    stat_ids = [q["Id"] for q in queries if q.get("MetricStat") is not None]
    for query in _order(queries):
        qid = query["Id"]
        label = query.get("Label")
        if query.get("MetricStat") is not None:
            period = int(query["MetricStat"]["Period"])
            used = override.get(period, period)
            series = stat_series(store, scope, query["MetricStat"], align(start, used), end, period=used)
            series.id = qid
            series.label = label or series.label
            values[qid] = series
            results[qid] = [series]
            continue
        period = int(query.get("Period") or 0) or base
        ctx = Context(values, stat_ids, grid, override.get(period, period))
        try:
            value = metric_math.evaluate(metric_math.parse(query["Expression"]), ctx)
        except MathError as problem:
            raise errors.validation(f"Error in expression '{qid}': {problem}") from None
        values[qid] = value
        results[qid] = metric_math.as_results(value, label or qid, ctx)
    return results


class MetricQueryBackend:
    def __init__(self, store: Store) -> None:
        self.store = store

    def get_metric_data(self, scope: Scope, params: Params) -> Params:
        queries: list[Params] = list(params["MetricDataQueries"])
        check_queries(queries)
        start, end = params["StartTime"], params["EndTime"]
        if start >= end:
            raise errors.validation("The parameter StartTime must be less than the parameter EndTime.")
        limit = params.get("MaxDatapoints")
        limit = DEFAULT_MAX_DATAPOINTS if limit is None else int(limit)
        if limit <= 0:
            raise errors.bad_value(limit, "MaxDatapoints")
        descending = params.get("ScanBy", "TimestampDescending") != "TimestampAscending"
        fingerprint = hashlib.sha1(
            repr((sorted(q["Id"] for q in queries), start.isoformat(), end.isoformat(), descending)).encode()
        ).hexdigest()[:16]
        offset = decode_token(params.get("NextToken"), "GetMetricData", fingerprint)
        found = run_queries(self.store, scope, queries, start, end)
        flat: list[tuple[str, str, list[tuple[float, float]]]] = []
        for query in queries:
            if not query.get("ReturnData", True):
                continue
            for series in found[query["Id"]]:
                points = sorted(series.points.items(), reverse=descending)
                flat.append((query["Id"], series.label, points))
        total = sum(len(p) for _, _, p in flat)
        results: list[Params] = []
        position, budget = 0, limit
        for qid, label, points in flat:
            lo, hi = max(offset - position, 0), len(points)
            take = points[lo:hi][: max(budget, 0)] if lo < hi else []
            complete = lo + len(take) >= hi
            if position + len(points) > offset or not points:
                results.append(
                    {
                        "Id": qid,
                        "Label": label,
                        "Timestamps": [metrics.from_epoch(t) for t, _ in take],
                        "Values": [v for _, v in take],
                        "StatusCode": "Complete" if complete else "PartialData",
                        "Messages": [],
                    }
                )
            budget -= len(take)
            position += len(points)
        consumed = offset + (limit - max(budget, 0))
        reply: Params = {"MetricDataResults": results, "Messages": []}
        if consumed < total:
            reply["NextToken"] = encode_token(consumed, "GetMetricData", fingerprint)
        return reply
