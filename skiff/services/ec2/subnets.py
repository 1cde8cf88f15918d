"""Subnets: create (CIDR inside the VPC's, no overlap, zone defaults to the first), describe,
modify attributes, and the private addresses skiff hands out in them.

Addresses live in `ec2_ip_allocations`, one row per address in use (`<subnet>|<ip>`), so an
address is never given out twice while it is allocated, and the allocation survives restarts.
Allocation is next-fit: it continues after the address handed out last, so a freshly released
address is not reused at once. `AvailableIpAddressCount` is the block size minus the five
reserved addresses minus those in use.
"""

from __future__ import annotations

from typing import Any

from skiff.services.ec2.cidrs import assignable, check_subnet_cidr, is_assignable, usable_count
from skiff.services.ec2.exceptions import error, invalid_value, missing_parameter
from skiff.services.ec2.filters import FilterSpec, field, select
from skiff.services.ec2.ids import arn, new_id
from skiff.services.ec2.records import Records, boolean_attribute, public
from skiff.services.ec2.tags import Tag, TagBackend
from skiff.services.ec2.zones import Zone, zone_named
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

SUBNETS = "ec2_subnets"
ALLOCATIONS = "ec2_ip_allocations"

SUBNET_FILTERS: FilterSpec = {
    "subnet-id": field("SubnetId"),
    "vpc-id": field("VpcId"),
    "availability-zone": field("AvailabilityZone"),
    "availabilityZone": field("AvailabilityZone"),
    "availability-zone-id": field("AvailabilityZoneId"),
    "availabilityZoneId": field("AvailabilityZoneId"),
    "available-ip-address-count": field("AvailableIpAddressCount"),
    "cidr-block": field("CidrBlock"),
    "cidr": field("CidrBlock"),
    "cidrBlock": field("CidrBlock"),
    "default-for-az": field("DefaultForAz"),
    "defaultForAz": field("DefaultForAz"),
    "map-public-ip-on-launch": field("MapPublicIpOnLaunch"),
    "owner-id": field("OwnerId"),
    "state": field("State"),
    "subnet-arn": field("SubnetArn"),
    "ipv6-native": field("Ipv6Native"),
    "enable-dns64": field("EnableDns64"),
}

# ModifySubnetAttribute member -> the Subnet member it sets
_BOOLEAN_ATTRIBUTES = {
    "MapPublicIpOnLaunch": "MapPublicIpOnLaunch",
    "AssignIpv6AddressOnCreation": "AssignIpv6AddressOnCreation",
    "MapCustomerOwnedIpOnLaunch": "MapCustomerOwnedIpOnLaunch",
    "EnableDns64": "EnableDns64",
}
_DNS_OPTIONS = {
    "EnableResourceNameDnsARecordOnLaunch": "EnableResourceNameDnsARecord",
    "EnableResourceNameDnsAAAARecordOnLaunch": "EnableResourceNameDnsAAAARecord",
}


