"""No path, no pull: which subnets reach ECR's registry."""

from __future__ import annotations

from typing import Any

from skiff.services.ec2.backend import Ec2Backend
from skiff.services.ec2.reachability import RegistryReachability
from skiff.services.ec2.zones import zone_named
from skiff.state.scope import Scope


def task_in(scope: Scope, subnet: dict[str, Any] | None) -> dict[str, Any]:
    network = {"subnet": subnet} if subnet else {}
    return {"_skiff": {"account": scope.account, "region": scope.region, "network": network}}


def test_default_subnets_reach_it_private_ones_only_through_both_endpoints(
    ec2: Ec2Backend, scope: Scope
) -> None:
    reach = RegistryReachability(ec2)
    ec2.ensure_default_network(scope)
    assert reach(task_in(scope, ec2.subnet(scope, ec2.default_subnet_ids(scope)[0])))
    assert reach(task_in(scope, None))  # no EC2 record of the subnet: nothing says the path is closed
    vpc = ec2.create_vpc(scope, "10.9.0.0/16", [], None)
    for attribute in ("EnableDnsSupport", "EnableDnsHostnames"):
        ec2.vpcs.modify_attribute(scope, vpc["VpcId"], {attribute: {"Value": True}})
    subnet = ec2.subnets.create(scope, vpc, "10.9.1.0/24", zone_named(scope.region), [])
    assert not reach(task_in(scope, subnet))
    table = ec2.route_tables.main_table(scope, vpc["VpcId"])
    assert table is not None
    s3 = {"VpcId": vpc["VpcId"], "VpcEndpointType": "Gateway", "ServiceName": "com.amazonaws.us-east-1.s3",
          "RouteTableIds": [table["RouteTableId"]]}  # fmt: skip
    ec2.endpoints.create(scope, s3, [])
    assert not reach(task_in(scope, subnet))  # layers alone are not enough
    registry = {"VpcId": vpc["VpcId"], "VpcEndpointType": "Interface", "SubnetIds": [subnet["SubnetId"]],
                "ServiceName": "com.amazonaws.us-east-1.ecr.dkr"}  # fmt: skip
    ec2.endpoints.create(scope, {**registry, "PrivateDnsEnabled": False}, [])
    assert not reach(task_in(scope, subnet))  # without private DNS the registry's name does not lead there
    ec2.endpoints.create(scope, registry, [])
    assert reach(task_in(scope, subnet))
