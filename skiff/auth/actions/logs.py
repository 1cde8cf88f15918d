"""CloudWatch Logs: `logs:<Operation>` on the log group an operation names (`logGroupName` or
`logGroupIdentifier`, as `arn:aws:logs:<region>:<account>:log-group:<name>:*`, the form policies
match), on the log stream for stream-level calls (`...:log-group:<name>:log-stream:<stream>`),
on `resourceArn` for the tag calls, on each group of StartLiveTail, else on `*`. Resources
follow from the members, so every modelled operation is covered."""

from __future__ import annotations

from skiff.auth.actions import Call, Check, ServiceTable

STREAM_OPERATIONS = frozenset({"PutLogEvents", "GetLogEvents", "CreateLogStream", "DeleteLogStream"})


def group_arn(call: Call, name_or_arn: str) -> str:
    if name_or_arn.startswith("arn:"):
        base = name_or_arn[:-2] if name_or_arn.endswith(":*") else name_or_arn
    else:
        base = f"arn:aws:logs:{call.region}:{call.account}:log-group:{name_or_arn}"
    return base


def rule(call: Call) -> list[Check]:
    action = f"logs:{call.operation}"
    arn = call.get("resourceArn")
    if isinstance(arn, str) and arn.startswith("arn:"):
        return [Check(action, arn)]
    identifiers = call.get("logGroupIdentifiers")
    if call.operation == "StartLiveTail" and isinstance(identifiers, list):
        named = [i for i in identifiers if isinstance(i, str) and i]
        if named:
            return [Check(action, f"{group_arn(call, i)}:*") for i in named]
    group = call.get("logGroupName") or call.get("logGroupIdentifier")
    if not isinstance(group, str) or not group:
        return [Check(action)]
    stream = call.get("logStreamName")
    if call.operation in STREAM_OPERATIONS and isinstance(stream, str) and stream:
        return [Check(action, f"{group_arn(call, group)}:log-stream:{stream}")]
    return [Check(action, f"{group_arn(call, group)}:*")]


TABLE = ServiceTable("logs", "logs", {}, every_operation=rule)
