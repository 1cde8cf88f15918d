"""The auto scaling controller on the real ECS and Application Auto Scaling backends (no HTTP, no
Docker): alarms in ALARM invoke their policies once per evaluation, with cooldowns and min/max;
scheduled actions fire once; a restarted controller does not act again on what was handled."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest

from skiff.controllers.autoscaling import AutoScalingController
from skiff.services.application_autoscaling.capacity import EcsCapacity
from skiff.services.application_autoscaling.provider import ApplicationAutoScalingProvider
from skiff.state import alarms, metrics
from skiff.state import autoscaling as records
from tests.unit.controllers.conftest import SCOPE, ControlPlane

DIMENSION = "ecs:service:DesiredCount"
T0 = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


def target(resource: str) -> dict[str, str]:
    return {"ServiceNamespace": "ecs", "ResourceId": resource, "ScalableDimension": DIMENSION}


def setup(plane: ControlPlane, desired: int, minimum: int, maximum: int) -> tuple[Any, str]:
    plane.create_service("web", desired)
    aas = ApplicationAutoScalingProvider(plane.store, EcsCapacity(plane.ecs.services))
    aas.targets.register(SCOPE, {**target("service/lab/web"), "MinCapacity": minimum, "MaxCapacity": maximum})
    return aas, "service/lab/web"


def evaluate(plane: ControlPlane, name: str, value: float, when: dt.datetime, state: str = "ALARM") -> None:
    """What the collector and the alarm evaluator do: `value` as the alarm metric's datapoint of
    the newest complete minute, and an evaluation of the alarm that put it in `state`."""
    alarm = alarms.load_alarm(plane.store, SCOPE.account, SCOPE.region, name)
    assert alarm is not None and alarm.namespace and alarm.metric_name
    key = metrics.MetricKey.of(
        SCOPE.account, SCOPE.region, alarm.namespace, alarm.metric_name, alarm.dimensions
    )
    minute = metrics.from_epoch(int(metrics.epoch(when) // 60) * 60 - 60)
    metrics.put_data(
        plane.store, [(key, metrics.Datum(minute, metrics.Stats.of_values([value]), "Percent"))], when
    )
    data = {
        "evaluatedDatapoints": [{"timestamp": (when - dt.timedelta(minutes=1)).isoformat(), "value": value}]
    }
    alarms.set_state(plane.store, alarm, state, "Threshold Crossed", json.dumps(data), when)


def desired(plane: ControlPlane) -> int:
    return int(plane.describe("web")["desiredCount"])


def activities(plane: ControlPlane) -> list[dict[str, Any]]:
    return records.activities_of(plane.store, SCOPE.account, SCOPE.region, "ecs")


def depth_alarm(name: str, policy_arn: str, evaluation_periods: int, threshold: float) -> alarms.Alarm:
    """A custom metric alarm (App/Depth above `threshold`, one-minute Average) acting on a policy."""
    return alarms.Alarm(
        account=SCOPE.account,
        region=SCOPE.region,
        name=name,
        comparison_operator="GreaterThanThreshold",
        evaluation_periods=evaluation_periods,
        threshold=threshold,
        namespace="App",
        metric_name="Depth",
        statistic="Average",
        period=60,
        alarm_actions=[policy_arn],
    )


def put_cpu_tracking(aas: Any, resource: str, name: str, **config: int) -> dict[str, Any]:
    """A target tracking policy on the service's average CPU, target 50%."""
    reply: dict[str, Any] = aas.policies.put(
        SCOPE,
        {
            "PolicyName": name,
            **target(resource),
            "PolicyType": "TargetTrackingScaling",
            "TargetTrackingScalingPolicyConfiguration": {
                "TargetValue": 50.0,
                **config,
                "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"},
            },
        },
    )
    return reply


