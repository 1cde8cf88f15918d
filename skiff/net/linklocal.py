"""The link-local endpoint tasks see at 169.254.170.2, as on Fargate.

The address is added to the host's `lo`; a task reaches it through its subnet's gateway. Several
skiff servers may share a host (tests do), so each listens on its own ports on that address and
the kernel sends each task's traffic there: one DNAT rule per task IP in the `SKIFF-LINKLOCAL`
chain of the nat table, `169.254.170.2:80` (metadata and credentials) and `169.254.170.2:4620`
(skiff's API) to the owning server's ports. A rule for an IP replaces any earlier rule for it.
"""

from __future__ import annotations

import logging
import shlex
import shutil

from skiff.net.commands import run
from skiff.net.guard import guard_host

log = logging.getLogger("skiff.net.linklocal")

ADDRESS = "169.254.170.2"
CHAIN = "SKIFF-LINKLOCAL"
METADATA_PORT = 80
API_PORT = 4620


class LinkLocalRedirects:
    """The address on `lo` and the per-task DNAT rules of one server."""

    def __init__(self, metadata_port: int, api_port: int) -> None:
        self.metadata_port = metadata_port
        self.api_port = api_port
        self.tag = f"skiff:{metadata_port}"
        self.usable = False

    async def setup(self) -> bool:
        """Add the address and the chain; False (with a warning) where the host does not allow it."""
        if shutil.which("ip") is None or shutil.which("iptables") is None:
            log.warning("ip/iptables not found: tasks will not reach %s", ADDRESS)
            return False
        _, shown = await run("ip", "-4", "addr", "show", "dev", "lo")
        code, out = (
            (0, "")
            if f" {ADDRESS}/32 " in shown
            else await run("ip", "addr", "add", f"{ADDRESS}/32", "dev", "lo")
        )
        if code != 0:
            log.warning("cannot add %s to lo: %s", ADDRESS, out.strip())
            return False
        await run("iptables", "-w", "-t", "nat", "-N", CHAIN)
        jump = ("PREROUTING", "-d", f"{ADDRESS}/32", "-j", CHAIN)
        if (await run("iptables", "-w", "-t", "nat", "-C", *jump))[0] != 0:
            code, out = await run("iptables", "-w", "-t", "nat", "-I", *jump)
            if code != 0:
                log.warning("cannot install the %s chain: %s", CHAIN, out.strip())
                return False
        self.usable = True
        if not await guard_host(ADDRESS):
            log.warning("tasks can reach services on the host")
        return True

    async def rules(self) -> list[str]:
        code, out = await run("iptables", "-w", "-t", "nat", "-S", CHAIN)
        return [line for line in out.splitlines() if line.startswith(f"-A {CHAIN} ")] if code == 0 else []

    async def redirect(self, task_ip: str) -> None:
        """Send this task's link-local traffic to this server."""
        if not self.usable:
            return
        await self.forget(task_ip)
        for port, target in ((METADATA_PORT, self.metadata_port), (API_PORT, self.api_port)):
            code, out = await run(
                "iptables", "-w", "-t", "nat", "-A", CHAIN, "-s", f"{task_ip}/32", "-d", f"{ADDRESS}/32",
                "-p", "tcp", "--dport", str(port), "-m", "comment", "--comment", self.tag,
                "-j", "DNAT", "--to-destination", f"{ADDRESS}:{target}",
            )  # fmt: skip
            if code != 0:
                log.warning("cannot redirect %s: %s", task_ip, out.strip())

    async def forget(self, task_ip: str) -> None:
        """Drop every rule for this task IP (whichever server made it)."""
        for rule in await self.rules():
            if f" -s {task_ip}/32 " in rule:
                await run(
                    "iptables", "-w", "-t", "nat", *shlex.split(rule.replace(f"-A {CHAIN}", f"-D {CHAIN}", 1))
                )

    async def keep_only(self, task_ips: set[str]) -> None:
        """After a restart: drop this server's rules for tasks it no longer runs."""
        for rule in await self.rules():
            if self.tag not in rule:
                continue
            source = rule.split(" -s ", 1)[1].split("/", 1)[0] if " -s " in rule else ""
            if source not in task_ips:
                await run(
                    "iptables", "-w", "-t", "nat", *shlex.split(rule.replace(f"-A {CHAIN}", f"-D {CHAIN}", 1))
                )
