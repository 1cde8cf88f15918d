"""Where tasks' DNS queries go: the subnet gateway's port 53, redirected to this server's resolver.

A task's resolv.conf names its subnet's gateway (as a VPC's resolver sits inside the VPC). Several
skiff servers share a host and its bridges, so no server binds :53 on a gateway; instead one DNAT
rule per task IP and protocol in the `SKIFF-DNS` chain of the nat table sends
`<gateway>:53` (UDP and TCP) to `169.254.170.2:<port>` where the owning server's resolver listens
(one INPUT rule lets that UDP past the host guard). Rules carry the server's instance in a comment;
after a restart the server keeps only its live tasks' rules and points them at its new port.
"""

from __future__ import annotations

import logging
import shlex
import shutil

from skiff.net.commands import run
from skiff.net.guard import BRIDGES

log = logging.getLogger("skiff.net.dns")

CHAIN = "SKIFF-DNS"
PROTOCOLS = ("udp", "tcp")


class DnsRedirects:
    def __init__(self, instance: str, address: str) -> None:
        self.tag = f"skiff-dns:{instance}"
        self.address = address
        self.port = 0
        self.usable = False

    async def setup(self, port: int) -> bool:
        """Install the chain and its jumps; False (with a warning) where iptables is not usable."""
        self.port = port
        if shutil.which("iptables") is None:
            log.warning("iptables not found: tasks keep Docker's resolver")
            return False
        await run("iptables", "-w", "-t", "nat", "-N", CHAIN)
        for protocol in PROTOCOLS:
            jump = ("PREROUTING", "-p", protocol, "--dport", "53", "-j", CHAIN)
            if (await run("iptables", "-w", "-t", "nat", "-C", *jump))[0] != 0:
                code, out = await run("iptables", "-w", "-t", "nat", "-I", *jump)
                if code != 0:
                    log.warning("cannot install the %s chain: %s", CHAIN, out.strip())
                    return False
        # Past the host guard (skiff.net.guard drops what tasks send the host but TCP to the
        # link-local address): UDP to the resolver. Inserted ahead of the guard's jump, and kept
        # when a server refreshes the guard's chain.
        accept = ("INPUT", "-i", BRIDGES, "-d", f"{self.address}/32", "-p", "udp",
                  "-m", "comment", "--comment", "skiff-dns", "-j", "ACCEPT")  # fmt: skip
        if (await run("iptables", "-w", "-C", *accept))[0] != 0:
            code, out = await run("iptables", "-w", "-I", *accept)
            if code != 0:
                log.warning("cannot let tasks reach the resolver: %s", out.strip())
                return False
        self.usable = True
        return True

    def rule(self, task_ip: str, gateway: str, protocol: str) -> tuple[str, ...]:
        return (
            "-s", f"{task_ip}/32", "-d", f"{gateway}/32", "-p", protocol, "-m", protocol, "--dport", "53",
            "-m", "comment", "--comment", self.tag,
            "-j", "DNAT", "--to-destination", f"{self.address}:{self.port}",
        )  # fmt: skip

    async def rules(self) -> list[str]:
        code, out = await run("iptables", "-w", "-t", "nat", "-S", CHAIN)
        return [line for line in out.splitlines() if line.startswith(f"-A {CHAIN} ")] if code == 0 else []

    async def redirect(self, task_ip: str, gateway: str) -> None:
        if not self.usable:
            return
        await self.forget(task_ip)
        for protocol in PROTOCOLS:
            rule = self.rule(task_ip, gateway, protocol)
            code, out = await run("iptables", "-w", "-t", "nat", "-A", CHAIN, *rule)
            if code != 0:
                log.warning("cannot redirect DNS of %s: %s", task_ip, out.strip())

    async def _delete(self, rule: str) -> None:
        await run("iptables", "-w", "-t", "nat", *shlex.split(rule.replace(f"-A {CHAIN}", f"-D {CHAIN}", 1)))

    async def forget(self, task_ip: str) -> None:
        """Drop every rule for this task IP (whichever server made it: the address is the task's now)."""
        for rule in await self.rules():
            if f" -s {task_ip}/32 " in rule:
                await self._delete(rule)

    async def forget_all(self) -> None:
        """Drop this server's rules (after a restart, before the live tasks' are made again)."""
        for rule in await self.rules():
            if self.tag in rule:
                await self._delete(rule)