def test_target_tracking_scales_out_then_in_with_cooldowns(plane: ControlPlane) -> None:
    aas, resource = setup(plane, desired=1, minimum=1, maximum=4)
    reply = put_cpu_tracking(aas, resource, "cpu50", ScaleOutCooldown=60, ScaleInCooldown=120)
    high = next(a["AlarmName"] for a in reply["Alarms"] if "-AlarmHigh-" in a["AlarmName"])
    low = next(a["AlarmName"] for a in reply["Alarms"] if "-AlarmLow-" in a["AlarmName"])
    stored = alarms.load_alarm(plane.store, SCOPE.account, SCOPE.region, high)
    assert stored is not None
    assert (stored.namespace, stored.metric_name, stored.threshold, stored.evaluation_periods) == (
        "AWS/ECS",
        "CPUUtilization",
        50.0,
        3,
    )
    assert stored.dimensions == [
        {"Name": "ClusterName", "Value": "lab"},
        {"Name": "ServiceName", "Value": "web"},
    ]
    (action,) = stored.alarm_actions
    assert re.fullmatch(re.escape(reply["PolicyARN"]) + r":createdBy/[0-9a-f-]{36}", action)
    low_alarm = alarms.load_alarm(plane.store, SCOPE.account, SCOPE.region, low)
    assert low_alarm is not None and (low_alarm.threshold, low_alarm.evaluation_periods) == (45.0, 15)

    controller = AutoScalingController(plane.store, EcsCapacity(plane.ecs.services))
    evaluate(plane, high, 90.0, T0)
    controller.run_once(T0)
    assert desired(plane) == 2  # ceil(1 * 90 / 50)
    (activity,) = activities(plane)
    assert activity["Description"] == "Setting desired count to 2."
    assert activity["Cause"] == f"monitor alarm {high} in state ALARM triggered policy cpu50"
    assert activity["StatusCode"] == "Successful"
    assert (
        activity["StatusMessage"]
        == "Successfully set desired count to 2. Change successfully fulfilled by ecs."
    )
    # the same evaluation is not acted on twice, not even by a new controller (a restart)
    controller.run_once(T0 + dt.timedelta(seconds=1))
    AutoScalingController(plane.store, EcsCapacity(plane.ecs.services)).run_once(T0 + dt.timedelta(seconds=2))
    assert desired(plane) == 2 and len(activities(plane)) == 1
    # a new evaluation inside the scale-out cooldown does nothing; after it, scales to the max
    evaluate(plane, high, 100.0, T0 + dt.timedelta(seconds=30))
    controller.run_once(T0 + dt.timedelta(seconds=30))
    assert desired(plane) == 2
    evaluate(plane, high, 100.0, T0 + dt.timedelta(seconds=61))
    controller.run_once(T0 + dt.timedelta(seconds=61))
    assert desired(plane) == 4  # ceil(2 * 100 / 50) = 4, the max
    evaluate(plane, high, 100.0, T0 + dt.timedelta(seconds=200))
    controller.run_once(T0 + dt.timedelta(seconds=200))
    assert desired(plane) == 4  # clamped at the max: a not scaled activity says why
    blocked = activities(plane)[0]
    assert (blocked["Description"], blocked["Cause"], blocked["StatusCode"]) == (
        "Attempting to scale due to alarm triggered",
        f"monitor alarm {high} in state ALARM triggered policy cpu50",
        "Failed",
    )
    assert blocked["NotScaledReasons"] == [{"Code": "AlreadyAtMaxCapacity", "MaxCapacity": 4}]
    assert "EndTime" not in blocked and blocked[records.INTERNAL]["scaled"] is False
    evaluate(plane, high, 100.0, T0 + dt.timedelta(seconds=260))
    controller.run_once(T0 + dt.timedelta(seconds=260))
    assert len(activities(plane)) == 3  # the same reason again is not recorded again
    # the Low alarm scales in (the primary deployment follows the service's desired count)
    evaluate(plane, high, 10.0, T0 + dt.timedelta(seconds=300), state="OK")
    evaluate(plane, low, 10.0, T0 + dt.timedelta(seconds=300))
    controller.run_once(T0 + dt.timedelta(seconds=300))
    assert desired(plane) == 1  # ceil(4 * 10 / 50) = 1, the min
    assert plane.describe("web")["deployments"][0]["desiredCount"] == 1
    evaluate(plane, low, 0.0, T0 + dt.timedelta(seconds=400))
    controller.run_once(T0 + dt.timedelta(seconds=400))
    assert desired(plane) == 1 and len(activities(plane)) == 4  # in the scale-in cooldown
    evaluate(plane, low, 0.0, T0 + dt.timedelta(seconds=500))
    controller.run_once(T0 + dt.timedelta(seconds=500))
    assert activities(plane)[0]["NotScaledReasons"] == [{"Code": "AlreadyAtMinCapacity", "MinCapacity": 1}]
    scaled = [a for a in activities(plane) if a[records.INTERNAL]["scaled"]]
    assert [a["Description"] for a in scaled] == [f"Setting desired count to {n}." for n in (1, 4, 2)]


