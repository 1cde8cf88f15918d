"""The resolver as the agent runs it: the DNS server on the link-local address, the per-task
redirects of `<gateway>:53` to it, and which VPC each task address belongs to (private namespaces
answer inside their VPC only; the resolver knows a client by its source address).
"""

from __future__ import annotations

import logging
from typing import Any

from skiff.dns.resolver import Resolver
from skiff.dns.server import DnsServer
from skiff.dns.sources import RecordSource
from skiff.net.bridges import gateway_of
from skiff.net.dns_redirect import DnsRedirects
from skiff.net.linklocal import ADDRESS

log = logging.getLogger("skiff.agent.dns")


class TaskDns:
    def __init__(self, sources: list[RecordSource], instance: str, port: int = 0) -> None:
        self.clients: dict[str, str] = {}  # task IP -> VPC id
        self.resolver = Resolver(sources, self.clients.get)
        self.server = DnsServer(self.resolver, ADDRESS, port)
        self.redirects = DnsRedirects(instance, ADDRESS)

    async def start(self) -> bool:
        """Serve and install the redirects; False where the host allows neither (tasks then keep
        Docker's resolver and see no Cloud Map names)."""
        try:
            port = await self.server.start()
        except OSError as exc:
            log.warning("the DNS resolver for tasks cannot listen on %s: %s", ADDRESS, exc)
            return False
        if not await self.redirects.setup(port):
            await self.server.stop()
            return False
        log.info("DNS resolver for tasks on %s:%d (udp, tcp)", ADDRESS, port)
        return True

    async def attach(self, task_ip: str, subnet: dict[str, Any]) -> None:
        self.clients[task_ip] = str(subnet.get("VpcId", ""))
        await self.redirects.redirect(task_ip, gateway_of(subnet["CidrBlock"]))

    async def detach(self, task_ip: str) -> None:
        self.clients.pop(task_ip, None)
        await self.redirects.forget(task_ip)

    async def adopt(self, tasks: list[tuple[str, dict[str, Any]]]) -> None:
        """After a restart: this server's rules again, for the tasks it still runs, to its new port."""
        await self.redirects.forget_all()
        for task_ip, subnet in tasks:
            await self.attach(task_ip, subnet)

    async def stop(self) -> None:
        await self.server.stop()
