"""Fixtures of the e2e tests: a skiff server of each test module's own, running real containers.

Each module gets its own server (fresh data dir, `SKIFF_TASK_CLEANUP_SECONDS=3` so stopped tasks'
containers go quickly) unless SKIFF_TEST_ENDPOINT names a running one. `endpoint`, `ecs`, `ec2`,
`client_factory` and `aws` are redefined here at module scope so they point at that server.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliResult, SkiffServer, aws_runner
from tests.e2e.task_support import (
    IMAGE,
    PAUSE_IMAGE,
    TaskLab,
    boto_client,
    close_lab,
    make_lab,
    module_server,
)

REPO = Path(__file__).resolve().parents[2]


def _image_present(image: str) -> bool:
    proc = subprocess.run(["docker", "image", "inspect", image], capture_output=True, check=False, timeout=60)
    return proc.returncode == 0


@pytest.fixture(scope="session")
def docker_ready() -> None:
    """A reachable Docker engine with the offline-built busybox and pause images."""
    if shutil.which("docker") is None:
        pytest.skip("docker is not installed")
    if subprocess.run(["docker", "info"], capture_output=True, check=False, timeout=60).returncode != 0:
        pytest.skip("the Docker engine is not reachable")
    if not (_image_present(IMAGE) and _image_present(PAUSE_IMAGE)):
        build = subprocess.run(
            ["bash", str(REPO / "scripts" / "build-images.sh"), "busybox"],
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        assert build.returncode == 0, f"build-images.sh busybox failed:\n{build.stdout}\n{build.stderr}"


@pytest.fixture(scope="module")
def e2e_server(docker_ready: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SkiffServer | None]:
    """The module's own server (None when SKIFF_TEST_ENDPOINT names one)."""
    if os.environ.get("SKIFF_TEST_ENDPOINT"):
        yield None
        return
    with module_server(tmp_path_factory.mktemp("skiff-e2e")) as server:
        yield server


@pytest.fixture(scope="module")
def endpoint(e2e_server: SkiffServer | None) -> str:
    external = os.environ.get("SKIFF_TEST_ENDPOINT")
    if external:
        return external.rstrip("/")
    assert e2e_server is not None
    return e2e_server.endpoint


@pytest.fixture(scope="module")
def client_factory(endpoint: str) -> Callable[..., Any]:
    def make(service: str, region: str = "us-east-1") -> Any:
        return boto_client(endpoint, service, region)

    return make


@pytest.fixture(scope="module")
def ecs(client_factory: Callable[..., Any]) -> Any:
    return client_factory("ecs")


@pytest.fixture(scope="module")
def ec2(client_factory: Callable[..., Any]) -> Any:
    return client_factory("ec2")


@pytest.fixture(scope="module")
def aws(endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Callable[..., CliResult]:
    """The real aws CLI (v1) against the module's server: aws("ecs", "list-clusters")."""
    return aws_runner(endpoint, tmp_path_factory.mktemp("aws-home"))


@pytest.fixture(scope="module")
def module_lab(endpoint: str) -> Iterator[TaskLab]:
    """A cluster of the module's own on the module's server; its tasks' leftovers removed at the end."""
    lab = make_lab(endpoint)
    try:
        yield lab
    finally:
        close_lab(lab)


@pytest.fixture
def lab(module_lab: TaskLab) -> Iterator[TaskLab]:
    """The module's lab; every task the test started is stopped when the test ends."""
    with module_lab.scoped() as scoped:
        yield scoped
