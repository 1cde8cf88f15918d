"""S3's signed streaming uploads: every chunk of a `STREAMING-AWS4-HMAC-SHA256-PAYLOAD` body
carries a signature chained to the previous one, starting from the request's own (the seed).

A body is `<hex size>;chunk-signature=<sig>\\r\\n<data>\\r\\n` ... ending with a zero-size chunk,
and, for the `-TRAILER` variant, trailing headers and `x-amz-trailer-signature:<sig>`. Each
signature is checked before the body is decoded, so a tampered or reordered chunk is refused.
"""

from __future__ import annotations

import hashlib
import re

from skiff.auth.signature import ALGORITHM, EMPTY_SHA256, Signed, matches, sign

_CHUNK_HEADER = re.compile(rb"^([0-9a-fA-F]{1,16});chunk-signature=([0-9a-f]{64})$")
_TRAILER_SIGNATURE = "x-amz-trailer-signature"
MAX_CHUNK_HEADER = 512


class MalformedChunk(Exception):
    """The body is not a well-formed signed chunk stream."""


class ChunkSignatureMismatch(Exception):
    """A chunk's (or the trailer's) signature is not the one its data and chain give."""


def _chunk_string(signed: Signed, previous: str, data: bytes) -> str:
    return "\n".join(
        (
            f"{ALGORITHM}-PAYLOAD",
            signed.amz_date,
            signed.scope,
            previous,
            EMPTY_SHA256,
            hashlib.sha256(data).hexdigest(),
        )
    )


def _trailer_string(signed: Signed, previous: str, trailer: bytes) -> str:
    digest = hashlib.sha256(trailer).hexdigest()
    return f"{ALGORITHM}-TRAILER\n{signed.amz_date}\n{signed.scope}\n{previous}\n{digest}"


def verify(body: bytes, signed: Signed, key: bytes, *, trailer: bool) -> None:
    """Check every chunk signature of `body` (seeded with the request's signature)."""
    previous = signed.signature
    pos = 0
    while True:
        eol = body.find(b"\r\n", pos, pos + MAX_CHUNK_HEADER)
        if eol < 0:
            raise MalformedChunk("a chunk header is missing or too long")
        match = _CHUNK_HEADER.match(body[pos:eol])
        if match is None:
            raise MalformedChunk("a chunk header is not <hex size>;chunk-signature=<signature>")
        size = int(match.group(1), 16)
        start = eol + 2
        data = body[start : start + size]
        if len(data) != size:
            raise MalformedChunk("a chunk is shorter than its declared size")
        expected = sign(key, _chunk_string(signed, previous, data))
        if not matches(expected, match.group(2).decode("ascii")):
            raise ChunkSignatureMismatch("chunk signature mismatch")
        previous = expected
        pos = start + size
        if size == 0:
            break
        if body[pos : pos + 2] != b"\r\n":
            raise MalformedChunk("a chunk's data is not followed by CRLF")
        pos += 2
    rest = body[pos:]
    if not trailer:
        if rest.strip(b"\r\n"):
            raise MalformedChunk("data follows the final chunk")
        return
    _verify_trailer(rest, signed, key, previous)


def _verify_trailer(rest: bytes, signed: Signed, key: bytes, previous: str) -> None:
    headers: list[bytes] = []
    signature: str | None = None
    for line in rest.split(b"\r\n"):
        if not line.strip():
            continue
        name, sep, value = line.partition(b":")
        if not sep:
            raise MalformedChunk("a trailing header is not name:value")
        if name.strip().lower().decode("latin-1") == _TRAILER_SIGNATURE:
            signature = value.strip().decode("latin-1")
        else:
            headers.append(name.strip().lower() + b":" + value.strip() + b"\n")
    if signature is None:
        raise MalformedChunk("the trailer has no x-amz-trailer-signature")
    expected = sign(key, _trailer_string(signed, previous, b"".join(headers)))
    if not matches(expected, signature):
        raise ChunkSignatureMismatch("trailer signature mismatch")
