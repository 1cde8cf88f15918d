"""Setting a target's capacity and recording why, in one transaction; and the arithmetic of the
policies (target tracking's proportional capacity, step adjustments, percent changes).

Every change of a desired count that Application Auto Scaling makes goes through `apply`: the
scaling activity, the caller's own bookkeeping (`remember`: a cooldown clock, a schedule's last
firing) and the ECS UpdateService are written together or not at all, so a restart after a
crash never repeats a change nor loses its record.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence

from skiff.api.errors import AwsError
from skiff.services.application_autoscaling.capacity import ServiceCapacity
from skiff.services.application_autoscaling.resources import Resource
from skiff.state import autoscaling as records
from skiff.state.scope import Scope
from skiff.store.base import Document, Store


def clamp(value: int, target: Document) -> int:
    return max(int(target["MinCapacity"]), min(int(target["MaxCapacity"]), value))


def apply(
    store: Store,
    capacity: ServiceCapacity,
    scope: Scope,
    target: Document,
    resource: Resource,
    count: int,
    cause: str,
    *,
    remember: Callable[[], None] | None = None,
) -> Document:
    """Set the service's desired count to `count`, recording the activity; returns it. An ECS
    refusal is recorded as a Failed activity (and `remember` still runs: the cause was handled)."""
    description = f"Setting desired count to {count}."
    try:
        with store.transaction():
            if remember is not None:
                remember()
            capacity.set_desired(scope, resource, count)
            return records.record_activity(
                store,
                target,
                description,
                cause,
                message=f"Successfully set desired count to {count}. Change successfully fulfilled by ecs.",
            )
    except AwsError as error:
        with store.transaction():
            if remember is not None:
                remember()
            return records.record_activity(
                store,
                target,
                description,
                cause,
                status="Failed",
                message=f"Failed to set desired count to {count}. Reason: {error.message}",
            )


# -- target tracking --------------------------------------------------------------------------
def proportional(current: int, metric: float, target_value: float) -> int:
    """ceil(current * metric / target), with at least one task when there is load."""
    if target_value <= 0:
        return current
    wanted = math.ceil(round(current * metric / target_value, 6))
    if current == 0 and metric > 0:
        wanted = max(wanted, 1)
    return wanted


# -- step scaling -----------------------------------------------------------------------------
def step_for(adjustments: Sequence[Document], breach: float) -> Document | None:
    """The step whose interval [lower, upper) holds `breach` (metric minus the alarm threshold)."""
    for step in adjustments:
        lower = step.get("MetricIntervalLowerBound")
        upper = step.get("MetricIntervalUpperBound")
        if (lower is None or breach >= lower) and (upper is None or breach < upper):
            return step
    return None


def adjusted(current: int, config: Document, adjustment: int) -> int:
    """The new capacity a step adjustment asks for under the policy's AdjustmentType."""
    kind = config.get("AdjustmentType", "ChangeInCapacity")
    if kind == "ExactCapacity":
        return adjustment
    if kind == "PercentChangeInCapacity":
        change_f = current * adjustment / 100.0
        # AWS: a change between -1 and 1 counts as ±1; otherwise it is truncated toward zero
        change = (1 if change_f > 0 else -1) if 0 < abs(change_f) < 1 else int(change_f)
        magnitude = config.get("MinAdjustmentMagnitude")
        if magnitude and change != 0 and abs(change) < magnitude:
            change = magnitude if change > 0 else -magnitude
        return current + change
    return current + adjustment


def check_steps(adjustments: Sequence[Document], validation: Callable[[str], AwsError]) -> None:
    """AWS's rules for StepAdjustments: bounds ordered, no overlap, no gap, one open end each way."""
    if not adjustments:
        raise validation("There must be at least one step adjustment")
    intervals: list[tuple[float, float]] = []
    for step in adjustments:
        lower = step.get("MetricIntervalLowerBound")
        upper = step.get("MetricIntervalUpperBound")
        if lower is None and upper is None and len(adjustments) > 1:
            raise validation("Only one step adjustment can have an unbounded range")
        low = -math.inf if lower is None else float(lower)
        high = math.inf if upper is None else float(upper)
        if not low < high:
            raise validation("Step adjustment lower bound must be less than its upper bound")
        intervals.append((low, high))
    intervals.sort()
    if sum(1 for low, _ in intervals if low == -math.inf) > 1:
        raise validation("Only one step adjustment can have an unbounded lower bound")
    if sum(1 for _, high in intervals if high == math.inf) > 1:
        raise validation("Only one step adjustment can have an unbounded upper bound")
    for (_, high), (low, _) in itertools.pairwise(intervals):
        if low < high:
            raise validation("Step adjustment intervals must not overlap")
        if low > high:
            raise validation("There must be no gaps between step adjustment intervals")
