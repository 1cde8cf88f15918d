"""The DNS server tasks reach: UDP and TCP on one address and port of this skiff server.

Tasks send to their subnet's gateway on port 53; `skiff.dns.redirect` sends that traffic here
(kernel DNAT), so several servers can share a host and its bridges. Local answers are given from
the datagram handler itself; forwarded ones in their own task.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import struct
from collections.abc import Coroutine
from typing import Any, cast

from skiff.dns.resolver import Resolver

log = logging.getLogger("skiff.dns.server")


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, server: DnsServer) -> None:
        self.server = server
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)  # selector transports subclass no ABC

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        resolver = self.server.resolver
        try:
            reply = resolver.local(data, addr[0])
        except Exception:
            log.exception("query from %s failed", addr[0])
            return
        if reply is not None:
            if self.transport is not None:
                self.transport.sendto(reply, addr)
            return
        self.server.spawn(self._forward(data, addr))

    async def _forward(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        reply = await self.server.resolver.resolve(data, addr[0])
        if reply is not None and self.transport is not None and not self.transport.is_closing():
            self.transport.sendto(reply, addr)


class DnsServer:
    def __init__(self, resolver: Resolver, host: str, port: int = 0) -> None:
        self.resolver = resolver
        self.host = host
        self.port = port
        self._udp: asyncio.DatagramTransport | None = None
        self._tcp: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def start(self) -> int:
        """Bind UDP and TCP on the same port (a free one when `port` is 0); the port."""
        loop = asyncio.get_running_loop()
        for _ in range(20):
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            udp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
            try:
                udp.bind((self.host, self.port))
                port = int(udp.getsockname()[1])
                self._tcp = await asyncio.start_server(self._serve_tcp, self.host, port, reuse_address=True)
            except OSError:
                udp.close()
                if self.port:
                    raise
                continue
            self._udp, _ = await loop.create_datagram_endpoint(lambda: _Udp(self), sock=udp)
            self.port = port
            return port
        raise OSError(f"no free port for DNS on {self.host}")

    async def _serve_tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername") or ("", 0)
        try:
            while True:
                (size,) = struct.unpack("!H", await asyncio.wait_for(reader.readexactly(2), 10))
                packet = await asyncio.wait_for(reader.readexactly(size), 10)
                reply = await self.resolver.resolve(packet, peer[0], tcp=True)
                if reply is None:
                    break
                writer.write(struct.pack("!H", len(reply)) + reply)
                await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def stop(self) -> None:
        if self._udp is not None:
            self._udp.close()
        if self._tcp is not None:
            self._tcp.close()
            with contextlib.suppress(Exception):
                await self._tcp.wait_closed()
        for task in list(self._tasks):
            task.cancel()
        self.resolver.forwarder.close()
