"""Names that are not skiff's: answered as the host would answer them.

First the host's hosts file (skiff writes load balancer and registry names there through
`skiff.net.hosts`), re-read when it changes; then the nameservers of the host's resolv.conf,
asked over UDP (TCP for queries that came over TCP), each in turn, with a timeout. No answer at
all is SERVFAIL, as a resolver says when its upstreams fail.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import random
import struct
import time
from pathlib import Path
from typing import Any

from skiff.dns.wire import TYPES, Question, encode_record, response

log = logging.getLogger("skiff.dns.forwarding")

HOSTS_TTL = 0  # names from the hosts file may change at any moment
UPSTREAM_TIMEOUT = 2.0
RECHECK_SECONDS = 0.5


class HostsFile:
    """Names → addresses of a hosts file, re-read when its modification time changes."""

    def __init__(self, path: Path = Path("/etc/hosts")) -> None:
        self.path = path
        self._stamp: float | None = None
        self._checked = 0.0
        self._names: dict[str, list[str]] = {}

    def addresses(self, name: str) -> list[str] | None:
        now = time.monotonic()
        if now - self._checked >= RECHECK_SECONDS:
            self._checked = now
            try:
                stamp = self.path.stat().st_mtime
            except OSError:
                stamp = None
            if stamp != self._stamp:
                self._stamp = stamp
                self._names = self._read()
        return self._names.get(name)

    def _read(self) -> dict[str, list[str]]:
        names: dict[str, list[str]] = {}
        try:
            text = self.path.read_text(errors="replace")
        except OSError:
            return names
        for line in text.splitlines():
            fields = line.split("#", 1)[0].split()
            if len(fields) < 2:
                continue
            try:
                ipaddress.ip_address(fields[0])
            except ValueError:
                continue
            for host in fields[1:]:
                names.setdefault(host.lower().rstrip(".") + ".", []).append(fields[0])
        return names


def nameservers(path: Path = Path("/etc/resolv.conf")) -> list[tuple[str, int]]:
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return []
    found = [line.split()[1] for line in lines if line.startswith("nameserver") and len(line.split()) > 1]
    return [(n, 53) for n in found if n.count(".") == 3 or ":" in n]


def hosts_answer(packet: bytes, question: Question, addresses: list[str]) -> bytes:
    """The hosts file knows the name: its addresses of the asked family (none: NODATA)."""
    family = {TYPES["A"]: 4, TYPES["AAAA"]: 6}.get(question.qtype)
    answers = []
    for address in addresses:
        parsed = ipaddress.ip_address(address)
        if parsed.version == family:
            kind = "A" if family == 4 else "AAAA"
            answers.append(encode_record(question.name, kind, HOSTS_TTL, address, question.name))
    return response(packet, question, 0, answers, authoritative=False)


class _UpstreamProtocol(asyncio.DatagramProtocol):
    def __init__(self, forwarder: Forwarder) -> None:
        self.forwarder = forwarder

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self.forwarder._reply(data)


class Forwarder:
    """Sends queries on to the host's nameservers over one UDP socket, matching replies by id."""

    def __init__(
        self, servers: list[tuple[str, int]] | None = None, timeout: float = UPSTREAM_TIMEOUT
    ) -> None:
        self.servers = servers if servers is not None else nameservers()
        self.timeout = timeout
        self._transport: asyncio.DatagramTransport | None = None
        self._waiting: dict[int, asyncio.Future[bytes]] = {}

    async def _socket(self) -> asyncio.DatagramTransport:
        if self._transport is None or self._transport.is_closing():
            loop = asyncio.get_running_loop()
            self._transport, _ = await loop.create_datagram_endpoint(
                lambda: _UpstreamProtocol(self), local_addr=("0.0.0.0", 0)
            )
        return self._transport

    def _reply(self, data: bytes) -> None:
        if len(data) < 2:
            return
        (ident,) = struct.unpack_from("!H", data, 0)
        waiter = self._waiting.pop(ident, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(data)

    def _free_id(self) -> int:
        while True:
            ident = random.getrandbits(16)
            if ident not in self._waiting:
                return ident

    async def forward(self, packet: bytes, tcp: bool = False) -> bytes | None:
        """The upstream's reply (with the client's id), or None when no nameserver answered."""
        for server in self.servers:
            reply = await (self._ask_tcp(server, packet) if tcp else self._ask_udp(server, packet))
            if reply is not None:
                return packet[:2] + reply[2:]
        return None

    async def _ask_udp(self, server: tuple[str, int], packet: bytes) -> bytes | None:
        transport = await self._socket()
        ident = self._free_id()
        waiter: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._waiting[ident] = waiter
        try:
            transport.sendto(struct.pack("!H", ident) + packet[2:], server)
            return await asyncio.wait_for(waiter, self.timeout)
        except (TimeoutError, OSError) as exc:
            log.debug("nameserver %s did not answer: %r", server, exc)
            return None
        finally:
            self._waiting.pop(ident, None)

    async def _ask_tcp(self, server: tuple[str, int], packet: bytes) -> bytes | None:
        writer = None
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(*server), self.timeout)
            writer.write(struct.pack("!H", len(packet)) + packet)
            await writer.drain()
            (size,) = struct.unpack("!H", await asyncio.wait_for(reader.readexactly(2), self.timeout))
            return await asyncio.wait_for(reader.readexactly(size), self.timeout)
        except (TimeoutError, OSError, asyncio.IncompleteReadError) as exc:
            log.debug("nameserver %s did not answer over TCP: %r", server, exc)
            return None
        finally:
            if writer is not None:
                writer.close()
                with contextlib.suppress(Exception):
                    await writer.wait_closed()

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
        for waiter in self._waiting.values():
            waiter.cancel()
        self._waiting.clear()


__all__ = ["Forwarder", "HostsFile", "hosts_answer", "nameservers"]
