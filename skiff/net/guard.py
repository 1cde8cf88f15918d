"""What tasks may reach on the host itself: the link-local endpoint (metadata, credentials and
skiff's API at 169.254.170.2) and replies to connections the host opened — nothing else (no host
ports, no services bound to the bridges' gateway addresses).

One `SKIFF-HOST` chain in the filter table, entered from INPUT for traffic arriving on skiff's
bridges (interfaces `sk…`, see `skiff.net.bridges.bridge_device`).
"""

from __future__ import annotations

import logging

from skiff.net.commands import run

log = logging.getLogger("skiff.net.guard")

CHAIN = "SKIFF-HOST"
BRIDGES = "sk+"


def rules(endpoint: str) -> tuple[tuple[str, ...], ...]:
    return (
        ("-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT"),
        ("-d", f"{endpoint}/32", "-p", "tcp", "-j", "ACCEPT"),
        ("-j", "DROP"),
    )


async def guard_host(endpoint: str) -> bool:
    """Install (or refresh) the chain letting tasks reach only `endpoint`; False where iptables
    is not usable."""
    await run("iptables", "-w", "-N", CHAIN)
    code, out = await run("iptables", "-w", "-F", CHAIN)
    if code != 0:
        log.warning("cannot manage the %s chain: %s", CHAIN, out.strip())
        return False
    for rule in rules(endpoint):
        await run("iptables", "-w", "-A", CHAIN, *rule)
    jump = ("INPUT", "-i", BRIDGES, "-j", CHAIN)
    if (await run("iptables", "-w", "-C", *jump))[0] != 0:
        code, out = await run("iptables", "-w", "-I", *jump)
        if code != 0:
            log.warning("cannot guard the host from tasks: %s", out.strip())
            return False
    return True
