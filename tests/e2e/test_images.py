"""scripts/build-images.sh builds, offline, images that run the way skiff's tests and examples expect."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "build-images.sh"
BUSYBOX = Path("/bin/busybox")
BUSYBOX_IMAGES = ("busybox:latest", "skiff/busybox:latest", "skiff/pause:latest")
PYTHON_IMAGE = "skiff/python:3"
LABELS_FORMAT = '{{index .Config.Labels "skiff.image"}} {{index .Config.Labels "skiff.busybox-sha256"}}'

pytestmark = pytest.mark.e2e


def docker(*args: str, timeout: float = 60, check: bool = True, stdin: str | None = None) -> str:
    proc = subprocess.run(
        ["docker", *args], input=stdin, capture_output=True, text=True, timeout=timeout, check=False
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)} failed ({proc.returncode}): {proc.stderr}")
    return proc.stdout


def image_exists(image: str) -> bool:
    return (
        subprocess.run(["docker", "image", "inspect", image], capture_output=True, check=False).returncode
        == 0
    )


def build(*images: str, timeout: float = 120) -> str:
    proc = subprocess.run(
        ["bash", str(SCRIPT), *images], capture_output=True, text=True, timeout=timeout, check=False
    )
    assert proc.returncode == 0, f"build-images.sh {' '.join(images)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="module")
def docker_engine() -> None:
    if shutil.which("docker") is None:
        pytest.skip("docker is not installed")
    if subprocess.run(["docker", "info"], capture_output=True, check=False, timeout=30).returncode != 0:
        pytest.skip("the Docker engine is not reachable")


@pytest.fixture(scope="module")
def busybox_images(docker_engine: None) -> str:
    if not BUSYBOX.exists():
        pytest.skip(f"{BUSYBOX} is missing (apt-get install busybox-static)")
    return build("busybox")


ContainerName = Callable[[], str]


@pytest.fixture
def container_name() -> Iterator[ContainerName]:
    """Names for this test's containers; every one is removed afterwards, whatever happened."""
    names: list[str] = []

    def make() -> str:
        names.append(f"skiff-e2e-images-{uuid.uuid4().hex[:12]}")
        return names[-1]

    yield make
    for name in names:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, check=False, timeout=60)


def start_pause(container_name: ContainerName) -> str:
    """Starts skiff/pause detached and waits until its shell has set its trap and is waiting."""
    name = container_name()
    docker("run", "-d", "--name", name, "skiff/pause:latest")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        # The trap is set before the loop starts its first `sleep 3600`.
        if "sleep 3600" in docker("top", name, check=False):
            return name
        time.sleep(0.05)
    raise AssertionError(f"skiff/pause did not start: {docker('logs', name, check=False)}")


def test_busybox_build_is_idempotent(busybox_images: str) -> None:
    again = build("busybox")
    assert "Importing" not in again, again
    for image in ("skiff/busybox:latest", "skiff/pause:latest"):
        assert f"{image} is up to date" in again


def test_check_lists_the_images(busybox_images: str) -> None:
    out = build("--check")
    for image in BUSYBOX_IMAGES:
        assert any(line.startswith(image) and " present " in line for line in out.splitlines()), out


def test_busybox_images_carry_the_binary_hash(busybox_images: str) -> None:
    digest = hashlib.sha256(BUSYBOX.read_bytes()).hexdigest()
    for image in ("skiff/busybox:latest", "skiff/pause:latest"):
        labels = docker("image", "inspect", "-f", LABELS_FORMAT, image).split()
        assert labels == ["1", digest], image


@pytest.mark.parametrize("image", BUSYBOX_IMAGES)
def test_image_runs_a_command(busybox_images: str, container_name: ContainerName, image: str) -> None:
    assert docker("run", "--rm", "--name", container_name(), image, "echo", "ok") == "ok\n"


def test_busybox_default_command_is_a_shell(busybox_images: str, container_name: ContainerName) -> None:
    out = docker("run", "--rm", "-i", "--name", container_name(), "busybox:latest", stdin="echo from-sh\n")
    assert out == "from-sh\n"


def test_busybox_filesystem(busybox_images: str, container_name: ContainerName) -> None:
    script = "id -u nobody; stat -c %a /tmp; ls /bin/wget /bin/sh >/dev/null && echo applets"
    out = docker("run", "--rm", "--name", container_name(), "skiff/busybox:latest", "sh", "-c", script)
    assert out.split() == ["65534", "1777", "applets"]
    out = docker("run", "--rm", "--user", "nobody", "--name", container_name(), "busybox:latest", "id", "-u")
    assert out == "65534\n"


def test_pause_stops_promptly_on_sigterm(busybox_images: str, container_name: ContainerName) -> None:
    name = start_pause(container_name)
    started = time.monotonic()
    docker("stop", "-t", "10", name, timeout=30)
    elapsed = time.monotonic() - started
    assert elapsed < 2, f"docker stop took {elapsed:.1f} s: SIGTERM was not handled"
    assert docker("inspect", "-f", "{{.State.ExitCode}}", name).strip() == "0"


def test_pause_exits_on_sigint(busybox_images: str, container_name: ContainerName) -> None:
    name = start_pause(container_name)
    docker("kill", "-s", "INT", name)
    deadline = time.monotonic() + 5
    while docker("inspect", "-f", "{{.State.Running}}", name).strip() == "true":
        assert time.monotonic() < deadline, "skiff/pause ignored SIGINT"
        time.sleep(0.05)
    assert docker("inspect", "-f", "{{.State.ExitCode}}", name).strip() == "0"


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_python_image(docker_engine: None, container_name: ContainerName) -> None:
    if os.environ.get("SKIFF_BUILD_PYTHON_IMAGE") == "1":
        build("python", timeout=1100)  # a cold build (debootstrap) takes a minute or two
    elif not image_exists(PYTHON_IMAGE):
        pytest.skip(f"{PYTHON_IMAGE} is not built; set SKIFF_BUILD_PYTHON_IMAGE=1 to build it (about 75 s)")
    code = "import flask, requests; print('ok')"
    assert docker("run", "--rm", "--name", container_name(), PYTHON_IMAGE, "python3", "-c", code) == "ok\n"
    # The default command is python3, reading the program from stdin; the locale is C.UTF-8.
    program = "import os, sys; print(os.environ['LANG'], sys.stdout.encoding)\n"
    out = docker("run", "--rm", "-i", "--name", container_name(), PYTHON_IMAGE, stdin=program)
    assert out == "C.UTF-8 utf-8\n"
    assert docker("run", "--rm", "--name", container_name(), PYTHON_IMAGE, "curl", "--version").startswith(
        "curl "
    )
