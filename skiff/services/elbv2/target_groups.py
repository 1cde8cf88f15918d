"""Target groups: create (idempotent), describe, modify health checks, delete, attributes.

Health check defaults follow the group's protocol as on ELB: HTTP/HTTPS groups check `/` every
30 s with a 5 s timeout, 5 healthy / 2 unhealthy, matcher 200; TCP-family groups check TCP with
a 10 s timeout (an HTTP check of a network group times out after 6 s and matches 200-399).
"""

from __future__ import annotations

import re
from typing import Any

from skiff.services.elbv2 import exceptions as err
from skiff.services.elbv2.common import (
    attribute_list,
    check_boolean,
    check_int,
    check_name,
    check_tags,
    in_scope,
    parse_attributes,
    public,
)
from skiff.services.elbv2.network import Network
from skiff.services.elbv2.paging import paged
from skiff.state import balancers as records
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

NETWORK_PROTOCOLS = ("TCP", "TLS", "UDP", "TCP_UDP")
SERVED_PROTOCOLS = (*records.APPLICATION_PROTOCOLS, *NETWORK_PROTOCOLS)
HEALTH_MEMBERS = (
    "HealthCheckProtocol",
    "HealthCheckPort",
    "HealthCheckEnabled",
    "HealthCheckIntervalSeconds",
    "HealthCheckTimeoutSeconds",
    "HealthyThresholdCount",
    "UnhealthyThresholdCount",
    "HealthCheckPath",
    "Matcher",
)
_CODES = re.compile(r"^[0-9]{3}(-[0-9]{3})?(,[0-9]{3}(-[0-9]{3})?)*$")
MAX_TARGET_GROUPS = 3000


def _health_defaults(protocol: str, check_protocol: str) -> Document:
    http_check = check_protocol in records.APPLICATION_PROTOCOLS
    application = protocol in records.APPLICATION_PROTOCOLS
    out: Document = {
        "HealthCheckProtocol": check_protocol,
        "HealthCheckPort": "traffic-port",
        "HealthCheckEnabled": True,
        "HealthCheckIntervalSeconds": 30,
        "HealthCheckTimeoutSeconds": 5 if application else (6 if http_check else 10),
        "HealthyThresholdCount": 5,
        "UnhealthyThresholdCount": 2,
    }
    if http_check:
        out["HealthCheckPath"] = "/"
        out["Matcher"] = {"HttpCode": "200" if application else "200-399"}
    return out


def _check_health(doc: Document) -> None:
    protocol, check = doc.get("Protocol"), doc.get("HealthCheckProtocol")
    if protocol in records.APPLICATION_PROTOCOLS and check not in records.APPLICATION_PROTOCOLS:
        raise err.validation(
            f"Health check protocol '{check}' is not supported for target groups with the "
            f"'{protocol}' protocol"
        )
    if check not in (*records.APPLICATION_PROTOCOLS, "TCP"):
        raise err.validation(f"Health check protocol '{check}' is not supported")
    port = str(doc.get("HealthCheckPort") or "traffic-port")
    if port != "traffic-port" and not (re.fullmatch(r"[0-9]{1,5}", port) and 1 <= int(port) <= 65535):
        raise err.validation("Health check port must be 'traffic-port' or a number between 1 and 65535")
    if int(doc["HealthCheckTimeoutSeconds"]) >= int(doc["HealthCheckIntervalSeconds"]):
        raise err.validation("Health check interval must be greater than the timeout.")
    if check in records.APPLICATION_PROTOCOLS:
        path = str(doc.get("HealthCheckPath") or "/")
        if not path.startswith("/"):
            raise err.validation("Health check path must begin with a '/' character")
        doc["HealthCheckPath"] = path
        matcher = doc.get("Matcher") or {}
        code = str(
            matcher.get("HttpCode") or ("200" if protocol in records.APPLICATION_PROTOCOLS else "200-399")
        )
        if matcher.get("GrpcCode"):
            doc["Matcher"] = {"GrpcCode": str(matcher["GrpcCode"])}
            return
        if not _CODES.match(code) or any(not 200 <= int(c) <= 499 for c in re.split(r"[-,]", code)):
            raise err.validation(f"Health check matcher HTTP code '{code}' must be within '200-499' range")
        doc["Matcher"] = {"HttpCode": code}
    else:
        if doc.get("HealthCheckPath") or doc.get("Matcher"):
            raise err.validation(
                f"Custom health check paths and matchers are not supported for '{check}' health checks"
            )
        doc.pop("HealthCheckPath", None)
        doc.pop("Matcher", None)


