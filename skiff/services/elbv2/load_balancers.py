"""Load balancers: create (idempotent), describe, delete, subnets, security groups, attributes.

A new balancer is `provisioning` with an address from 127.77.0.0/16 and an AWS-style DNS name;
`activate` moves it on. Until the data path replaces it, `activate` marks it `active` as soon
as its address is allocated; the data path (skiff/lb) instead flips it once HAProxy serves it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Collection
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
from skiff.state import balancer_addresses
from skiff.state import balancers as records
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

MAX_LOAD_BALANCERS = 50
Activate = Callable[[Store, str], None]


def activate_at_once(store: Store, arn: str) -> None:
    """The stand-in for the data path: a balancer with an address is active at once."""
    records.set_load_balancer_state(store, arn, "active")


class LoadBalancerBackend:
    def __init__(self, store: Store, network: Network) -> None:
        self.store = store
        self.network = network
        self.activate: Activate = activate_at_once
        # addresses other skiff servers on this host hand out (skiff/server/: their /etc/hosts blocks)
        self.addresses_elsewhere: Callable[[], Collection[str]] = tuple

    # -- lookups ------------------------------------------------------------------------------
    def get(self, scope: Scope, arn: str) -> Document | None:
        return in_scope(records.load_load_balancer(self.store, arn), scope)

    def require(self, scope: Scope, arn: str) -> Document:
        doc = self.get(scope, arn)
        if doc is None:
            raise err.load_balancer_not_found()
        return doc

    # -- subnets and groups -------------------------------------------------------------------
    def _zones(self, scope: Scope, lb_type: str, params: dict[str, Any]) -> tuple[str, list[Document]]:
        """(VPC id, AvailabilityZones) of the Subnets or SubnetMappings a request names."""
        subnet_ids = [str(s) for s in params.get("Subnets") or []]
        mappings = params.get("SubnetMappings") or []
        if subnet_ids and mappings:
            raise err.validation("You can specify subnets or subnet mappings, not both")
        mapped: dict[str, Document] = {}
        for mapping in mappings:
            subnet_id = str(mapping.get("SubnetId") or "")
            if subnet_id in mapped:
                raise err.validation(f"Subnet '{subnet_id}' is specified more than once")
            mapped[subnet_id] = mapping
            subnet_ids.append(subnet_id)
        if not subnet_ids:
            if lb_type == "application":
                raise err.validation(
                    "At least two subnets in two different Availability Zones must be specified"
                )
            raise err.validation("At least one subnet must be specified")
        vpc_id: str | None = None
        zones: list[Document] = []
        seen_zones: set[str] = set()
        for subnet_id in dict.fromkeys(subnet_ids):
            subnet = self.network.subnet(scope, subnet_id)
            if subnet is None:
                raise err.subnet_not_found(subnet_id)
            if vpc_id is None:
                vpc_id = str(subnet["VpcId"])
            elif subnet["VpcId"] != vpc_id:
                raise err.invalid_configuration("The subnets must all belong to the same VPC")
            zone = str(subnet["AvailabilityZone"])
            if zone in seen_zones:
                raise err.invalid_configuration(
                    "A load balancer cannot be attached to multiple subnets in the same Availability Zone"
                )
            seen_zones.add(zone)
            addresses: list[Document] = []
            mapping = mapped.get(subnet_id) or {}
            if mapping.get("PrivateIPv4Address"):
                addresses.append({"PrivateIPv4Address": str(mapping["PrivateIPv4Address"])})
            zones.append({"ZoneName": zone, "SubnetId": subnet_id, "LoadBalancerAddresses": addresses})
        if lb_type == "application" and len(seen_zones) < 2:
            raise err.validation("At least two subnets in two different Availability Zones must be specified")
        assert vpc_id is not None
        return vpc_id, sorted(zones, key=lambda z: z["ZoneName"])

    def _groups(self, scope: Scope, vpc_id: str, groups: list[str]) -> list[str]:
        for group_id in groups:
            group = self.network.security_group(scope, group_id)
            if group is None or group.get("VpcId") != vpc_id:
                raise err.invalid_security_group(group_id)
        return list(dict.fromkeys(groups))

    # -- create -------------------------------------------------------------------------------
    def create(self, scope: Scope, params: dict[str, Any]) -> Document:
        name = str(params["Name"])
        check_name("Load balancer", name)
        lb_type = str(params.get("Type") or "application")
        if lb_type == "gateway":
            raise err.validation("Gateway Load Balancers are not supported")
        scheme = str(params.get("Scheme") or "internet-facing")
        tags = check_tags(params.get("Tags"))
        vpc_id, zones = self._zones(scope, lb_type, params)
        asked_groups = [str(g) for g in params.get("SecurityGroups") or []]
        groups = self._groups(scope, vpc_id, asked_groups)
        if not groups and lb_type == "application":
            default = self.network.default_security_group(scope, vpc_id)
            groups = [default] if default else []
        ip_type = str(params.get("IpAddressType") or "ipv4")
        with self.store.transaction():
            existing = records.load_balancer_named(self.store, scope, name)
            if existing is not None:
                same = (
                    existing["Type"] == lb_type
                    and existing["Scheme"] == scheme
                    and {z["SubnetId"] for z in existing["AvailabilityZones"]}
                    == {z["SubnetId"] for z in zones}
                    and (not asked_groups or set(existing.get("SecurityGroups") or []) == set(groups))
                )
                if not same:
                    raise err.duplicate_load_balancer(name)
                return public(existing)
            if len(records.load_balancers(self.store, scope)) >= MAX_LOAD_BALANCERS:
                raise err.too_many("load balancers", "TooManyLoadBalancersException")
            arn = records.load_balancer_arn(scope, lb_type, name, records.new_id())
            doc: Document = {
                "LoadBalancerArn": arn,
                "DNSName": records.dns_name(name, scheme, scope.region, secrets.randbelow(9 * 10**9) + 10**9),
                "CanonicalHostedZoneId": records.HOSTED_ZONE_IDS[lb_type],
                "CreatedTime": records.now(),
                "LoadBalancerName": name,
                "Scheme": scheme,
                "VpcId": vpc_id,
                "State": {"Code": "provisioning"},
                "Type": lb_type,
                "AvailabilityZones": zones,
                "IpAddressType": ip_type,
                records.INTERNAL: {
                    "account": scope.account,
                    "region": scope.region,
                    "address": balancer_addresses.allocate(self.store, taken=self.addresses_elsewhere()),
                    "attributes": {},
                },
            }
            if groups or lb_type == "application":
                doc["SecurityGroups"] = groups
            records.save_load_balancer(self.store, doc)
            records.save_tags(self.store, arn, tags)
        self.activate(self.store, arn)
        return public(doc)

    # -- describe / delete --------------------------------------------------------------------
    def describe(self, scope: Scope, params: dict[str, Any]) -> dict[str, Any]:
        arns, names = params.get("LoadBalancerArns") or [], params.get("Names") or []
        if arns and names:
            raise err.validation(
                "Load balancer names and load balancer ARNs cannot be specified at the same time"
            )
        if arns:
            found = [self.get(scope, str(arn)) for arn in dict.fromkeys(arns)]
            if any(doc is None for doc in found):
                raise err.load_balancer_not_found()
            docs = [d for d in found if d is not None]
        elif names:
            docs = []
            missing = []
            for name in dict.fromkeys(names):
                doc = records.load_balancer_named(self.store, scope, str(name))
                if doc is None or doc["LoadBalancerName"] != name:
                    missing.append(str(name))
                else:
                    docs.append(doc)
            if missing:
                raise err.error(
                    f"Load balancers '[{', '.join(missing)}]' not found", "LoadBalancerNotFoundException"
                )
        else:
            docs = sorted(records.load_balancers(self.store, scope), key=lambda d: d["CreatedTime"])
        return paged("LoadBalancers", [public(d) for d in docs], params)

    def delete(self, scope: Scope, arn: str) -> None:
        doc = self.get(scope, arn)
        if doc is None:
            raise err.load_balancer_not_found()
        if records.load_balancer_attribute(doc, "deletion_protection.enabled") == "true":
            raise err.operation_not_permitted(
                f"Load balancer '{arn}' cannot be deleted because deletion protection is enabled"
            )
        records.delete_load_balancer(self.store, arn)

    # -- changes ------------------------------------------------------------------------------
    def set_subnets(self, scope: Scope, params: dict[str, Any]) -> dict[str, Any]:
        with self.store.transaction():
            doc = self.require(scope, str(params["LoadBalancerArn"]))
            vpc_id, zones = self._zones(scope, doc["Type"], params)
            if vpc_id != doc["VpcId"]:
                raise err.invalid_subnet(
                    f"The subnets must belong to the load balancer's VPC '{doc['VpcId']}'"
                )
            doc["AvailabilityZones"] = zones
            if params.get("IpAddressType"):
                doc["IpAddressType"] = str(params["IpAddressType"])
            records.save_load_balancer(self.store, doc)
        return {"AvailabilityZones": zones, "IpAddressType": doc["IpAddressType"]}

    def set_security_groups(self, scope: Scope, params: dict[str, Any]) -> dict[str, Any]:
        with self.store.transaction():
            doc = self.require(scope, str(params["LoadBalancerArn"]))
            wanted = [str(g) for g in params.get("SecurityGroups") or []]
            if doc["Type"] == "network" and not doc.get("SecurityGroups"):
                raise err.validation(
                    "You cannot set security groups on a Network Load Balancer which was created without any "
                    "security groups."
                )
            if doc["Type"] == "network" and not wanted:
                raise err.validation("You cannot remove all security groups from a Network Load Balancer")
            groups = self._groups(scope, doc["VpcId"], wanted)
            if not groups and doc["Type"] == "application":
                default = self.network.default_security_group(scope, doc["VpcId"])
                groups = [default] if default else []
            doc["SecurityGroups"] = groups
            records.save_load_balancer(self.store, doc)
        return {"SecurityGroupIds": groups}

    def set_ip_address_type(self, scope: Scope, params: dict[str, Any]) -> dict[str, Any]:
        with self.store.transaction():
            doc = self.require(scope, str(params["LoadBalancerArn"]))
            wanted = str(params["IpAddressType"])
            if wanted == "dualstack-without-public-ipv4" and doc["Scheme"] != "internet-facing":
                raise err.validation(
                    "'dualstack-without-public-ipv4' is only valid for internet-facing load balancers"
                )
            doc["IpAddressType"] = wanted
            records.save_load_balancer(self.store, doc)
        return {"IpAddressType": wanted}

    # -- attributes ---------------------------------------------------------------------------
    def attributes(self, scope: Scope, arn: str) -> list[dict[str, str]]:
        return attribute_list(records.load_balancer_attributes(self.require(scope, arn)))

    def modify_attributes(
        self, scope: Scope, arn: str, attributes: list[dict[str, Any]]
    ) -> list[dict[str, str]]:
        with self.store.transaction():
            doc = self.require(scope, arn)
            known = records.LOAD_BALANCER_ATTRIBUTES[doc["Type"]]
            changes = parse_attributes(attributes, known, "Load balancer")
            for key, value in changes.items():
                if key.endswith(".enabled"):
                    check_boolean(key, value)
                elif key == "idle_timeout.timeout_seconds":
                    check_int(key, value, 1, 4000)
                elif key == "client_keep_alive.seconds":
                    check_int(key, value, 60, 604800)
                elif key == "routing.http.desync_mitigation_mode" and value not in (
                    "monitor",
                    "defensive",
                    "strictest",
                ):
                    raise err.validation(f"'{key}' must be one of [monitor, defensive, strictest]")
                elif key == "routing.http.xff_header_processing.mode" and value not in (
                    "append",
                    "preserve",
                    "remove",
                ):
                    raise err.validation(f"'{key}' must be one of [append, preserve, remove]")
            if changes.get("access_logs.s3.enabled") == "true" and not (
                changes.get("access_logs.s3.bucket")
                or records.load_balancer_attribute(doc, "access_logs.s3.bucket")
            ):
                raise err.validation("The value of 'access_logs.s3.bucket' cannot be empty")
            doc[records.INTERNAL].setdefault("attributes", {}).update(changes)
            records.save_load_balancer(self.store, doc)
        return attribute_list(records.load_balancer_attributes(doc))
