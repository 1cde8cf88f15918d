"""HTTP handlers of the metadata and credentials endpoint (what tasks see at 169.254.170.2:80).

v4/v3 find the container by the id in the path (`ECS_CONTAINER_METADATA_URI[_V4]`), v2 finds
the task by the caller's address, credentials are served only to the task they belong to, from
its own address. Each task may make 40 requests a second (bursts of 60).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from skiff.agent.metadata.ratelimit import RateLimiter
from skiff.agent.metadata.responses import container_body, task_body
from skiff.agent.metadata.state import ContainerRef, MetadataState, metadata_id
from skiff.agent.metadata.stats import StatsSampler
from skiff.store.base import Document

# task -> its role's credentials {RoleArn, AccessKeyId, SecretAccessKey, Token, Expiration}, or None
CredentialsSource = Callable[[Document], Awaitable[dict[str, Any] | None]]


def _json(body: Any, status: int = 200) -> web.Response:
    return web.Response(status=status, text=json.dumps(body), content_type="application/json")


class MetadataEndpoint:
    def __init__(
        self,
        state: MetadataState,
        stats: StatsSampler,
        credentials: CredentialsSource,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.state = state
        self.stats = stats
        self.credentials = credentials
        self.limiter = limiter or RateLimiter()

    def app(self) -> web.Application:
        app = web.Application()
        add = app.router.add_get
        for version in ("v3", "v4"):
            add(f"/{version}/{{id}}", self.container)
            add(f"/{version}/{{id}}/task", self.task)
            add(f"/{version}/{{id}}/stats", self.container_stats)
            add(f"/{version}/{{id}}/task/stats", self.task_stats)
        add("/v4/{id}/taskWithTags", self.task)
        add("/v2/metadata", self.v2_task)
        add("/v2/metadata/{cid}", self.v2_container)
        add("/v2/stats", self.v2_task_stats)
        add("/v2/stats/{cid}", self.v2_container_stats)
        add("/v2/credentials", self.no_credentials_id)
        add("/v2/credentials/", self.no_credentials_id)
        add("/v2/credentials/{id}", self.credentials_handler)
        return app

    # -- lookups ------------------------------------------------------------------------------------
    def _ref(self, request: web.Request) -> ContainerRef:
        metadata = request.match_info["id"]
        ref = self.state.container(metadata)
        if ref is None:
            raise web.HTTPNotFound(
                text=json.dumps(f"Unable to find container for metadata ID {metadata}"),
                content_type="application/json",
            )
        self._limit(ref.task)
        return ref

    def _task_by_caller(self, request: web.Request) -> Document:
        task = self.state.task_by_ip(request.remote or "")
        if task is None:
            raise web.HTTPBadRequest(
                text=json.dumps(f"Unable to get task arn from request: no task has address {request.remote}"),
                content_type="application/json",
            )
        self._limit(task)
        return task

    def _limit(self, task: Document) -> None:
        if not self.limiter.allow(task["taskArn"]):
            raise web.HTTPTooManyRequests(
                text=json.dumps("Rate exceeded: 40 requests per second per task"),
                content_type="application/json",
            )

    @staticmethod
    def _version(request: web.Request) -> int:
        return 4 if request.path.startswith("/v4/") else 3

    # -- v3 / v4 ------------------------------------------------------------------------------------
    async def container(self, request: web.Request) -> web.Response:
        ref = self._ref(request)
        return _json(container_body(ref.task, ref.name, self._version(request)))

    async def task(self, request: web.Request) -> web.Response:
        ref = self._ref(request)
        with_tags = request.path.endswith("/taskWithTags")
        return _json(task_body(ref.task, self._version(request), with_tags=with_tags))

    async def container_stats(self, request: web.Request) -> web.Response:
        ref = self._ref(request)
        return _json(await self._stats(ref.task, ref.name, rates=self._version(request) >= 4))

    async def task_stats(self, request: web.Request) -> web.Response:
        ref = self._ref(request)
        rates = self._version(request) >= 4
        return _json(await self._all_stats(ref.task, rates))

    async def _stats(self, task: Document, name: str, *, rates: bool) -> dict[str, Any]:
        docker_id = self.state.docker_id(task, name)
        if not docker_id:
            return {}
        return await self.stats.sample(docker_id, self.state.pause_id(task), with_rates=rates)

    async def _all_stats(self, task: Document, rates: bool) -> dict[str, Any]:
        names = [str(c["name"]) for c in task["_skiff"]["containers"]]
        return {metadata_id(task, name): await self._stats(task, name, rates=rates) for name in names}

    # -- v2 -----------------------------------------------------------------------------------------
    async def v2_task(self, request: web.Request) -> web.Response:
        return _json(task_body(self._task_by_caller(request), 2))

    def _v2_name(self, request: web.Request, task: Document) -> str:
        wanted = request.match_info["cid"]
        for container in task["_skiff"]["containers"]:
            if metadata_id(task, str(container["name"])) == wanted:
                return str(container["name"])
        raise web.HTTPNotFound(
            text=json.dumps(f"Unable to find container {wanted} in the task"), content_type="application/json"
        )

    async def v2_container(self, request: web.Request) -> web.Response:
        task = self._task_by_caller(request)
        return _json(container_body(task, self._v2_name(request, task), 2))

    async def v2_task_stats(self, request: web.Request) -> web.Response:
        return _json(await self._all_stats(self._task_by_caller(request), rates=False))

    async def v2_container_stats(self, request: web.Request) -> web.Response:
        task = self._task_by_caller(request)
        return _json(await self._stats(task, self._v2_name(request, task), rates=False))

    # -- credentials ----------------------------------------------------------------------------------
    async def no_credentials_id(self, request: web.Request) -> web.Response:
        return _json({"code": "NoIdInRequest", "message": "CredentialsV2Request: No ID in the request"}, 400)

    async def credentials_handler(self, request: web.Request) -> web.Response:
        wanted = request.match_info["id"]
        task = self.state.task_by_ip(request.remote or "")
        if task is None or not wanted or task["_skiff"].get("credentials_id") != wanted:
            return _json(
                {"code": "InvalidIdInRequest", "message": "CredentialsV2Request: Credentials not found"}, 400
            )
        self._limit(task)
        credentials = await self.credentials(task)
        if credentials is None:
            return _json(
                {"code": "InvalidIdInRequest", "message": "CredentialsV2Request: Credentials not found"}, 400
            )
        return _json(credentials)