class TargetGroupBackend:
    def __init__(self, store: Store, network: Network) -> None:
        self.store = store
        self.network = network

    def get(self, scope: Scope, arn: str) -> Document | None:
        return in_scope(records.load_target_group(self.store, arn), scope)

    def require(self, scope: Scope, arn: str) -> Document:
        doc = self.get(scope, arn)
        if doc is None:
            raise err.target_group_not_found()
        return doc

    def view(self, doc: Document) -> Document:
        out = public(doc)
        out["LoadBalancerArns"] = records.balancers_of_target_group(self.store, doc["TargetGroupArn"])
        return out

    # -- create -------------------------------------------------------------------------------
    def create(self, scope: Scope, params: dict[str, Any]) -> Document:
        name = str(params["Name"])
        check_name("Target group", name)
        target_type = str(params.get("TargetType") or "instance")
        tags = check_tags(params.get("Tags"))
        doc: Document = {"TargetGroupName": name, "TargetType": target_type}
        if target_type == "lambda":
            for member in ("Protocol", "Port", "VpcId"):
                if params.get(member) is not None:
                    raise err.validation(
                        f"{member} cannot be specified for target groups with target type 'lambda'"
                    )
            doc.update({"HealthCheckEnabled": bool(params.get("HealthCheckEnabled", False))})
        else:
            protocol = params.get("Protocol")
            if not protocol:
                raise err.validation("A protocol must be specified")
            if protocol not in SERVED_PROTOCOLS:
                raise err.unsupported_protocol(f"Protocol '{protocol}' is not supported")
            if params.get("Port") is None:
                raise err.validation("A port must be specified")
            vpc_id = params.get("VpcId")
            if not vpc_id:
                raise err.validation("A VPC ID must be specified")
            if self.network.vpc(scope, str(vpc_id)) is None:
                raise err.validation(f"The VPC ID '{vpc_id}' is not found")
            check = str(
                params.get("HealthCheckProtocol")
                or (protocol if protocol in records.APPLICATION_PROTOCOLS else "TCP")
            )
            doc.update({"Protocol": protocol, "Port": int(params["Port"]), "VpcId": str(vpc_id)})
            doc.update(_health_defaults(str(protocol), check))
            doc.update({k: params[k] for k in HEALTH_MEMBERS if params.get(k) is not None})
            _check_health(doc)
            if protocol in records.APPLICATION_PROTOCOLS:
                version = str(params.get("ProtocolVersion") or "HTTP1")
                if version not in ("HTTP1", "HTTP2", "GRPC"):
                    raise err.validation(f"Protocol version '{version}' is not supported")
                doc["ProtocolVersion"] = version
            elif params.get("ProtocolVersion"):
                raise err.validation(
                    "A protocol version can only be specified for HTTP and HTTPS target groups"
                )
            doc["IpAddressType"] = str(params.get("IpAddressType") or "ipv4")
        with self.store.transaction():
            existing = records.target_group_named(self.store, scope, name)
            if existing is not None:
                mine = {k: existing.get(k) for k in doc}
                if mine != doc:
                    raise err.duplicate_target_group(name)
                return self.view(existing)
            if len(records.target_groups(self.store, scope)) >= MAX_TARGET_GROUPS:
                raise err.too_many("target groups", "TooManyTargetGroupsException")
            arn = records.target_group_arn(scope, name, records.new_id())
            doc = {"TargetGroupArn": arn, **doc}
            doc[records.INTERNAL] = {"account": scope.account, "region": scope.region, "attributes": {}}
            records.save_target_group(self.store, doc)
            records.save_tags(self.store, arn, tags)
        return self.view(doc)

    # -- describe / modify / delete -----------------------------------------------------------
    def describe(self, scope: Scope, params: dict[str, Any]) -> dict[str, Any]:
        arns, names = params.get("TargetGroupArns") or [], params.get("Names") or []
        lb_arn = params.get("LoadBalancerArn")
        if sum(1 for x in (arns, names, lb_arn) if x) > 1:
            raise err.validation(
                "Target group names, target group ARNs, and a load balancer ARN cannot be specified at the "
                "same time"
            )
        if arns:
            found = [self.get(scope, str(a)) for a in dict.fromkeys(arns)]
            if any(d is None for d in found):
                raise err.target_group_not_found()
            docs = [d for d in found if d is not None]
        elif names:
            docs = []
            for name in dict.fromkeys(names):
                doc = records.target_group_named(self.store, scope, str(name))
                if doc is None or doc["TargetGroupName"] != name:
                    raise err.target_group_not_found()
                docs.append(doc)
        else:
            docs = records.target_groups(self.store, scope)
            if lb_arn:
                if in_scope(records.load_load_balancer(self.store, str(lb_arn)), scope) is None:
                    raise err.load_balancer_not_found()
                docs = [
                    d
                    for d in docs
                    if lb_arn in records.balancers_of_target_group(self.store, d["TargetGroupArn"])
                ]
            docs.sort(key=lambda d: d["TargetGroupName"])
        return paged("TargetGroups", [self.view(d) for d in docs], params)

    def modify(self, scope: Scope, params: dict[str, Any]) -> Document:
        with self.store.transaction():
            doc = self.require(scope, str(params["TargetGroupArn"]))
            if doc["TargetType"] == "lambda":
                doc.update({k: params[k] for k in ("HealthCheckEnabled",) if params.get(k) is not None})
            else:
                changes = {k: params[k] for k in HEALTH_MEMBERS if params.get(k) is not None}
                if (
                    changes.get("HealthCheckProtocol")
                    and changes["HealthCheckProtocol"] != doc["HealthCheckProtocol"]
                ):
                    defaults = _health_defaults(doc["Protocol"], str(changes["HealthCheckProtocol"]))
                    for key in ("HealthCheckPath", "Matcher"):
                        doc.pop(key, None)
                        if key in defaults:
                            doc[key] = defaults[key]
                doc.update(changes)
                _check_health(doc)
            records.save_target_group(self.store, doc)
        return self.view(doc)

    def delete(self, scope: Scope, arn: str) -> None:
        with self.store.transaction():
            if self.get(scope, arn) is None:
                return  # deleting a group that is gone succeeds, as on ELB
            if records.balancers_of_target_group(self.store, arn):
                raise err.target_group_in_use(arn)
            records.delete_target_group(self.store, arn)

    # -- attributes ---------------------------------------------------------------------------
    def attributes(self, scope: Scope, arn: str) -> list[dict[str, str]]:
        return attribute_list(records.target_group_attributes(self.require(scope, arn)))

    def modify_attributes(
        self, scope: Scope, arn: str, attributes: list[dict[str, Any]]
    ) -> list[dict[str, str]]:
        with self.store.transaction():
            doc = self.require(scope, arn)
            kind = records.target_group_kind(doc)
            changes = parse_attributes(attributes, records.TARGET_GROUP_ATTRIBUTES[kind], "Target group")
            merged = {**records.target_group_attributes(doc), **changes}
            for key, value in changes.items():
                _check_attribute(kind, key, value)
            if (
                merged.get("load_balancing.algorithm.type") == "least_outstanding_requests"
                and merged.get("slow_start.duration_seconds", "0") != "0"
            ):
                raise err.invalid_configuration(
                    "Slow start mode cannot be enabled with the least outstanding requests algorithm"
                )
            app_cookie = (
                merged.get("stickiness.type") == "app_cookie" and merged.get("stickiness.enabled") == "true"
            )
            if app_cookie and not merged.get("stickiness.app_cookie.cookie_name"):
                raise err.validation(
                    "'stickiness.app_cookie.cookie_name' must be set for 'app_cookie' stickiness"
                )
            doc[records.INTERNAL].setdefault("attributes", {}).update(changes)
            records.save_target_group(self.store, doc)
        return attribute_list(records.target_group_attributes(doc))


