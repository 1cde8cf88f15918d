"""VPCs: create, describe (ids, filters), delete records, attributes, account attributes.

A VPC document holds the `Vpc` output shape plus `_attributes` (enableDnsSupport,
enableDnsHostnames, enableNetworkAddressUsageMetrics) and `_networkAclId`. Each VPC gets a
default network ACL here; its main route table and `default` security group are added by
`Ec2Backend.create_vpc`, which also refuses to delete a VPC that still has dependencies.
Per-region facts (the DHCP options set, whether the default network was made) live in
`ec2_regions`.
"""

from __future__ import annotations

from typing import Any

from skiff.services.ec2.cidrs import check_vpc_cidr
from skiff.services.ec2.exceptions import invalid_combination, invalid_value, missing_parameter
from skiff.services.ec2.filters import FilterSpec, field, select
from skiff.services.ec2.ids import new_id
from skiff.services.ec2.records import Records, boolean_attribute, public
from skiff.services.ec2.tags import Tag, TagBackend
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

VPCS = "ec2_vpcs"
NETWORK_ACLS = "ec2_network_acls"
REGIONS = "ec2_regions"
ATTRIBUTES = ("enableDnsSupport", "enableDnsHostnames", "enableNetworkAddressUsageMetrics")

VPC_FILTERS: FilterSpec = {
    "vpc-id": field("VpcId"),
    "cidr": field("CidrBlock"),
    "cidr-block": field("CidrBlock"),
    "cidrBlock": field("CidrBlock"),
    "cidr-block-association.cidr-block": field("CidrBlockAssociationSet", "CidrBlock"),
    "cidr-block-association.association-id": field("CidrBlockAssociationSet", "AssociationId"),
    "cidr-block-association.state": field("CidrBlockAssociationSet", "CidrBlockState", "State"),
    "dhcp-options-id": field("DhcpOptionsId"),
    "is-default": field("IsDefault"),
    "isDefault": field("IsDefault"),
    "owner-id": field("OwnerId"),
    "state": field("State"),
    "instance-tenancy": field("InstanceTenancy"),
}


def _acl_entries() -> list[Document]:
    entries: list[Document] = []
    for egress in (True, False):
        for number, action in ((100, "allow"), (32767, "deny")):
            entries.append(
                {
                    "CidrBlock": "0.0.0.0/0",
                    "Egress": egress,
                    "Protocol": "-1",
                    "RuleAction": action,
                    "RuleNumber": number,
                }
            )
    return entries


