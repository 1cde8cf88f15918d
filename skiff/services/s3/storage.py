"""Object bodies on disk: `<data dir>/s3/<account>/<bucket>/...`, never named after their keys.

Layout of one bucket's directory:

    objects/<id[:2]>/<id>              the body of an object (id: random hex)
    uploads/<upload id>/<id>           the body of one uploaded part

Every body is written to a hidden temp file in its final directory, fsync'd, renamed into place
and the directory fsync'd, so a body either exists whole or not at all. Bodies never change
once written: overwriting an object writes a new body and removes the old one after the
metadata names the new one; a copy is a hard link. Reads check the SHA-256 of every `BLOCK`
they touch against the digests recorded at write time and raise `BodyCorrupted` on a mismatch.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

from skiff.services.s3.checksums import BLOCK, DIGEST_SIZE, BodyDigest, Digests
from skiff.services.s3.exceptions import BodyCorrupted

log = logging.getLogger("skiff.s3")


def new_body_id() -> str:
    return secrets.token_hex(16)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def ensure_dir(path: Path) -> None:
    """Create `path` and its missing parents, fsyncing each parent that gained an entry."""
    if path.is_dir():
        return
    ensure_dir(path.parent)
    try:
        path.mkdir()
    except FileExistsError:
        return
    _fsync_dir(path.parent)


class BodyStore:
    """Writes, links, reads (verified) and removes bodies under one root directory."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def remove_all(self) -> None:
        """Every body gone (the state reset; the records went with the store)."""
        if self.root.exists():
            for child in self.root.iterdir():
                if child.is_dir():
                    shutil.rmtree(child, ignore_errors=True)
                else:
                    child.unlink(missing_ok=True)

    # -- paths --------------------------------------------------------------------------------
    def bucket_dir(self, account: str, bucket: str) -> Path:
        return self.root / account / bucket

    def object_path(self, account: str, bucket: str, body_id: str) -> Path:
        return self.bucket_dir(account, bucket) / "objects" / body_id[:2] / body_id

    def upload_dir(self, account: str, bucket: str, upload_id: str) -> Path:
        return self.bucket_dir(account, bucket) / "uploads" / upload_id

    def part_path(self, account: str, bucket: str, upload_id: str, body_id: str) -> Path:
        return self.upload_dir(account, bucket, upload_id) / body_id

    # -- writing ------------------------------------------------------------------------------
    def write(
        self, dest: Path, chunks: Iterable[bytes | memoryview], algorithms: Iterable[str] = ()
    ) -> BodyDigest:
        """Write the body atomically to `dest`, returning its digests."""
        ensure_dir(dest.parent)
        digests = Digests(algorithms)
        temp = dest.parent / f".tmp-{secrets.token_hex(8)}"
        try:
            with open(temp, "xb") as out:
                for chunk in chunks:
                    digests.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, dest)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        _fsync_dir(dest.parent)
        return digests.finish()

    def write_bytes(self, dest: Path, data: bytes, algorithms: Iterable[str] = ()) -> BodyDigest:
        view = memoryview(data)
        return self.write(dest, (view[i : i + BLOCK] for i in range(0, len(view), BLOCK)), algorithms)

    def link(self, source: Path, dest: Path) -> None:
        """Make `dest` the same (immutable) body as `source`: a hard link, or a copy where links fail."""
        ensure_dir(dest.parent)
        try:
            os.link(source, dest)
        except FileNotFoundError:
            raise
        except OSError:
            temp = dest.parent / f".tmp-{secrets.token_hex(8)}"
            try:
                shutil.copyfile(source, temp)
                with open(temp, "rb+") as handle:
                    os.fsync(handle.fileno())
                os.replace(temp, dest)
            except BaseException:
                temp.unlink(missing_ok=True)
                raise
        _fsync_dir(dest.parent)

    # -- reading ------------------------------------------------------------------------------
    def read(self, path: Path, size: int, blocks: bytes, start: int = 0, end: int | None = None) -> bytes:
        """Bytes `start..end` (inclusive) of the body, each touched block verified.

        Raises FileNotFoundError when the file is gone (the caller decides whether the object was
        replaced meanwhile) and `BodyCorrupted` when the bytes differ from the recorded ones."""
        end = size - 1 if end is None else end
        if size == 0 or end < start:
            if size == 0 and path.stat().st_size != 0:
                raise self.corrupted(path, "size changed")
            return b""
        first, last = start // BLOCK, end // BLOCK
        if len(blocks) != DIGEST_SIZE * ((size + BLOCK - 1) // BLOCK):
            raise self.corrupted(path, "digest list does not fit the size")
        with open(path, "rb") as handle:
            if os.fstat(handle.fileno()).st_size != size:
                raise self.corrupted(path, "size changed")
            handle.seek(first * BLOCK)
            data = bytearray()
            for index in range(first, last + 1):
                chunk = handle.read(BLOCK)
                if hashlib.sha256(chunk).digest() != blocks[index * DIGEST_SIZE : (index + 1) * DIGEST_SIZE]:
                    raise self.corrupted(path, f"block {index} differs")
                data += chunk
        offset = start - first * BLOCK
        return bytes(memoryview(data)[offset : offset + end - start + 1])

    def read_verified_chunks(self, path: Path, size: int, sha256: str) -> Iterator[bytes]:
        """The whole body in BLOCK pieces; the last piece is only yielded after the SHA-256 and
        size matched, so a consumer never completes on corrupted bytes."""
        digest = hashlib.sha256()
        seen = 0
        pending: bytes | None = None
        with open(path, "rb") as handle:
            while chunk := handle.read(BLOCK):
                digest.update(chunk)
                seen += len(chunk)
                if pending is not None:
                    yield pending
                pending = chunk
        if seen != size or digest.hexdigest() != sha256:
            raise self.corrupted(path, "part body differs")
        if pending is not None:
            yield pending

    @staticmethod
    def corrupted(path: Path, detail: str) -> BodyCorrupted:
        log.error("S3 body %s is corrupted on disk: %s", path, detail)
        return BodyCorrupted(f"{path}: {detail}")

    # -- removing -----------------------------------------------------------------------------
    @staticmethod
    def remove(path: Path) -> None:
        try:
            path.unlink()
        except FileNotFoundError:
            return
        except OSError as exc:
            log.warning("could not remove S3 body %s: %s", path, exc)

    @staticmethod
    def remove_tree(path: Path) -> None:
        shutil.rmtree(path, ignore_errors=True)
