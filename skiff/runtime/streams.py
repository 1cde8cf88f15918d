"""Decoders for the Docker Engine API's streaming bodies.

Docker streams three shapes of body that `skiff.runtime.docker` reads:

* newline-delimited JSON (`/events`, `/images/create`): `json_lines`;
* multiplexed log frames (`/containers/{id}/logs` of a container without a TTY): an 8-byte header
  (stream type, three zero bytes, big-endian payload length) then the payload, one log message a
  frame: `demux_batches` (a list of lines per chunk) or `demux_lines`;
* raw bytes (logs of a TTY container): `raw_batches` or `raw_lines`.

Each decoder takes an aiohttp `StreamReader` and stops quietly at the end of the body. The module
also reads the error texts out of Docker's replies (`error_message`, `pull_error`).
"""

from __future__ import annotations

import json
import struct
from collections.abc import AsyncIterator, Mapping
from typing import Any

from aiohttp import StreamReader

_HEADER = struct.Struct(">BxxxL")
_STREAMS = {0: "stdout", 1: "stdout", 2: "stderr"}  # 0 is stdin (only echoed by attach)


class StreamFormatError(ValueError):
    """The body does not follow the framing Docker promises."""


async def json_lines(reader: StreamReader) -> AsyncIterator[dict[str, Any]]:
    """Each JSON object of a newline-delimited JSON body; blank lines are skipped."""
    buffer = b""
    async for chunk in reader.iter_any():
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            decoded = _decode(line)
            if decoded is not None:
                yield decoded
    decoded = _decode(buffer)
    if decoded is not None:
        yield decoded


def _decode(line: bytes) -> dict[str, Any] | None:
    line = line.strip()
    if not line:
        return None
    try:
        value = json.loads(line)
    except ValueError as exc:
        raise StreamFormatError(f"invalid JSON line from Docker: {line[:200]!r}") from exc
    if not isinstance(value, dict):
        raise StreamFormatError(f"expected a JSON object from Docker, got {line[:200]!r}")
    return value


async def demux_batches(reader: StreamReader) -> AsyncIterator[list[tuple[str, bytes]]]:
    """("stdout" | "stderr", line) pairs of a multiplexed log body, a list per chunk received.

    A frame is one log message. Docker's log drivers cut lines longer than 16 KiB into several
    messages, and a program's last output may lack a newline: a message's trailing fragment
    without a newline is therefore yielded as a line of its own rather than held back (which
    would also stall `follow` readers on a prompt). Frames are cut out of each chunk in one
    synchronous pass, so a chatty container costs one await per chunk, not two per line.
    """
    buffer = b""
    async for chunk in reader.iter_any():
        buffer = buffer + chunk if buffer else chunk
        batch: list[tuple[str, bytes]] = []
        at, size_all = 0, len(buffer)
        while size_all - at >= _HEADER.size:
            kind, size = _HEADER.unpack_from(buffer, at)
            end = at + _HEADER.size + size
            if end > size_all:
                break
            stream = _stream(kind)
            payload = buffer[at + _HEADER.size : end]
            if payload.find(b"\n") == size - 1:  # the usual frame: one whole line
                batch.append((stream, payload[:-1]))
            else:
                batch.extend((stream, line) for line in _split(payload))
            at = end
        buffer = buffer[at:]
        if batch:
            yield batch
    if len(buffer) >= _HEADER.size:  # the body ended inside a frame: keep what came of it
        kind, _size = _HEADER.unpack_from(buffer, 0)
        rest = [(_stream(kind), line) for line in _split(buffer[_HEADER.size :])]
        if rest:
            yield rest


def _stream(kind: int) -> str:
    stream = _STREAMS.get(kind)
    if stream is None:
        raise StreamFormatError(f"unknown Docker stream type {kind} (is the container a TTY?)")
    return stream


async def demux_lines(reader: StreamReader) -> AsyncIterator[tuple[str, bytes]]:
    """("stdout" | "stderr", line) for each line of a multiplexed log body (`demux_batches`)."""
    async for batch in demux_batches(reader):
        for item in batch:
            yield item


async def raw_batches(reader: StreamReader, stream: str = "stdout") -> AsyncIterator[list[tuple[str, bytes]]]:
    """(stream, line) pairs of an unframed body (a TTY container's output), a list per chunk."""
    buffer = b""
    async for chunk in reader.iter_any():
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        if lines:
            yield [(stream, _strip_cr(line)) for line in lines]
    if buffer:
        yield [(stream, _strip_cr(buffer))]


async def raw_lines(reader: StreamReader, stream: str = "stdout") -> AsyncIterator[tuple[str, bytes]]:
    """(stream, line) for each line of an unframed body (a TTY container's output)."""
    async for batch in raw_batches(reader, stream):
        for item in batch:
            yield item


def _split(payload: bytes) -> list[bytes]:
    if not payload:
        return []
    lines = payload.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    return lines


def _strip_cr(line: bytes) -> bytes:
    # A TTY turns "\n" into "\r\n".
    return line[:-1] if line.endswith(b"\r") else line


def error_message(body: bytes, reason: str | None) -> str:
    """The `message` of an error reply's JSON body (or its text, or the HTTP reason)."""
    text = body.decode("utf-8", "replace").strip()
    try:
        decoded = json.loads(text)
    except ValueError:
        decoded = None
    if isinstance(decoded, dict) and isinstance(decoded.get("message"), str):
        return str(decoded["message"])
    return text or reason or "unknown error"


def pull_error(message: Mapping[str, Any]) -> str | None:
    """The error text of a line of `/images/create` progress, if it reports one."""
    detail = message.get("errorDetail")
    if isinstance(detail, dict) and detail.get("message"):
        return str(detail["message"])
    if message.get("error"):
        return str(message["error"])
    if detail:
        return str(detail)
    return None
