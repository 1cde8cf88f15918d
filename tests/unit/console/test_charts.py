"""The console's chart period: what CloudWatch's GetMetricData accepts, never finer than asked."""

from __future__ import annotations

import pytest

from skiff.console.charts import chart_period, enhance_command


@pytest.mark.parametrize(
    ("seconds", "period"),
    [(1, 1), (3, 5), (5, 5), (7, 10), (15, 20), (30, 30), (31, 60), (60, 60), (61, 120)],
)
def test_chart_period_is_an_allowed_one(seconds: int, period: int) -> None:
    assert chart_period(seconds) == period


def test_the_hint_is_the_aws_cli_command() -> None:
    assert enhance_command("prod") == (
        "aws ecs update-cluster-settings --cluster prod --settings name=containerInsights,value=enhanced"
    )
