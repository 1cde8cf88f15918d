"""The web console's routes under /console: pages, their JSON, live logs, actions and logins.

- `GET /console` (and `/console/`): the page (one HTML shell; static/app.js renders each view from
  `/console/api/...` and polls it, so pages update without a reload). `/console/static/*` is the
  console's own JS/CSS; `/console/vendor/*` the front-end libraries setup installs from npm
  (uPlot) outside the repository (`.venv/share/skiff-console/node_modules`, or
  `SKIFF_CONSOLE_VENDOR`).
- `GET /console/api/<view>`: JSON of a view (views.py); `GET /console/api/logs?group=&stream=`: a
  log stream as server-sent events; `GET /console/api/metrics/<cluster>/<service>` and
  `GET /console/api/task-metrics/<cluster>/<task>`: chart data (charts.py).
- `POST /console/api/services/<cluster>/<service>/scale|deploy`, `POST
  /console/api/tasks/<cluster>/<task>/stop`: actions, each through the ECS backend with the
  caller's identity (UpdateService, StopTask), with the page's CSRF token in `X-Skiff-Csrf`.
- `GET|POST /console/login`, `POST /console/logout`: the login when the server is not bound to a
  loopback address (access.py decides who is let in).
"""

from __future__ import annotations

import html
import json
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from skiff.api.errors import AwsError
from skiff.console.access import SESSION_COOKIE, SESSION_SECONDS, Caller, Gatekeeper
from skiff.console.backend import ConsoleBackend
from skiff.console.charts import Charts
from skiff.console.internal import json_response, refusal
from skiff.console.live import Live
from skiff.console.views import Views

log = logging.getLogger("skiff.console")
STATIC = Path(__file__).resolve().parent / "static"
PREFIX = "/console"


def vendor_dir() -> Path:
    configured = os.environ.get("SKIFF_CONSOLE_VENDOR")
    return Path(configured) if configured else Path(sys.prefix) / "share" / "skiff-console" / "node_modules"


def _error(error: AwsError) -> web.Response:
    status = error.status if 400 <= error.status < 600 else 400
    return json_response({"__type": error.code, "message": error.message}, status)


Handler = Callable[[Caller, web.Request], Awaitable[web.StreamResponse]]


