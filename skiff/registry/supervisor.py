"""Supervises this server's distribution registry (`/usr/bin/docker-registry`, CNCF distribution).

The registry keeps its blobs and manifests under `<data dir>/registry/storage`, deletes enabled,
and listens on a unix socket in the data dir (`registry.sock`, in a 0700 directory): only skiff's
TLS front (front.py), which checks logins and ECR's rules, talks to it. It is started detached in
a session of its own, so it outlives skiff like Docker's containers do; its pid file lets the
next skiff adopt it (same binary, same configuration) instead of starting a second one.
Garbage collection (`docker-registry garbage-collect`) needs the registry to be idle: `collect`
stops it, runs the collector, and starts it again; the front holds requests meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import shutil
import signal
import subprocess
import time
from pathlib import Path

import aiohttp

log = logging.getLogger("skiff.registry")

BINARY = "/usr/bin/docker-registry"


class RegistryError(Exception):
    pass


def render_config(storage: Path, socket_path: Path, http_secret: str) -> str:
    """The registry's configuration (YAML; JSON strings are valid YAML scalars)."""
    return "\n".join(
        [
            "version: 0.1",
            "log:",
            "  level: warn",
            "  accesslog:",
            "    disabled: true",
            "storage:",
            "  filesystem:",
            f"    rootdirectory: {_quote(str(storage))}",
            "  delete:",
            "    enabled: true",
            "  maintenance:",
            "    uploadpurging:",
            "      enabled: true",
            "      age: 24h",
            "      interval: 12h",
            "      dryrun: false",
            "http:",
            "  net: unix",
            f"  addr: {_quote(str(socket_path))}",
            f"  secret: {_quote(http_secret)}",
            "  relativeurls: true",
            "",
        ]
    )


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class RegistrySupervisor:
    def __init__(self, data_dir: Path, binary: str = BINARY) -> None:
        self.directory = data_dir / "registry"
        self.binary = binary
        self.storage = self.directory / "storage"
        self.socket_path = self.directory / "registry.sock"
        self.config_path = self.directory / "config.yml"
        self.pid_path = self.directory / "registry.pid"
        self.log_path = self.directory / "registry.log"
        self.pid: int | None = None

    # -- files ----------------------------------------------------------------------------------
    def _prepare(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        os.chmod(self.directory, 0o700)
        self.storage.mkdir(exist_ok=True)
        secret_path = self.directory / "http.secret"
        if not secret_path.exists():
            secret_path.write_text(secrets.token_hex(32))
            os.chmod(secret_path, 0o600)
        text = render_config(self.storage, self.socket_path, secret_path.read_text().strip())
        if not self.config_path.exists() or self.config_path.read_text() != text:
            temporary = self.config_path.with_suffix(".tmp")
            temporary.write_text(text)
            os.replace(temporary, self.config_path)

    def _recorded_pid(self) -> int | None:
        try:
            pid = int(self.pid_path.read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if self._is_ours(pid) else None

    def _is_ours(self, pid: int) -> bool:
        """A live registry process serving our configuration (the pid may have been reused)."""
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
        except OSError:
            return False
        return state != "Z" and str(self.config_path).encode() in cmdline and bool(cmdline[0])

    # -- life -----------------------------------------------------------------------------------
    async def start(self) -> None:
        """Adopt the registry a previous skiff left running, or start one; wait until it answers."""
        if not Path(self.binary).exists():
            raise RegistryError(f"{self.binary} is not installed (the docker-registry package)")
        self._prepare()
        pid = self._recorded_pid()
        if pid is not None and await self.answers(timeout=2.0):
            self.pid = pid
            log.info("adopted the registry (pid %d)", pid)
            return
        if pid is not None:
            self._kill(pid)
        await self._spawn()

    async def _spawn(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()
        with self.log_path.open("ab") as output:
            process = subprocess.Popen(
                [self.binary, "serve", str(self.config_path)],
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # outlives skiff; adopted by the next start
                close_fds=True,
            )
        self.pid = process.pid
        self.pid_path.write_text(f"{process.pid}\n")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RegistryError(f"the registry exited ({process.returncode}); see {self.log_path}")
            if await self.answers(timeout=0.5):
                log.info("started the registry (pid %d)", process.pid)
                return
            await asyncio.sleep(0.05)
        self._kill(process.pid)
        raise RegistryError(f"the registry did not answer on {self.socket_path}")

    async def answers(self, timeout: float) -> bool:
        if not self.socket_path.exists():
            return False
        try:
            connector = aiohttp.UnixConnector(path=str(self.socket_path))
            async with (
                aiohttp.ClientSession(connector=connector) as session,
                session.get("http://registry/v2/", timeout=aiohttp.ClientTimeout(total=timeout)) as reply,
            ):
                return reply.status == 200
        except (aiohttp.ClientError, OSError, TimeoutError):
            return False

    def stop(self) -> None:
        """Stop the registry for good (reset, or the registry switched off); its storage stays."""
        pid = self.pid or self._recorded_pid()
        if pid is not None:
            self._kill(pid)
        self.pid = None
        with contextlib.suppress(FileNotFoundError):
            self.pid_path.unlink()

    def _kill(self, pid: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and self._is_ours(pid):
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
            time.sleep(0.02)
        if self._is_ours(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)

    # -- garbage collection ---------------------------------------------------------------------
    async def collect(self) -> str:
        """Remove blobs no manifest references: stop, `garbage-collect`, start. Returns its output."""
        self.stop()
        try:
            proc = await asyncio.create_subprocess_exec(
                self.binary,
                "garbage-collect",
                str(self.config_path),
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            output, _ = await proc.communicate()
            if proc.returncode != 0:
                raise RegistryError(f"garbage-collect failed: {output.decode(errors='replace')[-500:]}")
            return output.decode(errors="replace")
        finally:
            await self._spawn()

    def storage_bytes(self) -> int:
        """Bytes the registry's storage holds (what garbage collection shrinks)."""
        total = 0
        for root, _dirs, files in os.walk(self.storage):
            for name in files:
                with contextlib.suppress(OSError):
                    total += os.lstat(os.path.join(root, name)).st_size
        return total

    def remove_storage(self) -> None:
        shutil.rmtree(self.storage, ignore_errors=True)
