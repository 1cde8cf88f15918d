"""skiff's own endpoints beside the AWS APIs: state reset and the status of the engine's parts.

- `POST /_skiff/reset` and `POST /moto-api/reset` (the path suites written for moto's server mode
  call, `TEST_SERVER_MODE=true` with `MOTO_CALL_RESET_API`): run the reset hooks; 200
  `{"status": "ok", ...}`. Only callers the console lets in (see access.py); a page of another
  origin is refused.
- `GET /_skiff/status`: the engine and each part it runs (a `StatusBoard` part per subsystem,
  registered in skiff/server/): up or not, version, details; the data dir and endpoint.
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from skiff import __version__
from skiff.console.access import Caller, Gatekeeper
from skiff.console.reset import ResetHooks

log = logging.getLogger("skiff.console")

RESET_PATHS = ("/_skiff/reset", "/moto-api/reset")
STATUS_PATH = "/_skiff/status"
RESET_ACTION = "skiff:Reset"

Part = Callable[[], Awaitable[dict[str, Any]] | dict[str, Any]]


def json_response(body: Any, status: int = 200) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps(body, default=str).encode(),
        content_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


def refusal(message: str, status: int = 403, code: str = "AccessDeniedException") -> web.Response:
    return json_response({"__type": code, "message": message}, status)


class StatusBoard:
    """The parts `skiff status` reports: each returns {"up": bool, ...} (version, address...)."""

    def __init__(self, about: dict[str, Any]) -> None:
        self.about = about
        self._parts: dict[str, Part] = {}

    def add(self, name: str, part: Part) -> None:
        self._parts[name] = part

    async def read(self) -> dict[str, Any]:
        parts: dict[str, Any] = {}
        for name, part in self._parts.items():
            try:
                found = part()
                parts[name] = await found if inspect.isawaitable(found) else found
            except Exception as exc:
                parts[name] = {"up": False, "error": f"{type(exc).__name__}: {exc}"}
        return {"engine": {"up": True, "version": __version__, **self.about}, "parts": parts}


class InternalEndpoints:
    def __init__(self, gate: Gatekeeper, hooks: ResetHooks, board: StatusBoard) -> None:
        self.gate = gate
        self.hooks = hooks
        self.board = board

    def add_routes(self, app: web.Application) -> None:
        for path in RESET_PATHS:
            app.router.add_post(path, self.reset)
        app.router.add_get(STATUS_PATH, self.status)

    async def _caller(self, request: web.Request) -> Caller | None:
        return self.gate.caller(request) or await self.gate.signed_caller(request)

    async def reset(self, request: web.Request) -> web.Response:
        if self.gate.foreign_origin(request):
            return refusal("Resets are not accepted from pages of another origin.")
        caller = await self._caller(request)
        if caller is None:
            return refusal(
                "The state reset needs a local caller, a signed request or a console login.", 401,
                "UnrecognizedClientException",
            )  # fmt: skip
        if caller.session is not None and not self.gate.check_csrf(caller, request):
            return refusal("The console session's CSRF token is missing or wrong.")
        if not self.gate.may(caller, RESET_ACTION):
            return refusal(f"{caller.name} is not authorized to perform: {RESET_ACTION} on resource: *")
        log.info("state reset requested by %s", caller.name)
        report = await self.hooks.run()
        return json_response(report.as_json(), 200 if report.ok else 500)

    async def status(self, request: web.Request) -> web.Response:
        caller = await self._caller(request)
        if caller is None:
            return refusal("The status needs a local caller, a signed request or a console login.", 401,
                           "UnrecognizedClientException")  # fmt: skip
        return json_response(await self.board.read())