def test_step_policy_on_a_custom_alarm(plane: ControlPlane) -> None:
    aas, resource = setup(plane, desired=1, minimum=1, maximum=10)
    arn = aas.policies.put(
        SCOPE,
        {
            "PolicyName": "queue",
            **target(resource),
            "PolicyType": "StepScaling",
            "StepScalingPolicyConfiguration": {
                "AdjustmentType": "ChangeInCapacity",
                "Cooldown": 60,
                "StepAdjustments": [
                    {"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 10, "ScalingAdjustment": 1},
                    {"MetricIntervalLowerBound": 10, "ScalingAdjustment": 3},
                ],
            },
        },
    )["PolicyARN"]
    alarms.put_alarm(plane.store, depth_alarm("queue-deep", arn, evaluation_periods=1, threshold=50.0))
    controller = AutoScalingController(plane.store, EcsCapacity(plane.ecs.services))
    evaluate(plane, "queue-deep", 65.0, T0)  # 15 over the threshold: the +3 step
    controller.run_once(T0)
    assert desired(plane) == 4
    # in the cooldown, a smaller step counts from before the last scale-out: nothing more
    evaluate(plane, "queue-deep", 55.0, T0 + dt.timedelta(seconds=20))
    controller.run_once(T0 + dt.timedelta(seconds=20))
    assert desired(plane) == 4
    evaluate(plane, "queue-deep", 55.0, T0 + dt.timedelta(seconds=70))
    controller.run_once(T0 + dt.timedelta(seconds=70))
    assert desired(plane) == 5
    (policy,) = aas.policies.describe(SCOPE, {"ServiceNamespace": "ecs"})["ScalingPolicies"]
    assert policy["Alarms"] == [
        {"AlarmName": "queue-deep", "AlarmARN": alarms.alarm_arn(SCOPE.account, SCOPE.region, "queue-deep")}
    ]
    # deleting a step policy removes it from the alarm's actions (the alarm stays)
    aas.policies.delete(SCOPE, _resource(resource), "queue")
    kept = alarms.load_alarm(plane.store, SCOPE.account, SCOPE.region, "queue-deep")
    assert kept is not None and kept.alarm_actions == []


def _resource(resource: str) -> Any:
    from skiff.services.application_autoscaling.resources import resource_of

    return resource_of("ecs", resource, DIMENSION)


def test_suspended_scale_out_does_nothing(plane: ControlPlane) -> None:
    aas, resource = setup(plane, desired=1, minimum=1, maximum=10)
    aas.targets.register(SCOPE, {**target(resource), "SuspendedState": {"DynamicScalingOutSuspended": True}})
    reply = put_cpu_tracking(aas, resource, "cpu")
    high = next(a["AlarmName"] for a in reply["Alarms"] if "-AlarmHigh-" in a["AlarmName"])
    evaluate(plane, high, 100.0, T0)
    AutoScalingController(plane.store, EcsCapacity(plane.ecs.services)).run_once(T0)
    assert desired(plane) == 1 and activities(plane) == []


def test_register_clamps_the_desired_count(plane: ControlPlane) -> None:
    aas, resource = setup(plane, desired=1, minimum=0, maximum=5)
    aas.targets.register(SCOPE, {**target(resource), "MinCapacity": 3})
    assert desired(plane) == 3
    aas.targets.register(SCOPE, {**target(resource), "MinCapacity": 0, "MaxCapacity": 2})
    assert desired(plane) == 2
    causes = [a["Cause"] for a in activities(plane)]
    assert causes == ["maximum capacity was set to 2", "minimum capacity was set to 3"]


def test_scheduled_action_fires_once(plane: ControlPlane) -> None:
    aas, resource = setup(plane, desired=1, minimum=1, maximum=3)
    when = records.now() + dt.timedelta(minutes=1)
    aas.scheduled.put(
        SCOPE,
        {
            **target(resource),
            "ScheduledActionName": "peak",
            "Schedule": f"at({when.strftime('%Y-%m-%dT%H:%M:%S')})",
            "ScalableTargetAction": {"MinCapacity": 3, "MaxCapacity": 6},
        },
    )
    controller = AutoScalingController(plane.store, EcsCapacity(plane.ecs.services))
    controller.run_once(when - dt.timedelta(seconds=5))
    assert desired(plane) == 1
    controller.run_once(when + dt.timedelta(seconds=1))
    assert desired(plane) == 3
    (stored,) = aas.targets.describe(SCOPE, {"ServiceNamespace": "ecs"})["ScalableTargets"]
    assert (stored["MinCapacity"], stored["MaxCapacity"]) == (3, 6)
    descriptions = [a["Description"] for a in activities(plane)]
    assert descriptions == ["Setting desired count to 3.", "Setting min capacity to 3 and max capacity to 6"]
    raised, bounds = activities(plane)
    assert raised["Cause"] == "minimum capacity was set to 3"
    assert (bounds["Cause"], bounds["StatusMessage"]) == (
        "scheduled action name peak was triggered",
        "Successfully set min capacity to 3 and max capacity to 6",
    )
    assert "EndTime" in raised and "EndTime" not in bounds
    AutoScalingController(plane.store, EcsCapacity(plane.ecs.services)).run_once(
        when + dt.timedelta(minutes=5)
    )
    assert len(activities(plane)) == 2


def test_suspended_scale_in_and_scheduled_scaling_do_nothing(plane: ControlPlane) -> None:
    aas, resource = setup(plane, desired=3, minimum=1, maximum=10)
    aas.targets.register(
        SCOPE,
        {
            **target(resource),
            "SuspendedState": {"DynamicScalingInSuspended": True, "ScheduledScalingSuspended": True},
        },
    )
    reply = put_cpu_tracking(aas, resource, "cpu")
    low = next(a["AlarmName"] for a in reply["Alarms"] if "-AlarmLow-" in a["AlarmName"])
    when = (records.now() + dt.timedelta(minutes=1)).replace(microsecond=0)
    aas.scheduled.put(
        SCOPE,
        {
            **target(resource),
            "ScheduledActionName": "night",
            "Schedule": f"at({when.strftime('%Y-%m-%dT%H:%M:%S')})",
            "ScalableTargetAction": {"MinCapacity": 0, "MaxCapacity": 1},
        },
    )
    controller = AutoScalingController(plane.store, EcsCapacity(plane.ecs.services))
    evaluate(plane, low, 5.0, when)
    controller.run_once(when + dt.timedelta(seconds=1))
    assert desired(plane) == 3 and activities(plane) == []
    (stored,) = aas.targets.describe(SCOPE, {"ServiceNamespace": "ecs"})["ScalableTargets"]
    assert (stored["MinCapacity"], stored["MaxCapacity"]) == (1, 10)  # the action did not run
    stored_action = records.find_scheduled(
        plane.store, SCOPE.account, SCOPE.region, "ecs", resource, DIMENSION, "night"
    )
    assert stored_action is not None and stored_action[records.INTERNAL]["next_fire"] is None  # due, passed
    # resumed (the other suspensions kept, as re-registering keeps what it does not name)
    aas.targets.register(SCOPE, {**target(resource), "SuspendedState": {"DynamicScalingInSuspended": False}})
    (stored,) = aas.targets.describe(SCOPE, {"ServiceNamespace": "ecs"})["ScalableTargets"]
    assert stored["SuspendedState"]["ScheduledScalingSuspended"] is True
    evaluate(plane, low, 5.0, when + dt.timedelta(minutes=1))
    controller.run_once(when + dt.timedelta(minutes=1))
    assert desired(plane) == 1  # ceil(3 * 5 / 50)


@pytest.mark.parametrize(("how", "expected"), [(None, 3), ("Average", 3), ("Minimum", 2), ("Maximum", 5)])
def test_step_breach_follows_the_metric_aggregation_type(
    plane: ControlPlane, how: str | None, expected: int
) -> None:
    aas, resource = setup(plane, desired=1, minimum=1, maximum=10)
    config: dict[str, Any] = {
        "AdjustmentType": "ChangeInCapacity",
        "StepAdjustments": [
            {"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 20, "ScalingAdjustment": 1},
            {"MetricIntervalLowerBound": 20, "MetricIntervalUpperBound": 40, "ScalingAdjustment": 2},
            {"MetricIntervalLowerBound": 40, "ScalingAdjustment": 4},
        ],
    }
    if how is not None:
        config["MetricAggregationType"] = how
    arn = aas.policies.put(
        SCOPE, {"PolicyName": "agg", **target(resource), "StepScalingPolicyConfiguration": config}
    )["PolicyARN"]
    alarm = depth_alarm("three-minutes", arn, evaluation_periods=3, threshold=10.0)
    alarms.put_alarm(plane.store, alarm)
    key = metrics.MetricKey.of(SCOPE.account, SCOPE.region, "App", "Depth", [])
    for minutes_ago, value in ((3, 25.0), (2, 65.0), (1, 35.0)):  # breaches 15, 55, 25: mean 31.7
        minute = T0 - dt.timedelta(minutes=minutes_ago)
        metrics.put_data(
            plane.store, [(key, metrics.Datum(minute, metrics.Stats.of_values([value]), "None"))], T0
        )
    alarms.set_state(plane.store, alarm, "ALARM", "Threshold Crossed", None, T0)
    AutoScalingController(plane.store, EcsCapacity(plane.ecs.services)).run_once(T0)
    assert desired(plane) == expected


def test_target_tracking_on_a_metric_math_expression(plane: ControlPlane) -> None:
    aas, resource = setup(plane, desired=1, minimum=1, maximum=10)
    metric = {"Namespace": "App", "MetricName": "Work", "Dimensions": [{"Name": "Queue", "Value": "q"}]}
    reply = aas.policies.put(
        SCOPE,
        {
            "PolicyName": "per-two",
            **target(resource),
            "PolicyType": "TargetTrackingScaling",
            "TargetTrackingScalingPolicyConfiguration": {
                "TargetValue": 10.0,
                "CustomizedMetricSpecification": {
                    "Metrics": [
                        {"Id": "m1", "MetricStat": {"Metric": metric, "Stat": "Sum"}, "ReturnData": False},
                        {"Id": "e1", "Expression": "m1 / 2", "ReturnData": True},
                    ]
                },
            },
        },
    )
    high = next(a["AlarmName"] for a in reply["Alarms"] if "-AlarmHigh-" in a["AlarmName"])
    key = metrics.MetricKey.of(SCOPE.account, SCOPE.region, "App", "Work", metric["Dimensions"])
    minute = T0 - dt.timedelta(minutes=1)
    metrics.put_data(plane.store, [(key, metrics.Datum(minute, metrics.Stats.of_values([60.0]), "None"))], T0)
    alarm = alarms.load_alarm(plane.store, SCOPE.account, SCOPE.region, high)
    assert alarm is not None and alarm.metrics
    alarms.set_state(plane.store, alarm, "ALARM", "Threshold Crossed", None, T0)  # no reason data
    AutoScalingController(plane.store, EcsCapacity(plane.ecs.services)).run_once(T0)
    assert desired(plane) == 3  # ceil(1 * (60 / 2) / 10), the expression's value computed afresh


def test_a_scheduled_minimum_above_the_maximum_fails_and_changes_nothing(plane: ControlPlane) -> None:
    aas, resource = setup(plane, desired=1, minimum=1, maximum=3)
    when = (records.now() + dt.timedelta(minutes=1)).replace(microsecond=0)
    aas.scheduled.put(
        SCOPE,
        {
            **target(resource),
            "ScheduledActionName": "too-high",
            "Schedule": f"at({when.strftime('%Y-%m-%dT%H:%M:%S')})",
            "ScalableTargetAction": {"MinCapacity": 5},
        },
    )
    AutoScalingController(plane.store, EcsCapacity(plane.ecs.services)).run_once(when)
    (failed,) = activities(plane)
    assert (failed["Description"], failed["StatusCode"]) == (
        "Setting min capacity to 5 and max capacity to 3",
        "Failed",
    )
    assert failed["StatusMessage"].startswith("Failed to set min capacity to 5 and max capacity to 3.")
    (stored,) = aas.targets.describe(SCOPE, {"ServiceNamespace": "ecs"})["ScalableTargets"]
    assert (stored["MinCapacity"], stored["MaxCapacity"], desired(plane)) == (1, 3, 1)


def test_a_larger_scale_out_happens_inside_the_scale_out_cooldown(plane: ControlPlane) -> None:
    aas, resource = setup(plane, desired=1, minimum=1, maximum=10)
    reply = put_cpu_tracking(aas, resource, "cpu", ScaleOutCooldown=300)
    high = next(a["AlarmName"] for a in reply["Alarms"] if "-AlarmHigh-" in a["AlarmName"])
    controller = AutoScalingController(plane.store, EcsCapacity(plane.ecs.services))
    steps = [(0, 90.0, 2), (60, 95.0, 2), (120, 160.0, 4), (180, 190.0, 4), (240, 260.0, 6)]
    for seconds, value, expected in steps:
        # counted from the 1 task before the first scale-out: ceil(1 * value / 50)
        when = T0 + dt.timedelta(seconds=seconds)
        evaluate(plane, high, value, when)
        controller.run_once(when)
        assert desired(plane) == expected, (seconds, value)
