"""Application Auto Scaling that acts: alarms in ALARM invoke the scaling policies named in their
actions, and scheduled actions fire on time; both change the ECS service's desired count through
UpdateService's own path (services/application_autoscaling/capacity.py).

- Alarms: the controller hears every evaluation (`alarms.subscribe`) and also looks at the
  alarms in ALARM once a second, so it acts after a restart too. A policy acts once per
  evaluation of an alarm (the alarm's last evaluation time is remembered in the policy record, in
  the same transaction as the change), so an alarm that stays in ALARM re-invokes its policy
  every period, as on AWS, and never twice for one evaluation.
- Target tracking: the High alarm scales out to ceil(current * metric / target), the Low alarm
  scales in to it; the metric is the alarm's newest value. ScaleInCooldown (default 300 s) holds
  further scale-ins; during ScaleOutCooldown only a larger scale-out (ceil(capacity before the
  last scale-out * metric / target) above the current count) happens; a scale-out ends a
  scale-in cooldown.
- Step scaling: the step whose interval holds (metric - threshold) gives the adjustment under the
  policy's AdjustmentType; during a scale-out's Cooldown only a larger scale-out (counted from the
  capacity before the last one) happens, scale-ins wait.
- Step scaling's breach is the alarm's values over its evaluation periods (computed now, as the
  evaluator computes them) aggregated by the policy's MetricAggregationType (Average unless
  told), minus the alarm's threshold.
- The result is clamped to the target's MinCapacity/MaxCapacity; suspended directions do nothing.
  A triggered policy that the bounds (or its own arithmetic) leave where it is records a *not
  scaled* activity (StatusCode Failed, NotScaledReasons AlreadyAtMaxCapacity /
  AlreadyAtMinCapacity / AlreadyAtDesiredCapacity), seen with IncludeNotScaledActivities; while
  an alarm keeps giving the same reason it is recorded once, not at every evaluation.
- Scheduled actions: when `next_fire` has come, the target's min/max are set, the desired count
  clamped into them, and `next_fire` moved on, in one transaction (bounds that would cross, a
  one-sided action past the other bound, fail: a Failed activity, nothing changed); a firing
  missed while skiff was down happens once, at start.

With SKIFF_METRICS_PERIOD_SECONDS = s < 60 cooldowns are scaled by s/60 like the alarm periods.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from dataclasses import dataclass
from typing import Any

from skiff.api.errors import AwsError
from skiff.controllers.alarm_evaluation import AlarmEvaluator
from skiff.periodic import PeriodicLoop
from skiff.services.application_autoscaling.capacity import ServiceCapacity
from skiff.services.application_autoscaling.policies import DEFAULT_COOLDOWN
from skiff.services.application_autoscaling.resources import Resource, policy_of_action, resource_of
from skiff.services.application_autoscaling.scaling import adjusted, apply, clamp, proportional, step_for
from skiff.services.application_autoscaling.scheduled import next_fire
from skiff.state import alarms
from skiff.state import autoscaling as records
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

log = logging.getLogger(__name__)


def _iso(value: dt.datetime | None) -> str:
    return value.isoformat() if value is not None else ""


def newest_value(alarm: alarms.Alarm) -> float | None:
    """The newest datapoint the alarm's last evaluation looked at (AWS's reason data)."""
    try:
        data = json.loads(alarm.state_reason_data or "{}")
    except ValueError:
        return None
    points = data.get("evaluatedDatapoints") if isinstance(data, dict) else None
    if not isinstance(points, list) or not points:
        return None
    valued = [p for p in points if isinstance(p, dict) and isinstance(p.get("value"), int | float)]
    if not valued:
        return None
    return float(max(valued, key=lambda p: str(p.get("timestamp", "")))["value"])


def aggregate(values: list[float], how: str | None) -> float:
    """A step policy's MetricAggregationType over the values (Average when not given)."""
    if how == "Minimum":
        return min(values)
    if how == "Maximum":
        return max(values)
    return sum(values) / len(values)


