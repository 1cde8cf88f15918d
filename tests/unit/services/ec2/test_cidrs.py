"""CIDR rules of VPCs and subnets, and which addresses a subnet can hand out."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skiff.api.errors import AwsError
from skiff.services.ec2.cidrs import (
    assignable,
    check_subnet_cidr,
    check_vpc_cidr,
    default_subnet_cidrs,
    is_assignable,
    usable_count,
)


def code_of(exc: pytest.ExceptionInfo[AwsError]) -> str:
    return exc.value.code


@pytest.mark.parametrize("cidr", ["10.0.0.0/33", "10.0.0.1/16", "nonsense", "10.0.0.0", "::/0"])
def test_malformed_vpc_blocks_are_invalid_values(cidr: str) -> None:
    with pytest.raises(AwsError) as info:
        check_vpc_cidr(cidr)
    assert code_of(info) == "InvalidParameterValue"
    assert (
        info.value.message
        == f"Value ({cidr}) for parameter cidrBlock is invalid. This is not a valid CIDR block."
    )


@pytest.mark.parametrize("cidr", ["10.0.0.0/8", "10.0.0.0/15", "10.0.0.0/29"])
def test_vpc_blocks_are_between_16_and_28(cidr: str) -> None:
    with pytest.raises(AwsError) as info:
        check_vpc_cidr(cidr)
    assert code_of(info) == "InvalidVpc.Range"
    assert info.value.message == f"The CIDR '{cidr}' is invalid."


def test_a_subnet_must_lie_inside_its_vpc() -> None:
    assert str(check_subnet_cidr("10.0.3.0/24", "10.0.0.0/16", [])) == "10.0.3.0/24"
    with pytest.raises(AwsError) as info:
        check_subnet_cidr("10.1.0.0/24", "10.0.0.0/16", [])
    assert code_of(info) == "InvalidSubnet.Range"
    assert info.value.message == "The CIDR '10.1.0.0/24' is invalid."
    with pytest.raises(AwsError) as info:
        check_subnet_cidr("10.0.0.0/29", "10.0.0.0/16", [])
    assert code_of(info) == "InvalidSubnet.Range"


@pytest.mark.parametrize("cidr", ["10.0.0.0/24", "10.0.0.128/25", "10.0.0.0/20"])
def test_overlapping_subnets_conflict(cidr: str) -> None:
    with pytest.raises(AwsError) as info:
        check_subnet_cidr(cidr, "10.0.0.0/16", ["10.0.1.0/24", "10.0.0.0/24"])
    assert code_of(info) == "InvalidSubnet.Conflict"
    assert info.value.message == f"The CIDR '{cidr}' conflicts with another subnet"


def test_adjacent_subnets_do_not_conflict() -> None:
    check_subnet_cidr("10.0.2.0/24", "10.0.0.0/16", ["10.0.1.0/24", "10.0.3.0/24"])


def test_default_subnet_blocks() -> None:
    assert default_subnet_cidrs("172.31.0.0/16", 6) == [
        "172.31.0.0/20",
        "172.31.16.0/20",
        "172.31.32.0/20",
        "172.31.48.0/20",
        "172.31.64.0/20",
        "172.31.80.0/20",
    ]


def test_five_addresses_are_reserved() -> None:
    assert usable_count("10.0.0.0/24") == 251
    assert usable_count("172.31.0.0/20") == 4091
    addresses = list(assignable("10.0.0.0/28"))
    assert addresses == [f"10.0.0.{n}" for n in range(4, 15)]
    assert len(addresses) == usable_count("10.0.0.0/28")
    assert not is_assignable("10.0.0.0/28", "10.0.0.1")  # the gateway
    assert not is_assignable("10.0.0.0/28", "10.0.0.15")  # broadcast
    assert is_assignable("10.0.0.0/28", "10.0.0.4")


def test_assignable_continues_after_the_last_address_and_wraps() -> None:
    assert list(assignable("10.0.0.0/28", "10.0.0.12")) == [
        "10.0.0.13",
        "10.0.0.14",
        *[f"10.0.0.{n}" for n in range(4, 13)],
    ]


@settings(max_examples=50, deadline=None)
@given(st.integers(20, 28), st.integers(0, 2**16 - 1))
def test_assignable_yields_every_usable_address_once(prefix: int, salt: int) -> None:
    network = ipaddress.IPv4Network(f"10.{salt % 256}.0.0/16").subnets(new_prefix=prefix)
    block = str(next(network))
    start = str(ipaddress.IPv4Network(block)[salt % ipaddress.IPv4Network(block).num_addresses])
    addresses = list(assignable(block, start))
    assert len(addresses) == len(set(addresses)) == usable_count(block)
    assert all(is_assignable(block, a) for a in addresses)
