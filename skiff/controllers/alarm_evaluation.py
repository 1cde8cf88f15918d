"""Alarm evaluation: every alarm is evaluated once per period, as CloudWatch does.

Each evaluation looks at the alarm's last `EvaluationPeriods` complete periods (windows aligned
to multiples of the period), computes the statistic per period (or the metric math expression
that returns data), and decides:
- ALARM when at least `DatapointsToAlarm` (default: all) periods breach the threshold;
- otherwise INSUFFICIENT_DATA when no period has data (TreatMissingData `missing`), the current
  state kept (`ignore`), or missing periods counted as breaching / not breaching
  (`breaching` / `notBreaching`);
- otherwise OK.
The reason is AWS's ("Threshold Crossed: 1 datapoint [83.2 (02/12/26 18:40:00)] was greater than
the threshold (50.0)."), the reason data AWS's JSON (`recentDatapoints`, `evaluatedDatapoints`).

The shortened cadence (SKIFF_METRICS_PERIOD_SECONDS = s < 60) scales every period by s/60: an
alarm with Period 60 is evaluated every s seconds over windows of s seconds.

Reacting to alarms (the interface Application Auto Scaling uses) is state/alarms.py's:
`alarms.subscribe(store, callback)` hears an `AlarmEvent` after each evaluation (so every
period while an alarm stays in ALARM: `event.state == "ALARM"`, `event.changed` False) and each
change; the state itself is durable in the alarm record. Evaluations and listeners run on the
event loop's thread, one alarm after another.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from skiff.services.cloudwatch import statistics
from skiff.services.cloudwatch.alarm_api import query_params
from skiff.services.cloudwatch.metric_queries import run_queries, stat_series
from skiff.state import alarms as records
from skiff.state import metrics
from skiff.state.alarms import ALARM, INSUFFICIENT_DATA, OK, Alarm
from skiff.state.scope import Scope
from skiff.store.base import Store

log = logging.getLogger("skiff.controllers.alarms")

_WORDS = {
    "GreaterThanThreshold": "greater than",
    "GreaterThanOrEqualToThreshold": "greater than or equal to",
    "LessThanThreshold": "less than",
    "LessThanOrEqualToThreshold": "less than or equal to",
}


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Outcome:
    """What one evaluation found."""

    state: str
    reason: str
    reason_data: str


def breaches(operator: str, value: float, threshold: float) -> bool:
    if operator == "GreaterThanThreshold":
        return value > threshold
    if operator == "GreaterThanOrEqualToThreshold":
        return value >= threshold
    if operator == "LessThanThreshold":
        return value < threshold
    if operator == "LessThanOrEqualToThreshold":
        return value <= threshold
    return False


def _band_breach(operator: str, value: float, low: float, high: float) -> bool:
    if operator == "LessThanLowerOrGreaterThanUpperThreshold":
        return value < low or value > high
    if operator == "LessThanLowerThreshold":
        return value < low
    return value > high  # GreaterThanUpperThreshold


def _stamp(seconds: float) -> str:
    return metrics.from_epoch(seconds).strftime("%d/%m/%y %H:%M:%S")


def _iso(seconds: float) -> str:
    return metrics.from_epoch(seconds).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def _number(value: float) -> str:
    return repr(float(value)) if math.isfinite(value) else str(value)


def _plural(count: int) -> str:
    return "datapoint" if count == 1 else "datapoints"


def decide(alarm: Alarm, windows: list[float], values: dict[float, float], now: dt.datetime) -> Outcome:
    """The state for the given windows (their start times, newest first) and values found."""
    n = alarm.evaluation_periods
    m = alarm.datapoints_to_alarm or n
    operator = alarm.comparison_operator
    threshold = alarm.threshold if alarm.threshold is not None else 0.0
    present = [(t, values[t]) for t in windows if t in values]
    missing = len(windows) - len(present)
    breaching = [(t, v) for t, v in present if breaches(operator, v, threshold)]
    treat = alarm.treat_missing_data
    breach_count = len(breaching) + (missing if treat == "breaching" else 0)
    data: dict[str, Any] = {
        "version": "1.0",
        "queryDate": now.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000",
        "startDate": _iso(windows[-1]) if windows else None,
        "period": int(windows[0] - windows[1]) if len(windows) > 1 else alarm.evaluation_period,
        "recentDatapoints": [v for _, v in present],
        "threshold": threshold,
        "evaluatedDatapoints": [{"timestamp": _iso(t), "value": v} for t, v in present],
    }
    if alarm.statistic or alarm.extended_statistic:
        data["statistic"] = alarm.statistic or alarm.extended_statistic
    reason_data = json.dumps(data)
    words = _WORDS.get(operator, "outside the band of")
    if breach_count >= m:
        shown = breaching or present
        return Outcome(ALARM, _crossed(alarm, shown, words, threshold, m, n, negate=False), reason_data)
    if not present:
        if treat == "ignore":
            return Outcome(alarm.state_value, alarm.state_reason, alarm.state_reason_data or reason_data)
        if treat == "notBreaching":
            periods = "period" if n == 1 else "periods"
            treated = "was" if n == 1 else "were"
            text = (
                f"Threshold Crossed: no datapoints were received for {n} {periods} and {n} missing "
                f"{_plural(n)} {treated} treated as [NonBreaching]."
            )
            return Outcome(OK, text, reason_data)
        if treat == "missing":
            text = f"Insufficient Data: {n} {_plural(n)} {'was' if n == 1 else 'were'} unknown."
            return Outcome(INSUFFICIENT_DATA, text, reason_data)
    return Outcome(OK, _crossed(alarm, present, words, threshold, m, n, negate=True), reason_data)


def _crossed(
    alarm: Alarm,
    shown: list[tuple[float, float]],
    words: str,
    threshold: float,
    m: int,
    n: int,
    *,
    negate: bool,
) -> str:
    listing = ", ".join(f"{_number(v)} ({_stamp(t)})" for t, v in shown)
    verb = "was" if len(shown) == 1 else "were"
    if negate:
        verb += " not"
    if alarm.datapoints_to_alarm is not None and m != n:
        transition = "OK -> ALARM" if not negate else "ALARM -> OK"
        return (
            f"Threshold Crossed: {len(shown)} out of the last {n} datapoints [{listing}] {verb} {words} "
            f"the threshold ({_number(threshold)}) (minimum {m} {_plural(m)} for {transition} transition)."
        )
    return (
        f"Threshold Crossed: {len(shown)} {_plural(len(shown))} [{listing}] {verb} {words} the threshold "
        f"({_number(threshold)})."
    )


class AlarmEvaluator:
    """Evaluates every alarm of the store once per (possibly shortened) period."""

    def __init__(
        self, store: Store, *, metrics_period: int = 60, clock: Callable[[], dt.datetime] = utc_now
    ) -> None:
        self.store = store
        self.metrics_period = metrics_period
        self.clock = clock
        self._task: asyncio.Task[None] | None = None

    def effective(self, period: int) -> int:
        """The period used for an alarm period: scaled by SKIFF_METRICS_PERIOD_SECONDS / 60."""
        if self.metrics_period >= 60:
            return period
        return max(1, round(period * self.metrics_period / 60))

    @property
    def tick(self) -> float:
        return float(min(10, self.effective(60)))

    def due(self, alarm: Alarm, now: dt.datetime) -> bool:
        period = self.effective(alarm.evaluation_period)
        if alarm.last_evaluated is None:
            return True
        return metrics.epoch(now) // period > metrics.epoch(alarm.last_evaluated) // period

    def windows(self, alarm: Alarm, now: dt.datetime) -> list[float]:
        """Start times of the periods evaluated, newest first: the last complete ones."""
        period = self.effective(alarm.evaluation_period)
        end = metrics.epoch(now) // period * period
        return [end - (i + 1) * period for i in range(alarm.evaluation_periods)]

    def values(self, alarm: Alarm, windows: list[float]) -> dict[float, float]:
        """The value per window start (statistic of a single metric or the returned expression)."""
        if not windows:
            return {}
        scope = Scope(alarm.account, alarm.region)
        start = metrics.from_epoch(windows[-1])
        period = self.effective(alarm.evaluation_period)
        end = metrics.from_epoch(windows[0] + period)
        if alarm.metrics:
            queries = [query_params(q) for q in alarm.metrics]
            periods = {int(q.period) for q in alarm.metrics if q.period}
            found = run_queries(
                self.store,
                scope,
                queries,
                start,
                end,
                period_override={p: self.effective(p) for p in periods},
            )
            returned = next((q.id for q in alarm.metrics if q.return_data), alarm.metrics[-1].id)
            series = found.get(returned) or []
            return dict(series[0].points) if series else {}
        stat = alarm.statistic or alarm.extended_statistic or "Average"
        metric_stat: dict[str, Any] = {
            "Metric": {
                "Namespace": alarm.namespace,
                "MetricName": alarm.metric_name,
                "Dimensions": alarm.dimensions,
            },
            "Period": alarm.period or 60,
            "Stat": stat,
        }
        if alarm.unit:
            metric_stat["Unit"] = alarm.unit
        if statistics.parse(stat) is None:
            return {}
        return dict(stat_series(self.store, scope, metric_stat, start, end, period=period).points)

    def evaluate(self, alarm: Alarm, now: dt.datetime | None = None) -> records.AlarmEvent:
        """Evaluate one alarm now: record its state (and history on change), tell the listeners."""
        now = now or self.clock()
        windows = self.windows(alarm, now)
        try:
            outcome = decide(alarm, windows, self.values(alarm, windows), now)
        except Exception as exc:  # a broken expression: the alarm cannot be evaluated
            log.warning("alarm %s could not be evaluated: %s", alarm.name, exc)
            outcome = Outcome(INSUFFICIENT_DATA, f"Unable to evaluate the alarm: {exc}", "{}")
        return records.set_state(self.store, alarm, outcome.state, outcome.reason, outcome.reason_data, now)

    def evaluate_due(self, now: dt.datetime | None = None) -> int:
        """One pass: evaluate the alarms whose period boundary passed since they were last evaluated."""
        now = now or self.clock()
        done = 0
        for alarm in records.all_alarms(self.store):
            if self.due(alarm, now):
                self.evaluate(alarm, now)
                done += 1
        return done

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="alarm-evaluation")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        tick = self.tick
        while True:
            now = metrics.epoch(self.clock())
            # just after the next boundary, so the period that ended is complete
            await asyncio.sleep(tick - now % tick + min(1.0, tick / 5))
            try:
                self.evaluate_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("alarm evaluation pass failed")
