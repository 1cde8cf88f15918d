"""Listener and rule actions (forward, redirect, fixed-response) and rule conditions, checked and
written in the full form ELB describes them (a forward names its group both ways; a condition's
Values are repeated in its *Config)."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from skiff.services.elbv2 import exceptions as err
from skiff.services.elbv2.common import in_scope
from skiff.state import balancers as records
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

TERMINAL = ("forward", "redirect", "fixed-response")
UNSERVED = ("authenticate-oidc", "authenticate-cognito", "jwt-validation")
CONTENT_TYPES = ("text/plain", "text/css", "text/html", "application/javascript", "application/json")
_STATUS = re.compile(r"^[245]\d\d$")
_METHOD = re.compile(r"^[A-Z_-]+$")
FIELDS = ("path-pattern", "host-header", "http-header", "http-request-method", "query-string", "source-ip")
CONFIGS = {
    "path-pattern": "PathPatternConfig",
    "host-header": "HostHeaderConfig",
    "http-header": "HttpHeaderConfig",
    "http-request-method": "HttpRequestMethodConfig",
    "query-string": "QueryStringConfig",
    "source-ip": "SourceIpConfig",
}
MAX_CONDITION_VALUES = 5


def check_actions(
    store: Store, scope: Scope, lb: Document, protocol: str, actions: list[dict[str, Any]]
) -> list[Document]:
    """The actions in order, each checked against the balancer and listener protocol."""
    if not actions:
        raise err.validation("At least one action must be specified")
    orders = [a.get("Order") for a in actions]
    if len(actions) > 1 and any(o is None for o in orders):
        raise err.validation(
            "An action order must be specified for every action when more than one action is specified"
        )
    if len({o for o in orders if o is not None}) != len([o for o in orders if o is not None]):
        raise err.validation("Action orders must be unique")
    ordered = sorted(actions, key=lambda a: int(a.get("Order") or 0))
    out: list[Document] = []
    for index, action in enumerate(ordered):
        kind = str(action.get("Type") or "")
        if kind in UNSERVED:
            raise err.validation(f"Action type '{kind}' is not supported")
        if kind not in TERMINAL:
            raise err.validation(f"Action type '{kind}' is not valid")
        if index != len(ordered) - 1:
            raise err.error(f"A '{kind}' action must be the last action", "TooManyActionsException")
        if lb["Type"] == "network" and kind != "forward":
            raise err.error(
                f"Action type '{kind}' is not supported for Network Load Balancers",
                "InvalidLoadBalancerActionException",
            )
        checked: Document = {"Type": kind}
        if action.get("Order") is not None:
            checked["Order"] = int(action["Order"])
        if kind == "forward":
            checked.update(_forward(store, scope, lb, protocol, action))
        elif kind == "redirect":
            checked["RedirectConfig"] = _redirect(action.get("RedirectConfig"))
        else:
            checked["FixedResponseConfig"] = _fixed(action.get("FixedResponseConfig"))
        out.append(checked)
    return out


def _forward(store: Store, scope: Scope, lb: Document, protocol: str, action: dict[str, Any]) -> Document:
    config = action.get("ForwardConfig") or {}
    groups = [dict(g) for g in config.get("TargetGroups") or []]
    single = action.get("TargetGroupArn")
    if single and groups and (len(groups) != 1 or groups[0].get("TargetGroupArn") != single):
        raise err.validation(
            "You cannot specify both a target group ARN and a forward config with different target groups"
        )
    if not single and not groups:
        raise err.validation("A target group ARN must be specified")
    if not groups:
        groups = [{"TargetGroupArn": single, "Weight": 1}]
    if len(groups) > 5:
        raise err.validation("A forward action can forward to at most '5' target groups")
    seen: set[str] = set()
    out_groups: list[Document] = []
    for group in groups:
        arn = str(group.get("TargetGroupArn") or "")
        if arn in seen:
            raise err.validation(f"Target group '{arn}' is specified more than once in the forward action")
        seen.add(arn)
        weight = int(group.get("Weight", 1))
        if not 0 <= weight <= 999:
            raise err.validation("Target group weights must be between 0 and 999")
        _check_group(store, scope, lb, protocol, arn)
        out_groups.append({"TargetGroupArn": arn, "Weight": weight})
    stickiness = config.get("TargetGroupStickinessConfig") or {}
    sticky: Document = {"Enabled": bool(stickiness.get("Enabled", False))}
    if sticky["Enabled"]:
        duration = stickiness.get("DurationSeconds")
        if duration is None or not 1 <= int(duration) <= 604800:
            raise err.validation("The stickiness duration must be between 1 and 604800 seconds")
        sticky["DurationSeconds"] = int(duration)
    out: Document = {"ForwardConfig": {"TargetGroups": out_groups, "TargetGroupStickinessConfig": sticky}}
    if len(out_groups) == 1:
        out["TargetGroupArn"] = out_groups[0]["TargetGroupArn"]
    return out


def _check_group(store: Store, scope: Scope, lb: Document, protocol: str, arn: str) -> None:
    group = in_scope(records.load_target_group(store, arn), scope)
    if group is None:
        raise err.target_group_not_found()
    group_protocol = group.get("Protocol")
    application = lb["Type"] == "application"
    if application != (group_protocol in records.APPLICATION_PROTOCOLS) and group["TargetType"] != "lambda":
        raise err.incompatible_protocols(
            f"The target group '{arn}' protocol '{group_protocol}' is not compatible with the listener "
            f"protocol '{protocol}'"
        )
    if protocol == "UDP" and group_protocol not in ("UDP", "TCP_UDP"):
        raise err.incompatible_protocols(
            "Listener protocol 'UDP' requires a target group with protocol 'UDP' or 'TCP_UDP'"
        )
    if group.get("VpcId") and group["VpcId"] != lb["VpcId"]:
        raise err.invalid_configuration(
            f"The target group '{arn}' is in VPC '{group['VpcId']}', not in the load balancer's VPC "
            f"'{lb['VpcId']}'"
        )
    others = [b for b in records.balancers_of_target_group(store, arn) if b != lb["LoadBalancerArn"]]
    if others:
        raise err.error(
            f"The following target groups cannot be associated with more than one load balancer: {arn}",
            "TargetGroupAssociationLimitException",
        )


def _redirect(config: dict[str, Any] | None) -> Document:
    if not config:
        raise err.validation("A redirect configuration must be specified for a redirect action")
    status = config.get("StatusCode")
    if status not in ("HTTP_301", "HTTP_302"):
        raise err.validation("The redirect status code must be 'HTTP_301' or 'HTTP_302'")
    out = {
        "Protocol": str(config.get("Protocol") or "#{protocol}"),
        "Port": str(config.get("Port") or "#{port}"),
        "Host": str(config.get("Host") or "#{host}"),
        "Path": str(config.get("Path") or "/#{path}"),
        "Query": str(config.get("Query") if config.get("Query") is not None else "#{query}"),
        "StatusCode": status,
    }
    if out["Protocol"] not in ("HTTP", "HTTPS", "#{protocol}"):
        raise err.validation("The redirect protocol must be 'HTTP', 'HTTPS' or '#{protocol}'")
    if not out["Path"].startswith("/"):
        raise err.validation("The redirect path must start with a '/' character")
    if all(out[k] == f"#{{{k.lower()}}}" for k in ("Protocol", "Port", "Host")) and out["Path"] == "/#{path}":
        raise err.validation("The redirect action cannot redirect to its own address (a redirect loop)")
    return out


def _fixed(config: dict[str, Any] | None) -> Document:
    if not config:
        raise err.validation("A fixed response configuration must be specified for a fixed-response action")
    status = str(config.get("StatusCode") or "")
    if not _STATUS.match(status):
        raise err.validation(f"Fixed response status code '{status}' must be a 2XX, 4XX or 5XX code")
    out: Document = {"StatusCode": status}
    if config.get("ContentType"):
        if config["ContentType"] not in CONTENT_TYPES:
            raise err.validation(f"Fixed response content type must be one of [{', '.join(CONTENT_TYPES)}]")
        out["ContentType"] = str(config["ContentType"])
    if config.get("MessageBody") is not None:
        body = str(config["MessageBody"])
        if len(body.encode()) > 1024:
            raise err.validation("The fixed response message body cannot be longer than 1024 bytes")
        out["MessageBody"] = body
    return out


# -- conditions -------------------------------------------------------------------------------------
def check_conditions(conditions: list[dict[str, Any]]) -> list[Document]:
    if not conditions:
        raise err.validation("A rule must have at least one condition")
    out: list[Document] = []
    seen: set[str] = set()
    total = 0
    for condition in conditions:
        field = str(condition.get("Field") or "")
        if field not in FIELDS:
            raise err.validation(f"Condition field '{field}' must be one of [{', '.join(FIELDS)}]")
        if field in seen and field not in ("http-header", "query-string"):
            raise err.validation(f"A rule can only have one '{field}' condition")
        seen.add(field)
        checked, count = _condition(field, condition)
        total += count
        out.append(checked)
    if total > MAX_CONDITION_VALUES:
        raise err.validation(f"A rule can only have '{MAX_CONDITION_VALUES}' condition values")
    return out


def _values(field: str, condition: dict[str, Any], config: dict[str, Any]) -> list[str]:
    plain = [str(v) for v in condition.get("Values") or []]
    configured = [str(v) for v in config.get("Values") or []]
    if plain and configured and plain != configured:
        raise err.validation(f"You cannot specify both 'Values' and '{CONFIGS[field]}' with different values")
    values = configured or plain
    if not values:
        raise err.validation(f"A '{field}' condition must have at least one value")
    return values


def _condition(field: str, condition: dict[str, Any]) -> tuple[Document, int]:
    config = condition.get(CONFIGS[field]) or {}
    if field == "http-header":
        name = str(config.get("HttpHeaderName") or "")
        if not name or len(name) > 40 or not re.match(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$", name):
            raise err.validation("A valid HTTP header name must be specified for an 'http-header' condition")
        values = [str(v) for v in config.get("Values") or []]
        if not values:
            raise err.validation("An 'http-header' condition must have at least one value")
        _lengths(field, values)
        return {"Field": field, "HttpHeaderConfig": {"HttpHeaderName": name, "Values": values}}, len(values)
    if field == "query-string":
        pairs = [
            {k: str(v) for k, v in p.items() if k in ("Key", "Value")} for p in config.get("Values") or []
        ]
        if not pairs or any("Value" not in p or not p["Value"] for p in pairs):
            raise err.validation(
                "A 'query-string' condition must have at least one key/value pair with a value"
            )
        _lengths(field, [p.get("Key", "") + p["Value"] for p in pairs])
        return {"Field": field, "QueryStringConfig": {"Values": pairs}}, len(pairs)
    values = _values(field, condition, config)
    if field == "http-request-method":
        for value in values:
            if len(value) > 40 or not _METHOD.match(value):
                raise err.validation(f"HTTP request method '{value}' is not valid")
        return {"Field": field, "HttpRequestMethodConfig": {"Values": values}}, len(values)
    if field == "source-ip":
        for value in values:
            try:
                ipaddress.ip_network(value, strict=False)
            except ValueError:
                raise err.validation(f"Source IP '{value}' is not a valid CIDR block") from None
            if "/" not in value:
                raise err.validation(f"Source IP '{value}' must be in CIDR notation")
        return {"Field": field, "SourceIpConfig": {"Values": values}}, len(values)
    _lengths(field, values)
    return {"Field": field, "Values": values, CONFIGS[field]: {"Values": values}}, len(values)


def _lengths(field: str, values: list[str]) -> None:
    for value in values:
        if not value or len(value) > 128:
            raise err.validation(
                f"Condition value '{value[:140]}' for '{field}' must be 1 to 128 characters long"
            )


def forwarded_groups(actions: list[Document]) -> list[str]:
    return [arn for action in actions for arn, _ in records.forward_groups(action)]
