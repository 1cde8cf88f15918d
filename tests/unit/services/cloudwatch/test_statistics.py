"""Statistic names and values: standard, percentiles, trimmed/winsorized means, IQM, PR."""

from __future__ import annotations

from skiff.services.cloudwatch import statistics
from skiff.state.metrics import Stats


def test_parsing() -> None:
    assert statistics.parse("Average") == statistics.Statistic("Average")
    assert statistics.parse("p99.9") == statistics.Statistic("p", 99.9, 99.9)
    assert statistics.parse("tm90") == statistics.Statistic("tm", 0.0, 90.0)
    assert statistics.parse("TM(10%:90%)") == statistics.Statistic("tm", 10.0, 90.0)
    assert statistics.parse("IQM") == statistics.Statistic("tm", 25.0, 75.0)
    assert statistics.parse("PR(:100)") == statistics.Statistic("pr", float("-inf"), 100.0)
    for bad in ("p101", "average", "tm(90%:10%)", "PR(:)", "x", "p"):
        assert statistics.parse(bad) is None, bad


def test_values() -> None:
    stats = Stats.of_values([float(v) for v in range(1, 11)])
    value = statistics.statistic_value
    assert (value(stats, "SampleCount"), value(stats, "Sum"), value(stats, "Average")) == (10, 55, 5.5)
    assert (value(stats, "Minimum"), value(stats, "Maximum"), value(stats, "p90")) == (1, 10, 9)
    assert value(stats, "tm80") == 4.5  # 1..8
    assert value(stats, "tc80") == 8 and value(stats, "ts80") == 36
    assert value(stats, "wm(20%:80%)") == (2 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 8 + 8) / 10
    assert value(stats, "PR(:5)") == 50.0
    assert value(Stats.of_summary(2, 10, 1, 9), "p50") is None
    assert value(stats, "nonsense") is None
