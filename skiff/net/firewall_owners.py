"""Which servers' security group chains have a live owner: a lock file per tag, held while the
server runs.

Chains outlive the server that wrote them (tasks stay guarded while skiff is stopped or killed),
but a server whose data dir is gone never comes back to remove them, and its rules for a task
address would then judge another server's task that gets the same address. Each server holds an
exclusive `flock` on `<dir>/<tag>.lock` for as long as it runs (the kernel releases it when the
process dies, kill -9 included); another server that can take the lock knows the owner is gone
and may remove that tag's chains — once the lock file has not been touched for `GRACE_SECONDS`
(the owner touches it at every write of its chains), so a server killed and started again at once
finds its chains where it left them.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

LOCKS = Path("/run/skiff/firewall")
GRACE_SECONDS = 60.0


class Ownership:
    def __init__(self, tag: str, directory: Path = LOCKS) -> None:
        self.tag = tag
        self.directory = directory
        self._fd: int | None = None

    def claim(self) -> bool:
        """Hold this tag's lock (idempotent); False when the lock directory is not writable or a
        live process of the same tag holds it."""
        if self._fd is not None:
            return True
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.directory / f"{self.tag}.lock", os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def known_tags(self) -> list[str]:
        """The tags with a lock file (running servers' and gone ones' not yet swept)."""
        try:
            return sorted(path.stem for path in self.directory.glob("*.lock"))
        except OSError:
            return []

    def heartbeat(self) -> None:
        """Tell other servers this owner still runs (the lock file's modification time)."""
        if self.claim():
            with contextlib.suppress(OSError):
                os.utime(self.directory / f"{self.tag}.lock")

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    @contextlib.contextmanager
    def abandoned(self, tag: str, grace: float = GRACE_SECONDS) -> Iterator[bool]:
        """Whether no live process holds `tag`'s lock (or there never was one) and its owner has
        not touched it for `grace` seconds; while the block
        runs the lock is held here, so the owner cannot come back half-way, and when it was
        abandoned the lock file is removed at the end."""
        if tag == self.tag:
            yield False
            return
        path = self.directory / f"{tag}.lock"
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            yield True
            return
        except OSError:
            yield False
            return
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                yield False  # held: its server runs
                return
            if os.fstat(fd).st_mtime > time.time() - grace:
                yield False  # just gone: its server may be starting again
                return
            yield True
            with contextlib.suppress(OSError):
                path.unlink()
        finally:
            os.close(fd)
