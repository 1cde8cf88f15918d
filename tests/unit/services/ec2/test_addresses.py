"""Private addresses in subnets: never the same one twice while allocated, persistent."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skiff.api.errors import AwsError
from skiff.services.ec2.backend import Ec2Backend
from skiff.services.ec2.zones import zone_named
from skiff.state.scope import Scope
from skiff.store import SqliteStore


def small_subnet(ec2: Ec2Backend, scope: Scope, cidr: str = "10.0.0.0/28") -> str:
    vpc = ec2.create_vpc(scope, "10.0.0.0/16", [], None)
    subnet = ec2.subnets.create(
        scope, ec2.vpcs.require(scope, vpc["VpcId"]), cidr, zone_named(scope.region), []
    )
    return str(subnet["SubnetId"])


def test_skips_reserved_addresses_and_counts_down(ec2: Ec2Backend, scope: Scope) -> None:
    subnet_id = small_subnet(ec2, scope)
    assert ec2.subnet(scope, subnet_id)["AvailableIpAddressCount"] == 11
    first = ec2.allocate_ip(scope, subnet_id)
    assert first == "10.0.0.4"
    assert ec2.subnet(scope, subnet_id)["AvailableIpAddressCount"] == 10


def test_exhaustion_and_release(ec2: Ec2Backend, scope: Scope) -> None:
    subnet_id = small_subnet(ec2, scope)
    addresses = [ec2.allocate_ip(scope, subnet_id) for _ in range(11)]
    assert sorted(addresses, key=ipaddress.IPv4Address) == [f"10.0.0.{n}" for n in range(4, 15)]
    with pytest.raises(AwsError) as info:
        ec2.allocate_ip(scope, subnet_id)
    assert info.value.code == "InsufficientFreeAddressesInSubnet"
    ec2.release_ip(scope, subnet_id, "10.0.0.9")
    ec2.release_ip(scope, subnet_id, "10.0.0.9")  # twice is harmless
    assert ec2.allocate_ip(scope, subnet_id) == "10.0.0.9"


def test_a_released_address_is_not_reused_at_once(ec2: Ec2Backend, scope: Scope) -> None:
    subnet_id = small_subnet(ec2, scope)
    first = ec2.allocate_ip(scope, subnet_id)
    ec2.release_ip(scope, subnet_id, first)
    assert ec2.allocate_ip(scope, subnet_id) != first


def test_unknown_subnet(ec2: Ec2Backend, scope: Scope) -> None:
    with pytest.raises(AwsError) as info:
        ec2.allocate_ip(scope, "subnet-00000000000000000")
    assert info.value.code == "InvalidSubnetID.NotFound"
    assert info.value.message == "The subnet ID 'subnet-00000000000000000' does not exist"
    assert ec2.find_subnet(scope, "subnet-00000000000000000") is None


def test_allocations_survive_a_restart(tmp_path: Path, scope: Scope) -> None:
    store = SqliteStore(tmp_path / "ips.db")
    ec2 = Ec2Backend(store)
    subnet_id = small_subnet(ec2, scope)
    held = {ec2.allocate_ip(scope, subnet_id) for _ in range(5)}
    store.close()
    store = SqliteStore(tmp_path / "ips.db")
    ec2 = Ec2Backend(store)
    more = {ec2.allocate_ip(scope, subnet_id) for _ in range(6)}
    assert not held & more
    assert len(held | more) == 11
    store.close()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 50)), max_size=60))
def test_never_twice_while_allocated(ec2: Ec2Backend, scope: Scope, steps: list[tuple[bool, int]]) -> None:
    subnet_id = small_subnet(ec2, scope, "10.0.0.0/27")
    held: list[str] = []
    for allocate, pick in steps:
        if allocate or not held:
            try:
                ip = ec2.allocate_ip(scope, subnet_id)
            except AwsError:
                assert len(held) == 27
                continue
            assert ip not in held
            assert ipaddress.IPv4Address(ip) in ipaddress.IPv4Network("10.0.0.0/27")
            assert int(ip.rsplit(".", 1)[1]) not in (0, 1, 2, 3, 31)
            held.append(ip)
        else:
            ec2.release_ip(scope, subnet_id, held.pop(pick % len(held)))
        assert ec2.subnet(scope, subnet_id)["AvailableIpAddressCount"] == 27 - len(held)


def test_interfaces_own_their_address(ec2: Ec2Backend, scope: Scope) -> None:
    subnet_id = small_subnet(ec2, scope)
    eni = ec2.record_network_interface(scope, {"SubnetId": subnet_id, "Description": "task"})
    assert eni["NetworkInterfaceId"].startswith("eni-")
    assert eni["PrivateIpAddress"] == "10.0.0.4"
    assert eni["PrivateDnsName"] == "ip-10-0-0-4.ec2.internal"
    assert eni["Groups"][0]["GroupName"] == "default"
    assert eni["TagSet"] == []
    given = ec2.allocate_ip(scope, subnet_id)
    second = ec2.record_network_interface(
        scope,
        {
            "SubnetId": subnet_id,
            "PrivateIpAddress": given,
            "Association": {"PublicIp": "203.0.113.7"},
            "TagSet": [{"Key": "task", "Value": "t1"}],
        },
    )
    assert second["PrivateIpAddresses"][0]["Association"] == {"PublicIp": "203.0.113.7"}
    assert ec2.subnet(scope, subnet_id)["AvailableIpAddressCount"] == 9
    with pytest.raises(AwsError) as info:
        ec2.delete_subnet(scope, subnet_id)
    assert info.value.code == "DependencyViolation"
    assert ec2.delete_network_interface(scope, eni["NetworkInterfaceId"]) is True
    assert ec2.delete_network_interface(scope, eni["NetworkInterfaceId"]) is False  # idempotent
    ec2.delete_network_interface(scope, second["NetworkInterfaceId"])
    assert ec2.subnet(scope, subnet_id)["AvailableIpAddressCount"] == 11
    assert ec2.interfaces.describe(scope, None, None) == []
    ec2.delete_subnet(scope, subnet_id)
