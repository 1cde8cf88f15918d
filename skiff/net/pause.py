"""Pause containers: each owns one task's network namespace and IP (the task's ENI).

Starting a container in a fresh namespace costs about 0.44 s here against 0.17 s for one that
joins an existing namespace, so a few pause containers per subnet are prepared ahead of demand
and handed to tasks as they launch; the pool refills in the background.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from skiff.net import resolv_conf
from skiff.net.bridges import SubnetBridges, gateway_of
from skiff.runtime.docker import DockerClient, DockerError
from skiff.runtime.labels import INSTANCE, MANAGED, POOL, ROLE, SUBNET

log = logging.getLogger("skiff.net.pause")

PAUSE_IMAGE = "skiff/pause:latest"
POOL_SIZE = 2
REFILL_DELAY = 0.5  # seconds between handing out a pause container and preparing the next
ADDRESS_ATTEMPTS = 5  # addresses tried when other servers on the host take them as we choose
ADDRESS_IN_USE = "address already in use"  # Docker's IPAM, lower-cased


@dataclass
class PauseHandle:
    container_id: str
    subnet_id: str
    network: str
    ip: str
    mac: str
    hostname: str


class PauseError(Exception):
    pass


class AddressTaken(Exception):
    """Docker refused the address chosen: another server's container took it meanwhile."""

    def __init__(self, subnet_id: str, ip: str) -> None:
        super().__init__(f"{ip} in {subnet_id} is in use")
        self.subnet_id = subnet_id
        self.ip = ip


def private_dns_name(ip: str, region: str) -> str:
    suffix = "ec2.internal" if region == "us-east-1" else f"{region}.compute.internal"
    return f"ip-{ip.replace('.', '-')}.{suffix}"


