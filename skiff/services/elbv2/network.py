"""What ELBv2 needs of EC2: subnets with their zones and VPCs, security groups, VPC CIDRs."""

from __future__ import annotations

import ipaddress

from skiff.services.ec2.backend import Ec2Backend
from skiff.state.scope import Scope
from skiff.store.base import Document


class Network:
    def __init__(self, ec2: Ec2Backend) -> None:
        self.ec2 = ec2

    def subnet(self, scope: Scope, subnet_id: str) -> Document | None:
        return self.ec2.find_subnet(scope, subnet_id)

    def vpc(self, scope: Scope, vpc_id: str) -> Document | None:
        self.ec2.ensure_default_network(scope)
        return self.ec2.vpcs.records.get(scope, vpc_id)

    def default_vpc_id(self, scope: Scope) -> str | None:
        vpc = self.ec2.ensure_default_vpc(scope)
        return str(vpc["VpcId"]) if vpc else None

    def security_group(self, scope: Scope, group_id: str) -> Document | None:
        self.ec2.ensure_default_network(scope)
        return self.ec2.groups.records.get(scope, group_id)

    def default_security_group(self, scope: Scope, vpc_id: str) -> str | None:
        group = self.ec2.groups.default_group(scope, vpc_id)
        return str(group["GroupId"]) if group else None

    def subnets_of(self, scope: Scope, vpc_id: str) -> list[Document]:
        return self.ec2.subnets.in_vpc(scope, vpc_id)

    def zone_of_address(self, scope: Scope, vpc_id: str, address: str) -> str | None:
        """The zone of the VPC subnet holding `address`; None when no subnet of the VPC does."""
        ip = ipaddress.ip_address(address)
        for subnet in self.subnets_of(scope, vpc_id):
            if ip in ipaddress.ip_network(subnet["CidrBlock"], strict=False):
                return str(subnet["AvailabilityZone"])
        return None
