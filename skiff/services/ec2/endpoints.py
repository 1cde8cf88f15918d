"""VPC endpoints: Gateway endpoints (S3, DynamoDB) route to the service's prefix list from the
route tables given; Interface endpoints get one network interface per subnet (one subnet per
zone) with the endpoint's security groups, and DNS names under `vpce.amazonaws.com`.

Endpoints are stored and reported; skiff's own services are reachable from tasks anyway, so
nothing is proxied through them.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import Any

from skiff.services.ec2.exceptions import error, not_found
from skiff.services.ec2.filters import FilterSpec, field, select
from skiff.services.ec2.ids import new_id
from skiff.services.ec2.interfaces import NetworkInterfaceBackend
from skiff.services.ec2.prefix_lists import GATEWAY_SERVICES, prefix_list_id
from skiff.services.ec2.records import Records, public
from skiff.services.ec2.route_tables import RouteTableBackend
from skiff.services.ec2.tags import Tag
from skiff.services.ec2.vpcs import VpcBackend
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

ENDPOINTS = "ec2_vpc_endpoints"
INTERFACE_SERVICES = frozenset(
    {
        "ecr.api", "ecr.dkr", "logs", "secretsmanager", "ssm", "ssmmessages", "ec2messages", "ec2",
        "sts", "ecs", "ecs-agent", "ecs-telemetry", "elasticloadbalancing", "monitoring", "events",
        "servicediscovery", "kms", "sqs", "sns", "s3", "dynamodb", "application-autoscaling", "lambda",
        "execute-api", "elasticfilesystem", "xray",
    }
)  # fmt: skip
FULL_ACCESS = json.dumps(
    {
        "Version": "2008-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}],
    }
)
HOSTED_ZONE = "Z7HUB22UULQXV"

ENDPOINT_FILTERS: FilterSpec = {
    "vpc-endpoint-id": field("VpcEndpointId"),
    "vpc-id": field("VpcId"),
    "service-name": field("ServiceName"),
    "vpc-endpoint-state": field("State"),
    "vpc-endpoint-type": field("VpcEndpointType"),
    "ip-address-type": field("IpAddressType"),
}


def _invalid(message: str) -> Exception:
    return error("InvalidParameter", message)


class VpcEndpointBackend:
    def __init__(
        self,
        store: Store,
        vpcs: VpcBackend,
        route_tables: RouteTableBackend,
        interfaces: NetworkInterfaceBackend,
    ) -> None:
        self.store = store
        self.vpcs = vpcs
        self.route_tables = route_tables
        self.interfaces = interfaces
        self.tags = vpcs.tags
        self.records = Records(store, ENDPOINTS, "vpc-endpoint")

    def _service(self, scope: Scope, name: str, kind: str) -> str:
        prefix = f"com.amazonaws.{scope.region}."
        service = name[len(prefix) :] if name.startswith(prefix) else ""
        if service not in INTERFACE_SERVICES:
            raise error("InvalidServiceName", f"The Vpc Endpoint Service '{name}' does not exist")
        if kind == "Gateway" and service not in GATEWAY_SERVICES:
            raise _invalid("Endpoint type (Gateway) does not match available service types ([Interface]).")
        return service

    def create(self, scope: Scope, params: dict[str, Any], tags: list[Tag]) -> Document:
        vpc = self.vpcs.require(scope, params["VpcId"])
        kind = params.get("VpcEndpointType") or "Gateway"
        name = str(params.get("ServiceName") or "")
        service = self._service(scope, name, kind)
        endpoint_id = new_id("vpce")
        doc: Document = {
            "VpcEndpointId": endpoint_id,
            "VpcEndpointType": kind,
            "VpcId": vpc["VpcId"],
            "ServiceName": name,
            "State": "available",
            "PolicyDocument": params.get("PolicyDocument") or FULL_ACCESS,
            "RouteTableIds": [],
            "SubnetIds": [],
            "Groups": [],
            "IpAddressType": params.get("IpAddressType") or "ipv4",
            "PrivateDnsEnabled": False,
            "RequesterManaged": False,
            "NetworkInterfaceIds": [],
            "DnsEntries": [],
            "CreationTimestamp": dt.datetime.now(dt.UTC),
            "OwnerId": scope.account,
        }
        with self.store.transaction():
            if kind == "Gateway":
                self._gateway(scope, doc, service, params.get("RouteTableIds") or [])
            else:
                self._interface(scope, doc, vpc, service, params)
            self.records.put(scope, endpoint_id, doc, vpc_id=vpc["VpcId"])
            self.tags.replace(scope, endpoint_id, tags)
        return self.view(doc)

    def _gateway(self, scope: Scope, doc: Document, service: str, table_ids: list[str]) -> None:
        route = {
            "DestinationPrefixListId": prefix_list_id(scope.region, service),
            "GatewayId": doc["VpcEndpointId"],
            "Origin": "CreateRoute",
            "State": "active",
        }
        for table_id in dict.fromkeys(table_ids):
            table = self.route_tables.require(scope, table_id)
            if table["VpcId"] != doc["VpcId"]:
                raise not_found("route-table", table_id)
            self.route_tables.add_route(scope, table, dict(route))
            doc["RouteTableIds"].append(table_id)

    def _interface(
        self, scope: Scope, doc: Document, vpc: Document, service: str, params: dict[str, Any]
    ) -> None:
        private_dns = params.get("PrivateDnsEnabled", True)
        if private_dns and not self.vpcs.dns_enabled(vpc):
            raise _invalid(
                "Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes "
                f"set to true for {vpc['VpcId']}"
            )
        subnets = [
            self.interfaces.subnets.require(scope, s) for s in dict.fromkeys(params.get("SubnetIds") or [])
        ]
        zones: set[str] = set()
        for subnet in subnets:
            if subnet["VpcId"] != vpc["VpcId"]:
                raise _invalid(f"The subnet {subnet['SubnetId']} does not belong to {vpc['VpcId']}")
            if subnet["AvailabilityZone"] in zones:
                raise error(
                    "DuplicateSubnetsInSameZone",
                    f"Found another VPC endpoint subnet in the availability zone of {subnet['SubnetId']}. "
                    "VPC endpoint subnets should be in different availability zones supported by the VPC "
                    "endpoint service.",
                )
            zones.add(subnet["AvailabilityZone"])
        group_ids = params.get("SecurityGroupIds") or []
        if not group_ids:
            default = self.interfaces.groups.default_group(scope, vpc["VpcId"])
            group_ids = [default["GroupId"]] if default else []
        groups = [self.interfaces.groups.require(scope, g) for g in dict.fromkeys(group_ids)]
        doc["Groups"] = [{"GroupId": g["GroupId"], "GroupName": g["GroupName"]} for g in groups]
        doc["SubnetIds"] = [s["SubnetId"] for s in subnets]
        doc["PrivateDnsEnabled"] = bool(private_dns)
        doc["DnsOptions"] = {"DnsRecordIpType": "ipv4"}
        suffix = f"{service}.{scope.region}.vpce.amazonaws.com"
        doc["DnsEntries"] = [
            {
                "DnsName": f"{doc['VpcEndpointId']}-{secrets.token_hex(4)}.{suffix}",
                "HostedZoneId": HOSTED_ZONE,
            }
        ]
        for subnet in subnets:
            eni = self.interfaces.record(
                scope,
                {
                    "SubnetId": subnet["SubnetId"],
                    "Groups": [g["GroupId"] for g in groups],
                    "InterfaceType": "vpc_endpoint",
                    "RequesterManaged": True,
                    "RequesterId": "727180483921",
                    "Description": f"VPC Endpoint Interface {doc['VpcEndpointId']}",
                },
            )
            doc["NetworkInterfaceIds"].append(eni["NetworkInterfaceId"])
            zone_name = f"{doc['VpcEndpointId']}-{secrets.token_hex(4)}-{subnet['AvailabilityZone']}.{suffix}"
            doc["DnsEntries"].append({"DnsName": zone_name, "HostedZoneId": HOSTED_ZONE})
        if doc["PrivateDnsEnabled"]:
            host = "api.ecr" if service == "ecr.api" else "dkr.ecr" if service == "ecr.dkr" else service
            doc["DnsEntries"].append(
                {"DnsName": f"{host}.{scope.region}.amazonaws.com", "HostedZoneId": HOSTED_ZONE}
            )

    def view(self, doc: Document) -> Document:
        return self.tags.attach(public(doc), "VpcEndpointId")

    def in_vpc(self, scope: Scope, vpc_id: str) -> list[Document]:
        return self.records.all(scope, vpc_id=vpc_id)

    def describe(
        self, scope: Scope, ids: list[str] | None, filters: list[dict[str, Any]] | None
    ) -> list[Document]:
        views = [self.view(d) for d in self.records.lookup(scope, ids, "VpcEndpointId")]
        return select(views, filters, ENDPOINT_FILTERS)

    def delete(self, scope: Scope, ids: list[str]) -> list[Document]:
        """Deletes what exists; the rest come back as Unsuccessful items."""
        failures: list[Document] = []
        for endpoint_id in ids:
            doc = self.records.get(scope, endpoint_id)
            if doc is None:
                message = f"The Vpc Endpoint Id '{endpoint_id}' does not exist"
                failures.append(
                    {
                        "ResourceId": endpoint_id,
                        "Error": {"Code": "InvalidVpcEndpoint.NotFound", "Message": message},
                    }
                )
                continue
            with self.store.transaction():
                for table_id in doc["RouteTableIds"]:
                    self.route_tables.remove_routes_to(scope, table_id, endpoint_id)
                for eni_id in doc["NetworkInterfaceIds"]:
                    self.interfaces.delete(scope, eni_id)
                self.records.delete(endpoint_id)
                self.tags.drop(endpoint_id)
        return failures
