"""The arithmetic of scaling policies: proportional target tracking, step lookup, adjustment types
(percent changes rounded as AWS rounds them, MinAdjustmentMagnitude), step bounds checks."""

from __future__ import annotations

import pytest

from skiff.api.errors import AwsError
from skiff.services.application_autoscaling.resources import validation
from skiff.services.application_autoscaling.scaling import adjusted, check_steps, proportional, step_for

STEPS = [
    {"MetricIntervalUpperBound": 0.0, "ScalingAdjustment": -1},
    {"MetricIntervalLowerBound": 0.0, "MetricIntervalUpperBound": 10.0, "ScalingAdjustment": 1},
    {"MetricIntervalLowerBound": 10.0, "ScalingAdjustment": 3},
]


def test_proportional() -> None:
    assert proportional(1, 90.0, 50.0) == 2
    assert proportional(2, 100.0, 50.0) == 4
    assert proportional(4, 10.0, 50.0) == 1
    assert proportional(3, 50.0, 50.0) == 3
    assert proportional(0, 10.0, 50.0) == 1
    assert proportional(4, 0.0, 50.0) == 0


def test_step_for_uses_lower_inclusive_upper_exclusive_intervals() -> None:
    assert step_for(STEPS, -5.0) == STEPS[0]
    assert step_for(STEPS, 0.0) == STEPS[1]
    assert step_for(STEPS, 9.99) == STEPS[1]
    assert step_for(STEPS, 10.0) == STEPS[2]
    assert step_for(STEPS[1:], -1.0) is None


@pytest.mark.parametrize(
    ("kind", "current", "adjustment", "magnitude", "expected"),
    [
        ("ChangeInCapacity", 3, 2, None, 5),
        ("ChangeInCapacity", 3, -2, None, 1),
        ("ExactCapacity", 3, 7, None, 7),
        ("PercentChangeInCapacity", 10, 25, None, 12),  # 2.5 truncated to 2
        ("PercentChangeInCapacity", 2, 10, None, 3),  # 0.2 counts as 1
        ("PercentChangeInCapacity", 2, -10, None, 1),
        ("PercentChangeInCapacity", 10, 10, 3, 13),  # 1 raised to the magnitude
        ("PercentChangeInCapacity", 10, -50, 2, 5),
    ],
)
def test_adjustment_types(
    kind: str, current: int, adjustment: int, magnitude: int | None, expected: int
) -> None:
    config = {"AdjustmentType": kind, "MinAdjustmentMagnitude": magnitude}
    assert adjusted(current, config, adjustment) == expected


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ([], "There must be at least one step adjustment"),
        ([{"ScalingAdjustment": 1}, {"MetricIntervalLowerBound": 1.0, "ScalingAdjustment": 1}],
         "Only one step adjustment can have an unbounded range"),
        ([{"MetricIntervalLowerBound": 5.0, "MetricIntervalUpperBound": 5.0, "ScalingAdjustment": 1}],
         "Step adjustment lower bound must be less than its upper bound"),
        ([{"MetricIntervalLowerBound": 0.0, "ScalingAdjustment": 1},
          {"MetricIntervalLowerBound": 5.0, "ScalingAdjustment": 2}],
         "Only one step adjustment can have an unbounded upper bound"),
        ([{"MetricIntervalLowerBound": 0.0, "MetricIntervalUpperBound": 10.0, "ScalingAdjustment": 1},
          {"MetricIntervalLowerBound": 5.0, "MetricIntervalUpperBound": 20.0, "ScalingAdjustment": 2}],
         "Step adjustment intervals must not overlap"),
        ([{"MetricIntervalLowerBound": 0.0, "MetricIntervalUpperBound": 10.0, "ScalingAdjustment": 1},
          {"MetricIntervalLowerBound": 20.0, "ScalingAdjustment": 2}],
         "There must be no gaps between step adjustment intervals"),
    ],
)  # fmt: skip
def test_step_checks(steps: list[dict[str, float]], message: str) -> None:
    with pytest.raises(AwsError) as caught:
        check_steps(steps, validation)
    assert caught.value.message == message


def test_valid_steps_pass() -> None:
    check_steps(STEPS, validation)