class SubnetBackend:
    def __init__(self, store: Store, tags: TagBackend) -> None:
        self.store = store
        self.tags = tags
        self.records = Records(store, SUBNETS, "subnet")

    def create(
        self,
        scope: Scope,
        vpc: Document,
        cidr: str | None,
        zone: Zone,
        tags: list[Tag],
        *,
        default: bool = False,
    ) -> Document:
        if not cidr:
            raise missing_parameter("Either 'cidrBlock' or 'ipv4IpamPoolId' should be provided.")
        siblings = [s["CidrBlock"] for s in self.records.all(scope, vpc_id=vpc["VpcId"])]
        network = check_subnet_cidr(cidr, vpc["CidrBlock"], siblings)
        subnet_id = new_id("subnet")
        doc: Document = {
            "SubnetId": subnet_id,
            "SubnetArn": arn(scope, "subnet", subnet_id),
            "VpcId": vpc["VpcId"],
            "OwnerId": scope.account,
            "CidrBlock": str(network),
            "AvailabilityZone": zone.name,
            "AvailabilityZoneId": zone.zone_id,
            "DefaultForAz": default,
            "MapPublicIpOnLaunch": default,
            "MapCustomerOwnedIpOnLaunch": False,
            "AssignIpv6AddressOnCreation": False,
            "Ipv6CidrBlockAssociationSet": [],
            "EnableDns64": False,
            "Ipv6Native": False,
            "State": "available",
            "PrivateDnsNameOptionsOnLaunch": {
                "HostnameType": "ip-name",
                "EnableResourceNameDnsARecord": False,
                "EnableResourceNameDnsAAAARecord": False,
            },
            "BlockPublicAccessStates": {"InternetGatewayBlockMode": "off"},
        }
        with self.store.transaction():
            self._put(scope, doc)
            self.tags.replace(scope, subnet_id, tags)
        return doc

    def _put(self, scope: Scope, doc: Document) -> None:
        self.records.put(
            scope, doc["SubnetId"], doc, vpc_id=doc["VpcId"], availability_zone=doc["AvailabilityZone"]
        )

    def require(self, scope: Scope, subnet_id: str) -> Document:
        return self.records.require(scope, subnet_id)

    def in_vpc(self, scope: Scope, vpc_id: str) -> list[Document]:
        return self.records.all(scope, vpc_id=vpc_id)

    def view(self, scope: Scope, doc: Document) -> Document:
        out = public(doc)
        out["AvailableIpAddressCount"] = usable_count(doc["CidrBlock"]) - len(
            self.allocated(scope, doc["SubnetId"])
        )
        return self.tags.attach(out, "SubnetId")

    def describe(
        self, scope: Scope, ids: list[str] | None, filters: list[dict[str, Any]] | None
    ) -> list[Document]:
        docs = self.records.lookup(scope, ids, "SubnetId")
        views = [
            self.view(scope, d) for d in sorted(docs, key=lambda d: (d["AvailabilityZone"], d["SubnetId"]))
        ]
        return select(views, filters, SUBNET_FILTERS)

    def modify_attribute(self, scope: Scope, subnet_id: str, params: dict[str, Any]) -> None:
        doc = self.require(scope, subnet_id)
        for member, target in _BOOLEAN_ATTRIBUTES.items():
            value = boolean_attribute(params, member)
            if value is not None:
                doc[target] = value
        for member, target in _DNS_OPTIONS.items():
            value = boolean_attribute(params, member)
            if value is not None:
                doc["PrivateDnsNameOptionsOnLaunch"][target] = value
        if params.get("PrivateDnsHostnameTypeOnLaunch"):
            doc["PrivateDnsNameOptionsOnLaunch"]["HostnameType"] = params["PrivateDnsHostnameTypeOnLaunch"]
        if params.get("CustomerOwnedIpv4Pool"):
            doc["CustomerOwnedIpv4Pool"] = params["CustomerOwnedIpv4Pool"]
        self._put(scope, doc)

    def remove(self, scope: Scope, subnet_id: str) -> None:
        for pk, _ in list(self.store.scan(ALLOCATIONS, {"subnet_id": subnet_id})):
            self.store.delete(ALLOCATIONS, pk)
        self.records.delete(subnet_id)
        self.tags.drop(subnet_id)

    # -- addresses ----------------------------------------------------------------------------
    def allocated(self, scope: Scope, subnet_id: str) -> set[str]:
        rows = self.store.find(
            ALLOCATIONS, {"account": scope.account, "region": scope.region, "subnet_id": subnet_id}
        )
        return {row["Ip"] for row in rows}

    def _record(self, scope: Scope, subnet_id: str, ip: str, owner: str) -> None:
        self.store.put(
            ALLOCATIONS,
            f"{subnet_id}|{ip}",
            {"SubnetId": subnet_id, "Ip": ip, "Owner": owner},
            account=scope.account,
            region=scope.region,
            subnet_id=subnet_id,
            owner=owner,
        )

    def allocate_ip(self, scope: Scope, subnet_id: str, owner: str = "") -> str:
        """A free address of the subnet, recorded as in use until released."""
        with self.store.transaction():
            doc = self.require(scope, subnet_id)
            taken = self.allocated(scope, subnet_id)
            for ip in assignable(doc["CidrBlock"], doc.get("_lastIp")):
                if ip not in taken:
                    self._record(scope, subnet_id, ip, owner)
                    doc["_lastIp"] = ip
                    self._put(scope, doc)
                    return ip
        raise error(
            "InsufficientFreeAddressesInSubnet",
            f"There are not enough free addresses in subnet '{subnet_id}' to satisfy the requested "
            "number of instances.",
        )

    def claim_ip(self, scope: Scope, subnet_id: str, ip: str, owner: str) -> None:
        """Marks a given address as used by `owner` (an address already allocated is taken over)."""
        doc = self.require(scope, subnet_id)
        if not is_assignable(doc["CidrBlock"], ip):
            raise invalid_value(f"Address {ip} does not fall within the subnet's address range")
        self._record(scope, subnet_id, ip, owner)

    def release_ip(self, scope: Scope, subnet_id: str, ip: str) -> None:
        """Frees an address; releasing one that is not allocated is a no-op."""
        self.require(scope, subnet_id)
        self.store.delete(ALLOCATIONS, f"{subnet_id}|{ip}")

    def release_owner(self, scope: Scope, owner: str) -> None:
        """Frees every address held by `owner` (an ENI id)."""
        if not owner:
            return
        rows = self.store.scan(
            ALLOCATIONS, {"account": scope.account, "region": scope.region, "owner": owner}
        )
        for pk, _ in list(rows):
            self.store.delete(ALLOCATIONS, pk)


def pick_zone(region: str, params: dict[str, Any]) -> Zone:
    return zone_named(region, params.get("AvailabilityZone"), params.get("AvailabilityZoneId"))
