"""Registered targets: RegisterTargets, DeregisterTargets, DescribeTargetHealth.

Only `ip` target groups take targets here (skiff has no EC2 instances or Lambda functions). An
address inside the group's VPC gets its subnet's zone; one outside needs AvailabilityZone `all`
and a private address. Deregistering a target of a group a balancer uses drains it for the
group's deregistration delay; DescribeTargetHealth reports what the data path saw, `draining`
while a deregistration runs and `unused` while no balancer sends the group traffic.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from typing import Any

from skiff.services.elbv2 import exceptions as err
from skiff.services.elbv2.network import Network
from skiff.services.elbv2.target_groups import TargetGroupBackend
from skiff.state import balancers as records
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

MAX_TARGETS = 1000
PRIVATE = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
)


class TargetBackend:
    def __init__(self, store: Store, network: Network, groups: TargetGroupBackend) -> None:
        self.store = store
        self.network = network
        self.groups = groups

    def _zone(self, scope: Scope, group: Document, target: dict[str, Any]) -> str:
        address = str(target.get("Id") or "")
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            raise err.validation(f"The IP address '{address}' is not a valid IPv4 address") from None
        if ip.version != 4 or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_unspecified:
            raise err.invalid_target(f"The IP address '{address}' cannot be used as a target")
        asked = target.get("AvailabilityZone")
        zone = self.network.zone_of_address(scope, group["VpcId"], address)
        if zone is not None:
            if asked == "all":
                raise err.validation(
                    f"The IP address '{address}' is within the VPC, and cannot have its Availability Zone "
                    f"overridden to 'all' from '{zone}'"
                )
            return zone
        if not asked:
            raise err.validation(
                f"The Availability Zone is required for IP address '{address}' because it is not in the VPC"
            )
        if asked != "all":
            raise err.validation(
                "You must specify a valid Availability Zone or select 'all' for all enabled Availability "
                f"zones, since the IP address '{address}' is outside the VPC"
            )
        if not any(ip in network for network in PRIVATE):
            raise err.invalid_target(
                f"The IP address '{address}' is outside the VPC and is not a private address"
            )
        return "all"

    def _port(self, group: Document, target: dict[str, Any]) -> int:
        port = target.get("Port", group.get("Port"))
        if port is None:
            raise err.validation("A port must be specified")
        return int(port)

    def register(self, scope: Scope, arn: str, targets: list[dict[str, Any]]) -> None:
        group = self.groups.require(scope, arn)
        if group["TargetType"] != "ip":
            ids = ", ".join(f"'{t.get('Id')}'" for t in targets)
            raise err.invalid_target(
                f"The following targets are not in a running state and cannot be registered: {ids}"
            )
        wanted = [(str(t.get("Id")), self._port(group, t), self._zone(scope, group, t)) for t in targets]
        with self.store.transaction():
            existing = {(t["id"], int(t["port"])): t for t in records.targets_of(self.store, arn)}
            new = {(i, p) for i, p, _ in wanted if (i, p) not in existing}
            if len(existing) + len(new) > MAX_TARGETS:
                raise err.too_many_targets()
            for target_id, port, zone in wanted:
                current = existing.get((target_id, port))
                if current is not None and current["state"] == "registered":
                    continue
                records.save_target(self.store, records.new_target(arn, target_id, port, zone))

    def deregister(self, scope: Scope, arn: str, targets: list[dict[str, Any]]) -> None:
        group = self.groups.require(scope, arn)
        delay = records.deregistration_delay(group)
        in_use = bool(records.balancers_of_target_group(self.store, arn))
        until = records.now() + dt.timedelta(seconds=delay)
        with self.store.transaction():
            for target in targets:
                target_id = str(target.get("Id"))
                ports = (
                    [int(target["Port"])]
                    if target.get("Port") is not None
                    else [int(t["port"]) for t in records.targets_of(self.store, arn) if t["id"] == target_id]
                )
                for port in ports:
                    if records.load_target(self.store, arn, target_id, port) is None:
                        continue
                    if in_use and delay > 0:
                        records.start_draining(self.store, arn, target_id, port, until)
                    else:
                        records.remove_target(self.store, arn, target_id, port)

    def health(
        self, scope: Scope, arn: str, targets: list[dict[str, Any]] | None, include: list[str]
    ) -> list[Document]:
        group = self.groups.require(scope, arn)
        records.expire_drained(self.store, tg_arn=arn)
        registered = {(t["id"], int(t["port"])): t for t in records.targets_of(self.store, arn)}
        in_use = bool(records.balancers_of_target_group(self.store, arn))
        out: list[Document] = []
        if targets:
            for target in targets:
                key = (str(target.get("Id")), int(target.get("Port") or group.get("Port") or 0))
                found = registered.get(key)
                if found is None:
                    description: Document = {
                        "Target": {"Id": key[0], "Port": key[1]},
                        "TargetHealth": _health(records.health("unused", "Target.NotRegistered")),
                    }
                    out.append(description)
                else:
                    out.append(self._describe(group, found, in_use, include))
        else:
            for key in sorted(registered):
                out.append(self._describe(group, registered[key], in_use, include))
        return out

    def _describe(self, group: Document, target: Document, in_use: bool, include: list[str]) -> Document:
        if target["state"] == "draining":
            value = records.health("draining", "Target.DeregistrationInProgress")
        elif not group.get("HealthCheckEnabled", True):
            value = records.health("unavailable", "Target.HealthCheckDisabled")
        elif not in_use:
            value = records.health("unused", "Target.NotInUse")
        else:
            value = target.get("health") or records.health("initial", "Elb.RegistrationInProgress")
        port = records.health_check_port(group, target)
        shown: Document = {"Id": target["id"], "Port": int(target["port"])}
        if target.get("zone"):
            shown["AvailabilityZone"] = target["zone"]
        out: Document = {"Target": shown, "HealthCheckPort": str(port), "TargetHealth": _health(value)}
        if "AnomalyDetection" in include or "All" in include:
            out["AnomalyDetection"] = {"Result": "normal", "MitigationInEffect": "no"}
        return out


def _health(value: Document) -> Document:
    out: Document = {"State": value["state"]}
    if value.get("reason"):
        out["Reason"] = value["reason"]
    if value.get("description"):
        out["Description"] = value["description"]
    return out
