"""Application Auto Scaling: `application-autoscaling:<Operation>`. Operations that name a
resource by (namespace, resource id, dimension) are checked on `*` with the
`application-autoscaling:service-namespace` and `...:scalable-dimension` condition keys (the
target's ARN is not known from the request); the tag operations on the scalable target's ARN."""

from __future__ import annotations

from skiff.auth.actions import Call, Check, Rule, ServiceTable

PREFIX = "application-autoscaling"


def _keys(call: Call) -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}
    if isinstance(call.get("ServiceNamespace"), str):
        keys[f"{PREFIX}:service-namespace"] = [call.get("ServiceNamespace")]
    if isinstance(call.get("ScalableDimension"), str):
        keys[f"{PREFIX}:scalable-dimension"] = [call.get("ScalableDimension")]
    return keys


def on_target(call: Call) -> list[Check]:
    return [Check(f"{PREFIX}:{call.operation}", "*", _keys(call))]


def on_arn(call: Call) -> list[Check]:
    arn = call.get("ResourceARN")
    resource = arn if isinstance(arn, str) and arn.startswith("arn:") else "*"
    return [Check(f"{PREFIX}:{call.operation}", resource)]


_BY_RULE: dict[Rule, tuple[str, ...]] = {
    on_target: (
        "RegisterScalableTarget",
        "DeregisterScalableTarget",
        "DescribeScalableTargets",
        "PutScalingPolicy",
        "DeleteScalingPolicy",
        "DescribeScalingPolicies",
        "PutScheduledAction",
        "DeleteScheduledAction",
        "DescribeScheduledActions",
        "DescribeScalingActivities",
        "GetPredictiveScalingForecast",
    ),
    on_arn: ("TagResource", "UntagResource", "ListTagsForResource"),
}

TABLE = ServiceTable(
    "application-autoscaling",
    PREFIX,
    {operation: rule for rule, operations in _BY_RULE.items() for operation in operations},
)
