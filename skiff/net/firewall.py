"""Applies the security groups' chains (skiff/net/sg_render.py) to the host's filter table.

One `iptables-restore --noflush` replaces every chain of this server at once (declaring a chain
flushes it), so a change never leaves a half-written group; the entry chains are jumped to from the
top of INPUT, FORWARD (through Docker's DOCKER-USER) and OUTPUT; chains carrying this server's tag
that the new rendering no longer has (a group or task gone, or left by a server of this data dir
that was killed) are flushed and deleted. Where iptables is missing or refuses, one warning is
logged and skiff carries on unguarded.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time

from skiff.net.commands import run
from skiff.net.firewall_owners import Ownership
from skiff.net.sg_render import Rendered, entry_chains

log = logging.getLogger("skiff.net.firewall")

FORWARD_HOOK = "DOCKER-USER"
# an unchanged rendering is written again this often: chains or jumps someone else removed come back
REFRESH_SECONDS = 10.0


# any server's chain: SK<kind>-<tag>-<hash or entry name>
ANY_CHAIN = re.compile(r"^SK[A-Z]+-([0-9a-f]{8})-[0-9A-Za-z]+$")


async def restore(text: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        "iptables-restore", "-w", "--noflush",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await process.communicate(text.encode())
    return process.returncode or 0, output.decode(errors="replace")


def restore_text(chains: dict[str, list[tuple[str, ...]]], *, rules: bool = True) -> str:
    lines = ["*filter"]
    lines += [f":{name} - [0:0]" for name in chains]
    if rules:
        for name, body in chains.items():
            lines += [" ".join(("-A", name, *rule)) for rule in body]
    return "\n".join([*lines, "COMMIT", ""])


class Firewall:
    """This server's chains, tagged `tag`."""

    def __init__(self, tag: str, owners: Ownership | None = None) -> None:
        self.tag = tag
        self.owners = owners or Ownership(tag)
        self.applied: Rendered | None = None
        self.applied_at = 0.0
        self.usable = True
        self._warned: str | None = None

    def _warn(self, message: str) -> None:
        if message != self._warned:
            log.warning("security groups are not enforced: %s", message)
            self._warned = message

    async def apply(self, rendered: Rendered) -> bool:
        """Make the host's chains of this tag exactly `rendered`; False when iptables is unusable."""
        if not self.usable:
            return False
        if rendered == self.applied and time.monotonic() - self.applied_at < REFRESH_SECONDS:
            return True
        self.owners.heartbeat()
        try:
            found = await all_chains()
            existing = found.pop(self.tag, set())
            if rendered.chains:
                code, out = await restore(restore_text(rendered.chains))
                if code != 0:
                    self._warn(f"iptables-restore: {out.strip()}")
                    return False
                await self._jump(rendered.jumps)
            await remove_chains(self.tag, existing - set(rendered.chains))
            await self._sweep_abandoned(found)
        except FileNotFoundError as exc:
            self._warn(f"{exc.filename or 'iptables'} not found")
            self.usable = False
            return False
        except OSError as exc:
            self._warn(str(exc))
            return False
        self.applied = rendered
        self.applied_at = time.monotonic()
        self._warned = None
        return True

    async def _jump(self, jumps: dict[str, str]) -> None:
        """Jump to the entry chains from the top of their built-in chains. Forwarded traffic is
        entered from DOCKER-USER where Docker made it: Docker puts that chain first in FORWARD
        again whenever the engine starts, ahead of its own ACCEPTs for the bridges, which a jump
        at the top of FORWARD would end up behind."""
        forward_from = FORWARD_HOOK if await self._has_chain(FORWARD_HOOK) else "FORWARD"
        for builtin, entry in jumps.items():
            hook = forward_from if builtin == "FORWARD" else builtin
            if (await run("iptables", "-w", "-C", hook, "-j", entry))[0] != 0:
                code, out = await run("iptables", "-w", "-I", hook, "1", "-j", entry)
                if code != 0:
                    self._warn(f"cannot jump from {hook}: {out.strip()}")

    @staticmethod
    async def _has_chain(name: str) -> bool:
        return (await run("iptables", "-w", "-S", name))[0] == 0

    async def _sweep_abandoned(self, found: dict[str, set[str]]) -> None:
        """Remove the chains of servers that no longer run (see skiff/net/firewall_owners.py)."""
        for tag in sorted(set(found) | set(self.owners.known_tags())):
            names = found.get(tag, set())
            with self.owners.abandoned(tag) as gone:  # a gone owner's lock file goes too
                if gone and names:
                    log.info(
                        "removing %d security group chains of a server that no longer runs (%s)",
                        len(names),
                        tag,
                    )
                    await remove_chains(tag, names)

    async def withdraw(self) -> None:
        """Remove every chain of this tag (state reset, or a test's clean-up)."""
        self.applied = None
        usable, self.usable = self.usable, True
        await self.apply(Rendered({}, {}))
        self.usable = usable
        self.applied = None


async def all_chains() -> dict[str, set[str]]:
    """Every server's chains in the filter table now, by tag."""
    code, out = await run("iptables", "-w", "-S")
    if code != 0:
        raise OSError(out.strip())
    found: dict[str, set[str]] = {}
    for line in out.splitlines():
        if line.startswith("-N "):
            name = line[3:].strip()
            matched = ANY_CHAIN.match(name)
            if matched:
                found.setdefault(matched.group(1), set()).add(name)
    return found


async def remove_chains(tag: str, stale: set[str]) -> None:
    """Delete `stale` chains of `tag`, and the built-in chains' jumps to its entry chains."""
    if not stale:
        return
    for builtin, entry in entry_chains(tag).items():
        if entry not in stale:
            continue
        for hook in (builtin, FORWARD_HOOK) if builtin == "FORWARD" else (builtin,):
            while (await run("iptables", "-w", "-D", hook, "-j", entry))[0] == 0:
                pass
    doomed: dict[str, list[tuple[str, ...]]] = {name: [] for name in sorted(stale)}
    await restore(restore_text(doomed, rules=False))  # flushed first: they may jump to each other
    code, out = await restore("*filter\n" + "".join(f"-X {name}\n" for name in doomed) + "COMMIT\n")
    if code != 0:
        log.warning("stale security group chains stay: %s", out.strip())


async def remove_tag(tag: str) -> None:
    """Remove every chain of `tag` now, whoever owns it (a finished test server's clean-up)."""
    await remove_chains(tag, (await all_chains()).get(tag, set()))


async def sweep_abandoned(grace: float = 0.0) -> int:
    """Remove every chain whose server no longer runs (a test suite's clean-up); how many."""
    owners = Ownership("")
    removed = 0
    found = await all_chains()
    for tag in sorted(set(found) | set(owners.known_tags())):
        names = found.get(tag, set())
        with owners.abandoned(tag, grace) as gone:
            if gone:
                await remove_chains(tag, names)
                removed += len(names)
    return removed