@dataclass(frozen=True)
class NotScaled:
    """Why a triggered policy left the capacity as it was (AWS's NotScaledReason)."""

    code: str
    detail: tuple[tuple[str, int], ...]

    def reason(self) -> Document:
        return {"Code": self.code, **dict(self.detail)}

    @property
    def key(self) -> str:
        return json.dumps(self.reason(), sort_keys=True)


def bounded(raw: int, current: int, target: Document) -> int | NotScaled:
    """`raw` clamped into the target's bounds, or why that leaves the capacity where it is."""
    wanted = clamp(raw, target)
    if wanted != current:
        return wanted
    if raw > current:
        return NotScaled("AlreadyAtMaxCapacity", (("MaxCapacity", int(target["MaxCapacity"])),))
    if raw < current:
        return NotScaled("AlreadyAtMinCapacity", (("MinCapacity", int(target["MinCapacity"])),))
    return NotScaled("AlreadyAtDesiredCapacity", (("CurrentCapacity", current),))


class AutoScalingController:
    def __init__(
        self, store: Store, capacity: ServiceCapacity, period_seconds: int = 60, interval: float = 1.0
    ) -> None:
        self.store = store
        self.capacity = capacity
        self.scale = min(60, max(1, period_seconds)) / 60.0
        self.interval = interval
        self._loop = PeriodicLoop("auto scaling", interval, self.run_once)
        self._view = AlarmEvaluator(store, metrics_period=period_seconds)  # only to read values
        self._unsubscribe: Any = None

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> None:
        loop = asyncio.get_running_loop()

        def heard(event: alarms.AlarmEvent) -> None:
            if event.state == alarms.ALARM and any(":scalingPolicy:" in a for a in event.alarm.alarm_actions):
                loop.call_soon_threadsafe(self._loop.wake)

        self._unsubscribe = alarms.subscribe(self.store, heard)
        self._loop.start()

    async def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        await self._loop.stop()

    def run_once(self, now: dt.datetime | None = None) -> None:
        now = now or records.now()
        self.alarm_pass(now)
        self.schedule_pass(now)

    # -- alarms -------------------------------------------------------------------------------
    def alarm_pass(self, now: dt.datetime) -> None:
        for alarm in alarms.alarms_in_state(self.store, alarms.ALARM):
            if not alarm.actions_enabled:
                continue
            for action in alarm.alarm_actions:
                if ":scalingPolicy:" not in action:
                    continue
                policy = records.load_policy(self.store, policy_of_action(action))
                if policy is not None:
                    try:
                        self.invoke(policy, alarm, now)
                    except AwsError as error:
                        log.warning("policy %s not applied: %s", policy["PolicyName"], error.message)

    def recent(self, alarm: alarms.Alarm, now: dt.datetime) -> list[float]:
        """The alarm's values over the periods it evaluates, as its evaluator computes them now
        (a single metric's statistic or the returned metric math expression), oldest first; the
        newest datapoint of its last evaluation when none of them has data yet."""
        windows = self._view.windows(alarm, now)
        try:
            found = self._view.values(alarm, windows)
        except Exception as exc:  # a broken expression: nothing to act on
            log.warning("alarm %s has no values: %s", alarm.name, exc)
            found = {}
        values = [found[t] for t in reversed(windows) if t in found]
        if values:
            return values
        last = newest_value(alarm)
        return [] if last is None else [last]

    def _cooldown(self, seconds: Any) -> dt.timedelta:
        value = DEFAULT_COOLDOWN if seconds is None else int(seconds)
        return dt.timedelta(seconds=value * self.scale)

    def invoke(self, policy: Document, alarm: alarms.Alarm, now: dt.datetime) -> None:
        """Run `policy` for this evaluation of `alarm`, unless it already ran for it."""
        internal = policy[records.INTERNAL]
        stamp = max(_iso(alarm.last_evaluated), _iso(alarm.state_updated))
        invocations: dict[str, str] = internal.setdefault("invocations", {})
        if invocations.get(alarm.name) == stamp:
            return
        scope = Scope(internal["account"], internal["region"])
        resource = resource_of(policy["ServiceNamespace"], policy["ResourceId"], policy["ScalableDimension"])
        target = records.load_target(
            self.store,
            scope.account,
            scope.region,
            resource.namespace,
            resource.resource_id,
            resource.dimension,
        )
        current = self.capacity.desired(scope, resource) if target is not None else None
        decision: int | NotScaled | None = None
        if target is not None and current is not None:
            if policy["PolicyType"] == "TargetTrackingScaling":
                decision = self._tracking(policy, alarm, target, current, now)
            elif policy["PolicyType"] == "StepScaling":
                decision = self._step(policy, alarm, target, current, now)
        not_scaled: dict[str, str] = internal.setdefault("not_scaled", {})

        def remember() -> None:
            invocations[alarm.name] = stamp
            if isinstance(decision, int):
                direction = "out" if decision > (current or 0) else "in"
                base = current
                if direction == "out":  # a larger scale-out in the cooldown still counts from before it
                    running = self._in_cooldown(policy, "out", self._out_cooldown(policy), now)
                    base = int(running["from"]) if running and running.get("from") is not None else current
                internal[f"last_{direction}"] = {"at": now.isoformat(), "from": base}
                if direction == "out":
                    internal.pop("last_in", None)  # a scale-out ends the scale-in cooldown
                not_scaled.clear()
            records.save_policy(self.store, policy)

        cause = f"monitor alarm {alarm.name} in state ALARM triggered policy {policy['PolicyName']}"
        if isinstance(decision, NotScaled) and target is not None:
            with self.store.transaction():
                if not_scaled.get(alarm.name) != decision.key:
                    not_scaled[alarm.name] = decision.key
                    records.record_activity(
                        self.store,
                        target,
                        "Attempting to scale due to alarm triggered",
                        cause,
                        status="Failed",
                        not_scaled=[decision.reason()],
                        ended=False,
                    )
                remember()
            return
        if not isinstance(decision, int) or target is None:
            remember()
            return
        apply(self.store, self.capacity, scope, target, resource, decision, cause, remember=remember)

    @staticmethod
    def _out_cooldown(policy: Document) -> Any:
        if policy["PolicyType"] == "TargetTrackingScaling":
            return policy["TargetTrackingScalingPolicyConfiguration"].get("ScaleOutCooldown")
        return (policy.get("StepScalingPolicyConfiguration") or {}).get("Cooldown")

    def _in_cooldown(
        self, policy: Document, direction: str, seconds: Any, now: dt.datetime
    ) -> Document | None:
        last = policy[records.INTERNAL].get(f"last_{direction}")
        if not last:
            return None
        started = dt.datetime.fromisoformat(last["at"])
        return last if now < started + self._cooldown(seconds) else None

    def _tracking(
        self, policy: Document, alarm: alarms.Alarm, target: Document, current: int, now: dt.datetime
    ) -> int | NotScaled | None:
        config = policy["TargetTrackingScalingPolicyConfiguration"]
        role = (policy[records.INTERNAL].get("alarm_roles") or {}).get(alarm.name)
        values = self.recent(alarm, now)
        if role is None or not values:
            return None
        metric = values[-1]
        suspended = target.get("SuspendedState") or {}
        raw = proportional(current, metric, float(config["TargetValue"]))
        if role == "High":
            if suspended.get("DynamicScalingOutSuspended") or raw < current:
                return None
            previous_out = self._in_cooldown(policy, "out", config.get("ScaleOutCooldown"), now)
            if previous_out is not None:
                # in the cooldown the capacity the last scale-out added counts as there: only a
                # larger scale-out (from the capacity before it) happens
                before = int(previous_out.get("from") or current)
                raw = proportional(before, metric, float(config["TargetValue"]))
                if raw <= current:
                    return None
            return bounded(raw, current, target)
        if config.get("DisableScaleIn") or suspended.get("DynamicScalingInSuspended") or raw > current:
            return None
        if self._in_cooldown(policy, "in", config.get("ScaleInCooldown"), now):
            return None
        return bounded(raw, current, target)

    def _step(
        self, policy: Document, alarm: alarms.Alarm, target: Document, current: int, now: dt.datetime
    ) -> int | NotScaled | None:
        config = policy["StepScalingPolicyConfiguration"]
        values = self.recent(alarm, now)
        if not values:
            return None
        threshold = alarm.threshold if alarm.threshold is not None else 0.0
        breach = aggregate(values, config.get("MetricAggregationType")) - threshold
        step = step_for(config.get("StepAdjustments") or [], breach)
        if step is None:
            return None
        adjustment = int(step["ScalingAdjustment"])
        suspended = target.get("SuspendedState") or {}
        base = current
        if config.get("AdjustmentType") != "ExactCapacity":
            previous_out = self._in_cooldown(policy, "out", config.get("Cooldown"), now)
            if previous_out is not None and adjustment > 0:
                base = int(previous_out.get("from") or current)  # AWS: the cooldown's scale-out counts
        raw = adjusted(base, config, adjustment)
        if base != current and raw <= current:
            return None  # in the cooldown, only a larger scale-out happens
        if raw > current:
            if suspended.get("DynamicScalingOutSuspended"):
                return None
            return bounded(raw, current, target)
        if raw < current:
            if suspended.get("DynamicScalingInSuspended"):
                return None
            if self._in_cooldown(policy, "in", config.get("Cooldown"), now) or self._in_cooldown(
                policy, "out", config.get("Cooldown"), now
            ):
                return None
        return bounded(raw, current, target)

    # -- schedules ----------------------------------------------------------------------------
    def schedule_pass(self, now: dt.datetime) -> None:
        for action in records.all_scheduled(self.store):
            due = action[records.INTERNAL].get("next_fire")
            if due is None or due > now:
                continue
            try:
                self.fire(action, now)
            except AwsError as error:
                log.warning(
                    "scheduled action %s not applied: %s", action["ScheduledActionName"], error.message
                )

    def fire(self, action: Document, now: dt.datetime) -> None:
        internal = action[records.INTERNAL]
        scope = Scope(internal["account"], internal["region"])
        resource: Resource = resource_of(
            action["ServiceNamespace"], action["ResourceId"], action["ScalableDimension"]
        )
        with self.store.transaction():
            internal["last_fired"] = internal.get("next_fire")
            internal["next_fire"] = next_fire(action, now)
            records.save_scheduled(self.store, action)
            target = records.load_target(
                self.store,
                scope.account,
                scope.region,
                resource.namespace,
                resource.resource_id,
                resource.dimension,
            )
            if target is None or (target.get("SuspendedState") or {}).get("ScheduledScalingSuspended"):
                return
            given: dict[str, int] = action.get("ScalableTargetAction") or {}
            minimum = int(given["MinCapacity"]) if "MinCapacity" in given else int(target["MinCapacity"])
            maximum = int(given["MaxCapacity"]) if "MaxCapacity" in given else int(target["MaxCapacity"])
            bounds = f"min capacity to {minimum} and max capacity to {maximum}"
            cause = f"scheduled action name {action['ScheduledActionName']} was triggered"
            if minimum > maximum:
                # AWS's guide: give both bounds so that the new minimum is not above the maximum;
                # a one-sided action that crosses the other bound fails and changes nothing
                records.record_activity(
                    self.store,
                    target,
                    f"Setting {bounds}",
                    cause,
                    status="Failed",
                    message=f"Failed to set {bounds}. Reason: Minimum capacity cannot be greater than "
                    "maximum capacity",
                    ended=False,
                )
                return
            target["MinCapacity"], target["MaxCapacity"] = minimum, maximum
            records.save_target(self.store, target)
            records.record_activity(
                self.store,
                target,
                f"Setting {bounds}",
                cause,
                message=f"Successfully set {bounds}",
                ended=False,
            )
            current = self.capacity.desired(scope, resource)
            if current is not None and clamp(current, target) != current:
                wanted = clamp(current, target)
                bound = "minimum" if wanted > current else "maximum"
                cause = f"{bound} capacity was set to {wanted}"
                apply(self.store, self.capacity, scope, target, resource, wanted, cause)
