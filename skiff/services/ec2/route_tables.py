"""Route tables: each VPC's main table, custom tables, routes and subnet associations.

Routes are stored as EC2 shows them (`DestinationCidrBlock`, `GatewayId`, `Origin`, `State`);
a route to an internet gateway that is no longer attached to the VPC shows as `blackhole`.
Routes are kept, not enforced: skiff's task networking reads them when it needs to.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from skiff.services.ec2.exceptions import (
    dependency_violation,
    error,
    invalid_parameter_value,
    invalid_value,
    missing_parameter,
    not_found,
)
from skiff.services.ec2.filters import FilterSpec, field, select
from skiff.services.ec2.gateways import InternetGatewayBackend
from skiff.services.ec2.ids import new_id
from skiff.services.ec2.records import Records, public
from skiff.services.ec2.tags import Tag, TagBackend
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

ROUTE_TABLES = "ec2_route_tables"
DESTINATIONS = ("DestinationCidrBlock", "DestinationIpv6CidrBlock", "DestinationPrefixListId")
# CreateRoute member -> the Route member that shows the target
TARGETS = {
    "GatewayId": "GatewayId",
    "VpcEndpointId": "GatewayId",
    "NatGatewayId": "NatGatewayId",
    "NetworkInterfaceId": "NetworkInterfaceId",
    "VpcPeeringConnectionId": "VpcPeeringConnectionId",
    "TransitGatewayId": "TransitGatewayId",
    "InstanceId": "InstanceId",
    "EgressOnlyInternetGatewayId": "EgressOnlyInternetGatewayId",
    "LocalGatewayId": "LocalGatewayId",
    "CarrierGatewayId": "CarrierGatewayId",
    "CoreNetworkArn": "CoreNetworkArn",
}

ROUTE_TABLE_FILTERS: FilterSpec = {
    "route-table-id": field("RouteTableId"),
    "vpc-id": field("VpcId"),
    "owner-id": field("OwnerId"),
    "association.main": field("Associations", "Main"),
    "association.route-table-association-id": field("Associations", "RouteTableAssociationId"),
    "association.route-table-id": field("Associations", "RouteTableId"),
    "association.subnet-id": field("Associations", "SubnetId"),
    "association.gateway-id": field("Associations", "GatewayId"),
    "route.destination-cidr-block": field("Routes", "DestinationCidrBlock"),
    "route.destination-ipv6-cidr-block": field("Routes", "DestinationIpv6CidrBlock"),
    "route.destination-prefix-list-id": field("Routes", "DestinationPrefixListId"),
    "route.gateway-id": field("Routes", "GatewayId"),
    "route.nat-gateway-id": field("Routes", "NatGatewayId"),
    "route.network-interface-id": field("Routes", "NetworkInterfaceId"),
    "route.vpc-peering-connection-id": field("Routes", "VpcPeeringConnectionId"),
    "route.transit-gateway-id": field("Routes", "TransitGatewayId"),
    "route.origin": field("Routes", "Origin"),
    "route.state": field("Routes", "State"),
}


def _destination(route: Document) -> str:
    return str(next((route[k] for k in DESTINATIONS if k in route), ""))


class RouteTableBackend:
    def __init__(self, store: Store, tags: TagBackend, gateways: InternetGatewayBackend) -> None:
        self.store = store
        self.tags = tags
        self.gateways = gateways
        self.records = Records(store, ROUTE_TABLES, "route-table")

    def _put(self, scope: Scope, doc: Document) -> None:
        self.records.put(scope, doc["RouteTableId"], doc, vpc_id=doc["VpcId"])

    def create(self, scope: Scope, vpc: Document, tags: list[Tag], *, main: bool = False) -> Document:
        table_id = new_id("rtb")
        local = {"DestinationCidrBlock": vpc["CidrBlock"], "GatewayId": "local"}
        doc: Document = {
            "RouteTableId": table_id,
            "VpcId": vpc["VpcId"],
            "OwnerId": scope.account,
            "Routes": [{**local, "Origin": "CreateRouteTable", "State": "active"}],
            "Associations": [],
            "PropagatingVgws": [],
        }
        if main:
            doc["Associations"].append(self._association(table_id, Main=True))
        with self.store.transaction():
            self._put(scope, doc)
            self.tags.replace(scope, table_id, tags)
        return doc

    @staticmethod
    def _association(table_id: str, **target: Any) -> Document:
        return {
            "Main": False,
            "RouteTableAssociationId": new_id("rtbassoc"),
            "RouteTableId": table_id,
            **target,
            "AssociationState": {"State": "associated"},
        }

    def require(self, scope: Scope, table_id: str) -> Document:
        return self.records.require(scope, table_id)

    def in_vpc(self, scope: Scope, vpc_id: str) -> list[Document]:
        return self.records.all(scope, vpc_id=vpc_id)

    def main_table(self, scope: Scope, vpc_id: str) -> Document | None:
        for doc in self.in_vpc(scope, vpc_id):
            if any(a["Main"] for a in doc["Associations"]):
                return doc
        return None

    def view(self, scope: Scope, doc: Document) -> Document:
        out = public(doc)
        for route in out["Routes"]:
            target = str(route.get("GatewayId", ""))
            if target.startswith("igw-") and not self.gateways.is_attached(scope, target, doc["VpcId"]):
                route["State"] = "blackhole"
        return self.tags.attach(out, "RouteTableId")

    def describe(
        self, scope: Scope, ids: list[str] | None, filters: list[dict[str, Any]] | None
    ) -> list[Document]:
        views = [self.view(scope, d) for d in self.records.lookup(scope, ids, "RouteTableId")]
        return select(views, filters, ROUTE_TABLE_FILTERS)

    # -- routes -------------------------------------------------------------------------------
    def create_route(self, scope: Scope, table_id: str, params: dict[str, Any]) -> None:
        doc = self.require(scope, table_id)
        route = self._route_destination(params)
        targets = {k: params[k] for k in TARGETS if params.get(k)}
        if len(targets) != 1:
            raise missing_parameter(
                "The request must contain exactly one of gatewayId, natGatewayId, networkInterfaceId, "
                "vpcPeeringConnectionId, transitGatewayId, instanceId, egressOnlyInternetGatewayId, "
                "vpcEndpointId, localGatewayId, carrierGatewayId or coreNetworkArn"
            )
        ((member, target),) = targets.items()
        if member == "GatewayId" and str(target).startswith("igw-"):
            if self.gateways.records.get(scope, target) is None:
                raise error("InvalidGatewayID.NotFound", f"The gateway ID '{target}' does not exist")
            if not self.gateways.is_attached(scope, target, doc["VpcId"]):
                raise invalid_value(
                    f"route table {table_id} and network gateway {target} belong to different networks"
                )
        route[TARGETS[member]] = target
        self.add_route(scope, doc, {**route, "Origin": "CreateRoute", "State": "active"})

    @staticmethod
    def _route_destination(params: dict[str, Any]) -> Document:
        given = {k: params[k] for k in DESTINATIONS if params.get(k)}
        if len(given) != 1:
            raise missing_parameter(
                "The request must contain the parameter destinationCidrBlock or destinationIpv6CidrBlock "
                "or destinationPrefixListId"
            )
        for key in ("DestinationCidrBlock", "DestinationIpv6CidrBlock"):
            if key in given:
                try:
                    given[key] = str(ipaddress.ip_network(given[key], strict=True))
                except ValueError as exc:
                    name = key[0].lower() + key[1:]
                    raise invalid_parameter_value(
                        given[key], name, "This is not a valid CIDR block."
                    ) from exc
        return given

    def add_route(self, scope: Scope, doc: Document, route: Document) -> None:
        destination = _destination(route)
        if any(_destination(r) == destination for r in doc["Routes"]):
            raise error("RouteAlreadyExists", f"The route identified by {destination} already exists.")
        doc["Routes"].append(route)
        self._put(scope, doc)

    def delete_route(self, scope: Scope, table_id: str, params: dict[str, Any]) -> None:
        doc = self.require(scope, table_id)
        destination = _destination(self._route_destination(params))
        for route in doc["Routes"]:
            if _destination(route) == destination:
                if route.get("GatewayId") == "local":
                    raise invalid_value(f"cannot remove local route {destination} in route table {table_id}")
                doc["Routes"].remove(route)
                self._put(scope, doc)
                return
        raise error(
            "InvalidRoute.NotFound", f"no route with destination {destination} in route table {table_id}"
        )

    def remove_routes_to(self, scope: Scope, table_id: str, target: str) -> None:
        """Drops the routes whose target is `target` (a gateway endpoint being deleted)."""
        doc = self.records.get(scope, table_id)
        if doc is not None:
            doc["Routes"] = [r for r in doc["Routes"] if r.get("GatewayId") != target]
            self._put(scope, doc)

    # -- associations -------------------------------------------------------------------------
    def associate(
        self, scope: Scope, table_id: str, subnet: Document | None, gateway_id: str | None
    ) -> Document:
        doc = self.require(scope, table_id)
        if subnet is None and not gateway_id:
            raise missing_parameter("The request must contain the parameter subnetId or gatewayId")
        if subnet is not None:
            if subnet["VpcId"] != doc["VpcId"]:
                raise invalid_value(
                    f"Route table {table_id} and subnet {subnet['SubnetId']} belong to different networks"
                )
            for other in self.in_vpc(scope, doc["VpcId"]):
                if any(a.get("SubnetId") == subnet["SubnetId"] for a in other["Associations"]):
                    raise error(
                        "Resource.AlreadyAssociated",
                        f"the specified association for route table {other['RouteTableId']} conflicts with "
                        "an existing association",
                    )
            association = self._association(table_id, SubnetId=subnet["SubnetId"])
        else:
            association = self._association(table_id, GatewayId=gateway_id)
        doc["Associations"].append(association)
        self._put(scope, doc)
        return association

    def disassociate(self, scope: Scope, association_id: str) -> None:
        for doc in self.records.all(scope):
            for association in doc["Associations"]:
                if association["RouteTableAssociationId"] == association_id:
                    if association["Main"]:
                        raise invalid_value(
                            f"cannot disassociate the main route table association {association_id}"
                        )
                    doc["Associations"].remove(association)
                    self._put(scope, doc)
                    return
        raise not_found("route-table-association", association_id)

    def forget_subnet(self, scope: Scope, vpc_id: str, subnet_id: str) -> None:
        for doc in self.in_vpc(scope, vpc_id):
            kept = [a for a in doc["Associations"] if a.get("SubnetId") != subnet_id]
            if len(kept) != len(doc["Associations"]):
                doc["Associations"] = kept
                self._put(scope, doc)

    def delete(self, scope: Scope, table_id: str) -> None:
        doc = self.require(scope, table_id)
        if doc["Associations"]:
            raise dependency_violation("routeTable", table_id)
        self.purge(table_id)

    def purge(self, table_id: str) -> None:
        self.records.delete(table_id)
        self.tags.drop(table_id)
