"""The Docker Engine API client, against the real engine of this machine.

A module fixture imports a tiny image (Debian's static busybox) offline; every test labels what it
creates with a unique value and removes everything carrying it afterwards, even on failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import re
import subprocess
import tarfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from skiff.runtime.docker import Conflict, DockerClient, DockerError, NotFound, negotiate_version

IMAGE = "skiff-test/busybox:docker-adapter"
TAGGED = ("skiff-test/busybox", "docker-adapter-tagged")
LABEL = "skiff-test.docker-adapter"
BUSYBOX = Path("/bin/busybox")
APPLETS = ("sh", "sleep", "echo", "printf", "cat", "true", "seq", "wget", "httpd", "mkdir", "nc")


def _engine_available() -> bool:
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not _engine_available(), reason="no Docker engine (`docker info` failed)"),
]


def _docker(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["docker", *args], input=stdin, capture_output=True, timeout=120)


def _image_tar() -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for directory in ("bin", "tmp", "www"):
            info = tarfile.TarInfo(directory)
            info.type, info.mode = tarfile.DIRTYPE, 0o1777 if directory == "tmp" else 0o755
            tar.addfile(info)
        tar.add(str(BUSYBOX), arcname="bin/busybox")
        for applet in APPLETS:
            link = tarfile.TarInfo(f"bin/{applet}")
            link.type, link.linkname = tarfile.SYMTYPE, "busybox"
            tar.addfile(link)
        page = b"hello-from-a\n"
        info = tarfile.TarInfo("www/index.html")
        info.size, info.mode = len(page), 0o644
        tar.addfile(info, io.BytesIO(page))
    return out.getvalue()


@pytest.fixture(scope="module")
def image() -> Iterator[str]:
    imported = _docker("import", "--change", 'CMD ["/bin/sh"]', "-", IMAGE, stdin=_image_tar())
    assert imported.returncode == 0, imported.stderr.decode()
    try:
        yield IMAGE
    finally:
        _docker("rmi", "-f", IMAGE, ":".join(TAGGED))


@pytest.fixture
def label() -> Iterator[dict[str, str]]:
    """A unique label; whatever carries it is removed after the test."""
    value = uuid.uuid4().hex[:12]
    yield {LABEL: value}
    selector = f"label={LABEL}={value}"
    for kind, remove in (
        ("container", ("rm", "-fv")),
        ("network", ("network", "rm")),
        ("volume", ("volume", "rm", "-f")),
    ):
        listed = _docker(
            *(("ps", "-aq") if kind == "container" else (kind, "ls", "-q")), "--filter", selector
        )
        ids = listed.stdout.decode().split()
        if ids:
            _docker(*remove, *ids)


def run(body: Callable[[DockerClient], Awaitable[None]], socket_path: str = "/var/run/docker.sock") -> None:
    async def main() -> None:
        client = DockerClient(socket_path)
        try:
            await asyncio.wait_for(body(client), 45)
        finally:
            await client.close()

    asyncio.run(main())


def container(image: str, labels: dict[str, str], *cmd: str, **extra: Any) -> dict[str, Any]:
    return {"Image": image, "Cmd": list(cmd), "Labels": labels, **extra}


async def started(client: DockerClient, config: dict[str, Any]) -> str:
    container_id = await client.create_container(config)
    await client.start_container(container_id)
    return container_id


async def collect(lines: AsyncIterator[tuple[str, bytes]]) -> dict[str, list[bytes]]:
    streams: dict[str, list[bytes]] = {"stdout": [], "stderr": []}
    async for stream, line in lines:
        streams[stream].append(line)
    return streams


def test_container_lifecycle_inspect_wait_list_and_remove(image: str, label: dict[str, str]) -> None:
    name = f"skiff-test-{label[LABEL]}"

    async def body(client: DockerClient) -> None:
        cid = await client.create_container(
            container(image, label, "sh", "-c", "sleep 0.2; exit 7"), name=name
        )
        created = await client.inspect_container(cid)
        assert created is not None
        assert created["State"]["Status"] == "created"
        assert created["Name"] == f"/{name}"
        with pytest.raises(Conflict) as conflict:
            await client.create_container(container(image, label, "true"), name=name)
        assert "already in use" in conflict.value.message

        def ids(found: list[dict[str, Any]]) -> set[str]:
            return {c["Id"] for c in found}

        assert cid in ids(await client.list_containers(label))
        assert cid in ids(await client.list_containers({LABEL: None}))
        assert cid not in ids(await client.list_containers({LABEL: "other"}))
        assert cid not in ids(await client.list_containers(label, all=False))

        await client.start_container(cid)
        assert await client.wait_container(cid) == 7
        exited = await client.inspect_container(name)
        assert exited is not None
        assert (exited["Id"], exited["State"]["Status"], exited["State"]["ExitCode"]) == (cid, "exited", 7)

        await client.remove_container(cid)
        await client.remove_container(cid)  # a missing container is fine
        assert await client.inspect_container(cid) is None
        with pytest.raises(NotFound) as missing:
            await client.start_container(cid)
        assert missing.value.status == 404
        assert "No such container" in missing.value.message
        with pytest.raises(NotFound):
            await client.wait_container(cid)

    run(body)


def test_stop_with_timeout_and_kill(image: str, label: dict[str, str]) -> None:
    async def body(client: DockerClient) -> None:
        stubborn, graceful, doomed = await asyncio.gather(
            started(client, container(image, label, "sleep", "300")),  # PID 1 ignores SIGTERM
            started(
                client,
                container(image, label, "sh", "-c", "trap 'exit 3' TERM; while true; do sleep 0.1; done"),
            ),
            started(client, container(image, label, "sleep", "300")),
        )
        await asyncio.sleep(0.3)  # let the shell install its trap

        async def stop(container_id: str, timeout: int) -> float:
            begun = time.monotonic()
            await client.stop_container(container_id, timeout)
            return time.monotonic() - begun

        slow, fast = await asyncio.gather(stop(stubborn, 1), stop(graceful, 10))
        assert 0.9 <= slow < 10
        assert fast < 5
        assert await client.wait_container(stubborn) == 137
        assert await client.wait_container(graceful) == 3
        await client.stop_container(stubborn, 1)  # already stopped (304) is fine

        await client.kill_container(doomed)
        assert await client.wait_container(doomed) == 137
        await client.kill_container(doomed)  # not running (409) is fine
        with pytest.raises(NotFound):
            await client.kill_container(uuid.uuid4().hex)

    run(body)


def test_logs_demultiplex_stdout_and_stderr(image: str, label: dict[str, str]) -> None:
    script = "echo out1; echo err1 >&2; echo out2; echo; echo err2 >&2; printf tail"

    async def body(client: DockerClient) -> None:
        plain = await started(client, container(image, label, "sh", "-c", script))
        tty = await started(client, container(image, label, "sh", "-c", "echo x; echo y >&2", Tty=True))
        assert await client.wait_container(plain) == 0
        assert await client.wait_container(tty) == 0

        lines = await collect(client.container_logs(plain, follow=False, timestamps=False))
        assert lines == {"stdout": [b"out1", b"out2", b"", b"tail"], "stderr": [b"err1", b"err2"]}

        stamped = await collect(client.container_logs(plain, follow=False))
        stamp = re.compile(rb"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z (.*)$")
        for stream, expected in lines.items():
            matches = [stamp.match(line) for line in stamped[stream]]
            assert all(matches), stamped
            assert [m.group(1) for m in matches if m] == expected

        assert await collect(client.container_logs(plain, follow=False, since=time.time() + 3600)) == {
            "stdout": [],
            "stderr": [],
        }
        # A TTY container has a single, unframed stream.
        assert await collect(client.container_logs(tty, follow=False, timestamps=False)) == {
            "stdout": [b"x", b"y"],
            "stderr": [],
        }

        follower = await started(client, container(image, label, "sh", "-c", "echo a; sleep 1; echo b >&2"))
        followed = await collect(client.container_logs(follower, follow=True, timestamps=False))
        assert followed == {"stdout": [b"a"], "stderr": [b"b"]}
        with pytest.raises(NotFound):
            await collect(client.container_logs(uuid.uuid4().hex, follow=False))

    run(body)


def test_one_shot_stats(image: str, label: dict[str, str]) -> None:
    async def body(client: DockerClient) -> None:
        cid = await started(client, container(image, label, "sleep", "300"))
        stats = await client.container_stats(cid)
        assert "usage" in stats["memory_stats"]
        assert stats["memory_stats"]["usage"] > 0
        assert "cpu_usage" in stats["cpu_stats"]
        assert "precpu_stats" in stats
        await client.kill_container(cid)

    run(body)


def test_network_and_shared_namespace(image: str, label: dict[str, str]) -> None:
    name = f"skiff-test-{label[LABEL]}"

    async def body(client: DockerClient) -> None:
        net_id = await client.create_network(name, "10.213.7.0/24", "10.213.7.1", label)
        with pytest.raises(Conflict):
            await client.create_network(name, "10.213.8.0/24", "10.213.8.1", label)
        network = await client.inspect_network(name)
        assert network is not None
        assert network["Id"] == net_id
        assert network["Driver"] == "bridge"
        assert network["IPAM"]["Config"] == [{"Subnet": "10.213.7.0/24", "Gateway": "10.213.7.1"}]
        assert net_id in {n["Id"] for n in await client.list_networks(label)}
        assert net_id not in {n["Id"] for n in await client.list_networks({LABEL: "other"})}

        server = await started(
            client,
            container(
                image, label, "httpd", "-f", "-p", "8080", "-h", "/www", HostConfig={"NetworkMode": name}
            ),
        )
        fetch = "wget -q -O - http://127.0.0.1:8080/index.html"
        probe = f"for i in $(seq 50); do {fetch} && exit 0; sleep 0.1; done; exit 1"
        sidecar = await started(
            client,
            container(image, label, "sh", "-c", probe, HostConfig={"NetworkMode": f"container:{server}"}),
        )
        assert await client.wait_container(sidecar) == 0
        logs = await collect(client.container_logs(sidecar, follow=False, timestamps=False))
        assert logs["stdout"] == [b"hello-from-a"]
        inspected = await client.inspect_container(server)
        assert inspected is not None
        assert inspected["NetworkSettings"]["Networks"][name]["IPAddress"].startswith("10.213.7.")

        pinned = await client.create_container(container(image, label, "sleep", "300"))
        await client.connect_network(name, pinned, "10.213.7.50")
        await client.start_container(pinned)
        inspected = await client.inspect_container(pinned)
        assert inspected is not None
        assert inspected["NetworkSettings"]["Networks"][name]["IPAddress"] == "10.213.7.50"

        for cid in (sidecar, server, pinned):
            await client.remove_container(cid)
        await client.remove_network(name)
        await client.remove_network(name)  # a missing network is fine
        assert await client.inspect_network(net_id) is None

    run(body)


def test_volumes_named_and_anonymous(image: str, label: dict[str, str]) -> None:
    name = f"skiff-test-{label[LABEL]}"

    async def body(client: DockerClient) -> None:
        await client.create_volume(name, label)
        assert [v["Name"] for v in await client.list_volumes(label)] == [name]
        assert name in {v["Name"] for v in await client.list_volumes({LABEL: None})}
        assert await client.list_volumes({LABEL: "other"}) == []
        await client.remove_volume(name)
        await client.remove_volume(name)  # a missing volume is fine
        assert await client.list_volumes(label) == []

        cid = await client.create_container(container(image, label, "true", Volumes={"/data": {}}))
        inspected = await client.inspect_container(cid)
        assert inspected is not None
        anonymous = inspected["Mounts"][0]["Name"]
        assert anonymous in {v["Name"] for v in await client.list_volumes({})}
        await client.remove_container(cid)
        assert anonymous not in {v["Name"] for v in await client.list_volumes({})}

    run(body)


def test_events_stream_reports_die(image: str, label: dict[str, str]) -> None:
    async def body(client: DockerClient) -> None:
        # Subscribed before the container exists; iteration only starts after it died.
        events = client.events(label)
        cid = await started(client, container(image, label, "sh", "-c", "exit 5"))
        assert await client.wait_container(cid) == 5

        async def first_die() -> dict[str, Any]:
            async for event in events:
                assert event["Type"] == "container"
                assert event["Actor"]["Attributes"][LABEL] == label[LABEL]
                if event["Action"] == "die" and event["Actor"]["ID"] == cid:
                    return event
            raise AssertionError("the event stream ended")

        async with contextlib.aclosing(events):  # type: ignore[type-var]
            died = await asyncio.wait_for(first_die(), 20)
        assert died["Actor"]["Attributes"]["exitCode"] == "5"

    run(body)


def test_images_inspect_tag_and_failed_pull(image: str) -> None:
    missing = "skiff-test/definitely-missing:nope"

    async def body(client: DockerClient) -> None:
        found = await client.inspect_image(image)
        assert found is not None
        assert await client.inspect_image(missing) is None
        await client.tag_image(image, *TAGGED)
        tagged = await client.inspect_image(":".join(TAGGED))
        assert tagged is not None
        assert tagged["Id"] == found["Id"]
        with pytest.raises(DockerError) as failed:
            await client.pull_image(missing)
        cli = _docker("pull", missing)
        assert cli.returncode != 0
        assert failed.value.message
        assert failed.value.message in cli.stderr.decode()

    try:
        run(body)
    finally:
        _docker("rmi", ":".join(TAGGED))


def test_pull_errors_reported_inside_the_stream(tmp_path: Path) -> None:
    """A fake daemon: the pull starts (HTTP 200), then fails in a progress line."""
    seen: list[str] = []

    async def version(request: web.Request) -> web.Response:
        return web.json_response({"ApiVersion": "1.45", "MinAPIVersion": "1.24"})

    async def create(request: web.Request) -> web.StreamResponse:
        seen.append(f"{request.path}?{request.query_string}")
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        for line in (
            {"status": "Pulling from library/x", "id": "nope"},
            {
                "errorDetail": {"message": "manifest for x:nope not found"},
                "error": "manifest for x:nope not found",
            },
        ):
            await response.write(json.dumps(line).encode() + b"\r\n")
        await response.write_eof()
        return response

    async def body() -> None:
        app = web.Application()
        app.router.add_get("/version", version)
        app.router.add_post("/v1.41/images/create", create)
        runner = web.AppRunner(app)
        await runner.setup()
        socket_path = str(tmp_path / "d.sock")
        await web.UnixSite(runner, socket_path).start()
        client = DockerClient(socket_path)
        try:
            with pytest.raises(DockerError) as failed:
                await client.pull_image(
                    "registry.example:5000/x:nope", auth={"username": "u", "password": "p"}
                )
            assert failed.value.message == "manifest for x:nope not found"
        finally:
            await client.close()
            await runner.cleanup()

    asyncio.run(body())
    assert seen == ["/v1.41/images/create?fromImage=registry.example:5000/x&tag=nope"]


def test_version_negotiation() -> None:
    assert negotiate_version({"ApiVersion": "1.41", "MinAPIVersion": "1.12"}) == "1.41"
    assert negotiate_version({"ApiVersion": "1.47", "MinAPIVersion": "1.24"}) == "1.41"
    assert negotiate_version({"ApiVersion": "1.40", "MinAPIVersion": "1.12"}) == "1.40"
    assert negotiate_version({"ApiVersion": "1.52", "MinAPIVersion": "1.44"}) == "1.44"
    assert negotiate_version({}) == "1.41"


def test_unreachable_daemon(tmp_path: Path) -> None:
    bogus = str(tmp_path / "no-docker.sock")

    async def body(client: DockerClient) -> None:
        assert await client.ping() is False
        with pytest.raises(DockerError) as failed:
            await client.info()
        assert failed.value.status == 0
        assert failed.value.message == f"Cannot connect to the Docker daemon at unix://{bogus}"

    run(body, socket_path=bogus)

    async def live(client: DockerClient) -> None:
        assert await client.ping() is True
        assert (await client.version())["ApiVersion"]

    run(live)
