"""`AWS/ApplicationELB` metrics from HAProxy's counters, published every metrics period.

Once per period (SKIFF_METRICS_PERIOD_SECONDS, 60 by default; collected just after each period
boundary and stamped at the start of the period that ended, so an alarm evaluated after the
boundary sees it) the collector reads `show stat` and publishes, for each application load
balancer and each target group it forwards to:

| metric | dimensions | published |
|---|---|---|
| RequestCount | LoadBalancer; TargetGroup+LoadBalancer | nonzero |
| RequestCountPerTarget | TargetGroup; TargetGroup+LoadBalancer | always (requests / healthy targets) |
| HTTPCode_Target_2XX_Count .. 5XX | LoadBalancer; TargetGroup+LoadBalancer | nonzero |
| TargetResponseTime (seconds) | LoadBalancer; TargetGroup+LoadBalancer | with requests |
| HealthyHostCount, UnHealthyHostCount | TargetGroup+LoadBalancer | always |

(LoadBalancer = `app/<name>/<id>`, TargetGroup = `targetgroup/<name>/<id>`; health checks are not
requests, as on AWS.) RequestCountPerTarget divides by the healthy targets, or by the registered
ones when none is healthy (ELB fails open then). TargetResponseTime is HAProxy's `rtime`, its
average over the last 1024 responses, counted once per request of the period (SampleCount =
requests).

HAProxy's counters are cumulative per worker process: the collector publishes deltas against a
baseline (worker pid, counters, when) kept in `cw_meta` and written in the same transaction as
the datapoints, so kill -9 never publishes a delta twice. A reload starts a new worker whose
counters start at zero: a new pid means the baseline is zero (what the old worker counted
after the last collection is lost, never counted twice). A counter below its baseline counts
from zero. A baseline older than three periods (skiff was down) is only renewed: what happened
meanwhile is not stamped into one period.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from skiff.lb.manager import LoadBalancing
from skiff.lb.runtime import CommandError
from skiff.periodic import PeriodicLoop
from skiff.state import balancers as records
from skiff.state import metrics
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

log = logging.getLogger("skiff.lb.metrics")

NAMESPACE = "AWS/ApplicationELB"
BASELINE = "elb-counters"
STALE_PERIODS = 3
CODES = ("2xx", "3xx", "4xx", "5xx")
COUNTERS = ("req_tot", *(f"hrsp_{code}" for code in CODES))


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def lb_dimension(lb_arn: str) -> str:
    """`app/<name>/<id>` from a load balancer ARN."""
    return lb_arn.split(":loadbalancer/", 1)[-1]


def tg_dimension(tg_arn: str) -> str:
    """`targetgroup/<name>/<id>` from a target group ARN."""
    return tg_arn.rsplit(":", 1)[-1]


def worker_pid(info: str) -> str:
    for line in info.splitlines():
        if line.startswith("Pid:"):
            return line.split(":", 1)[1].strip()
    return ""


def _number(value: str | None) -> float:
    try:
        return float(value or 0)
    except ValueError:
        return 0.0


def counters_of(rows: list[dict[str, str]]) -> tuple[dict[str, float], dict[str, float]]:
    """The cumulative counters of the FRONTEND and BACKEND rows (`fe|<name>|req_tot`, ...) and each
    backend's average response time (ms)."""
    counters: dict[str, float] = {}
    rtime: dict[str, float] = {}
    for row in rows:
        kind = {"FRONTEND": "fe", "BACKEND": "be"}.get(row.get("svname", ""))
        if kind is None:
            continue
        for column in COUNTERS:
            counters[f"{kind}|{row['pxname']}|{column}"] = _number(row.get(column))
        if kind == "be":
            rtime[row["pxname"]] = _number(row.get("rtime"))
    return counters, rtime


