"""Starting and stopping the servers the benchmarks measure, on loopback ports, as child processes.

Shared by ``bench_api.py`` and ``bench_launch.py``. Each server runs in its own session with its
state in a directory of the caller's choosing and its output in ``server.log`` there:

* ``skiff``     -- ``python -m skiff server --port P`` (``SKIFF_DATA_DIR``, ``SKIFF_HOST=127.0.0.1``);
* ``moto``      -- ``python -m moto.server -H 127.0.0.1 -p P``;
* ``ministack`` -- ``python -m ministack`` (``GATEWAY_PORT=P``, ``BIND_HOST=127.0.0.1``), without
  its IoT mTLS and SFTP side listeners, without persistence, and by default cut off from the
  Docker daemon (``docker=True`` lets it use the machine's daemon, for the launch benchmark).

A server that is not installed, exits or never listens is marked unavailable, with the reason.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

import boto3

HOST = "127.0.0.1"
REGION = "us-east-1"
REPO_ROOT = Path(__file__).resolve().parent.parent
SKIFF = "skiff"
SKIFF_AUTH_OFF = "skiff-auth-off"  # the same server with SKIFF_AUTH=off: no signature check, no policies
STOP_TIMEOUT = 10.0

# Modules a server needs; a missing one makes the server "unavailable" instead of an error.
REQUIRED_MODULES = {
    SKIFF: ("skiff",),
    SKIFF_AUTH_OFF: ("skiff",),
    "moto": ("moto", "flask"),
    "ministack": ("ministack", "hypercorn"),
}
# ... and what ministack needs on top to drive Docker.
DOCKER_MODULES = {"ministack": ("docker",)}
FIND_MISSING = (
    "import importlib.util, sys; print(*[m for m in sys.argv[1:] if not importlib.util.find_spec(m)])"
)
FIND_VERSIONS = """
import importlib.metadata as metadata, json, sys
def version(name):
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None
print(json.dumps({name: version(name) for name in sys.argv[1:]}))
"""


@dataclass
class Server:
    """A server the bench started, or tried to start."""

    name: str
    endpoint: str = ""
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    unavailable: str = ""  # why it cannot be used; empty when it can


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def launch_spec(
    name: str, python: str, port: int, workdir: Path, *, docker: bool = False
) -> tuple[list[str], dict[str, str]]:
    """The command line and extra environment that run server `name` on 127.0.0.1:`port`.

    `docker` only matters for ministack: skiff always talks to the Docker daemon, moto never does.
    """
    if name in (SKIFF, SKIFF_AUTH_OFF):
        argv = [python, "-m", "skiff", "server", "--port", str(port)]
        env = {"SKIFF_DATA_DIR": str(workdir / "data"), "SKIFF_HOST": HOST}
        if name == SKIFF_AUTH_OFF:
            env["SKIFF_AUTH"] = "off"
        return argv, env
    if name == "moto":
        return [python, "-m", "moto.server", "-H", HOST, "-p", str(port)], {}
    if name == "ministack":
        return [python, "-m", "ministack"], ministack_env(port, workdir, docker=docker)
    raise ValueError(f"unknown server {name!r}")


def ministack_env(port: int, workdir: Path, *, docker: bool = False) -> dict[str, str]:
    """Loopback only, no side listeners (IoT mTLS, SFTP), state in `workdir`.

    Without `docker`, DOCKER_HOST names a socket that does not exist, so ministack neither looks
    for nor reaps containers on the machine's daemon. With it, ministack uses the daemon that
    DOCKER_HOST (or the default socket) names, and HOSTNAME is emptied so that it does not
    mistake a container for itself: it runs on the host, and starts its tasks on Docker's
    default bridge.
    """
    env = {
        "GATEWAY_PORT": str(port),
        "BIND_HOST": HOST,
        "IOT_MTLS_ENABLED": "0",
        "SFTP_ENABLED": "0",
        "PERSIST_STATE": "0",
        "TMPDIR": str(workdir),
        "S3_DATA_DIR": str(workdir / "s3"),
    }
    if docker:
        env["HOSTNAME"] = ""
    else:
        env["DOCKER_HOST"] = f"unix://{workdir / 'no-docker.sock'}"
    return env


def required_modules(name: str, docker: bool = False) -> tuple[str, ...]:
    return REQUIRED_MODULES[name] + (DOCKER_MODULES.get(name, ()) if docker else ())


def not_installed(python: str, modules: Sequence[str]) -> str:
    """Why `python` cannot run a server needing `modules`; empty when it has them all."""
    try:
        found = subprocess.run(
            [python, "-c", FIND_MISSING, *modules], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"cannot run {python}: {describe(error)}"
    if found.returncode != 0:
        return f"{python} failed: {found.stderr.strip()[-200:]}"
    missing = found.stdout.split()
    return f"not installed for {python} (no module {', '.join(missing)})" if missing else ""


def spawn(
    name: str,
    python: str,
    workdir: Path,
    *,
    extra_env: Mapping[str, str] | None = None,
    docker: bool = False,
) -> Server:
    """Start server `name` in the background (its own session, output to a log file)."""
    problem = not_installed(python, required_modules(name, docker))
    if problem:
        return Server(name, unavailable=problem)
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    argv, spec_env = launch_spec(name, python, port, workdir, docker=docker)
    log_path = workdir / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            argv,
            cwd=REPO_ROOT,
            env={**os.environ, **spec_env, **(extra_env or {})},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Server(name, f"http://{HOST}:{port}", process, log_path)


def port_open(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=1.0):
            return True
    except OSError:
        return False


def wait_until_listening(server: Server, timeout: float) -> None:
    """Poll until the server's port accepts connections; mark it unavailable if it never does."""
    if server.process is None:
        return
    port = urlsplit(server.endpoint).port or 0
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            server.unavailable = f"exited with code {server.process.returncode}: {log_tail(server)}"
            return
        if port_open(port):
            return
        time.sleep(0.2)
    server.unavailable = f"not listening after {timeout:.0f} s: {log_tail(server)}"


