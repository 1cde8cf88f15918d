"""CloudWatch (`monitoring`, IAM prefix `cloudwatch`): alarm operations on the alarms they name
(`arn:aws:cloudwatch:<region>:<account>:alarm:<name>`, `alarm:*` when they name none), tagging
on the ResourceARN, PutMetricData on `*` with the `cloudwatch:namespace` condition key, and
every other operation (metric reads, dashboards, streams...) on `*`."""

from __future__ import annotations

from skiff.auth.actions import Call, Check, ServiceTable


def alarm_arn(call: Call, name: str) -> str:
    return f"arn:aws:cloudwatch:{call.region}:{call.account}:alarm:{name}"


def _action(call: Call) -> str:
    return f"cloudwatch:{call.operation}"


def on_alarms(call: Call) -> list[Check]:
    names: list[str] = []
    for member in ("AlarmName", "ChildrenOfAlarmName", "ParentsOfAlarmName"):
        if isinstance(call.get(member), str):
            names.append(call.get(member))
    names.extend(str(n) for n in call.get("AlarmNames") or [] if isinstance(n, str))
    if not names:
        return [Check(_action(call), alarm_arn(call, "*"))]
    return [Check(_action(call), alarm_arn(call, name)) for name in names]


def on_resource(call: Call) -> list[Check]:
    arn = call.get("ResourceARN")
    return [Check(_action(call), arn if isinstance(arn, str) and arn else "*")]


def on_account(call: Call) -> list[Check]:
    return [Check(_action(call))]


def put_metric_data(call: Call) -> list[Check]:
    namespace = call.get("Namespace")
    context = {"cloudwatch:namespace": [namespace]} if isinstance(namespace, str) else {}
    return [Check("cloudwatch:PutMetricData", "*", context)]


_ALARM_OPERATIONS = (
    "DeleteAlarms",
    "DescribeAlarmHistory",
    "DescribeAlarms",
    "DisableAlarmActions",
    "EnableAlarmActions",
    "PutCompositeAlarm",
    "PutMetricAlarm",
    "SetAlarmState",
    "DescribeAlarmContributors",
)

TABLE = ServiceTable(
    "cloudwatch",
    "cloudwatch",
    {
        **{operation: on_alarms for operation in _ALARM_OPERATIONS},
        **{operation: on_resource for operation in ("TagResource", "UntagResource", "ListTagsForResource")},
        "PutMetricData": put_metric_data,
    },
    every_operation=on_account,
)