class VpcBackend:
    def __init__(self, store: Store, tags: TagBackend) -> None:
        self.store = store
        self.tags = tags
        self.records = Records(store, VPCS, "vpc")
        self.acls = Records(store, NETWORK_ACLS, "network-acl")

    # -- per-region facts ---------------------------------------------------------------------
    def region_record(self, scope: Scope) -> Document:
        """The region's record, made on first use with the region's DHCP options set."""
        key = f"{scope.account}|{scope.region}"
        doc = self.store.get(REGIONS, key)
        if doc is None:
            doc = {"DhcpOptionsId": new_id("dopt"), "DefaultNetwork": False}
            self.store.put(REGIONS, key, doc, account=scope.account, region=scope.region)
        return doc

    def mark_default_network(self, scope: Scope) -> None:
        doc = self.region_record(scope)
        doc["DefaultNetwork"] = True
        self.store.put(
            REGIONS, f"{scope.account}|{scope.region}", doc, account=scope.account, region=scope.region
        )

    # -- VPCs ---------------------------------------------------------------------------------
    def create(
        self,
        scope: Scope,
        cidr: str | None,
        tags: list[Tag],
        *,
        tenancy: str | None = None,
        default: bool = False,
    ) -> Document:
        if not cidr:
            raise missing_parameter("Either 'cidrBlock' or 'ipv4IpamPoolId' should be provided.")
        network = check_vpc_cidr(cidr)
        vpc_id = new_id("vpc")
        doc: Document = {
            "VpcId": vpc_id,
            "OwnerId": scope.account,
            "InstanceTenancy": tenancy or "default",
            "CidrBlock": str(network),
            "CidrBlockAssociationSet": [
                {
                    "AssociationId": new_id("vpc-cidr-assoc"),
                    "CidrBlock": str(network),
                    "CidrBlockState": {"State": "associated"},
                }
            ],
            "IsDefault": default,
            "State": "available",
            "DhcpOptionsId": self.region_record(scope)["DhcpOptionsId"],
            "BlockPublicAccessStates": {"InternetGatewayBlockMode": "off"},
            "_attributes": {
                "enableDnsSupport": True,
                "enableDnsHostnames": default,
                "enableNetworkAddressUsageMetrics": False,
            },
            "_networkAclId": new_id("acl"),
        }
        acl: Document = {
            "NetworkAclId": doc["_networkAclId"],
            "VpcId": vpc_id,
            "IsDefault": True,
            "Entries": _acl_entries(),
            "Associations": [],
            "OwnerId": scope.account,
        }
        with self.store.transaction():
            self.records.put(scope, vpc_id, doc, is_default=int(default))
            self.acls.put(scope, acl["NetworkAclId"], acl, vpc_id=vpc_id)
            self.tags.replace(scope, vpc_id, tags)
        return doc

    def require(self, scope: Scope, vpc_id: str) -> Document:
        return self.records.require(scope, vpc_id)

    def view(self, doc: Document) -> Document:
        return self.tags.attach(public(doc), "VpcId")

    def describe(
        self, scope: Scope, ids: list[str] | None, filters: list[dict[str, Any]] | None
    ) -> list[Document]:
        views = [self.view(d) for d in self.records.lookup(scope, ids, "VpcId")]
        return select(views, filters, VPC_FILTERS)

    def default_vpc(self, scope: Scope) -> Document | None:
        found = self.records.all(scope, is_default=1)
        return found[0] if found else None

    def remove(self, scope: Scope, vpc_id: str) -> None:
        """Deletes the VPC record, its network ACLs and their tags (dependencies checked before)."""
        for acl in self.acls.all(scope, vpc_id=vpc_id):
            self.acls.delete(acl["NetworkAclId"])
            self.tags.drop(acl["NetworkAclId"])
        self.records.delete(vpc_id)
        self.tags.drop(vpc_id)

    def acl_exists(self, scope: Scope, acl_id: str) -> bool:
        return self.acls.get(scope, acl_id) is not None

    # -- attributes ---------------------------------------------------------------------------
    def modify_attribute(self, scope: Scope, vpc_id: str, params: dict[str, Any]) -> None:
        doc = self.require(scope, vpc_id)
        given = {
            name: value
            for name in ATTRIBUTES
            if (value := boolean_attribute(params, name[0].upper() + name[1:])) is not None
        }
        if not given:
            raise missing_parameter("The request must contain exactly one attribute to modify.")
        if len(given) > 1:
            raise invalid_combination(f"Fields for multiple attribute types specified: {', '.join(given)}")
        doc["_attributes"].update(given)
        self.records.put(scope, vpc_id, doc, is_default=int(doc["IsDefault"]))

    def attribute(self, scope: Scope, vpc_id: str, name: str) -> Document:
        doc = self.require(scope, vpc_id)
        if name not in ATTRIBUTES:
            raise invalid_value(f"Value ({name}) for parameter attribute is invalid. Unknown attribute.")
        return {"VpcId": vpc_id, name[0].upper() + name[1:]: {"Value": bool(doc["_attributes"][name])}}

    def dns_enabled(self, doc: Document) -> bool:
        attributes = doc["_attributes"]
        return bool(attributes["enableDnsSupport"] and attributes["enableDnsHostnames"])

    # -- account ------------------------------------------------------------------------------
    def account_attributes(self, scope: Scope, names: list[str] | None) -> list[Document]:
        default = self.default_vpc(scope)
        values = {
            "supported-platforms": ["VPC"],
            "default-vpc": [default["VpcId"] if default else "none"],
            "max-instances": ["20"],
            "vpc-max-security-groups-per-interface": ["5"],
            "max-elastic-ips": ["5"],
            "vpc-max-elastic-ips": ["5"],
        }
        wanted = names or list(values)
        return [
            {"AttributeName": name, "AttributeValues": [{"AttributeValue": v} for v in values[name]]}
            for name in wanted
            if name in values
        ]
