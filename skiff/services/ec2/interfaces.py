"""Network interfaces (ENIs): recorded by skiff itself, never created through the API.

The ECS task runtime calls `record` when it gives a task an awsvpc interface and `delete`
when the task is gone; interface VPC endpoints record theirs the same way. An interface owns
its primary private address: `record` allocates one in the subnet (or takes over the one it
is given) and `delete` releases it. DescribeNetworkInterfaces reads them back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from skiff.services.ec2.exceptions import invalid_value
from skiff.services.ec2.filters import FilterSpec, field, select
from skiff.services.ec2.ids import mac_address, new_id, private_dns_name
from skiff.services.ec2.records import Records, public
from skiff.services.ec2.security_groups import SecurityGroupBackend
from skiff.services.ec2.subnets import SubnetBackend
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

INTERFACES = "ec2_network_interfaces"

INTERFACE_FILTERS: FilterSpec = {
    "network-interface-id": field("NetworkInterfaceId"),
    "subnet-id": field("SubnetId"),
    "vpc-id": field("VpcId"),
    "availability-zone": field("AvailabilityZone"),
    "description": field("Description"),
    "group-id": field("Groups", "GroupId"),
    "group-name": field("Groups", "GroupName"),
    "mac-address": field("MacAddress"),
    "owner-id": field("OwnerId"),
    "private-ip-address": field("PrivateIpAddress"),
    "addresses.private-ip-address": field("PrivateIpAddresses", "PrivateIpAddress"),
    "addresses.primary": field("PrivateIpAddresses", "Primary"),
    "addresses.association.public-ip": field("PrivateIpAddresses", "Association", "PublicIp"),
    "association.public-ip": field("Association", "PublicIp"),
    "private-dns-name": field("PrivateDnsName"),
    "requester-id": field("RequesterId"),
    "requester-managed": field("RequesterManaged"),
    "source-dest-check": field("SourceDestCheck"),
    "status": field("Status"),
    "interface-type": field("InterfaceType"),
    "attachment.status": field("Attachment", "Status"),
    "attachment.instance-id": field("Attachment", "InstanceId"),
    "attachment.attachment-id": field("Attachment", "AttachmentId"),
}


class NetworkInterfaceBackend:
    def __init__(self, store: Store, subnets: SubnetBackend, groups: SecurityGroupBackend) -> None:
        self.store = store
        self.subnets = subnets
        self.groups = groups
        self.tags = subnets.tags
        self.records = Records(store, INTERFACES, "network-interface")
        self.changed: Callable[[], None] = lambda: None  # Ec2Backend's: enforcement wakes up

    def _groups(self, scope: Scope, vpc_id: str, given: list[Any] | None) -> list[Document]:
        ids = [g if isinstance(g, str) else g.get("GroupId") for g in given or []]
        docs = [self.groups.require(scope, str(i)) for i in ids if i]
        if not docs:
            default = self.groups.default_group(scope, vpc_id)
            docs = [default] if default else []
        for doc in docs:
            if doc["VpcId"] != vpc_id:
                raise invalid_value(
                    f"Security group {doc['GroupId']} and subnet belong to different networks."
                )
        return [{"GroupId": d["GroupId"], "GroupName": d["GroupName"]} for d in docs]

    def record(self, scope: Scope, eni: dict[str, Any]) -> Document:
        """Stores (or replaces, by `NetworkInterfaceId`) an interface and returns its view.

        `eni` uses the members of EC2's `NetworkInterface`: `SubnetId` is required; optional are
        `NetworkInterfaceId` (made when absent), `PrivateIpAddress` (allocated when absent),
        `Groups` (group ids or `{"GroupId": ...}`; the VPC's default group when absent),
        `Association` (`{"PublicIp": ...}`, also shown on the primary address), `TagSet`, and
        any other member (`Description`, `Status`, `Attachment`, `InterfaceType`, ...) as given.
        """
        subnet = self.subnets.require(scope, str(eni.get("SubnetId", "")))
        eni_id = str(eni.get("NetworkInterfaceId") or new_id("eni"))
        existing = self.records.get(scope, eni_id)
        ip = eni.get("PrivateIpAddress")
        with self.store.transaction():
            if existing is not None and (
                existing["SubnetId"] != subnet["SubnetId"] or ip not in (None, existing["PrivateIpAddress"])
            ):
                self.subnets.release_owner(scope, eni_id)
                existing = None
            if ip:
                self.subnets.claim_ip(scope, subnet["SubnetId"], str(ip), eni_id)
            elif existing is not None:
                ip = existing["PrivateIpAddress"]
            else:
                ip = self.subnets.allocate_ip(scope, subnet["SubnetId"], owner=eni_id)
            dns = private_dns_name(scope.region, str(ip))
            address: Document = {"Primary": True, "PrivateIpAddress": ip, "PrivateDnsName": dns}
            if eni.get("Association"):
                address["Association"] = eni["Association"]
            doc: Document = {
                "RequesterManaged": False,
                "Status": "in-use",
                "InterfaceType": "interface",
                "MacAddress": existing["MacAddress"] if existing else mac_address(),
                "Description": "",
                "SourceDestCheck": True,
                "Ipv6Addresses": [],
                **{k: v for k, v in eni.items() if k not in ("TagSet", "Groups")},
                "NetworkInterfaceId": eni_id,
                "SubnetId": subnet["SubnetId"],
                "VpcId": subnet["VpcId"],
                "AvailabilityZone": subnet["AvailabilityZone"],
                "AvailabilityZoneId": subnet["AvailabilityZoneId"],
                "OwnerId": scope.account,
                "PrivateIpAddress": ip,
                "PrivateDnsName": dns,
                "PrivateIpAddresses": [address],
                "Groups": self._groups(scope, subnet["VpcId"], eni.get("Groups")),
            }
            self.records.put(scope, eni_id, doc, vpc_id=doc["VpcId"], subnet_id=doc["SubnetId"])
            if "TagSet" in eni:
                self.tags.replace(
                    scope, eni_id, [{"Key": t["Key"], "Value": t.get("Value", "")} for t in eni["TagSet"]]
                )
        self.changed()
        return self.view(doc)

    def delete(self, scope: Scope, eni_id: str) -> bool:
        """Forgets the interface and frees its addresses; False when it was not recorded."""
        if self.records.get(scope, eni_id) is None:
            return False
        with self.store.transaction():
            self.subnets.release_owner(scope, eni_id)
            self.records.delete(eni_id)
            self.tags.drop(eni_id)
        self.changed()
        return True

    def view(self, doc: Document) -> Document:
        return self.tags.attach(public(doc), "NetworkInterfaceId", "TagSet", always=True)

    def in_subnet(self, scope: Scope, subnet_id: str) -> list[Document]:
        return self.records.all(scope, subnet_id=subnet_id)

    def using_group(self, scope: Scope, group_id: str) -> list[Document]:
        return [d for d in self.records.all(scope) if any(g["GroupId"] == group_id for g in d["Groups"])]

    def describe(
        self, scope: Scope, ids: list[str] | None, filters: list[dict[str, Any]] | None
    ) -> list[Document]:
        views = [self.view(d) for d in self.records.lookup(scope, ids, "NetworkInterfaceId")]
        return select(views, filters, INTERFACE_FILTERS, tags_key="TagSet")
