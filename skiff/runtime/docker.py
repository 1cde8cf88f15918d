"""An asyncio client for the Docker Engine API: the one module through which skiff talks to Docker.

It speaks HTTP over the daemon's unix socket with a single aiohttp session. The API version
prefix is negotiated once, from `GET /version`: skiff targets v1.41 (Docker 20.10) and only moves
off it when the daemon cannot serve it (an older daemon, or a newer one whose minimum is higher).

Payloads and replies are the Engine API's own JSON, as plain dicts. Failures are `DockerError`
(`NotFound` for 404, `Conflict` for 409) carrying Docker's `message`; an unreachable daemon, a
timeout or a broken connection is a `DockerError` with status 0, never an aiohttp exception.
Idempotent clean-up calls (stop, kill, remove) treat "already done" answers as success.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import time
from collections.abc import AsyncIterator, Mapping
from typing import Any
from urllib.parse import quote

import aiohttp

from skiff.runtime.streams import (
    StreamFormatError,
    demux_batches,
    error_message,
    json_lines,
    pull_error,
    raw_batches,
)

DEFAULT_SOCKET = "/var/run/docker.sock"
API_VERSION = "1.41"
MAX_CONNECTIONS = 64

_TIMEOUT = aiohttp.ClientTimeout(total=60)
# Creating, starting and removing containers take the daemon's locks and touch the disk: under load
# they are the slow calls.
_SLOW_SECONDS = 180
_SLOW_TIMEOUT = aiohttp.ClientTimeout(total=_SLOW_SECONDS)
_PING_TIMEOUT = aiohttp.ClientTimeout(total=10)
# Streams (events, logs, wait, pull) last as long as they last.
_STREAM_TIMEOUT = aiohttp.ClientTimeout(total=None, sock_connect=30)

Labels = Mapping[str, str | None]


class DockerError(Exception):
    """A failed Docker call. `status` is the HTTP status (0: no usable reply from the daemon)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.status}: {self.message})"


class NotFound(DockerError):
    """404: no such container, image, network or volume."""


class Conflict(DockerError):
    """409: the object is in a state that forbids the call (name in use, not running, ...)."""


def docker_error(status: int, message: str) -> DockerError:
    """The `DockerError` subclass for an HTTP status."""
    if status == 404:
        return NotFound(status, message)
    if status == 409:
        return Conflict(status, message)
    return DockerError(status, message)


def label_filters(labels: Labels, **extra: list[str]) -> str:
    """The `filters` query parameter: `key=value` labels, or `key` alone when the value is None."""
    filters: dict[str, list[str]] = {k: v for k, v in extra.items() if v}
    if labels:
        filters["label"] = [key if value is None else f"{key}={value}" for key, value in labels.items()]
    return json.dumps(filters)


def split_image_ref(ref: str) -> tuple[str, str]:
    """(name, tag-or-digest) of an image reference, the tag defaulting to `latest`."""
    if "@" in ref:
        name, digest = ref.split("@", 1)
        return name, digest
    slash, colon = ref.rfind("/"), ref.rfind(":")
    if colon > slash:
        return ref[:colon], ref[colon + 1 :]
    return ref, "latest"


def negotiate_version(version: Mapping[str, Any]) -> str:
    """The API version to use against a daemon, given its `GET /version` reply."""

    def parse(value: Any) -> tuple[int, ...]:
        try:
            return tuple(int(part) for part in str(value).split("."))
        except ValueError:
            return ()

    chosen = API_VERSION
    server, minimum = parse(version.get("ApiVersion")), parse(version.get("MinAPIVersion"))
    if server and server < parse(chosen):
        chosen = ".".join(map(str, server))
    if minimum and minimum > parse(chosen):
        chosen = ".".join(map(str, minimum))
    return chosen


def _q(value: str) -> str:
    """An id or name as one path segment."""
    return quote(value, safe="")


