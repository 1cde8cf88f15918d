"""Scaling policies and scheduled actions through boto3: target tracking (its two alarms named as
AWS names them, re-used on update, the Low one gone with DisableScaleIn, both gone with the
policy), step scaling with its checks, scheduled actions with at/rate/cron and time zones."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

import pytest

from tests.api.application_autoscaling.conftest import target_args
from tests.api.application_autoscaling.test_targets import error_of

CPU = {"PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}}


@pytest.fixture
def target(aas: Any, resource_id: str) -> str:
    aas.register_scalable_target(**target_args(resource_id), MinCapacity=0, MaxCapacity=5)
    return resource_id


def test_target_tracking_policy_and_its_alarms(aas: Any, target: str) -> None:
    reply = aas.put_scaling_policy(
        PolicyName="cpu50",
        **target_args(target),
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={"TargetValue": 50.0, **CPU, "ScaleInCooldown": 60},
    )
    arn = reply["PolicyARN"]
    assert arn.startswith("arn:aws:autoscaling:eu-north-1:000000000000:scalingPolicy:")
    assert arn.endswith(f":resource/ecs/{target}:policyName/cpu50")
    names = sorted(a["AlarmName"] for a in reply["Alarms"])
    assert len(names) == 2
    assert names[0].startswith(f"TargetTracking-{target}-AlarmHigh-")
    assert names[1].startswith(f"TargetTracking-{target}-AlarmLow-")
    assert all(
        a["AlarmARN"] == f"arn:aws:cloudwatch:eu-north-1:000000000000:alarm:{a['AlarmName']}"
        for a in reply["Alarms"]
    )
    (policy,) = aas.describe_scaling_policies(ServiceNamespace="ecs", ResourceId=target)["ScalingPolicies"]
    assert policy["PolicyARN"] == arn and policy["PolicyType"] == "TargetTrackingScaling"
    assert policy["TargetTrackingScalingPolicyConfiguration"]["ScaleInCooldown"] == 60
    # an update keeps the ARN and the alarms; DisableScaleIn drops the Low alarm
    again = aas.put_scaling_policy(
        PolicyName="cpu50",
        **target_args(target),
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={"TargetValue": 60.0, **CPU, "DisableScaleIn": True},
    )
    assert again["PolicyARN"] == arn
    assert [a["AlarmName"] for a in again["Alarms"]] == [names[0]]
    aas.delete_scaling_policy(PolicyName="cpu50", **target_args(target))
    assert aas.describe_scaling_policies(ServiceNamespace="ecs", ResourceId=target)["ScalingPolicies"] == []
    code, message = error_of(aas.delete_scaling_policy, PolicyName="cpu50", **target_args(target))
    assert code == "ObjectNotFoundException" and "cpu50" in message


def test_policy_errors(aas: Any, target: str, resource_id: str) -> None:
    tracking = {"PolicyName": "p", **target_args(target), "PolicyType": "TargetTrackingScaling"}
    code, message = error_of(
        aas.put_scaling_policy,
        PolicyName="p",
        **target_args("service/none/none"),
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={"TargetValue": 5.0, **CPU},
    )
    assert code == "ObjectNotFoundException"
    assert message.startswith("No scalable target registered for service namespace: ecs, resource ID: ")
    alb = {"PredefinedMetricSpecification": {"PredefinedMetricType": "ALBRequestCountPerTarget"}}
    code, message = error_of(
        aas.put_scaling_policy,
        **tracking,
        TargetTrackingScalingPolicyConfiguration={"TargetValue": 5.0, **alb},
    )
    assert code == "ValidationException" and "ResourceLabel" in message
    bad_label = {
        "PredefinedMetricSpecification": {
            "PredefinedMetricType": "ALBRequestCountPerTarget",
            "ResourceLabel": "app/lb",
        }
    }
    code, message = error_of(
        aas.put_scaling_policy,
        **tracking,
        TargetTrackingScalingPolicyConfiguration={"TargetValue": 5.0, **bad_label},
    )
    assert code == "ValidationException" and "app/<load-balancer-name>" in message
    unattached = "app/web/0123456789abcdef/targetgroup/web-tg/fedcba9876543210"
    unattached_label = {
        "PredefinedMetricSpecification": {
            "PredefinedMetricType": "ALBRequestCountPerTarget",
            "ResourceLabel": unattached,
        }
    }
    code, message = error_of(
        aas.put_scaling_policy,
        **tracking,
        TargetTrackingScalingPolicyConfiguration={"TargetValue": 5.0, **unattached_label},
    )
    assert (code, message) == (
        "ValidationException",
        f"The target group targetgroup/web-tg/fedcba9876543210 of ResourceLabel {unattached} "
        f"is not attached to {target}",
    )
    code, _ = error_of(
        aas.put_scaling_policy, **tracking, TargetTrackingScalingPolicyConfiguration={"TargetValue": 5.0}
    )
    assert code == "ValidationException"
    code, _ = error_of(
        aas.put_scaling_policy, PolicyName="s", **target_args(target), PolicyType="StepScaling"
    )
    assert code == "ValidationException"
    overlapping = {
        "AdjustmentType": "ChangeInCapacity",
        "StepAdjustments": [
            {"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 10, "ScalingAdjustment": 1},
            {"MetricIntervalLowerBound": 5, "ScalingAdjustment": 2},
        ],
    }
    code, message = error_of(
        aas.put_scaling_policy,
        PolicyName="s",
        **target_args(target),
        StepScalingPolicyConfiguration=overlapping,
    )
    assert (code, message) == ("ValidationException", "Step adjustment intervals must not overlap")
    gap = {
        "AdjustmentType": "ChangeInCapacity",
        "StepAdjustments": [
            {"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 10, "ScalingAdjustment": 1},
            {"MetricIntervalLowerBound": 20, "ScalingAdjustment": 2},
        ],
    }
    code, message = error_of(
        aas.put_scaling_policy, PolicyName="s", **target_args(target), StepScalingPolicyConfiguration=gap
    )
    assert (code, message) == (
        "ValidationException",
        "There must be no gaps between step adjustment intervals",
    )
    magnitude = {
        "AdjustmentType": "ChangeInCapacity",
        "MinAdjustmentMagnitude": 2,
        "StepAdjustments": [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}],
    }
    code, _ = error_of(
        aas.put_scaling_policy,
        PolicyName="s",
        **target_args(target),
        StepScalingPolicyConfiguration=magnitude,
    )
    assert code == "ValidationException"


def test_step_policy_round_trips(aas: Any, target: str) -> None:
    config = {
        "AdjustmentType": "PercentChangeInCapacity",
        "MinAdjustmentMagnitude": 1,
        "Cooldown": 30,
        "MetricAggregationType": "Maximum",
        "StepAdjustments": [
            {"MetricIntervalLowerBound": 0.0, "MetricIntervalUpperBound": 10.0, "ScalingAdjustment": 50},
            {"MetricIntervalLowerBound": 10.0, "ScalingAdjustment": 100},
        ],
    }
    reply = aas.put_scaling_policy(
        PolicyName="steps",
        **target_args(target),
        PolicyType="StepScaling",
        StepScalingPolicyConfiguration=config,
    )
    assert reply["Alarms"] == []
    (policy,) = aas.describe_scaling_policies(
        ServiceNamespace="ecs", PolicyNames=["steps"], ResourceId=target
    )["ScalingPolicies"]
    assert policy["StepScalingPolicyConfiguration"] == config
    # an update may leave out the AdjustmentType and the steps (they stay); the rest is replaced
    aas.put_scaling_policy(
        PolicyName="steps", **target_args(target), PolicyType="StepScaling",
        StepScalingPolicyConfiguration={"Cooldown": 90, "MinAdjustmentMagnitude": 2},
    )  # fmt: skip
    (policy,) = aas.describe_scaling_policies(
        ServiceNamespace="ecs", PolicyNames=["steps"], ResourceId=target
    )["ScalingPolicies"]
    kept = {k: v for k, v in config.items() if k in ("AdjustmentType", "StepAdjustments")}
    assert policy["StepScalingPolicyConfiguration"] == {**kept, "Cooldown": 90, "MinAdjustmentMagnitude": 2}
    code, message = error_of(
        aas.put_scaling_policy, PolicyName="fresh", **target_args(target), PolicyType="StepScaling",
        StepScalingPolicyConfiguration={"Cooldown": 90},
    )  # fmt: skip
    assert (code, message) == (
        "ValidationException",
        "AdjustmentType is required for StepScaling policy type",
    )
    code, message = error_of(
        aas.put_scaling_policy, PolicyName="math", **target_args(target), PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 5.0,
            "CustomizedMetricSpecification": {"Metrics": [{"Id": "m1", "ReturnData": True}]},
        },
    )  # fmt: skip
    assert (code, message) == (
        "ValidationException",
        "Exactly one of Expression and MetricStat must be specified for metric data query m1",
    )


def test_scheduled_actions(aas: Any, target: str) -> None:
    start = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    aas.put_scheduled_action(
        ScheduledActionName="nightly",
        **target_args(target),
        Schedule="cron(0 2 * * ? *)",
        Timezone="Europe/Paris",
        StartTime=start,
        ScalableTargetAction={"MinCapacity": 0, "MaxCapacity": 1},
    )
    aas.put_scheduled_action(
        ScheduledActionName="once",
        **target_args(target),
        Schedule="at(2031-06-01T12:00:00)",
        ScalableTargetAction={"MinCapacity": 2},
    )
    aas.put_scheduled_action(
        ScheduledActionName="often",
        **target_args(target),
        Schedule="rate(5 minutes)",
        ScalableTargetAction={"MaxCapacity": 3},
    )
    actions = aas.describe_scheduled_actions(ServiceNamespace="ecs", ResourceId=target)["ScheduledActions"]
    by_name = {a["ScheduledActionName"]: a for a in actions}
    assert sorted(by_name) == ["nightly", "often", "once"]
    nightly = by_name["nightly"]
    assert (nightly["Schedule"], nightly["Timezone"]) == ("cron(0 2 * * ? *)", "Europe/Paris")
    assert nightly["StartTime"] == start and nightly["ScalableTargetAction"] == {
        "MinCapacity": 0,
        "MaxCapacity": 1,
    }
    assert nightly["ScheduledActionARN"].endswith(f":resource/ecs/{target}:scheduledActionName/nightly")
    assert by_name["once"]["Timezone"] == "UTC"
    # an update changes only what it names
    aas.put_scheduled_action(ScheduledActionName="often", **target_args(target), Schedule="rate(1 hour)")
    (often,) = aas.describe_scheduled_actions(
        ServiceNamespace="ecs", ScheduledActionNames=["often"], ResourceId=target
    )["ScheduledActions"]
    assert (often["Schedule"], often["ScalableTargetAction"]) == ("rate(1 hour)", {"MaxCapacity": 3})
    for bad in (
        "cron(0 2 * * * *)",
        "rate(0 minutes)",
        "rate(5 weeks)",
        "at(2030-13-01T00:00:00)",
        "whenever",
    ):
        code, _ = error_of(
            aas.put_scheduled_action,
            ScheduledActionName="bad",
            **target_args(target),
            Schedule=bad,
            ScalableTargetAction={"MinCapacity": 1},
        )
        assert code == "ValidationException", bad
    code, _ = error_of(
        aas.put_scheduled_action,
        ScheduledActionName="bad",
        **target_args(target),
        Schedule="rate(1 hour)",
        Timezone="Mars/Olympus",
        ScalableTargetAction={"MinCapacity": 1},
    )
    assert code == "ValidationException"
    code, message = error_of(
        aas.put_scheduled_action,
        ScheduledActionName="bad",
        **target_args(target),
        Schedule="rate(1 hour)",
        ScalableTargetAction={},
    )
    assert (code, message) == (
        "ValidationException",
        "At least one of minimum capacity and maximum capacity should be provided",
    )
    aas.delete_scheduled_action(ScheduledActionName="once", **target_args(target))
    code, _ = error_of(aas.delete_scheduled_action, ScheduledActionName="once", **target_args(target))
    assert code == "ObjectNotFoundException"
    # deregistering the target takes its policies and scheduled actions with it
    aas.deregister_scalable_target(**target_args(target))
    assert aas.describe_scheduled_actions(ServiceNamespace="ecs", ResourceId=target)["ScheduledActions"] == []


def test_activities_are_empty_without_scaling(aas: Any, target: str) -> None:
    reply = aas.describe_scaling_activities(ServiceNamespace="ecs", ResourceId=target)
    assert reply["ScalingActivities"] == []


def test_deregistering_takes_the_policies_and_their_alarms(aas: Any, cloudwatch: Any, target: str) -> None:
    reply = aas.put_scaling_policy(
        PolicyName="cpu", **target_args(target), PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={"TargetValue": 50.0, **CPU},
    )  # fmt: skip
    names = [a["AlarmName"] for a in reply["Alarms"]]
    described = cloudwatch.describe_alarms(AlarmNames=names)["MetricAlarms"]
    assert sorted(a["AlarmName"] for a in described) == sorted(names)
    high = next(a for a in described if "-AlarmHigh-" in a["AlarmName"])
    assert (high["EvaluationPeriods"], high["DatapointsToAlarm"], high["Period"]) == (3, 3, 60)
    # as AWS's: the policy ARN with a createdBy suffix, in the actions and the description
    (action,) = high["AlarmActions"]
    assert action.startswith(f"{reply['PolicyARN']}:createdBy/")
    assert high["AlarmDescription"] == f"DO NOT EDIT OR DELETE. For TargetTrackingScaling policy {action}."
    assert (high["Unit"], high["Statistic"], high["TreatMissingData"]) == ("Percent", "Average", "missing")
    low = next(a for a in described if "-AlarmLow-" in a["AlarmName"])
    assert low["AlarmActions"] == [action] and "DatapointsToAlarm" not in low
    assert (low["EvaluationPeriods"], low["Threshold"], low["ComparisonOperator"]) == (
        15, 45.0, "LessThanThreshold",
    )  # fmt: skip
    aas.put_scheduled_action(
        ScheduledActionName="later", **target_args(target), Schedule="rate(1 day)",
        ScalableTargetAction={"MaxCapacity": 2},
    )  # fmt: skip
    aas.deregister_scalable_target(**target_args(target))
    assert cloudwatch.describe_alarms(AlarmNames=names)["MetricAlarms"] == []
    assert aas.describe_scaling_policies(ServiceNamespace="ecs", ResourceId=target)["ScalingPolicies"] == []
    assert aas.describe_scheduled_actions(ServiceNamespace="ecs", ResourceId=target)["ScheduledActions"] == []


def test_a_policy_the_bounds_block_leaves_a_not_scaled_activity(
    aas: Any, cloudwatch: Any, resource_id: str
) -> None:
    aas.register_scalable_target(**target_args(resource_id), MinCapacity=0, MaxCapacity=0)
    reply = aas.put_scaling_policy(
        PolicyName="blocked", **target_args(resource_id), PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={"TargetValue": 50.0, **CPU},
    )  # fmt: skip
    high = next(a["AlarmName"] for a in reply["Alarms"] if "-AlarmHigh-" in a["AlarmName"])
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    cloudwatch.set_alarm_state(
        AlarmName=high, StateValue="ALARM", StateReason="test",
        StateReasonData=json.dumps({"evaluatedDatapoints": [{"timestamp": now, "value": 90.0}]}),
    )  # fmt: skip
    deadline = time.monotonic() + 15
    found: list[dict[str, Any]] = []
    while not found and time.monotonic() < deadline:
        time.sleep(0.3)
        found = aas.describe_scaling_activities(
            ServiceNamespace="ecs", ResourceId=resource_id, IncludeNotScaledActivities=True
        )["ScalingActivities"]
    (activity,) = found
    assert activity["Description"] == "Attempting to scale due to alarm triggered"
    assert activity["Cause"] == f"monitor alarm {high} in state ALARM triggered policy blocked"
    assert activity["StatusCode"] == "Failed"
    assert activity["NotScaledReasons"] == [{"Code": "AlreadyAtMaxCapacity", "MaxCapacity": 0}]
    assert (
        aas.describe_scaling_activities(ServiceNamespace="ecs", ResourceId=resource_id)["ScalingActivities"]
        == []
    )
