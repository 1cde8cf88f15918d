"""Running the host's network tools (`ip`, `iptables`) without blocking the event loop."""

from __future__ import annotations

import asyncio


async def run(*argv: str) -> tuple[int, str]:
    """Exit code and combined output of one command."""
    process = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode(errors="replace")
