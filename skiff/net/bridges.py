"""Each VPC subnet that runs tasks is a Docker bridge network with the subnet's CIDR.

The bridge's gateway is the subnet's first address, as in a VPC (the "VPC router").
Created on first use, found again by name after a restart.
"""

from __future__ import annotations

import asyncio
import ipaddress
from typing import Any

from skiff.agent.docker import DockerClient, DockerError
from skiff.agent.labels import MANAGED, SUBNET

PREFIX = "skiff-"


class BridgeError(Exception):
    """The subnet cannot get a bridge (e.g. its CIDR overlaps another network on this host)."""


def network_name(subnet_id: str) -> str:
    return PREFIX + subnet_id


def gateway_of(cidr: str) -> str:
    return str(next(ipaddress.ip_network(cidr, strict=False).hosts()))


class SubnetBridges:
    def __init__(self, docker: DockerClient) -> None:
        self.docker = docker
        self._locks: dict[str, asyncio.Lock] = {}
        self._known: set[str] = set()

    async def ensure(self, subnet: dict[str, Any]) -> str:
        subnet_id = subnet["SubnetId"]
        name = network_name(subnet_id)
        if name in self._known:
            return name
        lock = self._locks.setdefault(name, asyncio.Lock())
        async with lock:
            if name in self._known:
                return name
            if await self.docker.inspect_network(name) is None:
                cidr = subnet["CidrBlock"]
                try:
                    await self.docker.create_network(
                        name,
                        subnet=cidr,
                        gateway=gateway_of(cidr),
                        labels={MANAGED: "true", SUBNET: subnet_id},
                        options={"com.docker.network.bridge.name": "sk" + subnet_id[-12:]},
                    )
                except DockerError as exc:
                    raise BridgeError(
                        f"subnet {subnet_id} ({cidr}) cannot be attached: {exc.message}"
                    ) from exc
            self._known.add(name)
        return name