class PausePool:
    def __init__(
        self, docker: DockerClient, bridges: SubnetBridges, instance: str = "default", size: int = POOL_SIZE
    ) -> None:
        self.instance = instance
        self.docker = docker
        self.bridges = bridges
        self.size = size
        self._idle: dict[str, list[PauseHandle]] = {}
        self._refills: dict[str, asyncio.Task[None]] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._reserved: set[str] = set()  # addresses chosen for pause containers still starting
        # Tasks resolve through their subnet's gateway (skiff's resolver, see net/dns_redirect.py);
        # False: Docker's own resolver, as when the host cannot redirect DNS.
        self.gateway_dns = False

    async def take(self, subnet: dict[str, Any], region: str) -> PauseHandle:
        subnet_id = subnet["SubnetId"]
        idle = self._idle.setdefault(subnet_id, [])
        while idle:  # a prepared one is used only if it is still alive
            handle = idle.pop(0)
            info = await self._inspect(handle.container_id)
            if info is not None and info["State"].get("Running"):
                self._refill(subnet, region)
                return handle
            await self.release(handle.container_id)
        handle = await self._create(subnet, region)
        self._refill(subnet, region)
        return handle

    async def _inspect(self, container_id: str) -> dict[str, Any] | None:
        try:
            return await self.docker.inspect_container(container_id)
        except DockerError:
            return None

    def _refill(self, subnet: dict[str, Any], region: str) -> None:
        subnet_id = subnet["SubnetId"]
        running = self._refills.get(subnet_id)
        if running is not None and not running.done():
            return

        async def refill() -> None:
            # Let the task that just took one start first: its container and a new pause
            # container created at the same moment slow each other down.
            await asyncio.sleep(REFILL_DELAY)
            idle = self._idle.setdefault(subnet_id, [])
            while len(idle) < self.size:
                try:
                    idle.append(await self._create(subnet, region))
                except (DockerError, PauseError) as exc:
                    log.warning("could not prepare a pause container in %s: %s", subnet_id, exc)
                    return

        self._refills[subnet_id] = asyncio.get_running_loop().create_task(refill())

    async def _create(self, subnet: dict[str, Any], region: str) -> PauseHandle:
        """A started pause container at the lowest free address. The Docker network of a subnet's
        CIDR is shared by every skiff server on the host: another may take the address between
        our look and our start ("Address already in use"); then the next free one is tried."""
        network = await self.bridges.ensure(subnet)
        taken: set[str] = set()
        for _ in range(ADDRESS_ATTEMPTS):
            try:
                return await self._create_at(network, subnet, region, taken)
            except AddressTaken as exc:
                log.info(
                    "pause container for %s: %s was taken meanwhile, trying another", exc.subnet_id, exc.ip
                )
                taken.add(exc.ip)
        raise PauseError(
            f"pause container for {subnet['SubnetId']}: {ADDRESS_ATTEMPTS} addresses were taken by others "
            "as they were chosen"
        )

    async def _create_at(
        self, network: str, subnet: dict[str, Any], region: str, taken: set[str]
    ) -> PauseHandle:
        subnet_id = subnet["SubnetId"]
        lock = self._locks.setdefault(subnet_id, asyncio.Lock())
        async with lock:  # one address choice at a time per subnet; creations then run in parallel
            ip = await self._free_address(network, subnet["CidrBlock"], taken)
            self._reserved.add(ip)
        container_id = None
        try:
            host, domain = private_dns_name(ip, region).split(".", 1)
            gateway = gateway_of(subnet["CidrBlock"])
            dns = {"Dns": [gateway], "DnsSearch": [domain]} if self.gateway_dns else {}
            config = {
                "Image": PAUSE_IMAGE,
                "Hostname": host,
                "Domainname": domain,
                "Labels": {
                    MANAGED: "true",
                    INSTANCE: self.instance,
                    ROLE: "pause",
                    SUBNET: subnet_id,
                    POOL: "true",
                },
                "HostConfig": {"NetworkMode": network, "RestartPolicy": {"Name": "no"}, **dns},
                "NetworkingConfig": {"EndpointsConfig": {network: {"IPAMConfig": {"IPv4Address": ip}}}},
            }
            try:
                container_id = await self.docker.create_container(
                    config, name=f"skiff-pause-{host}-{secrets.token_hex(3)}"
                )
                await self.docker.start_container(container_id)
                info = await self.docker.inspect_container(container_id)
            except DockerError as exc:
                if container_id is not None:  # created, not started: it would hold its name and labels
                    await self.release(container_id)
                if ADDRESS_IN_USE in exc.message.lower():
                    raise AddressTaken(subnet_id, ip) from exc
                raise PauseError(f"pause container for {subnet_id}: {exc.message}") from exc
        finally:
            self._reserved.discard(ip)  # started (Docker now shows it) or failed
        if info is None:
            raise PauseError(f"pause container for {subnet_id} vanished")
        if self.gateway_dns:  # else Docker's 127.0.0.11 would forward to the gateway: one hop more
            resolv_conf.write(str(info.get("ResolvConfPath") or ""), gateway, domain)
        endpoint = info["NetworkSettings"]["Networks"][network]
        mac = endpoint.get("MacAddress", "")
        return PauseHandle(container_id, subnet_id, network, endpoint["IPAddress"], mac, f"{host}.{domain}")

    async def _free_address(self, network: str, cidr: str, taken: set[str]) -> str:
        """The lowest address no container holds (nor `taken`), past the ones a VPC subnet reserves."""
        info = await self.docker.inspect_network(network) or {}
        used = {
            str(endpoint.get("IPv4Address", "")).split("/", 1)[0]
            for endpoint in (info.get("Containers") or {}).values()
        }
        hosts = list(ipaddress.ip_network(cidr, strict=False).hosts())
        usable = hosts[3:] if len(hosts) > 8 else hosts[1:]  # .1 router, .2 DNS, .3 reserved by the VPC
        for address in usable:
            if str(address) not in used | taken and str(address) not in self._reserved:
                return str(address)
        raise PauseError(f"subnet {cidr} has no free address")

    async def release(self, container_id: str) -> None:
        try:
            await self.docker.remove_container(container_id, force=True)
        except DockerError as exc:
            log.warning("pause container %s not removed: %s", container_id[:12], exc)

    async def drain(self) -> None:
        """Remove prepared (unassigned) pause containers, e.g. at shutdown."""
        for task in self._refills.values():
            task.cancel()
        for idle in self._idle.values():
            while idle:
                await self.release(idle.pop().container_id)