def deltas(baseline: Document | None, pid: str, counters: dict[str, float]) -> dict[str, float]:
    """What each counter counted since the baseline (a new worker counts from zero)."""
    before: dict[str, float] = baseline["counters"] if baseline and baseline.get("pid") == pid else {}
    out = {}
    for key, value in counters.items():
        previous = float(before.get(key, 0.0))
        out[key] = value - previous if value >= previous else value
    return out


@dataclass
class Batch:
    """The datapoints of one collection, grouped by account and region."""

    when: dt.datetime
    resolution: int
    entries: list[tuple[metrics.MetricKey, metrics.Datum]] = field(default_factory=list)

    def add(
        self, scope: Scope, name: str, dims: dict[str, str], stats: metrics.Stats, unit: str = "Count"
    ) -> None:
        key = metrics.MetricKey.of(scope.account, scope.region, NAMESPACE, name, dims)
        self.entries.append((key, metrics.Datum(self.when, stats, unit, self.resolution)))

    def value(self, scope: Scope, name: str, dims: dict[str, str], value: float, unit: str = "Count") -> None:
        self.add(scope, name, dims, metrics.Stats.of_values([value]), unit)


class BalancerMetrics:
    """Publishes the balancers' metrics once per period, from the HAProxy `balancing` runs."""

    def __init__(
        self,
        store: Store,
        balancing: LoadBalancing,
        period_seconds: int = 60,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self.store = store
        self.balancing = balancing
        self.period = max(1, min(60, period_seconds))
        self.clock = clock
        self.last: float | None = None  # epoch of the last collection
        self.loop = PeriodicLoop("elb-metrics", min(1.0, self.period / 10), self.tick)

    def start(self) -> None:
        self.loop.start()

    async def stop(self) -> None:
        await self.loop.stop()

    async def tick(self) -> None:
        """Collect once per period, in the first pass after each period boundary."""
        now = metrics.epoch(self.clock())
        if self.last is not None and now // self.period <= self.last // self.period:
            return
        self.last = now
        await self.collect(metrics.from_epoch(now))

    async def read(self) -> tuple[str, list[dict[str, str]]] | None:
        """HAProxy's worker pid and `show stat`, None when it does not answer."""
        if not self.balancing.serve or not self.balancing.started:
            return None
        runtime = self.balancing.supervisor.runtime
        try:
            pid = worker_pid(await runtime.run("show info"))
            rows = await runtime.stat()
        except (OSError, TimeoutError, CommandError) as exc:
            log.debug("HAProxy stats unavailable: %s", exc)
            return None
        return (pid, rows) if pid else None

    async def collect(self, now: dt.datetime) -> int:
        """One collection; returns how many datapoints were published."""
        reading = await self.read()
        now_s = metrics.epoch(now)
        stamp = metrics.from_epoch((now_s // self.period) * self.period - self.period)
        batch = Batch(stamp, 1 if self.period < 60 else 60)
        fresh: dict[str, float] = {}
        counted: dict[str, float] | None = None  # None: unknown (HAProxy silent, baseline stale)
        rtime: dict[str, float] = {}
        pid = ""
        with self.store.transaction():
            if reading is not None:
                pid, rows = reading
                fresh, rtime = counters_of(rows)
                baseline = self.store.get(metrics.META, BASELINE)
                stale = (
                    baseline is not None
                    and now_s - float(baseline.get("at", 0)) > STALE_PERIODS * self.period
                )
                if not stale:
                    counted = deltas(baseline, pid, fresh)
            self.publish(batch, counted, rtime)
            if batch.entries:
                metrics.put_data(self.store, batch.entries, now)
            if reading is not None:
                self.store.put(metrics.META, BASELINE, {"pid": pid, "at": now_s, "counters": fresh})
        return len(batch.entries)

    def publish(self, batch: Batch, counted: dict[str, float] | None, rtime: dict[str, float]) -> None:
        """The period's datapoints into `batch`; without `counted` only the host counts."""
        plan = self.balancing.plan
        backend_of = {b.arn: b.name for b in plan.backends}
        frontends: dict[str, list[str]] = {}
        for frontend in plan.frontends:
            frontends.setdefault(frontend.balancer_arn, []).append(frontend.name)
        per_lb: dict[str, dict[str, float]] = {}  # lb arn -> summed backend counters, rtime weight
        for group in records.target_groups(self.store):
            arn = group["TargetGroupArn"]
            balancers = [lb for lb in records.balancers_of_target_group(self.store, arn) if "/app/" in lb]
            if not balancers:
                continue
            scope = records.scope_of(group)
            name = backend_of.get(arn, "")
            targets = [t for t in records.targets_of(self.store, arn) if t.get("state") != "draining"]
            healthy = sum(1 for t in targets if (t.get("health") or {}).get("state") == "healthy")
            unhealthy = sum(1 for t in targets if (t.get("health") or {}).get("state") == "unhealthy")
            for lb in balancers:
                dims = {"TargetGroup": tg_dimension(arn), "LoadBalancer": lb_dimension(lb)}
                if group.get("HealthCheckEnabled", True):
                    batch.value(scope, "HealthyHostCount", dims, float(healthy))
                    batch.value(scope, "UnHealthyHostCount", dims, float(unhealthy))
            if counted is None:
                continue
            requests = counted.get(f"be|{name}|req_tot", 0.0)
            per_target = requests / (healthy or len(targets) or 1)
            batch.value(scope, "RequestCountPerTarget", {"TargetGroup": tg_dimension(arn)}, per_target)
            for lb in balancers:
                dims = {"TargetGroup": tg_dimension(arn), "LoadBalancer": lb_dimension(lb)}
                batch.value(scope, "RequestCountPerTarget", dims, per_target)
                self._traffic(batch, scope, dims, name, counted, rtime, per_lb.setdefault(lb, {}))
        for balancer in records.load_balancers(self.store):
            arn = balancer["LoadBalancerArn"]
            if records.kind_of(arn) != "application":
                continue
            scope = records.scope_of(balancer)
            dims = {"LoadBalancer": lb_dimension(arn)}
            if counted is None:
                continue
            requests = sum(counted.get(f"fe|{name}|req_tot", 0.0) for name in frontends.get(arn, []))
            if requests > 0:
                batch.value(scope, "RequestCount", dims, requests)
            summed = per_lb.get(arn, {})
            for code in CODES:
                if summed.get(code, 0.0) > 0:
                    batch.value(scope, f"HTTPCode_Target_{code.upper()}_Count", dims, summed[code])
            if summed.get("responses", 0.0) > 0:
                total, count = summed["weighted"], summed["responses"]
                batch.add(
                    scope,
                    "TargetResponseTime",
                    dims,
                    metrics.Stats.of_summary(count, total, summed["min"], summed["max"]),
                    "Seconds",
                )

    def _traffic(
        self,
        batch: Batch,
        scope: Scope,
        dims: dict[str, str],
        backend: str,
        counted: dict[str, float],
        rtime: dict[str, float],
        summed: dict[str, Any],
    ) -> None:
        """A target group's request, response code and response time datapoints (nonzero ones)."""
        requests = counted.get(f"be|{backend}|req_tot", 0.0)
        if requests <= 0:
            return
        batch.value(scope, "RequestCount", dims, requests)
        for code in CODES:
            value = counted.get(f"be|{backend}|hrsp_{code}", 0.0)
            if value > 0:
                batch.value(scope, f"HTTPCode_Target_{code.upper()}_Count", dims, value)
                summed[code] = summed.get(code, 0.0) + value
        seconds = rtime.get(backend, 0.0) / 1000.0
        timing = metrics.Stats.of_summary(requests, seconds * requests, seconds, seconds)
        batch.add(scope, "TargetResponseTime", dims, timing, "Seconds")
        summed["responses"] = summed.get("responses", 0.0) + requests
        summed["weighted"] = summed.get("weighted", 0.0) + seconds * requests
        summed["min"] = min(summed.get("min", seconds), seconds)
        summed["max"] = max(summed.get("max", seconds), seconds)
