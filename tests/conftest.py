"""Shared fixtures: a real skiff server in a subprocess, boto3 clients and the aws CLI."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config as BotoConfig
from botocore.credentials import Credentials

from skiff.net.firewall import remove_tag, sweep_abandoned

T = TypeVar("T")

REPO = Path(__file__).resolve().parent.parent
AWS_CLI = str(Path(sys.executable).with_name("aws"))
# The account root's keys of every test server: the default pair, as the README uses (start_server
# passes them explicitly); a server given by
# SKIFF_TEST_ENDPOINT must be started with the same SKIFF_ROOT_* settings, or these overridden).
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": os.environ.get("SKIFF_TEST_ACCESS_KEY_ID", "test"),
    "AWS_SECRET_ACCESS_KEY": os.environ.get("SKIFF_TEST_SECRET_ACCESS_KEY", "test"),
}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under xdist (`make test`: `-n 2 --dist loadgroup`), every test that runs real containers
    goes to one worker, in order, so e2e modules never overlap one another, while the other worker
    takes the API and unit modules, a module at a time (their module-scoped servers are shared).
    The e2e tests come first, so their worker starts on them at once."""

    def is_e2e(item: pytest.Item) -> bool:
        return item.get_closest_marker("e2e") is not None or "/tests/e2e/" in str(item.path)

    items.sort(key=lambda item: not is_e2e(item))  # stable: each part keeps its order
    for item in items:
        item.add_marker(pytest.mark.xdist_group("e2e" if is_e2e(item) else item.nodeid.split("::")[0]))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class SkiffServer:
    """A skiff server process started for tests."""

    endpoint: str
    port: int
    data_dir: Path
    process: subprocess.Popen[bytes]
    log_path: Path

    def stop(self, kill: bool = False) -> None:
        """Stop the server; unless killed (a crash a test restarts from), also remove its security
        group chains, which a server leaves on purpose (its tasks stay guarded): tests of the next
        server may get the same task addresses."""
        if self.process.poll() is None:
            if kill:
                self.process.kill()
            else:
                self.process.terminate()
            self.process.wait(timeout=15)
        if not kill:
            remove_firewall_chains(self.data_dir)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_server(data_dir: Path, port: int | None = None, env: dict[str, str] | None = None) -> SkiffServer:
    port = port or free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir / f"server-{port}.log"
    env = {
        **os.environ,
        "SKIFF_DATA_DIR": str(data_dir),
        "SKIFF_PORT": str(port),
        "SKIFF_TASK_CLEANUP_SECONDS": "3",
        "SKIFF_METADATA_PORT": str(free_port()),
        "SKIFF_REGISTRY": "off",  # ECR's registry only where a test asks for it (under the e2e lock)
        "SKIFF_LB": "off",  # HAProxy outlives servers: only where a test asks (balancers active at once)
        "SKIFF_ROOT_ACCESS_KEY_ID": CREDENTIALS["AWS_ACCESS_KEY_ID"],
        "SKIFF_ROOT_SECRET_ACCESS_KEY": CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        **(env or {}),
    }
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "skiff", "server", "--log-level", "INFO"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=REPO,
        )
    server = SkiffServer(f"http://127.0.0.1:{port}", port, data_dir, process, log_path)
    deadline = time.monotonic() + 30
    answered = "nothing answered"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"skiff server exited:\n{server.log()}")
        answered = serving_data_dir(
            server.endpoint, env["SKIFF_ROOT_ACCESS_KEY_ID"], env["SKIFF_ROOT_SECRET_ACCESS_KEY"]
        )
        if answered == str(data_dir):
            return server
        time.sleep(0.05)
    server.stop(kill=True)
    raise RuntimeError(f"skiff server did not start ({answered}):\n{server.log()}")


