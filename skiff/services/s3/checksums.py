"""Digests of object bodies: MD5 (ETags), SHA-256 (integrity on disk) and the checksums clients send.

`Digests` runs over a body once, as it is written: MD5 for the ETag, SHA-256 of the whole body,
SHA-256 of every `BLOCK` bytes (so a ranged read verifies only the blocks it touches), and the
flexible checksums (`x-amz-checksum-*`) skiff can compute with the standard library: CRC32, SHA-1
and SHA-256. CRC32C and CRC64NVME need native code botocore only has with awscrt; skiff neither
verifies nor returns them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from skiff.services.s3.exceptions import S3Error, s3_error

BLOCK = 1 << 20
DIGEST_SIZE = 32
# Flexible checksum algorithm -> the member name botocore uses for its value.
CHECKSUM_MEMBERS = {
    "CRC32": "ChecksumCRC32",
    "CRC32C": "ChecksumCRC32C",
    "CRC64NVME": "ChecksumCRC64NVME",
    "SHA1": "ChecksumSHA1",
    "SHA256": "ChecksumSHA256",
}
COMPUTABLE = ("CRC32", "SHA1", "SHA256")


class _Crc32:
    """CRC32 with hashlib's update/digest interface."""

    def __init__(self) -> None:
        self.value = 0

    def update(self, data: bytes | memoryview) -> None:
        self.value = zlib.crc32(data, self.value)

    def digest(self) -> bytes:
        return self.value.to_bytes(4, "big")


def _hasher(algorithm: str) -> Any:
    if algorithm == "CRC32":
        return _Crc32()
    if algorithm == "SHA1":
        return hashlib.sha1(usedforsecurity=False)
    return hashlib.sha256()


def checksum_of(algorithm: str, data: bytes) -> str:
    """The base64 checksum of `data` with one of the COMPUTABLE algorithms."""
    hasher = _hasher(algorithm)
    hasher.update(data)
    return base64.b64encode(hasher.digest()).decode("ascii")


@dataclass
class BodyDigest:
    """What is known about a body once it is written."""

    size: int
    md5: str  # hex
    sha256: str  # hex
    blocks: bytes  # SHA-256 of each BLOCK, concatenated
    checksums: dict[str, str] = field(default_factory=dict)  # algorithm -> base64

    @property
    def etag(self) -> str:
        return f'"{self.md5}"'


class Digests:
    """Running digests over a body fed in pieces."""

    def __init__(self, algorithms: Iterable[str] = ()) -> None:
        self.size = 0
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._sha256 = hashlib.sha256()
        self._blocks = bytearray()
        self._block = hashlib.sha256()
        self._fill = 0
        self._extra = {name: _hasher(name) for name in algorithms if name in COMPUTABLE}

    def update(self, data: bytes | memoryview) -> None:
        view = memoryview(data)
        self._md5.update(view)
        self._sha256.update(view)
        for hasher in self._extra.values():
            hasher.update(view)
        self.size += len(view)
        while view:
            take = min(BLOCK - self._fill, len(view))
            self._block.update(view[:take])
            self._fill += take
            view = view[take:]
            if self._fill == BLOCK:
                self._blocks += self._block.digest()
                self._block = hashlib.sha256()
                self._fill = 0

    def finish(self) -> BodyDigest:
        if self._fill:
            self._blocks += self._block.digest()
            self._fill = 0
        return BodyDigest(
            size=self.size,
            md5=self._md5.hexdigest(),
            sha256=self._sha256.hexdigest(),
            blocks=bytes(self._blocks),
            checksums={
                name: base64.b64encode(hasher.digest()).decode("ascii")
                for name, hasher in self._extra.items()
            },
        )


def content_md5(value: str) -> str:
    """The hex MD5 a Content-MD5 header (base64 of 16 bytes) names, or InvalidDigest."""
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _invalid_digest() from exc
    if len(raw) != 16:
        raise _invalid_digest()
    return raw.hex()


def _invalid_digest() -> S3Error:
    return s3_error("InvalidDigest", "The Content-MD5 you specified was invalid.")


def sent_checksums(params: Mapping[str, Any]) -> dict[str, str]:
    """The flexible checksums the client sent with a body (algorithm -> base64 value)."""
    return {name: str(params[member]) for name, member in CHECKSUM_MEMBERS.items() if params.get(member)}


def requested_algorithms(params: Mapping[str, Any], *extra: str | None) -> list[str]:
    """Algorithms to compute while writing: those sent, the SDK's declared one, and `extra`."""
    wanted = set(sent_checksums(params))
    for name in (params.get("ChecksumAlgorithm"), *extra):
        if name:
            wanted.add(str(name).upper())
    return sorted(name for name in wanted if name in COMPUTABLE)


def verify_body(digest: BodyDigest, params: Mapping[str, Any]) -> dict[str, str]:
    """Check Content-MD5 and the computable flexible checksums against the written body.

    Returns the checksums to record (the computable ones the client sent, or asked for through
    `x-amz-sdk-checksum-algorithm`)."""
    md5 = params.get("ContentMD5")
    if md5 and content_md5(str(md5)) != digest.md5:
        raise s3_error(
            "BadDigest",
            "The Content-MD5 you specified did not match what we received.",
            ExpectedDigest=str(md5),
            CalculatedDigest=base64.b64encode(bytes.fromhex(digest.md5)).decode("ascii"),
        )
    for name, value in sent_checksums(params).items():
        if name in digest.checksums and digest.checksums[name] != value:
            raise s3_error("BadDigest", f"The {name} you specified did not match the calculated checksum.")
    return dict(digest.checksums)


def composite_checksum(algorithm: str, part_values: list[str]) -> str:
    """S3's COMPOSITE checksum of a multipart object: the checksum of the parts' raw checksums."""
    hasher = _hasher(algorithm)
    for value in part_values:
        hasher.update(base64.b64decode(value))
    return base64.b64encode(hasher.digest()).decode("ascii") + f"-{len(part_values)}"


def multipart_etag(part_md5s: list[str]) -> str:
    """`"<md5 of the concatenated binary part MD5s>-<number of parts>"`."""
    joined = b"".join(bytes.fromhex(md5) for md5 in part_md5s)
    return f'"{hashlib.md5(joined, usedforsecurity=False).hexdigest()}-{len(part_md5s)}"'


def checksum_fields(checksums: Mapping[str, str]) -> dict[str, str]:
    """Checksums as output members (ChecksumCRC32: ...)."""
    return {CHECKSUM_MEMBERS[name]: value for name, value in checksums.items() if name in CHECKSUM_MEMBERS}
