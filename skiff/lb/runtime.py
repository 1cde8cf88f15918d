"""HAProxy's runtime API (the admin stats socket) and master CLI: commands and the stat tables.

Each command is one connection (HAProxy's non-interactive mode): send a line, read to EOF.
`show stat` is CSV with a `# ` header; `show servers state` is space-separated with a
`# ` header after a version line. Both come back as dicts by column name.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
from pathlib import Path

TIMEOUT = 5.0


class CommandError(Exception):
    """HAProxy refused a runtime command (its own message)."""


async def command(socket_path: Path, line: str, timeout: float = TIMEOUT) -> str:
    async def exchange() -> str:
        reader, writer = await asyncio.open_unix_connection(str(socket_path))
        try:
            writer.write(line.encode() + b"\n")
            await writer.drain()
            return (await reader.read()).decode(errors="replace")
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()

    return await asyncio.wait_for(exchange(), timeout)


def parse_stat(text: str) -> list[dict[str, str]]:
    """`show stat` CSV rows (FRONTEND, BACKEND and server rows alike)."""
    lines = text.splitlines()
    if not lines or not lines[0].startswith("# "):
        return []
    header = lines[0][2:].split(",")
    reader = csv.reader(io.StringIO("\n".join(line for line in lines[1:] if line.strip())))
    return [dict(zip(header, row, strict=False)) for row in reader]


def parse_servers_state(text: str) -> list[dict[str, str]]:
    """`show servers state` rows."""
    header: list[str] = []
    rows = []
    for line in text.splitlines():
        if line.startswith("# "):
            header = line[2:].split()
        elif header and line.strip() and not line.strip().isdigit():
            rows.append(dict(zip(header, line.split(), strict=False)))
    return rows


class Runtime:
    """The admin socket of one HAProxy."""

    def __init__(self, socket_path: Path) -> None:
        self.socket_path = socket_path

    async def run(self, line: str) -> str:
        return await command(self.socket_path, line)

    async def checked(self, line: str, ok: tuple[str, ...] = ()) -> str:
        """Run a command whose success prints nothing (or one of `ok`); raise with HAProxy's text."""
        out = (await self.run(line)).strip()
        if out and not any(out.startswith(prefix) for prefix in ok):
            raise CommandError(f"{line!r}: {out}")
        return out

    async def answers(self) -> bool:
        try:
            return "Name: HAProxy" in await command(self.socket_path, "show info", timeout=1.0)
        except (OSError, TimeoutError):
            return False

    async def stat(self) -> list[dict[str, str]]:
        return parse_stat(await self.run("show stat"))

    async def servers_state(self) -> list[dict[str, str]]:
        return parse_servers_state(await self.run("show servers state"))

    async def add_server(self, backend: str, server: str, args: str, checked: bool) -> None:
        """A dynamic server (`add server` starts it in maintenance, checks off): checks on, ready."""
        await self.checked(f"add server {backend}/{server} {args}", ok=("New server registered",))
        if checked:
            await self.checked(f"enable health {backend}/{server}")
        await self.checked(f"enable server {backend}/{server}")

    async def del_server(self, backend: str, server: str) -> None:
        await self.checked(f"set server {backend}/{server} state maint")
        await self.checked(f"shutdown sessions server {backend}/{server}")
        await self.checked(f"del server {backend}/{server}", ok=("Server deleted",))

    async def set_state(self, backend: str, server: str, state: str) -> None:
        await self.checked(f"set server {backend}/{server} state {state}")

    async def set_weight(self, backend: str, server: str, weight: int) -> None:
        await self.checked(f"set server {backend}/{server} weight {weight}")
