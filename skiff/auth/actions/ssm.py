"""SSM: `ssm:<Operation>` on the parameters an operation names (`Name`, `Names`, `Path`) as
`arn:aws:ssm:<region>:<account>:parameter/<name>`, else on `*`. Resources follow from the
members, so every modelled operation is covered; tests check each one against the model."""

from __future__ import annotations

from skiff.auth.actions import Call, Check, ServiceTable


def parameter_arn(call: Call, name: str) -> str:
    if name.startswith("arn:"):
        return name
    return f"arn:aws:ssm:{call.region}:{call.account}:parameter/{name.lstrip('/')}"


def rule(call: Call) -> list[Check]:
    action = f"ssm:{call.operation}"
    names: list[str] = []
    if isinstance(call.get("Name"), str):
        names.append(call.get("Name"))
    names.extend(str(n) for n in call.get("Names") or [] if isinstance(n, str))
    if isinstance(call.get("Path"), str):
        names.append(call.get("Path"))
    if not names:
        return [Check(action)]
    return [Check(action, parameter_arn(call, name)) for name in names]


TABLE = ServiceTable("ssm", "ssm", {}, every_operation=rule)
