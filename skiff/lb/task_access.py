"""How tasks reach load balancers: a link-local twin of each balancer's address.

A balancer's own address (127.77.A.B) is loopback: inside a task's network namespace it is the
task's own loopback, so tasks cannot use it. Each balancer therefore also has a task-facing
address, 169.254.A.B, put on the host's `lo` (as 169.254.170.2 is for the task endpoint) and bound
by HAProxy beside 127.77.A.B. A task reaches it through its default route, the subnet gateway,
like the task endpoint (measured: a container's TCP connection to a /32 on the host's lo through
the bridge gateway is delivered locally). The host guard (skiff/net/guard.py) drops everything
else tasks send the host, so one chain per server, `SKIFF-LB-<instance>`, jumped to from INPUT for
the bridges ahead of the guard, accepts exactly the listener ports of those addresses. Tasks
learn the address by name from `BalancerNames` (dns_source.py). 169.254.169.x and 169.254.170.x
are never used (instance metadata, the task endpoint): a balancer there has no twin.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
from pathlib import Path

from skiff.net.commands import run

log = logging.getLogger("skiff.lb")

BRIDGES = "sk+"
RESERVED_THIRD_OCTETS = (169, 170)


def task_address(address: str) -> str | None:
    """169.254.A.B for 127.77.A.B, or None when there is no usable twin."""
    try:
        parts = ipaddress.IPv4Address(address).packed
    except ValueError:
        return None
    if parts[0] != 127 or parts[1] != 77 or parts[2] in RESERVED_THIRD_OCTETS or parts[3] in (0, 255):
        return None
    return f"169.254.{parts[2]}.{parts[3]}"


class TaskAccess:
    def __init__(self, directory: Path, instance: str) -> None:
        self.record = directory / "task-addresses"
        self.chain = f"SKIFF-LB-{instance[:12]}"
        self.applied: dict[str, tuple[int, ...]] | None = None
        self.usable = True

    def _recorded(self) -> set[str]:
        try:
            return {line.strip() for line in self.record.read_text().splitlines() if line.strip()}
        except OSError:
            return set()

    async def apply(self, wanted: dict[str, tuple[int, ...]]) -> None:
        """Make exactly `wanted` (task-facing address → listener ports) present and open."""
        if not self.usable or wanted == self.applied:
            return
        have = self._recorded()
        for address in sorted(set(wanted) - have):
            code, out = await run("ip", "addr", "add", f"{address}/32", "dev", "lo")
            if code != 0 and "File exists" not in out:
                log.warning("tasks will not reach %s: %s", address, out.strip())
        for address in sorted(have - set(wanted)):
            await run("ip", "addr", "del", f"{address}/32", "dev", "lo")
        self.record.write_text("".join(f"{a}\n" for a in sorted(wanted)))
        await run("iptables", "-w", "-N", self.chain)
        code, out = await run("iptables", "-w", "-F", self.chain)
        if code != 0:
            log.warning("tasks will not reach load balancers (iptables: %s)", out.strip())
            self.usable = False
            return
        for address, ports in sorted(wanted.items()):
            for port in ports:
                rule = ("-d", f"{address}/32", "-p", "tcp", "--dport", str(port), "-j", "ACCEPT")
                await run("iptables", "-w", "-A", self.chain, *rule)
        jump = ("INPUT", "-i", BRIDGES, "-j", self.chain)
        if (await run("iptables", "-w", "-C", *jump))[0] != 0:
            await run("iptables", "-w", "-I", *jump)
        self.applied = dict(wanted)

    async def remove(self) -> None:
        """Withdraw the addresses and the chain (reset)."""
        for address in self._recorded():
            with contextlib.suppress(OSError):
                await run("ip", "addr", "del", f"{address}/32", "dev", "lo")
        with contextlib.suppress(OSError):
            self.record.unlink()
        with contextlib.suppress(OSError):  # no iptables on this host: nothing was added
            await run("iptables", "-w", "-D", "INPUT", "-i", BRIDGES, "-j", self.chain)
            await run("iptables", "-w", "-F", self.chain)
            await run("iptables", "-w", "-X", self.chain)
        self.applied = None
