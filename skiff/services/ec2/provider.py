"""The EC2 API (the VPC subset skiff needs): thin handlers over `Ec2Backend`.

Every call first makes sure the region's default network exists, and answers `DryRun` the way
EC2 does (412 `DryRunOperation`) without changing anything.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from skiff.api.context import RequestContext
from skiff.api.provider import Provider
from skiff.services.ec2.backend import Ec2Backend
from skiff.services.ec2.exceptions import dry_run, error
from skiff.services.ec2.prefix_lists import describe_prefix_lists
from skiff.services.ec2.records import page
from skiff.services.ec2.rules import permissions_from_params
from skiff.services.ec2.subnets import pick_zone
from skiff.services.ec2.tags import specified_tags
from skiff.services.ec2.zones import describe_zones
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

Params = dict[str, Any]


def _paged(params: Params, items: list[Document], member: str, key: Callable[[Document], Any]) -> Params:
    found, token = page(items, key, params.get("MaxResults"), params.get("NextToken"))
    return {member: found, "NextToken": token}


def _tags(params: Params, resource_type: str) -> list[dict[str, str]]:
    return specified_tags(params.get("TagSpecifications"), resource_type)


class Ec2Provider(Provider):
    service = "ec2"

    def __init__(self, store: Store) -> None:
        self.backend = Ec2Backend(store)

    # -- for other services (never EC2 operation names) ---------------------------------------
    def find_subnet(self, scope: Scope, subnet_id: str) -> Document | None:
        """The subnet as DescribeSubnets shows it, or None (ECS RunTask checks its subnets)."""
        return self.backend.find_subnet(scope, subnet_id)

    def ensure_default_vpc(self, scope: Scope) -> Document | None:
        return self.backend.ensure_default_vpc(scope)

    def _scope(self, ctx: RequestContext, params: Params) -> Scope:
        if params.get("DryRun"):
            raise dry_run()
        scope = Scope.of(ctx)
        self.backend.ensure_default_network(scope)
        return scope

    # -- region and account -------------------------------------------------------------------
    def describe_availability_zones(self, ctx: RequestContext, params: Params) -> Params:
        scope = self._scope(ctx, params)
        found = describe_zones(
            scope.region, params.get("ZoneNames"), params.get("ZoneIds"), params.get("Filters")
        )
        return {"AvailabilityZones": found}

    def describe_account_attributes(self, ctx: RequestContext, params: Params) -> Params:
        scope = self._scope(ctx, params)
        return {
            "AccountAttributes": self.backend.vpcs.account_attributes(scope, params.get("AttributeNames"))
        }

    # -- VPCs ---------------------------------------------------------------------------------
    def create_vpc(self, ctx: RequestContext, params: Params) -> Params:
        scope = self._scope(ctx, params)
        vpc = self.backend.create_vpc(
            scope, params.get("CidrBlock"), _tags(params, "vpc"), params.get("InstanceTenancy")
        )
        return {"Vpc": vpc}

    def describe_vpcs(self, ctx: RequestContext, params: Params) -> Params:
        scope = self._scope(ctx, params)
        found = self.backend.vpcs.describe(scope, params.get("VpcIds"), params.get("Filters"))
        return _paged(params, found, "Vpcs", lambda d: d["VpcId"])

    def delete_vpc(self, ctx: RequestContext, params: Params) -> Params:
        self.backend.delete_vpc(self._scope(ctx, params), params["VpcId"])
        return {}

    def modify_vpc_attribute(self, ctx: RequestContext, params: Params) -> Params:
        self.backend.vpcs.modify_attribute(self._scope(ctx, params), params["VpcId"], params)
        return {}

    def describe_vpc_attribute(self, ctx: RequestContext, params: Params) -> Params:
        return self.backend.vpcs.attribute(self._scope(ctx, params), params["VpcId"], params["Attribute"])

    # -- subnets ------------------------------------------------------------------------------
    def create_subnet(self, ctx: RequestContext, params: Params) -> Params:
        scope = self._scope(ctx, params)
        vpc = self.backend.vpcs.require(scope, params["VpcId"])
        zone = pick_zone(scope.region, params)
        subnet = self.backend.subnets.create(
            scope, vpc, params.get("CidrBlock"), zone, _tags(params, "subnet")
        )
        return {"Subnet": self.backend.subnets.view(scope, subnet)}

    def describe_subnets(self, ctx: RequestContext, params: Params) -> Params:
        scope = self._scope(ctx, params)
        found = self.backend.subnets.describe(scope, params.get("SubnetIds"), params.get("Filters"))
        return _paged(params, found, "Subnets", lambda d: (d["AvailabilityZone"], d["SubnetId"]))

    def delete_subnet(self, ctx: RequestContext, params: Params) -> Params:
        self.backend.delete_subnet(self._scope(ctx, params), params["SubnetId"])
        return {}

    def modify_subnet_attribute(self, ctx: RequestContext, params: Params) -> Params:
        self.backend.subnets.modify_attribute(self._scope(ctx, params), params["SubnetId"], params)
        return {}

    # -- security groups ----------------------------------------------------------------------
    def create_security_group(self, ctx: RequestContext, params: Params) -> Params:
        scope = self._scope(ctx, params)
        vpcs = self.backend.vpcs
        vpc = vpcs.require(scope, params["VpcId"]) if params.get("VpcId") else vpcs.default_vpc(scope)
        if vpc is None:
            raise error("VPCIdNotSpecified", "No default VPC for this user")
        tags = _tags(params, "security-group")
        group = self.backend.groups.create(scope, vpc, params["GroupName"], params["Description"], tags)
        out: Params = {"GroupId": group["GroupId"], "SecurityGroupArn": group["SecurityGroupArn"]}
        if tags:
            out["Tags"] = tags
        return out

    def describe_security_groups(self, ctx: RequestContext, params: Params) -> Params:
        scope = self._scope(ctx, params)
        found = self.backend.groups.describe(
            scope, params.get("GroupIds"), params.get("GroupNames"), params.get("Filters")
        )
        return _paged(params, found, "SecurityGroups", lambda d: d["GroupId"])

    def delete_security_group(self, ctx: RequestContext, params: Params) -> Params:
        scope = self._scope(ctx, params)
        group_id = self.backend.delete_security_group(scope, params.get("GroupId"), params.get("GroupName"))
        return {"Return": True, "GroupId": group_id}

    def _authorize(self, ctx: RequestContext, params: Params, egress: bool) -> Params:
        scope = self._scope(ctx, params)
        groups = self.backend.groups
        group = groups.resolve(scope, params.get("GroupId"), params.get("GroupName"))
        tags = _tags(params, "security-group-rule")
        rules = groups.authorize(scope, group, egress, permissions_from_params(params), tags)
        return {"Return": True, "SecurityGroupRules": rules}

    def authorize_security_group_ingress(self, ctx: RequestContext, params: Params) -> Params:
        return self._authorize(ctx, params, False)

    def authorize_security_group_egress(self, ctx: RequestContext, params: Params) -> Params:
        return self._authorize(ctx, params, True)

    def _revoke(self, ctx: RequestContext, params: Params, egress: bool) -> Params:
        scope = self._scope(ctx, params)
        groups = self.backend.groups
        group = groups.resolve(scope, params.get("GroupId"), params.get("GroupName"))
        rule_ids = params.get("SecurityGroupRuleIds")
        permissions = permissions_from_params(params) if not rule_ids or params.get("IpPermissions") else []
        revoked, unknown = groups.revoke(scope, group, egress, permissions, rule_ids)
        out: Params = {"Return": True, "RevokedSecurityGroupRules": revoked}
        if unknown:
            out["UnknownIpPermissions"] = unknown
        return out

    def revoke_security_group_ingress(self, ctx: RequestContext, params: Params) -> Params:
        return self._revoke(ctx, params, False)

    def revoke_security_group_egress(self, ctx: RequestContext, params: Params) -> Params:
        return self._revoke(ctx, params, True)

    def describe_security_group_rules(self, ctx: RequestContext, params: Params) -> Params:
        scope = self._scope(ctx, params)
        found = self.backend.groups.describe_rules(
            scope, params.get("SecurityGroupRuleIds"), params.get("Filters")
        )
        return _paged(params, found, "SecurityGroupRules", lambda d: d["SecurityGroupRuleId"])

    # -- tags ---------------------------------------------------------------------------------
    def create_tags(self, ctx: RequestContext, params: Params) -> Params:
        self.backend.create_tags(self._scope(ctx, params), params["Resources"], params["Tags"])
        return {}

    def delete_tags(self, ctx: RequestContext, params: Params) -> Params:
        self.backend.delete_tags(self._scope(ctx, params), params["Resources"], params.get("Tags"))
        return {}

    def describe_tags(self, ctx: RequestContext, params: Params) -> Params:
        found = self.backend.tags.describe(self._scope(ctx, params), params.get("Filters"))
        return _paged(params, found, "Tags", lambda d: (d["ResourceId"], d["Key"]))

    # -- internet gateways --------------------------------------------------------------------
    def create_internet_gateway(self, ctx: RequestContext, params: Params) -> Params:
        scope = self._scope(ctx, params)
        return {"InternetGateway": self.backend.gateways.create(scope, _tags(params, "internet-gateway"))}

    def attach_internet_gateway(self, ctx: RequestContext, params: Params) -> Params:
        scope = self._scope(ctx, params)
        self.backend.gateways.require(scope, params["InternetGatewayId"])
        self.backend.vpcs.require(scope, params["VpcId"])
        self.backend.gateways.attach(scope, params["InternetGatewayId"], params["VpcId"])
        return {}

    def detach_internet_gateway(self, ctx: RequestContext, params: Params) -> Params:
        scope = self._scope(ctx, params)
        self.backend.gateways.require(scope, params["InternetGatewayId"])
        self.backend.vpcs.require(scope, params["VpcId"])
        self.backend.gateways.detach(scope, params["InternetGatewayId"], params["VpcId"])
        return {}

    def delete_internet_gateway(self, ctx: RequestContext, params: Params) -> Params:
        self.backend.gateways.delete(self._scope(ctx, params), params["InternetGatewayId"])
        return {}

    def describe_internet_gateways(self, ctx: RequestContext, params: Params) -> Params:
        scope = self._scope(ctx, params)
        found = self.backend.gateways.describe(scope, params.get("InternetGatewayIds"), params.get("Filters"))
        return _paged(params, found, "InternetGateways", lambda d: d["InternetGatewayId"])

    # -- route tables -------------------------------------------------------------------------
    def create_route_table(self, ctx: RequestContext, params: Params) -> Params:
        scope = self._scope(ctx, params)
        tables = self.backend.route_tables
        vpc = self.backend.vpcs.require(scope, params["VpcId"])
        table = tables.create(scope, vpc, _tags(params, "route-table"))
        return {"RouteTable": tables.view(scope, table), "ClientToken": params.get("ClientToken")}

    def create_route(self, ctx: RequestContext, params: Params) -> Params:
        self.backend.route_tables.create_route(self._scope(ctx, params), params["RouteTableId"], params)
        return {"Return": True}

    def delete_route(self, ctx: RequestContext, params: Params) -> Params:
        self.backend.route_tables.delete_route(self._scope(ctx, params), params["RouteTableId"], params)
        return {}

    def associate_route_table(self, ctx: RequestContext, params: Params) -> Params:
        scope = self._scope(ctx, params)
        table = self.backend.route_tables.require(scope, params["RouteTableId"])
        subnet = self.backend.subnets.require(scope, params["SubnetId"]) if params.get("SubnetId") else None
        association = self.backend.route_tables.associate(
            scope, table["RouteTableId"], subnet, params.get("GatewayId")
        )
        return {
            "AssociationId": association["RouteTableAssociationId"],
            "AssociationState": association["AssociationState"],
        }

    def disassociate_route_table(self, ctx: RequestContext, params: Params) -> Params:
        self.backend.route_tables.disassociate(self._scope(ctx, params), params["AssociationId"])
        return {}

    def describe_route_tables(self, ctx: RequestContext, params: Params) -> Params:
        scope = self._scope(ctx, params)
        found = self.backend.route_tables.describe(scope, params.get("RouteTableIds"), params.get("Filters"))
        return _paged(params, found, "RouteTables", lambda d: d["RouteTableId"])

    def delete_route_table(self, ctx: RequestContext, params: Params) -> Params:
        self.backend.route_tables.delete(self._scope(ctx, params), params["RouteTableId"])
        return {}

    # -- network interfaces, endpoints, prefix lists ------------------------------------------
    def describe_network_interfaces(self, ctx: RequestContext, params: Params) -> Params:
        scope = self._scope(ctx, params)
        found = self.backend.interfaces.describe(
            scope, params.get("NetworkInterfaceIds"), params.get("Filters")
        )
        return _paged(params, found, "NetworkInterfaces", lambda d: d["NetworkInterfaceId"])

    def create_vpc_endpoint(self, ctx: RequestContext, params: Params) -> Params:
        scope = self._scope(ctx, params)
        endpoint = self.backend.endpoints.create(scope, params, _tags(params, "vpc-endpoint"))
        return {"VpcEndpoint": endpoint, "ClientToken": params.get("ClientToken")}

    def describe_vpc_endpoints(self, ctx: RequestContext, params: Params) -> Params:
        scope = self._scope(ctx, params)
        found = self.backend.endpoints.describe(scope, params.get("VpcEndpointIds"), params.get("Filters"))
        return _paged(params, found, "VpcEndpoints", lambda d: d["VpcEndpointId"])

    def delete_vpc_endpoints(self, ctx: RequestContext, params: Params) -> Params:
        failures = self.backend.endpoints.delete(self._scope(ctx, params), params["VpcEndpointIds"])
        return {"Unsuccessful": failures}

    def describe_prefix_lists(self, ctx: RequestContext, params: Params) -> Params:
        scope = self._scope(ctx, params)
        found = describe_prefix_lists(scope.region, params.get("PrefixListIds"), params.get("Filters"))
        return _paged(params, found, "PrefixLists", lambda d: d["PrefixListId"])
