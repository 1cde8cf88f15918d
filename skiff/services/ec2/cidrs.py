"""IPv4 CIDR rules of VPCs and subnets, and the addresses a subnet can hand out.

AWS reserves five addresses of every subnet: the network address, .1 (the VPC router, the
gateway), .2 (DNS), .3 (future use) and the broadcast address. VPC and subnet blocks are
between /16 and /28.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from skiff.services.ec2.exceptions import error, invalid_cidr

MIN_PREFIX = 16
MAX_PREFIX = 28
RESERVED_AT_START = 4
RESERVED_COUNT = 5

Network = ipaddress.IPv4Network


def parse_cidr(cidr: str) -> Network:
    """An IPv4 network in canonical form; host bits set or garbage -> InvalidParameterValue."""
    if "/" not in cidr:
        raise invalid_cidr(cidr)
    try:
        return ipaddress.IPv4Network(cidr, strict=True)
    except (ipaddress.AddressValueError, ipaddress.NetmaskValueError, ValueError) as exc:
        raise invalid_cidr(cidr) from exc


def check_vpc_cidr(cidr: str) -> Network:
    network = parse_cidr(cidr)
    if not MIN_PREFIX <= network.prefixlen <= MAX_PREFIX:
        raise error("InvalidVpc.Range", f"The CIDR '{cidr}' is invalid.")
    return network


def check_subnet_cidr(cidr: str, vpc_cidr: str, siblings: list[str]) -> Network:
    """A subnet block must lie in its VPC's block and overlap no other subnet of the VPC."""
    network = parse_cidr(cidr)
    if not MIN_PREFIX <= network.prefixlen <= MAX_PREFIX or not network.subnet_of(
        ipaddress.IPv4Network(vpc_cidr)
    ):
        raise error("InvalidSubnet.Range", f"The CIDR '{cidr}' is invalid.")
    for other in siblings:
        if network.overlaps(ipaddress.IPv4Network(other)):
            raise error("InvalidSubnet.Conflict", f"The CIDR '{cidr}' conflicts with another subnet")
    return network


def usable_count(cidr: str) -> int:
    """How many addresses of the block AWS lets instances use (size - 5)."""
    return int(ipaddress.IPv4Network(cidr).num_addresses) - RESERVED_COUNT


def assignable(cidr: str, start_after: str | None = None) -> Iterator[str]:
    """Every assignable address of the block once, beginning after `start_after` and wrapping."""
    network = ipaddress.IPv4Network(cidr)
    first = int(network.network_address) + RESERVED_AT_START
    last = int(network.broadcast_address) - 1
    if last < first:
        return
    begin = first
    if start_after is not None:
        after = int(ipaddress.IPv4Address(start_after))
        if first <= after < last:
            begin = after + 1
    for value in range(begin, last + 1):
        yield str(ipaddress.IPv4Address(value))
    for value in range(first, begin):
        yield str(ipaddress.IPv4Address(value))


def is_assignable(cidr: str, ip: str) -> bool:
    try:
        address = int(ipaddress.IPv4Address(ip))
    except ValueError:
        return False
    network = ipaddress.IPv4Network(cidr)
    return int(network.network_address) + RESERVED_AT_START <= address < int(network.broadcast_address)


def default_subnet_cidrs(vpc_cidr: str, count: int, prefix: int = 20) -> list[str]:
    """The first `count` /20 blocks of the default VPC: 172.31.0.0/20, 172.31.16.0/20, ..."""
    blocks = ipaddress.IPv4Network(vpc_cidr).subnets(new_prefix=prefix)
    return [str(next(blocks)) for _ in range(count)]
