"""Whether a task's network reaches ECR's registry: the "no path, no pull" rule of Fargate.

A task pulls from ECR when its subnet's route table (its explicit association, else the VPC's
main table) sends 0.0.0.0/0 to an attached internet gateway or a NAT gateway, or when its VPC has
an `com.amazonaws.<region>.ecr.dkr` interface endpoint with private DNS and an S3 gateway
endpoint on that route table (image layers come from S3). The default VPC's subnets route to
its internet gateway, so tasks there always pull.
"""

from __future__ import annotations

from skiff.services.ec2.backend import Ec2Backend
from skiff.state.scope import Scope
from skiff.state.tasks import INTERNAL
from skiff.store.base import Document


def route_table_of(backend: Ec2Backend, scope: Scope, vpc_id: str, subnet_id: str) -> Document | None:
    tables = backend.route_tables.in_vpc(scope, vpc_id)
    for table in tables:
        if any(a.get("SubnetId") == subnet_id for a in table["Associations"]):
            return table
    return backend.route_tables.main_table(scope, vpc_id)


def has_internet_route(backend: Ec2Backend, scope: Scope, table: Document) -> bool:
    for route in table["Routes"]:
        if route.get("DestinationCidrBlock") != "0.0.0.0/0":
            continue
        gateway = str(route.get("GatewayId", ""))
        if gateway.startswith("igw-") and backend.gateways.is_attached(scope, gateway, table["VpcId"]):
            return True
        if route.get("NatGatewayId"):
            return True
    return False


def has_registry_endpoints(backend: Ec2Backend, scope: Scope, vpc_id: str, table_id: str) -> bool:
    endpoints = [e for e in backend.endpoints.in_vpc(scope, vpc_id) if e.get("State") == "available"]
    registry = any(
        e["ServiceName"] == f"com.amazonaws.{scope.region}.ecr.dkr"
        and e["VpcEndpointType"] == "Interface"
        and e.get("PrivateDnsEnabled")
        for e in endpoints
    )
    layers = any(
        e["ServiceName"] == f"com.amazonaws.{scope.region}.s3"
        and e["VpcEndpointType"] == "Gateway"
        and table_id in e.get("RouteTableIds", [])
        for e in endpoints
    )
    return registry and layers


class RegistryReachability:
    def __init__(self, backend: Ec2Backend) -> None:
        self.backend = backend

    def __call__(self, task: Document) -> bool:
        internal = task[INTERNAL]
        subnet = (internal.get("network") or {}).get("subnet")
        if not subnet:
            return True  # no EC2 record of the subnet: nothing says the path is closed
        scope = Scope(internal["account"], internal["region"])
        table = route_table_of(self.backend, scope, subnet["VpcId"], subnet["SubnetId"])
        if table is None:
            return False
        if has_internet_route(self.backend, scope, table):
            return True
        return has_registry_endpoints(self.backend, scope, subnet["VpcId"], table["RouteTableId"])
