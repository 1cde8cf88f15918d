"""`Ec2Backend`: the EC2 backends together, the default network, and what spans resources.

Other services use this class directly (ECS calls `ensure_default_vpc` at RunTask, then
`subnet`, `allocate_ip`/`release_ip` and `record_network_interface`/`delete_network_interface`
as tasks come and go). The default network of a region is made once, the first time anything
asks in that region, inside one transaction: the default VPC 172.31.0.0/16 with its DHCP
options, network ACL, main route table (routing 0.0.0.0/0 to an attached internet gateway),
`default` security group, and one default /20 subnet per availability zone.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from skiff.services.ec2.cidrs import default_subnet_cidrs
from skiff.services.ec2.endpoints import VpcEndpointBackend
from skiff.services.ec2.exceptions import dependency_violation, dependent_object, invalid_id
from skiff.services.ec2.gateways import InternetGatewayBackend
from skiff.services.ec2.ids import id_prefix
from skiff.services.ec2.interfaces import NetworkInterfaceBackend
from skiff.services.ec2.prefix_lists import prefix_list_exists
from skiff.services.ec2.records import Records
from skiff.services.ec2.route_tables import RouteTableBackend
from skiff.services.ec2.security_groups import DEFAULT_NAME, SecurityGroupBackend
from skiff.services.ec2.subnets import SubnetBackend
from skiff.services.ec2.tags import Tag, TagBackend, check_tags
from skiff.services.ec2.vpcs import VpcBackend
from skiff.services.ec2.zones import zones
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

DEFAULT_VPC_CIDR = "172.31.0.0/16"
# One lock per process: every Ec2Backend (the EC2 provider's, ECS's) makes default networks
# under it, and the region record read inside the transaction keeps other processes out too.
_DEFAULT_NETWORK_LOCK = threading.RLock()


class Ec2Backend:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.tags = TagBackend(store)
        self.vpcs = VpcBackend(store, self.tags)
        self.subnets = SubnetBackend(store, self.tags)
        self.groups = SecurityGroupBackend(store, self.tags, self.vpcs)
        self.gateways = InternetGatewayBackend(store, self.tags)
        self.route_tables = RouteTableBackend(store, self.tags, self.gateways)
        self.interfaces = NetworkInterfaceBackend(store, self.subnets, self.groups)
        self.endpoints = VpcEndpointBackend(store, self.vpcs, self.route_tables, self.interfaces)
        self._ready: set[Scope] = set()
        # called after rules, groups or ENIs change (security group enforcement wakes up)
        self.on_change: list[Callable[[], None]] = []
        self.groups.changed = self.interfaces.changed = self.changed

    def changed(self) -> None:
        for listener in self.on_change:
            listener()

    def forget_defaults(self) -> None:
        """After a state reset: default networks are made again on first use."""
        self._ready.clear()

    # -- the default network ------------------------------------------------------------------
    def ensure_default_network(self, scope: Scope) -> None:
        """Makes the region's default network unless it was made before (even if since deleted)."""
        if scope in self._ready:
            return
        with _DEFAULT_NETWORK_LOCK, self.store.transaction():
            if not self.vpcs.region_record(scope)["DefaultNetwork"]:
                self._create_default_network(scope)
                self.vpcs.mark_default_network(scope)
        self._ready.add(scope)

    def ensure_default_vpc(self, scope: Scope) -> Document | None:
        """The default VPC (made on first use); None only when the user has deleted it."""
        self.ensure_default_network(scope)
        default = self.vpcs.default_vpc(scope)
        return self.vpcs.view(default) if default else None

    def default_subnet_ids(self, scope: Scope) -> list[str]:
        """The default subnets of the region in zone order (empty without a default VPC)."""
        vpc = self.ensure_default_vpc(scope)
        if vpc is None:
            return []
        subnets = [s for s in self.subnets.in_vpc(scope, vpc["VpcId"]) if s["DefaultForAz"]]
        return [s["SubnetId"] for s in sorted(subnets, key=lambda s: s["AvailabilityZone"])]

    def _create_default_network(self, scope: Scope) -> None:
        vpc = self._create_vpc(scope, DEFAULT_VPC_CIDR, [], None, default=True)
        gateway = self.gateways.create(scope, [])
        self.gateways.attach(scope, gateway["InternetGatewayId"], vpc["VpcId"])
        main = self.route_tables.main_table(scope, vpc["VpcId"])
        if main is not None:
            route = {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": gateway["InternetGatewayId"]}
            self.route_tables.add_route(scope, main, {**route, "Origin": "CreateRoute", "State": "active"})
        region_zones = zones(scope.region)
        for zone, cidr in zip(
            region_zones, default_subnet_cidrs(DEFAULT_VPC_CIDR, len(region_zones)), strict=True
        ):
            self.subnets.create(scope, vpc, cidr, zone, [], default=True)

    # -- VPCs ---------------------------------------------------------------------------------
    def create_vpc(self, scope: Scope, cidr: str | None, tags: list[Tag], tenancy: str | None) -> Document:
        return self.vpcs.view(self._create_vpc(scope, cidr, tags, tenancy))

    def _create_vpc(
        self, scope: Scope, cidr: str | None, tags: list[Tag], tenancy: str | None, *, default: bool = False
    ) -> Document:
        """A VPC with its network ACL, main route table and `default` security group."""
        with self.store.transaction():
            vpc = self.vpcs.create(scope, cidr, tags, tenancy=tenancy, default=default)
            self.route_tables.create(scope, vpc, [], main=True)
            self.groups.create(scope, vpc, DEFAULT_NAME, "default VPC security group", [], default=True)
        return vpc

    def delete_vpc(self, scope: Scope, vpc_id: str) -> None:
        """Refuses while subnets, gateways, endpoints, extra groups or route tables remain."""
        self.vpcs.require(scope, vpc_id)
        groups = self.groups.in_vpc(scope, vpc_id)
        tables = self.route_tables.in_vpc(scope, vpc_id)
        if (
            self.subnets.in_vpc(scope, vpc_id)
            or self.gateways.attached_to(scope, vpc_id)
            or self.endpoints.in_vpc(scope, vpc_id)
            or any(g["GroupName"] != DEFAULT_NAME for g in groups)
            or any(not any(a["Main"] for a in t["Associations"]) for t in tables)
        ):
            raise dependency_violation("vpc", vpc_id)
        with self.store.transaction():
            for group in groups:
                self.groups.purge(scope, group["GroupId"])
            for table in tables:
                self.route_tables.purge(table["RouteTableId"])
            self.vpcs.remove(scope, vpc_id)

    # -- subnets, groups ----------------------------------------------------------------------
    def delete_subnet(self, scope: Scope, subnet_id: str) -> None:
        subnet = self.subnets.require(scope, subnet_id)
        if self.interfaces.in_subnet(scope, subnet_id):
            raise dependency_violation("subnet", subnet_id)
        with self.store.transaction():
            self.route_tables.forget_subnet(scope, subnet["VpcId"], subnet_id)
            self.subnets.remove(scope, subnet_id)

    def delete_security_group(self, scope: Scope, group_id: str | None, group_name: str | None) -> str:
        group = self.groups.resolve(scope, group_id, group_name)
        if group["GroupName"] != DEFAULT_NAME and self.interfaces.using_group(scope, group["GroupId"]):
            raise dependent_object(group["GroupId"])
        self.groups.remove(scope, group)
        return str(group["GroupId"])

    # -- addresses and interfaces (for the ECS task runtime) ----------------------------------
    def subnet(self, scope: Scope, subnet_id: str) -> Document:
        """The subnet as DescribeSubnets shows it; InvalidSubnetID.NotFound when unknown."""
        self.ensure_default_network(scope)
        return self.subnets.view(scope, self.subnets.require(scope, subnet_id))

    def find_subnet(self, scope: Scope, subnet_id: str) -> Document | None:
        """Like `subnet`, but None when the subnet does not exist."""
        self.ensure_default_network(scope)
        doc = self.subnets.records.get(scope, subnet_id)
        return self.subnets.view(scope, doc) if doc is not None else None

    def allocate_ip(self, scope: Scope, subnet_id: str) -> str:
        self.ensure_default_network(scope)
        return self.subnets.allocate_ip(scope, subnet_id)

    def release_ip(self, scope: Scope, subnet_id: str, ip: str) -> None:
        self.subnets.release_ip(scope, subnet_id, ip)

    def record_network_interface(self, scope: Scope, eni: dict[str, Any]) -> Document:
        self.ensure_default_network(scope)
        return self.interfaces.record(scope, eni)

    def delete_network_interface(self, scope: Scope, eni_id: str) -> bool:
        """Forgets an interface and frees its address; False (no error) when it is unknown."""
        return self.interfaces.delete(scope, eni_id)

    # -- tags of any resource -----------------------------------------------------------------
    def _records_for(self, prefix: str) -> Records | None:
        return {
            "vpc": self.vpcs.records,
            "subnet": self.subnets.records,
            "sg": self.groups.records,
            "sgr": self.groups.rules,
            "igw": self.gateways.records,
            "rtb": self.route_tables.records,
            "acl": self.vpcs.acls,
            "eni": self.interfaces.records,
            "vpce": self.endpoints.records,
        }.get(prefix)

    def _check_taggable(self, scope: Scope, resource_id: str) -> None:
        """Ids of resources skiff keeps must exist; other well-formed EC2 ids are accepted."""
        prefix = id_prefix(resource_id)
        if prefix is None:
            raise invalid_id(resource_id)
        records = self._records_for(prefix)
        if records is not None:
            records.require(scope, resource_id)
        elif prefix == "pl" and not prefix_list_exists(scope.region, resource_id):
            raise invalid_id(resource_id)

    def create_tags(self, scope: Scope, resource_ids: list[str], tags: list[dict[str, Any]]) -> None:
        clean = check_tags(tags)
        for resource_id in resource_ids:
            self._check_taggable(scope, resource_id)
        with self.store.transaction():
            for resource_id in resource_ids:
                self.tags.add(scope, resource_id, clean)

    def delete_tags(self, scope: Scope, resource_ids: list[str], tags: list[dict[str, Any]] | None) -> None:
        for resource_id in resource_ids:
            self._check_taggable(scope, resource_id)
        with self.store.transaction():
            for resource_id in resource_ids:
                self.tags.remove(scope, resource_id, tags)
