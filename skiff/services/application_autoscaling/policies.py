"""Scaling policies: PutScalingPolicy (create or update), DescribeScalingPolicies,
DeleteScalingPolicy, with AWS's checks of target tracking and step scaling configurations.

A target tracking policy owns two CloudWatch alarms, made as AWS makes them:
`TargetTracking-<resource id>-AlarmHigh-<uuid>` (above the target for 3 of 3 one-minute periods)
and `...-AlarmLow-<uuid>` (below 90 % of it for 15 of 15; none with DisableScaleIn), both with the
policy's ARN + `:createdBy/<uuid>` as their action, as AWS's. Updating the policy updates them;
deleting it deletes them. A step
policy acts when any alarm naming its ARN in AlarmActions is in ALARM (controllers/autoscaling.py).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from skiff.services.application_autoscaling.resources import (
    Resource,
    check_dimension_filter,
    not_found,
    policy_arn,
    policy_of_action,
    resource_of,
    validation,
)
from skiff.services.application_autoscaling.scaling import check_steps
from skiff.services.application_autoscaling.targets import TargetBackend, page
from skiff.state import alarms
from skiff.state import autoscaling as records
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

PREDEFINED: dict[str, tuple[str, str, str, str]] = {
    # type -> (namespace, metric name, statistic, unit)
    "ECSServiceAverageCPUUtilization": ("AWS/ECS", "CPUUtilization", "Average", "Percent"),
    "ECSServiceAverageMemoryUtilization": ("AWS/ECS", "MemoryUtilization", "Average", "Percent"),
    "ALBRequestCountPerTarget": ("AWS/ApplicationELB", "RequestCountPerTarget", "Sum", ""),
}
RESOURCE_LABEL = re.compile(r"^app/[^/]+/[^/]+/targetgroup/([^/]+)/([^/]+)$")
HIGH_PERIODS, LOW_PERIODS = 3, 15
LOW_FRACTION = 0.9
DEFAULT_COOLDOWN = 300  # seconds, for ECS services (AWS's default)


def tracking_alarm_name(resource_id: str, which: str) -> str:
    return f"TargetTracking-{resource_id}-Alarm{which}-{uuid.uuid4()}"


class PolicyBackend:
    def __init__(self, store: Store, targets: TargetBackend) -> None:
        self.store = store
        self.targets = targets

    # -- PutScalingPolicy ---------------------------------------------------------------------
    def put(self, scope: Scope, params: dict[str, Any]) -> dict[str, Any]:
        resource = resource_of(params["ServiceNamespace"], params["ResourceId"], params["ScalableDimension"])
        name = params["PolicyName"]
        kind = params.get("PolicyType") or "StepScaling"
        step = params.get("StepScalingPolicyConfiguration")
        tracking = params.get("TargetTrackingScalingPolicyConfiguration")
        if kind == "PredictiveScaling" or params.get("PredictiveScalingPolicyConfiguration"):
            raise validation("skiff does not support PredictiveScaling policies")
        if kind == "StepScaling":
            if tracking is not None:
                raise validation(
                    "TargetTrackingScalingPolicyConfiguration is not supported for StepScaling policy type"
                )
            if step is None:
                raise validation("StepScalingPolicyConfiguration is required for StepScaling policy type")
        else:
            if step is not None:
                raise validation(
                    "StepScalingPolicyConfiguration is not supported for TargetTrackingScaling policy type"
                )
            if tracking is None:
                raise validation(
                    "TargetTrackingScalingPolicyConfiguration is required for "
                    "TargetTrackingScaling policy type"
                )
            tracking = self._check_tracking(tracking)
        with self.store.transaction():
            target = self.targets.require(scope, resource)
            if tracking is not None:
                self._check_label(scope, resource, tracking)
            existing = records.find_policy(
                self.store,
                scope.account,
                scope.region,
                resource.namespace,
                resource.resource_id,
                resource.dimension,
                name,
            )
            if step is not None:
                # an update of a step policy keeps the AdjustmentType and steps it does not give
                before = (existing or {}).get("StepScalingPolicyConfiguration") or {}
                given = {k: v for k, v in step.items() if v is not None}
                for key in ("AdjustmentType", "StepAdjustments"):
                    if not given.get(key) and before.get(key):
                        given[key] = before[key]
                step = self._check_step(given)
            if existing is not None and existing["PolicyType"] != kind:
                # AWS replaces the configuration; the old type's alarms go
                self._drop_alarms(scope, existing)
                existing["_skiff"]["alarm_roles"] = {}
            policy: Document = existing or {
                "PolicyARN": policy_arn(scope, resource, name),
                "PolicyName": name,
                "ServiceNamespace": resource.namespace,
                "ResourceId": resource.resource_id,
                "ScalableDimension": resource.dimension,
                "CreationTime": records.now(),
                records.INTERNAL: {
                    "account": scope.account,
                    "region": scope.region,
                    "alarm_roles": {},
                    "invocations": {},
                },
            }
            policy["PolicyType"] = kind
            policy.pop("StepScalingPolicyConfiguration", None)
            policy.pop("TargetTrackingScalingPolicyConfiguration", None)
            if kind == "StepScaling":
                policy["StepScalingPolicyConfiguration"] = step
                policy["Alarms"] = []
            else:
                policy["TargetTrackingScalingPolicyConfiguration"] = tracking
                policy["Alarms"] = self._tracking_alarms(scope, resource, policy, target)
            records.save_policy(self.store, policy)
        out: dict[str, Any] = {"PolicyARN": policy["PolicyARN"]}
        out["Alarms"] = policy["Alarms"] if kind != "StepScaling" else []
        return out

    def _check_step(self, config: Document) -> Document:
        config = dict(config)
        if not config.get("AdjustmentType"):
            raise validation("AdjustmentType is required for StepScaling policy type")
        steps = [dict(s) for s in config.get("StepAdjustments") or []]
        check_steps(steps, validation)
        config["StepAdjustments"] = steps
        magnitude = config.get("MinAdjustmentMagnitude")
        if magnitude is not None:
            if config["AdjustmentType"] != "PercentChangeInCapacity":
                raise validation(
                    "MinAdjustmentMagnitude is only supported with AdjustmentType PercentChangeInCapacity"
                )
            if magnitude < 1:
                raise validation("MinAdjustmentMagnitude must be greater than or equal to 1")
        if config.get("Cooldown") is not None and config["Cooldown"] < 0:
            raise validation("Cooldown must be greater than or equal to 0")
        return config

    def _check_tracking(self, config: Document) -> Document:
        config = dict(config)
        predefined = config.get("PredefinedMetricSpecification")
        custom = config.get("CustomizedMetricSpecification")
        if (predefined is None) == (custom is None):
            raise validation(
                "Exactly one of PredefinedMetricSpecification and CustomizedMetricSpecification "
                "must be specified"
            )
        target_value = config["TargetValue"]
        if not target_value > 0 or target_value != target_value:
            raise validation("TargetValue must be greater than 0")
        for key in ("ScaleOutCooldown", "ScaleInCooldown"):
            if config.get(key) is not None and config[key] < 0:
                raise validation(f"{key} must be greater than or equal to 0")
        if predefined is not None:
            metric_type = predefined["PredefinedMetricType"]
            if metric_type not in PREDEFINED:
                raise validation(
                    f"Unsupported metric type {metric_type} for service namespace ecs and scalable dimension "
                    "ecs:service:DesiredCount"
                )
            label = predefined.get("ResourceLabel")
            if metric_type == "ALBRequestCountPerTarget":
                if not label:
                    raise validation(
                        "ResourceLabel must be specified for the ALBRequestCountPerTarget metric type"
                    )
                if RESOURCE_LABEL.match(label) is None:
                    raise validation(
                        f"Invalid ResourceLabel {label}: it must be app/<load-balancer-name>/"
                        "<load-balancer-id>/targetgroup/<target-group-name>/<target-group-id>"
                    )
            elif label:
                raise validation(f"ResourceLabel is not supported for the {metric_type} metric type")
        else:
            assert custom is not None
            if custom.get("Metrics"):
                if any(custom.get(k) for k in ("MetricName", "Namespace", "Statistic", "Dimensions")):
                    raise validation(
                        "Metrics cannot be specified together with MetricName, Namespace, Dimensions "
                        "or Statistic"
                    )
                ids = [m.get("Id") for m in custom["Metrics"]]
                if len(set(ids)) != len(ids):
                    raise validation("Metric data query Ids must be unique")
                for query in custom["Metrics"]:
                    if (query.get("Expression") is None) == (query.get("MetricStat") is None):
                        raise validation(
                            f"Exactly one of Expression and MetricStat must be specified for metric data "
                            f"query {query.get('Id')}"
                        )
                returned = [m for m in custom["Metrics"] if m.get("ReturnData", True)]
                if len(returned) != 1:
                    raise validation("Exactly one metric data query must have ReturnData set to true")
            elif not (custom.get("MetricName") and custom.get("Namespace") and custom.get("Statistic")):
                raise validation(
                    "MetricName, Namespace and Statistic are required in CustomizedMetricSpecification"
                )
        return config

    def _check_label(self, scope: Scope, resource: Resource, config: Document) -> None:
        """An ALBRequestCountPerTarget label names a target group attached to the service."""
        predefined = config.get("PredefinedMetricSpecification") or {}
        if predefined.get("PredefinedMetricType") != "ALBRequestCountPerTarget":
            return
        match = RESOURCE_LABEL.match(predefined["ResourceLabel"])
        assert match is not None
        group = f":targetgroup/{match.group(1)}/{match.group(2)}"
        if not any(arn.endswith(group) for arn in self.targets.capacity.target_groups(scope, resource)):
            raise validation(
                f"The target group targetgroup/{match.group(1)}/{match.group(2)} of ResourceLabel "
                f"{predefined['ResourceLabel']} is not attached to {resource.resource_id}"
            )

    # -- the target tracking alarms ----------------------------------------------------------
    def _tracking_alarms(
        self, scope: Scope, resource: Resource, policy: Document, target: Document
    ) -> list[Document]:
        config = policy["TargetTrackingScalingPolicyConfiguration"]
        roles: dict[str, str] = policy[records.INTERNAL].setdefault("alarm_roles", {})
        by_role = {role: name for name, role in roles.items()}
        wanted = ["High"] if config.get("DisableScaleIn") else ["High", "Low"]
        for role, name in list(by_role.items()):
            if role not in wanted:
                alarms.delete_alarm(self.store, scope.account, scope.region, name)
                del roles[name]
        out = []
        for role in wanted:
            name = by_role.get(role) or tracking_alarm_name(resource.resource_id, role)
            roles[name] = role
            alarm = self._alarm(scope, resource, policy, name, role)
            alarms.put_alarm(self.store, alarm)
            out.append({"AlarmName": name, "AlarmARN": alarm.arn})
        return out

    def _alarm(
        self, scope: Scope, resource: Resource, policy: Document, name: str, role: str
    ) -> alarms.Alarm:
        config = policy["TargetTrackingScalingPolicyConfiguration"]
        value = float(config["TargetValue"])
        high = role == "High"
        internal = policy[records.INTERNAL]
        action = f"{policy['PolicyARN']}:createdBy/{internal.setdefault('created_by', str(uuid.uuid4()))}"
        alarm = alarms.Alarm(
            account=scope.account,
            region=scope.region,
            name=name,
            comparison_operator="GreaterThanThreshold" if high else "LessThanThreshold",
            evaluation_periods=HIGH_PERIODS if high else LOW_PERIODS,
            datapoints_to_alarm=HIGH_PERIODS if high else None,  # as AWS's alarms show it
            threshold=value if high else round(value * LOW_FRACTION, 10),
            description=f"DO NOT EDIT OR DELETE. For TargetTrackingScaling policy {action}.",
            alarm_actions=[action],
        )
        predefined = config.get("PredefinedMetricSpecification")
        if predefined is not None:
            namespace, metric, statistic, unit = PREDEFINED[predefined["PredefinedMetricType"]]
            alarm.namespace, alarm.metric_name, alarm.statistic, alarm.period = (
                namespace,
                metric,
                statistic,
                60,
            )
            if predefined["PredefinedMetricType"] == "ALBRequestCountPerTarget":
                match = RESOURCE_LABEL.match(predefined["ResourceLabel"])
                assert match is not None
                alarm.dimensions = [
                    {"Name": "TargetGroup", "Value": f"targetgroup/{match.group(1)}/{match.group(2)}"}
                ]
            else:
                alarm.dimensions = [
                    {"Name": "ClusterName", "Value": resource.cluster},
                    {"Name": "ServiceName", "Value": resource.service},
                ]
            alarm.unit = unit or None
            return alarm
        custom = config["CustomizedMetricSpecification"]
        if custom.get("Metrics"):
            alarm.metrics = [
                alarms.MetricQuery(
                    id=q["Id"],
                    return_data=bool(q.get("ReturnData", True)),
                    expression=q.get("Expression"),
                    namespace=(q.get("MetricStat") or {}).get("Metric", {}).get("Namespace"),
                    metric_name=(q.get("MetricStat") or {}).get("Metric", {}).get("MetricName"),
                    dimensions=list((q.get("MetricStat") or {}).get("Metric", {}).get("Dimensions") or []),
                    period=60,
                    stat=(q.get("MetricStat") or {}).get("Stat"),
                    unit=(q.get("MetricStat") or {}).get("Unit"),
                    label=q.get("Label"),
                )
                for q in custom["Metrics"]
            ]
            return alarm
        alarm.namespace, alarm.metric_name = custom["Namespace"], custom["MetricName"]
        alarm.dimensions = list(custom.get("Dimensions") or [])
        alarm.statistic, alarm.unit, alarm.period = custom["Statistic"], custom.get("Unit"), 60
        return alarm

    def _drop_alarms(self, scope: Scope, policy: Document) -> None:
        for name in policy[records.INTERNAL].get("alarm_roles") or {}:
            alarms.delete_alarm(self.store, scope.account, scope.region, name)

    # -- DescribeScalingPolicies --------------------------------------------------------------
    def describe(self, scope: Scope, params: dict[str, Any]) -> dict[str, Any]:
        namespace = params["ServiceNamespace"]
        dimension = params.get("ScalableDimension")
        check_dimension_filter(namespace, dimension)
        names = set(params.get("PolicyNames") or [])
        found = [
            p
            for p in records.policies_of(
                self.store, scope.account, scope.region, namespace, params.get("ResourceId")
            )
            if (not names or p["PolicyName"] in names)
            and (dimension is None or p["ScalableDimension"] == dimension)
        ]
        items, token = page(found, params, lambda p: (p["ResourceId"], p["PolicyName"]), limit=50)
        out: dict[str, Any] = {"ScalingPolicies": [self.view(scope, p) for p in items]}
        if token:
            out["NextToken"] = token
        return out

    def view(self, scope: Scope, policy: Document) -> Document:
        doc = records.public(policy)
        if policy["PolicyType"] == "StepScaling":
            doc["Alarms"] = [
                {"AlarmName": a.name, "AlarmARN": a.arn}
                for a in alarms.alarms_of(self.store, scope.account, scope.region)
                if any(policy_of_action(x) == policy["PolicyARN"] for x in a.alarm_actions)
            ]
        return doc

    # -- DeleteScalingPolicy ------------------------------------------------------------------
    def delete(self, scope: Scope, resource: Resource, name: str) -> None:
        with self.store.transaction():
            self.targets.require(scope, resource)
            policy = records.find_policy(
                self.store,
                scope.account,
                scope.region,
                resource.namespace,
                resource.resource_id,
                resource.dimension,
                name,
            )
            if policy is None:
                raise not_found(
                    f"No scaling policy found for service namespace: {resource.namespace}, resource ID: "
                    f"{resource.resource_id}, scalable dimension: {resource.dimension}, policy name: {name}"
                )
            self._remove(scope, policy)

    def _remove(self, scope: Scope, policy: Document) -> None:
        self._drop_alarms(scope, policy)
        if policy["PolicyType"] == "StepScaling":
            for alarm in alarms.alarms_of(self.store, scope.account, scope.region):
                kept = [a for a in alarm.alarm_actions if policy_of_action(a) != policy["PolicyARN"]]
                if kept != alarm.alarm_actions:
                    alarm.alarm_actions = kept
                    alarms.save_alarm(self.store, alarm)
        self.store.delete(records.POLICIES, policy["PolicyARN"])

    def delete_all(self, scope: Scope, resource: Resource) -> None:
        """Every policy of a target (DeregisterScalableTarget)."""
        for policy in records.policies_of(
            self.store, scope.account, scope.region, resource.namespace, resource.resource_id
        ):
            if policy["ScalableDimension"] == resource.dimension:
                self._remove(scope, policy)
