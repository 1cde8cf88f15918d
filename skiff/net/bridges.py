"""Each VPC subnet that runs tasks is a Docker bridge network with the subnet's CIDR.

The bridge's gateway is the subnet's first address, as in a VPC (the "VPC router"). Bridges are
named by CIDR: Docker cannot hold two networks with overlapping ranges on one host, and every
region's default VPC uses the same 172.31.0.0/16, so subnets with the same CIDR (in different
VPCs or regions) share one bridge. Addresses stay unique because they are chosen from what the
bridge really holds. Created on first use, found again by name after a restart.
"""

from __future__ import annotations

import asyncio
import ipaddress
from typing import Any

from skiff.runtime.docker import DockerClient, DockerError
from skiff.runtime.labels import MANAGED, SUBNET

PREFIX = "skiff-"


class BridgeError(Exception):
    """The subnet cannot get a bridge (e.g. its CIDR overlaps another network on this host)."""


def network_name(cidr: str) -> str:
    network = ipaddress.ip_network(cidr, strict=False)
    return f"{PREFIX}{network.network_address}-{network.prefixlen}"


def bridge_device(cidr: str) -> str:
    """A Linux interface name (at most 15 characters) for the subnet's bridge."""
    network = ipaddress.ip_network(cidr, strict=False)
    return f"sk{int(network.network_address):08x}{network.prefixlen}"


def gateway_of(cidr: str) -> str:
    return str(next(ipaddress.ip_network(cidr, strict=False).hosts()))


class SubnetBridges:
    def __init__(self, docker: DockerClient) -> None:
        self.docker = docker
        self._locks: dict[str, asyncio.Lock] = {}
        self._known: set[str] = set()

    async def ensure(self, subnet: dict[str, Any]) -> str:
        subnet_id = subnet["SubnetId"]
        cidr = subnet["CidrBlock"]
        name = network_name(cidr)
        if name in self._known:
            return name
        lock = self._locks.setdefault(name, asyncio.Lock())
        async with lock:
            if name in self._known:
                return name
            if await self.docker.inspect_network(name) is None:
                try:
                    await self.docker.create_network(
                        name,
                        subnet=cidr,
                        gateway=gateway_of(cidr),
                        labels={MANAGED: "true", SUBNET: cidr},
                        options={"com.docker.network.bridge.name": bridge_device(cidr)},
                    )
                except DockerError as exc:
                    raise BridgeError(
                        f"subnet {subnet_id} ({cidr}) cannot be attached: {exc.message}"
                    ) from exc
            self._known.add(name)
        return name
