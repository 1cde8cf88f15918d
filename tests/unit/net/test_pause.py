"""The pause pool's choice of address when another skiff server on the host shares the subnet's
Docker network: an address taken between our look and our start is skipped, the container that
failed to start is removed, and other Docker errors are not retried. Docker is a fake here (a
unit test of one module); the e2e tests run the real one."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from skiff.net.pause import ADDRESS_ATTEMPTS, PauseError, PausePool
from skiff.runtime.docker import DockerError

NETWORK = "skiff-172.31.0.0-20"
SUBNET = {"SubnetId": "subnet-1", "CidrBlock": "172.31.0.0/20"}


class SharedNetwork:
    """Docker as two servers see it: `others` hold addresses on the same network, and `steal`
    names addresses another server takes just before our start."""

    def __init__(self, others: set[str], steal: set[str], failure: str = "") -> None:
        self.others = set(others)
        self.steal = set(steal)
        self.failure = failure
        self.created: dict[str, str] = {}  # id -> requested address
        self.started: set[str] = set()
        self.removed: list[str] = []

    async def inspect_network(self, name: str) -> dict[str, Any]:
        ours = {cid: self.created[cid] for cid in self.started}
        theirs = {f"other-{ip}": ip for ip in self.others}
        return {"Containers": {cid: {"IPv4Address": f"{ip}/20"} for cid, ip in {**ours, **theirs}.items()}}

    async def create_container(self, config: dict[str, Any], name: str | None = None) -> str:
        cid = f"c{len(self.created)}"
        self.created[cid] = config["NetworkingConfig"]["EndpointsConfig"][NETWORK]["IPAMConfig"][
            "IPv4Address"
        ]
        return cid

    async def start_container(self, cid: str) -> None:
        ip = self.created[cid]
        if self.failure:
            raise DockerError(500, self.failure)
        if ip in self.steal:
            self.others.add(ip)
            raise DockerError(403, "Address already in use")
        self.started.add(cid)

    async def inspect_container(self, cid: str) -> dict[str, Any]:
        ip = self.created[cid]
        return {
            "NetworkSettings": {"Networks": {NETWORK: {"IPAddress": ip, "MacAddress": "02:42:ac:1f:00:04"}}}
        }

    async def remove_container(self, cid: str, force: bool = True) -> None:
        self.removed.append(cid)


class OneBridge:
    async def ensure(self, subnet: dict[str, Any]) -> str:
        return NETWORK


def pool_on(docker: SharedNetwork) -> PausePool:
    return PausePool(docker, OneBridge(), instance="ours", size=0)  # type: ignore[arg-type]


def test_an_address_taken_meanwhile_is_skipped_and_its_container_removed() -> None:
    docker = SharedNetwork(others={"172.31.0.4"}, steal={"172.31.0.5"})
    handle = asyncio.run(pool_on(docker).take(SUBNET, "us-east-1"))
    assert handle.ip == "172.31.0.6"  # .4 held by the other server, .5 taken as we started
    assert docker.removed == ["c0"], "the container that lost its address was left"
    assert docker.created["c0"] == "172.31.0.5" and docker.started == {"c1"}


def test_it_gives_up_after_a_few_addresses_with_a_clear_error() -> None:
    steal = {f"172.31.0.{n}" for n in range(4, 4 + ADDRESS_ATTEMPTS)}
    docker = SharedNetwork(others=set(), steal=steal)
    with pytest.raises(PauseError, match=f"{ADDRESS_ATTEMPTS} addresses were taken"):
        asyncio.run(pool_on(docker).take(SUBNET, "us-east-1"))
    assert sorted(docker.removed) == sorted(docker.created) and len(docker.created) == ADDRESS_ATTEMPTS


def test_another_docker_error_is_not_retried() -> None:
    docker = SharedNetwork(others=set(), steal=set(), failure="no such image: skiff/pause:latest")
    with pytest.raises(PauseError, match="no such image"):
        asyncio.run(pool_on(docker).take(SUBNET, "us-east-1"))
    assert list(docker.created) == ["c0"] and docker.removed == ["c0"]