def serving_data_dir(endpoint: str, access_key: str, secret_key: str) -> str:
    """The data dir the server at `endpoint` says it serves, or why none said so. A port that
    merely accepts is not our server up: a killed server's port can be taken by anything. A
    server bound beyond loopback wants the status request signed (by the root keys)."""
    url = f"{endpoint}/_skiff/status"
    request = urllib.request.Request(url)
    for attempt in ("local", "signed"):
        if attempt == "signed":
            signed = AWSRequest(method="GET", url=url, data=b"")
            SigV4Auth(Credentials(access_key, secret_key), "skiff", "us-east-1").add_auth(signed)
            request = urllib.request.Request(url, headers={k: str(v) for k, v in signed.headers.items()})
        try:
            with urllib.request.urlopen(request, timeout=2) as reply:
                status = json.load(reply)
            return str(status.get("engine", {}).get("data_dir", "a status without a data dir"))
        except urllib.error.HTTPError as exc:
            if exc.code != 401:
                return f"HTTP {exc.code} for {url}"
        except (OSError, ValueError) as exc:
            return f"{type(exc).__name__}: {exc}"
    return f"HTTP 401 for {url}, signed or not"


@pytest.fixture(scope="session", autouse=True)
def no_abandoned_security_group_chains() -> Iterator[None]:
    """Security group chains whose server no longer runs go, before and after the session: the
    host's iptables outlive a run (a killed earlier run's rules would judge this run's tasks)."""
    _sweep_chains()
    yield
    _sweep_chains()


def run_coroutine(coroutine: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run` in a thread of its own: callers may be inside a running event loop (the
    console tests' Playwright runs one)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def remove_firewall_chains(data_dir: Path) -> None:
    """Remove the security group chains of the server of `data_dir` (root only, where iptables is)."""
    path = data_dir / "instance-id"
    if os.geteuid() == 0 and path.exists():
        with contextlib.suppress(OSError):
            run_coroutine(remove_tag(path.read_text().strip()[:8]))


def _sweep_chains() -> None:
    if os.geteuid() == 0:
        with contextlib.suppress(OSError):
            run_coroutine(sweep_abandoned())


def client_at(endpoint: str, service: str, region: str = "us-east-1", **config: Any) -> Any:
    """A boto3 client of `service` at `endpoint` with the root test keys, one attempt per call
    (a retry would hide a failure)."""
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        config=BotoConfig(retries={"max_attempts": 1}, **config),
    )


@pytest.fixture(scope="session")
def skiff_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SkiffServer]:
    server = start_server(tmp_path_factory.mktemp("skiff-data"))
    yield server
    server.stop()
    log = server.log()
    assert "Traceback" not in log, f"the server logged a traceback:\n{log}"


@pytest.fixture(scope="session")
def endpoint(request: pytest.FixtureRequest) -> str:
    """The server under test: SKIFF_TEST_ENDPOINT if set (a running server), else one of our own."""
    external = os.environ.get("SKIFF_TEST_ENDPOINT")
    if external:
        return external.rstrip("/")
    server: SkiffServer = request.getfixturevalue("skiff_server")
    return server.endpoint


@pytest.fixture(scope="session")
def client_factory(endpoint: str) -> Callable[..., Any]:
    def make(service: str, region: str = "us-east-1", **config: Any) -> Any:
        return client_at(endpoint, service, region, **config)

    return make


@pytest.fixture(scope="session")
def ecs(client_factory: Callable[..., Any]) -> Any:
    return client_factory("ecs")


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str


def aws_runner(endpoint: str, home: Path) -> Callable[..., CliResult]:
    """The real aws CLI (v1) against `endpoint`, with test keys and a private HOME."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        **CREDENTIALS,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(home / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
        "HOME": str(home),
    }

    def run(*args: str, check: bool = True) -> CliResult:
        proc = subprocess.run([AWS_CLI, *args], env=env, capture_output=True, text=True, timeout=120)
        result = CliResult(proc.returncode, proc.stdout, proc.stderr)
        if check and proc.returncode != 0:
            raise AssertionError(f"aws {' '.join(args)} failed ({proc.returncode}): {proc.stderr}")
        return result

    return run


@pytest.fixture(scope="session")
def aws(endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Callable[..., CliResult]:
    """Run the real aws CLI (v1) against the test server: aws("ecs", "list-clusters")."""
    return aws_runner(endpoint, tmp_path_factory.mktemp("aws-home"))
