"""Names the host resolves for skiff: a block of its own in /etc/hosts, per server and section.

Load balancer DNS names (`my-lb-1234.us-east-1.elb.amazonaws.com`) and registry hosts
(`<account>.dkr.ecr.<region>.amazonaws.com`) must work verbatim with curl, urllib and docker on
the host, offline. The resolver every program uses already reads /etc/hosts, so skiff keeps its
names there, between marker lines that name the owning server (its instance id) and a section
(`elb`, `ecr`, ...). Each section is replaced whole; lines outside skiff's blocks are never
touched. The file is rewritten atomically (a temporary file renamed over it, mode kept), under a
lock file, so several servers and sections can write at once; when /etc/hosts is a bind mount
that cannot be renamed over (containers), it is written in place instead.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

DEFAULT_PATH = Path("/etc/hosts")
_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$")


def _begin(instance: str, section: str) -> str:
    return f"# skiff {instance} {section} begin"


def _end(instance: str, section: str) -> str:
    return f"# skiff {instance} {section} end"


class HostsFile:
    def __init__(self, instance: str, path: Path = DEFAULT_PATH) -> None:
        self.instance = instance
        self.path = path

    def set_section(self, section: str, names: Mapping[str, str]) -> None:
        """Make `section` hold exactly `names` (host name → IPv4 address); empty removes it."""
        for name in names:
            if not _NAME.match(name):
                raise ValueError(f"not a host name: {name!r}")
        with self._locked():
            lines = self._read_lines()
            begin, end = _begin(self.instance, section), _end(self.instance, section)
            kept = _without_block(lines, begin.__eq__, end.__eq__)
            if names:
                if kept and kept[-1].strip():
                    kept.append("")
                kept.append(_begin(self.instance, section))
                kept.extend(f"{address}\t{name}" for name, address in sorted(names.items()))
                kept.append(_end(self.instance, section))
            self._write_lines(kept)

    def section(self, section: str) -> dict[str, str]:
        """What `section` holds now (host name → address)."""
        lines = self._read_lines()
        begin, end = _begin(self.instance, section), _end(self.instance, section)
        found: dict[str, str] = {}
        inside = False
        for line in lines:
            if line == begin:
                inside = True
            elif line == end:
                inside = False
            elif inside and line.strip():
                address, *hosts = line.split()
                found.update(dict.fromkeys(hosts, address))
        return found

    def others_addresses(self) -> set[str]:
        """The addresses other servers' blocks name (any section): on one host two servers must
        not hand out the same balancer address (their HAProxys would share its port)."""
        own = f"# skiff {self.instance} "
        found: set[str] = set()
        inside = False
        for line in self._read_lines():
            if line.startswith("# skiff ") and line.endswith(" begin"):
                inside = not line.startswith(own)
            elif line.startswith("# skiff ") and line.endswith(" end"):
                inside = False
            elif inside and line.strip() and not line.lstrip().startswith("#"):
                found.add(line.split()[0])
        return found

    def remove_all(self) -> None:
        """Every section of this server's (on reset)."""
        prefix = f"# skiff {self.instance} "
        with self._locked():
            lines = self._read_lines()
            self._write_lines(
                _without_block(
                    lines,
                    lambda line: line.startswith(prefix) and line.endswith(" begin"),
                    lambda line: line.startswith(prefix) and line.endswith(" end"),
                )
            )

    # -- file handling ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        lock_path = self.path.with_name(f".{self.path.name}.skiff-lock")
        with open(lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _read_lines(self) -> list[str]:
        try:
            return self.path.read_text().splitlines()
        except FileNotFoundError:
            return []

    def _write_lines(self, lines: list[str]) -> None:
        text = "\n".join(lines) + "\n"
        mode = self.path.stat().st_mode & 0o777 if self.path.exists() else 0o644
        fd, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
        try:
            with os.fdopen(fd, "w") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, mode)
            try:
                os.replace(temporary, self.path)
            except OSError:  # a bind-mounted /etc/hosts cannot be renamed over: write in place
                self.path.write_text(text)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)


def _without_block(lines: list[str], begins: Callable[[str], bool], ends: Callable[[str], bool]) -> list[str]:
    """The lines outside the matching blocks; the blank line skiff put before a block goes too."""
    out: list[str] = []
    inside = False
    for line in lines:
        if not inside and begins(line):
            inside = True
            if out and not out[-1].strip():
                out.pop()
        elif inside and ends(line):
            inside = False
        elif not inside:
            out.append(line)
    return out
