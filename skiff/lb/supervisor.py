"""Supervises this server's HAProxy: one master-worker process per data dir, outliving skiff.

HAProxy is started detached (`-D`, master-worker, a session of its own), so it keeps serving
while skiff is stopped, killed or restarting; the master's pid file in `<data dir>/lb/` lets the
next skiff adopt it (same binary, same configuration path) instead of starting a second one.
A new configuration is checked (`haproxy -c`) before it replaces the file; a reload saves the
servers' health and admin states (`show servers state` → `servers.state`, which the
configuration loads) and signals the master (SIGUSR2): the new worker takes over the listening
sockets and the old one finishes the requests it holds, so no connection is refused or cut.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from pathlib import Path

from skiff.lb.runtime import Runtime

log = logging.getLogger("skiff.lb")

BINARY = "/usr/sbin/haproxy"


class HaproxyError(Exception):
    pass


class Supervisor:
    def __init__(self, data_dir: Path, binary: str = BINARY) -> None:
        self.directory = data_dir / "lb"
        self.binary = binary
        self.config_path = self.directory / "haproxy.cfg"
        self.pid_path = self.directory / "haproxy.pid"
        self.master_socket = self.directory / "master.sock"
        self.state_path = self.directory / "servers.state"
        self.log_path = self.directory / "haproxy.log"
        self.runtime = Runtime(self.directory / "admin.sock")
        self.pid: int | None = None

    def prepare(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        os.chmod(self.directory, 0o700)
        if not self.state_path.exists():
            self.state_path.write_text("1\n")  # no server states yet (HAProxy's version line)

    # -- the process ------------------------------------------------------------------------------
    def recorded_pid(self) -> int | None:
        try:
            pid = int(self.pid_path.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None
        return pid if self._is_ours(pid) else None

    def _is_ours(self, pid: int) -> bool:
        """A live HAProxy master serving our configuration (the pid may have been reused)."""
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
        except OSError:
            return False
        return state != "Z" and str(self.config_path).encode() in cmdline and b"haproxy" in cmdline[0]

    async def adopt(self) -> bool:
        """True when a HAProxy a previous skiff started is running and answers."""
        pid = self.recorded_pid()
        if pid is None:
            return False
        for _ in range(20):
            if await self.runtime.answers():
                self.pid = pid
                log.info("adopted HAProxy (pid %d)", pid)
                return True
            await asyncio.sleep(0.1)
        log.warning("HAProxy (pid %d) does not answer: starting a new one", pid)
        self._kill(pid)
        return False

    async def check(self, text: str) -> None:
        """Refuse a configuration HAProxy would not load."""
        candidate = self.directory / "haproxy.cfg.new"
        candidate.write_text(text)
        proc = await asyncio.create_subprocess_exec(
            self.binary,
            "-c",
            "-q",
            "-f",
            str(candidate),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await proc.communicate()
        if proc.returncode != 0:
            raise HaproxyError(
                f"HAProxy refuses the configuration: {output.decode(errors='replace')[-2000:]}"
            )

    def install(self, text: str) -> None:
        temporary = self.directory / "haproxy.cfg.tmp"
        temporary.write_text(text)
        os.replace(temporary, self.config_path)

    async def start(self) -> None:
        """Start HAProxy on the installed configuration; return once its admin socket answers."""
        with contextlib.suppress(FileNotFoundError):
            self.master_socket.unlink()
        with self.log_path.open("ab") as output:
            proc = await asyncio.create_subprocess_exec(
                self.binary,
                "-D",
                "-W",
                "-f",
                str(self.config_path),
                "-p",
                str(self.pid_path),
                "-S",
                f"{self.master_socket},mode,600",
                stdin=asyncio.subprocess.DEVNULL,
                stdout=output,
                stderr=output,
                start_new_session=True,  # outlives skiff; adopted by the next start
            )
            code = await proc.wait()  # -D: the launcher exits once the master runs
        if code != 0:
            raise HaproxyError(f"HAProxy exited ({code}); see {self.log_path}")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            pid = self.recorded_pid()
            if pid is not None and await self.runtime.answers():
                self.pid = pid
                log.info("started HAProxy (pid %d)", pid)
                return
            await asyncio.sleep(0.05)
        raise HaproxyError(f"HAProxy did not answer on {self.runtime.socket_path}")

    async def save_server_state(self) -> None:
        with contextlib.suppress(OSError, TimeoutError):
            text = await self.runtime.run("show servers state")
            if text.strip():
                temporary = self.state_path.with_suffix(".tmp")
                temporary.write_text(text)
                os.replace(temporary, self.state_path)

    async def reload(self) -> None:
        """Load the installed configuration into a new worker, keeping sockets and server states."""
        pid = self.pid or self.recorded_pid()
        if pid is None:
            await self.start()
            return
        await self.save_server_state()
        before = await self._worker_pid()
        os.kill(pid, signal.SIGUSR2)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            now = await self._worker_pid()
            if now is not None and now != before:
                return
        raise HaproxyError(f"HAProxy did not reload; see {self.log_path}")

    async def _worker_pid(self) -> str | None:
        try:
            info = await self.runtime.run("show info")
        except (OSError, TimeoutError):
            return None
        for line in info.splitlines():
            if line.startswith("Pid:"):
                return line.split(":", 1)[1].strip()
        return None

    def stop(self) -> None:
        """Stop HAProxy for good (reset); skiff stopping leaves it running."""
        # the recorded one (another supervisor may have started it since) and our own, if live:
        # a stale pid may belong to some other process by now
        for pid in {self.recorded_pid(), self.pid if self.pid and self._is_ours(self.pid) else None}:
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
            time.sleep(0.02)
        if self._is_ours(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


async def haproxy_version(binary: str) -> str:
    """`haproxy -v`'s version number ("" when it cannot be run)."""
    try:
        proc = await asyncio.create_subprocess_exec(
            binary, "-v", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
        )
        output, _ = await asyncio.wait_for(proc.communicate(), 10)
    except (OSError, TimeoutError):
        return ""
    words = output.decode(errors="replace").split()
    return words[2] if len(words) > 2 and words[0] == "HAProxy" else ""