def _check_attribute(kind: str, key: str, value: str) -> None:
    if key == "deregistration_delay.timeout_seconds":
        check_int(key, value, 0, 3600)
    elif key in ("stickiness.lb_cookie.duration_seconds", "stickiness.app_cookie.duration_seconds"):
        check_int(key, value, 1, 604800)
    elif key == "slow_start.duration_seconds":
        check_int(key, value, 0, 900)
        if 0 < int(value) < 30:
            raise err.validation(f"'{key}' must be 0 or between 30 and 900 inclusive")
    elif key == "stickiness.type":
        allowed: tuple[str, ...] = ("lb_cookie", "app_cookie") if kind == "application" else ("source_ip",)
        if value not in allowed:
            raise err.validation(f"'{key}' must be one of [{', '.join(allowed)}]")
    elif key == "load_balancing.algorithm.type":
        allowed = ("round_robin", "least_outstanding_requests", "weighted_random")
        if value not in allowed:
            raise err.validation(f"'{key}' must be one of [{', '.join(allowed)}]")
    elif key == "load_balancing.algorithm.anomaly_mitigation" and value not in ("on", "off"):
        raise err.validation(f"'{key}' must be one of [on, off]")
    elif key == "load_balancing.cross_zone.enabled":
        if value not in ("true", "false", "use_load_balancer_configuration"):
            raise err.validation(f"'{key}' must be one of [true, false, use_load_balancer_configuration]")
    elif key.endswith(".enabled"):
        check_boolean(key, value)
    elif key.endswith(".count"):
        check_int(key, value, 1, 1000000)
    elif key.endswith(".percentage"):
        if value != "off":
            check_int(key, value, 1, 100)
    elif key.endswith("_seconds"):
        check_int(key, value, 0, 360000)
