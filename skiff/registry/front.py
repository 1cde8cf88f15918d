"""The registry's front: what docker talks to at `https://<account>.dkr.ecr.<region>.amazonaws.com`.

It terminates TLS, checks the login (HTTP Basic, user `AWS`, a password from
GetAuthorizationToken), applies ECR's rules, and proxies everything else, streaming, to the
distribution registry on its unix socket:
- a repository must exist before anything is pushed to or pulled from it (`name unknown`);
- a tag of an IMMUTABLE repository is never overwritten: the manifest PUT is refused with
  `TAG_INVALID` before the registry sees it, so docker prints ECR's `tag invalid: ...` line;
- every manifest the registry stores is recorded at once in the store (state/ecr.py), so images
  pushed with plain `docker push` appear in the ECR API; manifest GETs record the pull time;
- deleting through the registry API is refused, as on ECR (BatchDeleteImage deletes).
Repository names are mapped to `<account>/<region>/<name>` inside the registry, and back in
`Location` headers and tag lists.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import json
import logging
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
from aiohttp import web
from multidict import CIMultiDict

from skiff.security.registry_tokens import RegistryTokens, TokenError, basic_password
from skiff.state import ecr
from skiff.store.base import Document, Store

log = logging.getLogger("skiff.registry.front")

MAX_MANIFEST_BYTES = 4 * 1024 * 1024
CHUNK = 256 * 1024
HOP_BY_HOP = frozenset(
    {
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
        "transfer-encoding", "upgrade", "host", "authorization", "content-length",
    }
)  # fmt: skip
_PATH = re.compile(r"^/v2/(?P<name>.+?)/(?P<kind>manifests|blobs|tags)(?P<rest>/.*)?$")


def registry_error(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> web.Response:
    body = json.dumps({"errors": [{"code": code, "message": message, "detail": None}]})
    return web.Response(
        status=status,
        text=body,
        content_type="application/json",
        headers={"Docker-Distribution-Api-Version": "registry/2.0", **(headers or {})},
    )


def repository_missing(name: str, account: str) -> web.Response:
    return registry_error(
        404,
        "NAME_UNKNOWN",
        f"The repository with name '{name}' does not exist in the registry with id '{account}'",
    )


def tag_is_immutable(repository: Document, tag: str) -> bool:
    mutability = str(repository.get("imageTagMutability", "MUTABLE"))
    filters = [str(f.get("filter", "")) for f in repository.get("imageTagMutabilityExclusionFilters") or []]
    excluded = any(fnmatch.fnmatchcase(tag, pattern) for pattern in filters)
    if mutability == "IMMUTABLE":
        return True
    if mutability == "IMMUTABLE_WITH_EXCLUSION":
        return not excluded
    if mutability == "MUTABLE_WITH_EXCLUSION":
        return excluded
    return False


class RegistryFront:
    def __init__(self, store: Store, tokens: RegistryTokens, socket_path: str) -> None:
        self.store = store
        self.tokens = tokens
        self.socket_path = socket_path
        self._session: aiohttp.ClientSession | None = None
        self._locks: dict[str, asyncio.Lock] = {}
        self._open = asyncio.Event()
        self._open.set()
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_MANIFEST_BYTES)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        app.on_cleanup.append(self._close)
        return app

    async def _close(self, _: web.Application) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.UnixConnector(path=self.socket_path, limit=64),
                auto_decompress=False,
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=10),
            )
        return self._session

    @contextlib.asynccontextmanager
    async def paused(self) -> AsyncIterator[None]:
        """Hold new requests and wait for those under way (garbage collection runs meanwhile)."""
        self._open.clear()
        try:
            await self._idle.wait()
            yield
        finally:
            self._open.set()

    # -- requests -------------------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.StreamResponse:
        await self._open.wait()
        self._in_flight += 1
        self._idle.clear()
        try:
            return await self._handle(request)
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        host = request.host
        registry = ecr.parse_registry_host(host)
        if registry is None:
            return registry_error(404, "NAME_UNKNOWN", f"{host} is not an ECR registry host")
        account, region = registry
        refused = self._check_login(request, host.lower().removesuffix(":443"), account, region)
        if refused is not None:
            return refused
        path = request.path
        if path in ("/v2", "/v2/"):
            return web.json_response({}, headers={"Docker-Distribution-Api-Version": "registry/2.0"})
        if path == "/v2/_catalog":
            names = [
                r["repositoryName"]
                for r in self.store.find(ecr.REPOSITORIES, {"account": account, "region": region})
            ]
            return web.json_response({"repositories": sorted(names)})
        match = _PATH.match(path)
        if match is None:
            return registry_error(404, "UNSUPPORTED", "The operation is unsupported.")
        name, kind, rest = match["name"], match["kind"], match["rest"] or ""
        repository = ecr.load_repository(self.store, account, region, name)
        if repository is None:
            return repository_missing(name, account)
        inner = ecr.storage_name(account, region, name)
        target = f"/v2/{inner}/{kind}{rest}"
        if kind == "manifests" and request.method == "PUT":
            return await self._put_manifest(request, repository, name, inner, target, rest[1:])
        if kind == "manifests" and request.method == "DELETE":
            return registry_error(
                405, "UNSUPPORTED", "Deleting images is done with the ECR API (BatchDeleteImage)."
            )
        on_reply: Callable[[aiohttp.ClientResponse], None] | None = None
        if kind == "manifests" and request.method == "GET":
            arn = repository["repositoryArn"]

            def on_reply(reply: aiohttp.ClientResponse) -> None:
                digest = reply.headers.get("Docker-Content-Digest")
                if reply.status == 200 and digest:
                    ecr.record_pull(self.store, arn, digest)

        rewrite = (inner, name) if kind == "tags" else None
        return await self._forward(request, target, self._query(request, account, region), name, inner,
                                   on_reply=on_reply, rewrite_name=rewrite)  # fmt: skip

    def _check_login(self, request: web.Request, host: str, account: str, region: str) -> web.Response | None:
        challenge = {"WWW-Authenticate": f'Basic realm="https://{host}/",service="ecr.amazonaws.com"'}
        header = request.headers.get("Authorization")
        if not header:
            return registry_error(401, "UNAUTHORIZED", "authentication required", challenge)
        password = basic_password(header)
        if password is None:
            return registry_error(401, "UNAUTHORIZED", "Not Authorized", challenge)
        try:
            claims = self.tokens.verify(password)
        except TokenError as exc:
            if exc.expired:
                return registry_error(
                    403, "DENIED", "Your authorization token has expired. Reauthenticate and try again."
                )
            return registry_error(401, "UNAUTHORIZED", "Not Authorized", challenge)
        if (claims.account, claims.region) != (account, region):
            return registry_error(
                403, "DENIED", f"Your authorization token is not valid for the registry {host}."
            )
        return None

    @staticmethod
    def _query(request: web.Request, account: str, region: str) -> list[tuple[str, str]]:
        """The query, with a cross-repository mount's `from` named as the registry knows it."""
        items = []
        for key, value in request.query.items():
            if key == "from":
                value = ecr.storage_name(account, region, value)
            items.append((key, value))
        return items

    async def _put_manifest(
        self, request: web.Request, repository: Document, name: str, inner: str, target: str, reference: str
    ) -> web.StreamResponse:
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return registry_error(413, "MANIFEST_INVALID", "The manifest is larger than 4 MiB.")
        tag = None if ":" in reference else reference
        arn = repository["repositoryArn"]
        lock = self._locks.setdefault(arn, asyncio.Lock())
        async with lock:
            repository = self.store.get(ecr.REPOSITORIES, arn) or repository
            taken = tag is not None and ecr.image_with_tag(ecr.images_of(self.store, arn), tag) is not None
            if tag is not None and taken and tag_is_immutable(repository, tag):
                return registry_error(
                    400,
                    "TAG_INVALID",
                    f"The image tag '{tag}' already exists in the '{name}' repository and cannot be "
                    "overwritten because the repository is immutable.",
                )
            media_type = request.headers.get(
                "Content-Type", "application/vnd.docker.distribution.manifest.v2+json"
            )

            def on_reply(reply: aiohttp.ClientResponse) -> None:
                digest = reply.headers.get("Docker-Content-Digest")
                if reply.status == 201 and digest:
                    ecr.record_push(self.store, arn, digest, tag, body, media_type)

            return await self._forward(request, target, list(request.query.items()), name, inner,
                                       body=body, on_reply=on_reply)  # fmt: skip

    async def _forward(
        self,
        request: web.Request,
        target: str,
        query: list[tuple[str, str]],
        name: str,
        inner: str,
        *,
        body: bytes | None = None,
        on_reply: Callable[[aiohttp.ClientResponse], None] | None = None,
        rewrite_name: tuple[str, str] | None = None,
    ) -> web.StreamResponse:
        # a multidict: docker sends one Accept header per manifest type it takes
        headers = CIMultiDict((k, v) for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP)
        data: Any = body
        if body is None and request.body_exists:
            data = request.content
            if request.content_length is not None:
                headers["Content-Length"] = str(request.content_length)
        try:
            reply = await self._client().request(
                request.method, f"http://registry{target}", params=query, headers=headers, data=data,
                allow_redirects=False,
            )  # fmt: skip
        except (aiohttp.ClientError, OSError) as exc:
            log.warning("registry unreachable: %s", exc)
            return registry_error(503, "UNAVAILABLE", "The registry is not available; try again.")
        async with reply:
            if on_reply is not None:
                on_reply(reply)
            out = web.StreamResponse(status=reply.status, reason=reply.reason)
            for key, value in reply.headers.items():
                if key.lower() in HOP_BY_HOP:
                    continue
                if key.lower() == "location" and value.startswith(f"/v2/{inner}/"):
                    value = f"/v2/{name}/" + value[len(f"/v2/{inner}/") :]
                out.headers.add(key, value)
            if rewrite_name is not None and reply.status == 200:
                document = json.loads(await reply.read() or b"{}")
                if isinstance(document, dict) and document.get("name") == rewrite_name[0]:
                    document["name"] = rewrite_name[1]
                encoded = json.dumps(document).encode()
                out.content_length = len(encoded)
                await out.prepare(request)
                await out.write(encoded)
                await out.write_eof()
                return out
            if reply.content_length is not None:
                out.content_length = reply.content_length
            await out.prepare(request)
            if request.method != "HEAD":
                async for chunk in reply.content.iter_chunked(CHUNK):
                    await out.write(chunk)
            await out.write_eof()
            return out