def _qref(ref: str) -> str:
    """An image reference in a path: the daemon routes `/images/{name:.*}`, so `/` stays."""
    return quote(ref, safe="/:@")


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _as_dict(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise DockerError(0, f"unexpected reply from Docker to {what}: {value!r:.200}")
    return value


def _as_list(value: Any, what: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise DockerError(0, f"unexpected reply from Docker to {what}: {value!r:.200}")
    return value


class DockerClient:
    """The Engine API over a unix socket. Create it anywhere; it connects on first use."""

    def __init__(self, socket_path: str = DEFAULT_SOCKET) -> None:
        self.socket_path = socket_path
        self._session: aiohttp.ClientSession | None = None
        self._prefix: str | None = None
        self._prefix_lock = asyncio.Lock()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- plumbing ---------------------------------------------------------------------------

    def _unreachable(self) -> DockerError:
        return DockerError(0, f"Cannot connect to the Docker daemon at unix://{self.socket_path}")

    def _transport_error(self, exc: BaseException, what: str) -> DockerError:
        if isinstance(exc, aiohttp.ClientConnectorError | FileNotFoundError | ConnectionRefusedError):
            return self._unreachable()
        if isinstance(exc, TimeoutError):
            return DockerError(0, f"Docker API request timed out: {what}")
        return DockerError(0, f"Docker API request failed: {what}: {exc or type(exc).__name__}")

    def _session_for_call(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.UnixConnector(path=self.socket_path, limit=MAX_CONNECTIONS)
            self._session = aiohttp.ClientSession(connector=connector)
        return self._session

    async def _api_prefix(self) -> str:
        if self._prefix is None:
            async with self._prefix_lock:
                if self._prefix is None:
                    reply = await self._call("GET", "/version", versioned=False)
                    self._prefix = "/v" + negotiate_version(_as_dict(reply, "GET /version"))
        return self._prefix

    async def _open(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        timeout: aiohttp.ClientTimeout = _TIMEOUT,
        versioned: bool = True,
    ) -> aiohttp.ClientResponse:
        """Send a request; return the response once its headers say it succeeded (else raise)."""
        url = "http://docker" + (await self._api_prefix() if versioned else "") + path
        what = f"{method} {path}"
        attempts = 2 if method == "GET" else 1  # a pooled keep-alive connection may have gone stale
        for attempt in range(attempts):
            try:
                response = await self._session_for_call().request(
                    method, url, params=params, json=body, headers=headers, timeout=timeout
                )
                if response.status < 400:
                    return response
                try:
                    raise docker_error(response.status, error_message(await response.read(), response.reason))
                finally:
                    response.release()
            except aiohttp.ServerDisconnectedError as exc:
                if attempt + 1 == attempts:
                    raise self._transport_error(exc, what) from exc
            except (aiohttp.ClientError, OSError) as exc:
                raise self._transport_error(exc, what) from exc
        raise AssertionError("unreachable")

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
        timeout: aiohttp.ClientTimeout = _TIMEOUT,
        versioned: bool = True,
    ) -> Any:
        """A request whose whole reply is read: its decoded JSON, or None when empty or not JSON."""
        response = await self._open(
            method, path, params=params, body=body, timeout=timeout, versioned=versioned
        )
        try:
            data = await response.read()
        except (aiohttp.ClientError, OSError) as exc:
            raise self._transport_error(exc, f"{method} {path}") from exc
        finally:
            response.release()
        if not data or "json" not in response.content_type:
            return None
        try:
            return json.loads(data)
        except ValueError as exc:
            raise DockerError(0, f"invalid JSON from Docker to {method} {path}: {data[:200]!r}") from exc

    @contextlib.asynccontextmanager
    async def _stream(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """A streaming reply, closed (not drained) when the caller is done with it."""
        response = await self._open(method, path, params=params, headers=headers, timeout=_STREAM_TIMEOUT)
        try:
            yield response
        finally:
            response.close()

    # -- system -----------------------------------------------------------------------------

    async def ping(self) -> bool:
        """Whether the daemon answers `/_ping`; never raises."""
        try:
            response = await self._open("GET", "/_ping", timeout=_PING_TIMEOUT, versioned=False)
        except DockerError:
            return False
        response.release()
        return response.status == 200

    async def version(self) -> dict[str, Any]:
        return _as_dict(await self._call("GET", "/version", versioned=False), "GET /version")

    async def info(self) -> dict[str, Any]:
        return _as_dict(await self._call("GET", "/info"), "GET /info")

    # -- containers -------------------------------------------------------------------------

    async def create_container(self, config: dict[str, Any], name: str | None = None) -> str:
        """Create a container from a `ContainerConfig` (with `HostConfig`, ...); return its id."""
        params = {"name": name} if name else None
        reply = await self._call(
            "POST", "/containers/create", params=params, body=config, timeout=_SLOW_TIMEOUT
        )
        return str(_as_dict(reply, "container create")["Id"])

    async def start_container(self, container_id: str) -> None:
        await self._call("POST", f"/containers/{_q(container_id)}/start", timeout=_SLOW_TIMEOUT)

    async def stop_container(self, container_id: str, timeout: int) -> None:
        """SIGTERM (or the image's stop signal), then SIGKILL after `timeout` seconds."""
        await self._call(
            "POST",
            f"/containers/{_q(container_id)}/stop",
            params={"t": str(int(timeout))},
            timeout=aiohttp.ClientTimeout(total=max(0, timeout) + _SLOW_SECONDS),
        )

    async def kill_container(self, container_id: str, signal: str = "SIGKILL") -> None:
        try:
            await self._call("POST", f"/containers/{_q(container_id)}/kill", params={"signal": signal})
        except Conflict as exc:
            if "not running" not in exc.message:
                raise

    async def remove_container(self, container_id: str, force: bool = True) -> None:
        """Remove a container and its anonymous volumes; a missing container is fine."""
        try:
            await self._call(
                "DELETE",
                f"/containers/{_q(container_id)}",
                params={"force": _flag(force), "v": "true"},
                timeout=_SLOW_TIMEOUT,
            )
        except NotFound:
            pass
        except Conflict as exc:
            if "already in progress" not in exc.message:
                raise

    async def inspect_container(self, container_id: str) -> dict[str, Any] | None:
        try:
            reply = await self._call("GET", f"/containers/{_q(container_id)}/json")
        except NotFound:
            return None
        return _as_dict(reply, "container inspect")

    async def list_containers(self, labels: Labels, all: bool = True) -> list[dict[str, Any]]:
        params = {"all": _flag(all), "filters": label_filters(labels)}
        return _as_list(await self._call("GET", "/containers/json", params=params), "container list")

    async def wait_container(self, container_id: str) -> int:
        """Block until the container is not running; return its exit code."""
        reply = await self._call(
            "POST",
            f"/containers/{_q(container_id)}/wait",
            params={"condition": "not-running"},
            timeout=_STREAM_TIMEOUT,
        )
        return int(_as_dict(reply, "container wait")["StatusCode"])

    async def container_stats(self, container_id: str, *, one_shot: bool = False) -> dict[str, Any]:
        """One stats sample (with `precpu_stats` from a second earlier, so it takes ~1 s); with
        `one_shot` at once, without `precpu_stats` (the caller keeps the previous sample)."""
        params = {"stream": "false", "one-shot": "true"} if one_shot else {"stream": "false"}
        reply = await self._call("GET", f"/containers/{_q(container_id)}/stats", params=params)
        return _as_dict(reply, "container stats")

    async def container_logs(
        self, container_id: str, *, follow: bool, since: float | None = None, timestamps: bool = True
    ) -> AsyncIterator[tuple[str, bytes]]:
        """("stdout" | "stderr", line) for each line logged, without the newline
        (`container_log_batches`, line by line)."""
        async for batch in self.container_log_batches(
            container_id, follow=follow, since=since, timestamps=timestamps
        ):
            for item in batch:
                yield item

    async def container_log_batches(
        self, container_id: str, *, follow: bool, since: float | None = None, timestamps: bool = True
    ) -> AsyncIterator[list[tuple[str, bytes]]]:
        """("stdout" | "stderr", line) pairs logged, without the newline, a list per chunk read.

        With `timestamps`, each line starts with Docker's RFC 3339 nano timestamp and a space.
        With `follow`, the stream ends when the container stops. A TTY container has one stream,
        reported as stdout.
        """
        info = await self.inspect_container(container_id)
        if info is None:
            raise NotFound(404, f"No such container: {container_id}")
        tty = bool((info.get("Config") or {}).get("Tty"))
        params = {
            "stdout": "true",
            "stderr": "true",
            "follow": _flag(follow),
            "timestamps": _flag(timestamps),
        }
        if since is not None:
            params["since"] = f"{since:.9f}"
        async with self._stream("GET", f"/containers/{_q(container_id)}/logs", params=params) as response:
            batches = raw_batches(response.content) if tty else demux_batches(response.content)
            try:
                async for batch in batches:
                    yield batch
            except (aiohttp.ClientError, OSError):
                return  # the daemon went away: the log stream ends
            except StreamFormatError as exc:
                raise DockerError(0, str(exc)) from exc

    # -- images -----------------------------------------------------------------------------

    async def inspect_image(self, ref: str) -> dict[str, Any] | None:
        try:
            reply = await self._call("GET", f"/images/{_qref(ref)}/json")
        except NotFound:
            return None
        return _as_dict(reply, "image inspect")

    async def pull_image(self, ref: str, auth: dict[str, str] | None = None) -> None:
        """Pull an image; `auth` is the registry's `{"username", "password", "serveraddress"}`.

        The daemon reports failures that happen after the pull started inside its 200 stream of
        progress lines; they are raised here as `DockerError` (status 500) with the daemon's text.
        """
        name, tag = split_image_ref(ref)
        headers = {}
        if auth:
            headers["X-Registry-Auth"] = base64.urlsafe_b64encode(json.dumps(auth).encode()).decode()
        what = f"pull of {ref}"
        params = {"fromImage": name, "tag": tag}
        async with self._stream("POST", "/images/create", params=params, headers=headers) as response:
            try:
                async for message in json_lines(response.content):
                    error = pull_error(message)
                    if error is not None:
                        raise DockerError(500, error)
            except (aiohttp.ClientError, OSError) as exc:
                raise self._transport_error(exc, what) from exc
            except StreamFormatError as exc:
                raise DockerError(0, f"{what}: {exc}") from exc

    async def tag_image(self, ref: str, repo: str, tag: str) -> None:
        await self._call("POST", f"/images/{_qref(ref)}/tag", params={"repo": repo, "tag": tag})

    # -- networks ---------------------------------------------------------------------------

    async def create_network(
        self,
        name: str,
        subnet: str,
        gateway: str,
        labels: dict[str, str],
        options: dict[str, str] | None = None,
    ) -> str:
        """Create a bridge network with one IPAM pool; return its id (Conflict if the name exists)."""
        body = {
            "Name": name,
            "Driver": "bridge",
            "CheckDuplicate": True,
            "IPAM": {"Driver": "default", "Config": [{"Subnet": subnet, "Gateway": gateway}]},
            "Labels": labels,
            "Options": options or {},
        }
        reply = await self._call("POST", "/networks/create", body=body)
        return str(_as_dict(reply, "network create")["Id"])

    async def inspect_network(self, name_or_id: str) -> dict[str, Any] | None:
        try:
            reply = await self._call("GET", f"/networks/{_q(name_or_id)}")
        except NotFound:
            return None
        return _as_dict(reply, "network inspect")

    async def list_networks(self, labels: Labels) -> list[dict[str, Any]]:
        reply = await self._call("GET", "/networks", params={"filters": label_filters(labels)})
        return _as_list(reply, "network list")

    async def remove_network(self, name_or_id: str) -> None:
        with contextlib.suppress(NotFound):
            await self._call("DELETE", f"/networks/{_q(name_or_id)}")

    async def connect_network(self, network: str, container_id: str, ipv4_address: str | None = None) -> None:
        endpoint: dict[str, Any] = {}
        if ipv4_address:
            endpoint["IPAMConfig"] = {"IPv4Address": ipv4_address}
        body = {"Container": container_id, "EndpointConfig": endpoint}
        await self._call("POST", f"/networks/{_q(network)}/connect", body=body)

    # -- volumes ----------------------------------------------------------------------------

    async def create_volume(self, name: str, labels: dict[str, str]) -> None:
        await self._call("POST", "/volumes/create", body={"Name": name, "Driver": "local", "Labels": labels})

    async def remove_volume(self, name: str) -> None:
        with contextlib.suppress(NotFound):
            await self._call("DELETE", f"/volumes/{_q(name)}", timeout=_SLOW_TIMEOUT)

    async def list_volumes(self, labels: Labels) -> list[dict[str, Any]]:
        reply = await self._call("GET", "/volumes", params={"filters": label_filters(labels)})
        return _as_list(_as_dict(reply, "volume list").get("Volumes"), "volume list")

    # -- events -----------------------------------------------------------------------------

    def events(
        self, labels: Labels, types: tuple[str, ...] = ("container",)
    ) -> AsyncIterator[dict[str, Any]]:
        """Decoded events from the moment of this call on, until the connection closes.

        "Now" is taken here, not when iteration starts, and sent as `since`: events of calls
        made between `events()` and the first `async for` step are not lost.
        """
        return self._events(label_filters(labels, type=list(types)), time.time())

    async def _events(self, filters: str, since: float) -> AsyncIterator[dict[str, Any]]:
        params = {"filters": filters, "since": f"{since:.9f}"}
        async with self._stream("GET", "/events", params=params) as response:
            try:
                async for event in json_lines(response.content):
                    yield event
            except (aiohttp.ClientError, OSError):
                return  # the connection closed: the stream ends
            except StreamFormatError as exc:
                raise DockerError(0, str(exc)) from exc
