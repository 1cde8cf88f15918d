"""ELBv2: `elasticloadbalancing:<Operation>` on the balancers, target groups, listeners and rules a
request names by ARN (every ARN of ResourceArns and RulePriorities). Describe* calls take no
resource-level permissions, as on AWS: they are checked on `*`. A Create* call is checked on the
ARN the new resource will have, its id a wildcard (`loadbalancer/app/<name>/*`)."""

from __future__ import annotations

from skiff.auth.actions import Call, Check, ServiceTable

_SINGLE = ("LoadBalancerArn", "TargetGroupArn", "ListenerArn", "RuleArn", "TrustStoreArn", "ResourceArn")


def _prefix(call: Call) -> str:
    return f"arn:aws:elasticloadbalancing:{call.region}:{call.account}"


def _created(call: Call) -> list[str]:
    name = str(call.get("Name") or "*")
    if call.operation == "CreateLoadBalancer":
        kind = {"network": "net", "gateway": "gwy"}.get(str(call.get("Type") or ""), "app")
        return [f"{_prefix(call)}:loadbalancer/{kind}/{name}/*"]
    if call.operation == "CreateTargetGroup":
        return [f"{_prefix(call)}:targetgroup/{name}/*"]
    if call.operation == "CreateTrustStore":
        return [f"{_prefix(call)}:truststore/{name}/*"]
    if call.operation == "CreateListener":
        lb = str(call.get("LoadBalancerArn") or "")
        return [lb.replace(":loadbalancer/", ":listener/", 1) + "/*"] if lb.startswith("arn:") else []
    if call.operation == "CreateRule":
        listener = str(call.get("ListenerArn") or "")
        return (
            [listener.replace(":listener/", ":listener-rule/", 1) + "/*"]
            if listener.startswith("arn:")
            else []
        )
    return []


def rule(call: Call) -> list[Check]:
    action = f"elasticloadbalancing:{call.operation}"
    if call.operation.startswith(("Describe", "Get")):
        return [Check(action)]
    arns = _created(call) if call.operation.startswith("Create") else []
    if not arns:
        arns = [str(call.get(m)) for m in _SINGLE if isinstance(call.get(m), str) and call.get(m)]
        arns += [str(a) for a in call.get("ResourceArns") or [] if isinstance(a, str)]
        arns += [
            str(p["RuleArn"])
            for p in call.get("RulePriorities") or []
            if isinstance(p, dict) and p.get("RuleArn")
        ]
    arns = [a for a in dict.fromkeys(arns) if a.startswith("arn:aws:")]
    return [Check(action, arn) for arn in arns] or [Check(action)]


TABLE = ServiceTable("elbv2", "elasticloadbalancing", {}, every_operation=rule)
