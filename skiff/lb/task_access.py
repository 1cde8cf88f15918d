"""How tasks reach load balancers: a link-local twin of each balancer's address.

A balancer's own address (127.77.A.B) is loopback: inside a task's network namespace it is the
task's own loopback, so tasks cannot use it. Each balancer therefore also has a task-facing
address, 169.254.A.B, put on the host's `lo` (as 169.254.170.2 is for the task endpoint) and bound
by HAProxy beside 127.77.A.B. A task reaches it through its default route, the subnet gateway,
like the task endpoint (measured: a container's TCP connection to a /32 on the host's lo through
the bridge gateway is delivered locally). The host guard (skiff/net/guard.py) drops everything
else tasks send the host, so one chain per server, `SKIFF-LB-<instance>`, jumped to from INPUT for
the bridges just ahead of the guard (so chains at the top, like the security groups' that
filter what reaches a balancer, still come first), accepts exactly the listener ports of those
addresses. Tasks learn the address by name from `BalancerNames` (dns_source.py). The mapping is
`skiff.state.balancer_addresses.task_address` (169.254.169.x and 169.254.170.x are never twins: instance
metadata, the task endpoint; the allocator hands out only addresses with a twin).
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

from skiff.net.commands import run
from skiff.state.balancer_addresses import task_address

log = logging.getLogger("skiff.lb")

BRIDGES = "sk+"
GUARD = "SKIFF-HOST"  # skiff/net/guard.py's chain

__all__ = ["TaskAccess", "task_address"]


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
        jump = ("-i", BRIDGES, "-j", self.chain)
        if (await run("iptables", "-w", "-C", "INPUT", *jump))[0] != 0:
            code, rules = await run("iptables", "-w", "-S", "INPUT")
            at = guard_position(rules) if code == 0 else 1
            await run("iptables", "-w", "-I", "INPUT", str(at), *jump)
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


def guard_position(rules: str) -> int:
    """Where in INPUT (`iptables -S INPUT`) the accepts go: just ahead of the host guard's jump, so
    chains inserted at the top (security groups' SKF-*-IN, which drop what a balancer's groups
    refuse) still see the packets first; at the end when there is no guard."""
    appended = [line for line in rules.splitlines() if line.startswith("-A INPUT ")]
    for number, line in enumerate(appended, start=1):
        if line.split()[-2:] == ["-j", GUARD]:
            return number
    return len(appended) + 1