def log_tail(server: Server, lines: int = 3) -> str:
    if server.log_path is None or not server.log_path.exists():
        return ""
    text = server.log_path.read_text(errors="replace").strip().splitlines()
    return " | ".join(line.strip() for line in text[-lines:])


def stop_server(server: Server) -> None:
    """Terminate, then kill if it does not exit in time."""
    process = server.process
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(STOP_TIMEOUT)


@contextlib.contextmanager
def signals_ignored() -> Iterator[None]:
    """Clean-up must not be cut short by a second Ctrl-C or a SIGTERM."""
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def running_servers(
    pythons: dict[str, str],
    workdir: Path,
    ready_timeout: float,
    *,
    extra_env: Mapping[str, Mapping[str, str]] | None = None,
    docker: bool = False,
) -> Iterator[dict[str, Server]]:
    """Start the servers (name -> Python that runs it); stop every one on the way out, whatever happens.

    `extra_env` adds environment variables per server name; `docker` is passed to `spawn`.
    """
    servers: dict[str, Server] = {}
    try:
        for name, python in pythons.items():
            print(f"starting {name} ...", flush=True)
            env = (extra_env or {}).get(name)
            servers[name] = spawn(name, python, workdir / name, extra_env=env, docker=docker)
            wait_until_listening(servers[name], ready_timeout)
            print(f"  {name}: {servers[name].unavailable or servers[name].endpoint}", flush=True)
        yield servers
    finally:
        with signals_ignored():
            for server in servers.values():
                stop_server(server)


def new_session() -> boto3.session.Session:
    # skiff verifies signatures: sign with its default root keys (test/test), which the peers accept too
    return boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name=REGION)


def describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:300]


def package_versions(python: str, names: Sequence[str]) -> dict[str, str | None]:
    """Installed versions of `names` as seen by interpreter `python` (None: not installed)."""
    try:
        found = subprocess.run(
            [python, "-c", FIND_VERSIONS, *names], capture_output=True, text=True, timeout=60, check=True
        )
        versions: dict[str, str | None] = json.loads(found.stdout)
    except (OSError, ValueError, subprocess.SubprocessError):
        return dict.fromkeys(names)
    return versions


def loopback_bypasses_proxies() -> None:
    """Make sure no HTTP proxy from the environment sits between the clients and 127.0.0.1."""
    for key in ("NO_PROXY", "no_proxy"):
        os.environ[key] = ",".join(filter(None, (os.environ.get(key), HOST)))


def interrupt(signum: int, _frame: FrameType | None) -> None:
    """SIGTERM handler: unwind like Ctrl-C, so that every `finally` clean-up runs."""
    raise KeyboardInterrupt(f"signal {signum}")


def open_default_group(ec2: Any, vpc_id: str, ports: Sequence[int]) -> None:
    """Let the host reach `ports` of the VPC's default security group (skiff enforces security
    groups; the walkthroughs open the port the same way)."""
    group = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"][0]["GroupId"]
    for port in ports:
        try:
            ec2.authorize_security_group_ingress(
                GroupId=group, IpProtocol="tcp", FromPort=port, ToPort=port, CidrIp="0.0.0.0/0"
            )
        except ec2.exceptions.ClientError as exc:
            if exc.response["Error"]["Code"] != "InvalidPermission.Duplicate":
                raise


def save_results(name: str, report: Any) -> Path:
    """Write a bench's report as JSON to bench/results/<name>-<UTC timestamp>.json; the path."""
    out = REPO_ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
    path.write_text(json.dumps(report, indent=2, default=str))
    return path
