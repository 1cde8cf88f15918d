"""Docker's multiplexed and raw log bodies decoded in batches, whatever the chunk boundaries."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import AsyncIterator, Callable

import pytest
from aiohttp import StreamReader
from aiohttp.base_protocol import BaseProtocol

from skiff.runtime.streams import StreamFormatError, demux_batches, demux_lines, raw_batches


def frame(kind: int, payload: bytes) -> bytes:
    return struct.pack(">BxxxL", kind, len(payload)) + payload


async def decode(
    body: bytes, chunk: int, decoder: Callable[[StreamReader], AsyncIterator[list[tuple[str, bytes]]]]
) -> list[list[tuple[str, bytes]]]:
    loop = asyncio.get_running_loop()
    reader = StreamReader(BaseProtocol(loop), 2**30, loop=loop)
    for at in range(0, len(body), chunk):
        reader.feed_data(body[at : at + chunk])
    reader.feed_eof()
    return [batch async for batch in decoder(reader)]


BODY = (
    frame(1, b"one\n")
    + frame(2, b"err\n")
    + frame(1, b"two\nthree\n")  # a message holding two lines
    + frame(1, b"a long line cut by the driver ")  # no newline: a line of its own
    + frame(1, b"and its end\n")
    + frame(1, b"\n")  # an empty line
    + frame(1, b"prompt> ")
)
LINES = [
    ("stdout", b"one"),
    ("stderr", b"err"),
    ("stdout", b"two"),
    ("stdout", b"three"),
    ("stdout", b"a long line cut by the driver "),
    ("stdout", b"and its end"),
    ("stdout", b""),
    ("stdout", b"prompt> "),
]


@pytest.mark.parametrize("chunk", [1, 3, 8, 9, 13, len(BODY)])
def test_frames_split_anywhere_give_the_same_lines(chunk: int) -> None:
    batches = asyncio.run(decode(BODY, chunk, demux_batches))
    assert [item for batch in batches for item in batch] == LINES
    assert all(batches)  # no empty batch is handed out


def test_one_chunk_is_one_batch() -> None:
    assert len(asyncio.run(decode(BODY, len(BODY), demux_batches))) == 1


def test_a_body_cut_inside_a_frame_keeps_what_came() -> None:
    body = frame(1, b"whole\n") + frame(1, b"cut off here\nnever")[:-3]
    batches = asyncio.run(decode(body, 5, demux_batches))
    assert [item for batch in batches for item in batch] == [
        ("stdout", b"whole"),
        ("stdout", b"cut off here"),
        ("stdout", b"ne"),
    ]
    header_only = frame(1, b"x\n") + b"\x01\x00\x00"
    assert asyncio.run(decode(header_only, 4, demux_batches)) == [[("stdout", b"x")]]


def test_an_unknown_stream_type_is_a_format_error() -> None:
    with pytest.raises(StreamFormatError, match="unknown Docker stream type 7"):
        asyncio.run(decode(frame(7, b"tty?\n"), 64, demux_batches))


def test_demux_lines_yields_the_same_lines_one_by_one() -> None:
    async def lines() -> list[tuple[str, bytes]]:
        loop = asyncio.get_running_loop()
        reader = StreamReader(BaseProtocol(loop), 2**30, loop=loop)
        reader.feed_data(BODY)
        reader.feed_eof()
        return [item async for item in demux_lines(reader)]

    assert asyncio.run(lines()) == LINES


@pytest.mark.parametrize("chunk", [1, 4, 100])
def test_raw_bodies_split_on_newlines_without_the_tty_carriage_return(chunk: int) -> None:
    batches = asyncio.run(decode(b"one\r\ntwo\n\r\nlast", chunk, raw_batches))
    assert [item for batch in batches for item in batch] == [
        ("stdout", b"one"),
        ("stdout", b"two"),
        ("stdout", b""),
        ("stdout", b"last"),
    ]