class Console:
    def __init__(self, gate: Gatekeeper, backend: ConsoleBackend, metrics_period: int = 60) -> None:
        self.gate = gate
        self.backend = backend
        self.views = Views(backend)
        self.live = Live(backend)
        self.charts = Charts(backend, metrics_period)

    def add_routes(self, app: web.Application) -> None:
        router = app.router
        router.add_get(PREFIX, self.page)
        router.add_get(PREFIX + "/", self.page)
        router.add_get(PREFIX + "/login", self.login_page)
        router.add_post(PREFIX + "/login", self.login)
        router.add_post(PREFIX + "/logout", self.logout)
        router.add_static(PREFIX + "/static", STATIC, append_version=False)
        router.add_get(PREFIX + "/vendor/{path:.+}", self.vendor)
        api = PREFIX + "/api"
        reads: dict[str, Handler] = {
            "/clusters": self._clusters,
            "/clusters/{cluster}": self._cluster,
            "/services/{cluster}/{service}": self._service,
            "/tasks/{cluster}/{task}": self._task,
            "/balancers": self._balancers,
            "/discovery": self._discovery,
            "/images": self._images,
            "/configuration": self._configuration,
            "/metrics/{cluster}/{service}": self._metrics,
            "/task-metrics/{cluster}/{task}": self._task_metrics,
            "/logs": self._logs,
            "/whoami": self._whoami,
        }
        for path, handler in reads.items():
            router.add_get(api + path, self._guard(handler))
        actions: dict[str, Handler] = {
            "/services/{cluster}/{service}/scale": self._scale,
            "/services/{cluster}/{service}/deploy": self._deploy,
            "/tasks/{cluster}/{task}/stop": self._stop,
        }
        for path, handler in actions.items():
            router.add_post(api + path, self._guard(handler, action=True))
        router.add_route("*", api + "/{tail:.*}", self._unknown)

    def status(self) -> dict[str, Any]:
        """The console's part of `skiff status`: its address, and whether the chart library is there."""
        charts = (vendor_dir() / "uplot" / "dist" / "uPlot.iife.min.js").is_file()
        login = "open to local callers" if self.gate.open else "login required"
        return {
            "up": True,
            "address": f"{PREFIX} ({login})",
            "note": "charts: uPlot" if charts else "chart library missing (make setup)",
            "charts": charts,
        }

    # -- who may ----------------------------------------------------------------------------------
    async def _caller(self, request: web.Request) -> Caller | None:
        return self.gate.caller(request) or await self.gate.signed_caller(request)

    def _guard(
        self, handler: Handler, action: bool = False
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def guarded(request: web.Request) -> web.StreamResponse:
            if action and self.gate.foreign_origin(request):
                return refusal("Console actions are not accepted from pages of another origin.")
            caller = await self._caller(request)
            if caller is None:
                return refusal("The console needs a login.", 401, "UnrecognizedClientException")
            if action and not self.gate.check_csrf(caller, request):
                return refusal("The console's CSRF token is missing or wrong.")
            try:
                return await handler(caller, request)
            except AwsError as error:
                return _error(error)
            except (web.HTTPException, ConnectionResetError):
                raise
            except Exception:
                log.exception("console view %s failed", request.path)
                return json_response({"__type": "InternalFailure", "message": "The console failed."}, 500)

        return guarded

    @staticmethod
    async def _unknown(request: web.Request) -> web.Response:
        return json_response(
            {"__type": "NotFoundException", "message": f"No console view {request.path}."}, 404
        )

    # -- pages ------------------------------------------------------------------------------------
    async def page(self, request: web.Request) -> web.Response:
        caller = self.gate.caller(request)
        if caller is None:
            raise web.HTTPFound(PREFIX + "/login")
        shell = (STATIC / "index.html").read_text()
        shell = shell.replace("{{csrf}}", html.escape(self.gate.csrf_of(caller)))
        shell = shell.replace("{{who}}", html.escape(caller.name))
        shell = shell.replace("{{logout}}", "" if caller.session is None else "1")
        return web.Response(text=shell, content_type="text/html", headers={"Cache-Control": "no-store"})

    async def login_page(self, request: web.Request, message: str = "", status: int = 200) -> web.Response:
        text = (STATIC / "login.html").read_text().replace("{{message}}", html.escape(message))
        return web.Response(
            text=text, content_type="text/html", status=status, headers={"Cache-Control": "no-store"}
        )

    async def login(self, request: web.Request) -> web.Response:
        if self.gate.foreign_origin(request):
            return refusal("Logins are not accepted from pages of another origin.")
        form = await request.post()
        key, secret = str(form.get("access_key_id", "")).strip(), str(form.get("secret_access_key", ""))
        principal = self.gate.verify_keys(key, secret)
        if principal is None:
            return await self.login_page(request, "The access key or its secret is not right.", 401)
        session = self.gate.login(principal)
        response = web.HTTPSeeOther(PREFIX + "/")
        response.set_cookie(
            SESSION_COOKIE,
            session.token,
            max_age=SESSION_SECONDS,
            path="/",
            httponly=True,
            samesite="Strict",
            secure=request.secure,
        )
        return response

    async def logout(self, request: web.Request) -> web.Response:
        caller = self.gate.caller(request)
        if caller is not None and caller.session is not None and not self.gate.check_csrf(caller, request):
            return refusal("The console's CSRF token is missing or wrong.")
        self.gate.logout(request)
        response = web.HTTPSeeOther(PREFIX + "/login")
        response.del_cookie(SESSION_COOKIE, path="/")
        return response

    async def vendor(self, request: web.Request) -> web.StreamResponse:
        root = vendor_dir().resolve()
        wanted = (root / request.match_info["path"]).resolve()
        if not wanted.is_relative_to(root) or not wanted.is_file():
            raise web.HTTPNotFound()
        return web.FileResponse(wanted, headers={"Cache-Control": "max-age=3600"})

    # -- views ------------------------------------------------------------------------------------
    async def _clusters(self, caller: Caller, request: web.Request) -> web.Response:
        return json_response(await self.views.clusters(caller))

    async def _cluster(self, caller: Caller, request: web.Request) -> web.Response:
        return json_response(await self.views.cluster(caller, request.match_info["cluster"]))

    async def _service(self, caller: Caller, request: web.Request) -> web.Response:
        info = request.match_info
        return json_response(await self.views.service(caller, info["cluster"], info["service"]))

    async def _task(self, caller: Caller, request: web.Request) -> web.Response:
        info = request.match_info
        return json_response(await self.views.task(caller, info["cluster"], info["task"]))

    async def _balancers(self, caller: Caller, request: web.Request) -> web.Response:
        return json_response(await self.views.balancers(caller))

    async def _discovery(self, caller: Caller, request: web.Request) -> web.Response:
        return json_response(await self.views.discovery(caller))

    async def _images(self, caller: Caller, request: web.Request) -> web.Response:
        return json_response(await self.views.images(caller))

    async def _configuration(self, caller: Caller, request: web.Request) -> web.Response:
        return json_response(await self.views.configuration(caller))

    async def _whoami(self, caller: Caller, request: web.Request) -> web.Response:
        return json_response(
            {"caller": caller.name, "account": self.backend.account, "region": self.backend.region}
        )

    async def _metrics(self, caller: Caller, request: web.Request) -> web.Response:
        info = request.match_info
        return json_response(
            await self.charts.service_metrics(caller, info["cluster"], info["service"], _minutes(request))
        )

    async def _task_metrics(self, caller: Caller, request: web.Request) -> web.Response:
        info = request.match_info
        return json_response(
            await self.charts.task_metrics(caller, info["cluster"], info["task"], _minutes(request))
        )

    async def _logs(self, caller: Caller, request: web.Request) -> web.StreamResponse:
        group, stream = request.query.get("group", ""), request.query.get("stream", "")
        if not group or not stream:
            raise AwsError("group and stream are required.", code="ValidationException")
        return await self.live.follow(caller, request, group, stream)

    # -- actions ----------------------------------------------------------------------------------
    async def _body(self, request: web.Request) -> dict[str, Any]:
        raw = await request.read()
        if not raw:
            return {}
        try:
            body = json.loads(raw)
        except ValueError:
            raise AwsError("The request body is not JSON.", code="SerializationException") from None
        if not isinstance(body, dict):
            raise AwsError("The request body must be a JSON object.", code="SerializationException")
        return body

    async def _scale(self, caller: Caller, request: web.Request) -> web.Response:
        count = (await self._body(request)).get("desiredCount")
        if isinstance(count, str) and count.strip().isdigit():
            count = int(count.strip())
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise AwsError(
                "desiredCount must be a whole number, 0 or more.", code="InvalidParameterException"
            )
        info = request.match_info
        params = {"cluster": info["cluster"], "service": info["service"], "desiredCount": count}
        found = await self.backend.call(caller, "ecs", "UpdateService", params, request.remote)
        return json_response({"service": _brief(found.get("service"))})

    async def _deploy(self, caller: Caller, request: web.Request) -> web.Response:
        info = request.match_info
        params = {"cluster": info["cluster"], "service": info["service"], "forceNewDeployment": True}
        found = await self.backend.call(caller, "ecs", "UpdateService", params, request.remote)
        return json_response({"service": _brief(found.get("service"))})

    async def _stop(self, caller: Caller, request: web.Request) -> web.Response:
        info = request.match_info
        reason = str((await self._body(request)).get("reason") or "Stopped from the skiff console")[:255]
        params = {"cluster": info["cluster"], "task": info["task"], "reason": reason}
        found = await self.backend.call(caller, "ecs", "StopTask", params, request.remote)
        task = found.get("task") or {}
        return json_response(
            {"task": {"taskArn": task.get("taskArn"), "desiredStatus": task.get("desiredStatus")}}
        )


def _minutes(request: web.Request) -> int:
    try:
        return int(request.query.get("minutes", "30"))
    except ValueError:
        raise AwsError("minutes must be a whole number.", code="ValidationException") from None


def _brief(service: Any) -> dict[str, Any]:
    if not isinstance(service, dict):
        return {}
    keep = ("serviceName", "desiredCount", "runningCount", "pendingCount", "status")
    return {k: service.get(k) for k in keep}
