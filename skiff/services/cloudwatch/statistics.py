"""Statistics of a period's datapoints: the five standard ones and the extended ones.

`statistic_value(stats, "p90")` is what GetMetricStatistics, GetMetricData's `Stat` and alarm
evaluation all compute. Extended statistics: `pNN` percentiles, trimmed mean/count/sum
(`tmNN`, `tcNN`, `tsNN`, and the range forms `TM(10%:90%)`), winsorized mean (`wmNN`,
`WM(a%:b%)`), `IQM`, and percentile rank `PR(low:high)` (percent of values in the range).
Percentiles come from each period's kept value distribution (see state/metrics.py), so they are
unavailable (None) for data sent as StatisticSets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from skiff.state.metrics import Stats

STANDARD = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")

_NUMBER = r"\d+(?:\.\d+)?"
_SHORT = re.compile(rf"^(p|tm|tc|ts|wm)({_NUMBER})$", re.IGNORECASE)
_RANGE = re.compile(rf"^(tm|tc|ts|wm)\(({_NUMBER})?%:({_NUMBER})?%\)$", re.IGNORECASE)
_RANK = re.compile(rf"^pr\(({_NUMBER})?:({_NUMBER})?\)$", re.IGNORECASE)


@dataclass(frozen=True)
class Statistic:
    """A parsed statistic: its kind and the range it covers."""

    kind: str
    """One of the STANDARD names, or p, tm, tc, ts, wm, pr."""
    low: float = 0.0
    """Lower bound (percent; the value for pr)."""
    high: float = 100.0
    """Upper bound (percent; the value for pr)."""

    @property
    def extended(self) -> bool:
        return self.kind not in STANDARD


def parse(text: str) -> Statistic | None:
    """The statistic a `Stat`/`Statistic`/`ExtendedStatistic` names, None when it names none."""
    if text in STANDARD:
        return Statistic(text)
    if text.upper() == "IQM":
        return Statistic("tm", 25.0, 75.0)
    match = _SHORT.match(text)
    if match:
        kind, bound = match[1].lower(), float(match[2])
        if bound > 100:
            return None
        return Statistic(kind, 0.0, bound) if kind != "p" else Statistic("p", bound, bound)
    match = _RANGE.match(text)
    if match:
        low = float(match[2]) if match[2] else 0.0
        high = float(match[3]) if match[3] else 100.0
        if low > high or high > 100:
            return None
        return Statistic(match[1].lower(), low, high)
    match = _RANK.match(text)
    if match and (match[1] or match[2]):
        low = float(match[1]) if match[1] else float("-inf")
        high = float(match[2]) if match[2] else float("inf")
        return Statistic("pr", low, high) if low <= high else None
    return None


def statistic_value(stats: Stats, text: str | Statistic) -> float | None:
    """The statistic of the set, None when it cannot be computed (no distribution kept)."""
    stat = parse(text) if isinstance(text, str) else text
    if stat is None:
        return None
    if stat.kind == "SampleCount":
        return stats.count
    if stat.kind == "Sum":
        return stats.sum
    if stat.kind == "Average":
        return stats.average
    if stat.kind == "Minimum":
        return stats.minimum
    if stat.kind == "Maximum":
        return stats.maximum
    if stats.values is None or not stats.values:
        return None
    if stat.kind == "p":
        return stats.percentile(stat.high)
    if stat.kind == "pr":
        inside = sum(w for v, w in stats.values.items() if stat.low <= v <= stat.high)
        total = sum(stats.values.values())
        return 100.0 * inside / total if total else None
    if stat.kind == "wm":
        lo, hi = stats.percentile(stat.low), stats.percentile(stat.high)
        if lo is None or hi is None:
            return None
        total = sum(stats.values.values())
        return sum(min(max(v, lo), hi) * w for v, w in stats.values.items()) / total
    trimmed = stats.trimmed(stat.low, stat.high)
    if trimmed is None:
        return None
    count, total = trimmed
    if stat.kind == "tc":
        return count
    if stat.kind == "ts":
        return total
    return total / count if count else None
