"""The gateway: one aiohttp handler for every service on one port.

It turns the aiohttp request into an `HttpRequest`, routes it, lets the protocol parse it,
validates the input against the model, calls the provider and serializes the result or error.
No input reaches the client as a traceback: unexpected faults are logged with their request id
and answered with a 500 `ServerException`/`InternalFailure`.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import logging
import time
import uuid
import zlib
from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from xml.sax.saxutils import escape

from aiohttp import web
from botocore.model import OperationModel

from skiff.api import eventstream
from skiff.api.authorizer import IdentifyOnly, RequestAuthorizer
from skiff.api.context import RequestContext
from skiff.api.errors import (
    AwsError,
    InternalFailure,
    InvalidActionError,
    MissingActionError,
    NotImplementedOperationError,
    RequestTooLargeError,
    SerializationError,
    UnknownOperationError,
)
from skiff.api.http import HttpRequest, HttpResponse
from skiff.api.protocols.base import WireProtocol
from skiff.api.provider import Provider
from skiff.api.routing import PROTOCOLS, route
from skiff.api.specs import ServiceSpec
from skiff.api.validate import validate_input

log = logging.getLogger("skiff.api")

NOOP_PATH = "/_skiff/noop"
MAX_BODY_BYTES = 64 * 1024 * 1024
# Services whose input-validation failures carry their own code (CloudWatch Logs answers them
# as InvalidParameterException with the usual "N validation error(s) detected" text).
VALIDATION_CODES = {"logs": "InvalidParameterException"}


class Gateway:
    """Dispatches requests to providers; knows the account and default region."""

    def __init__(self, providers: Mapping[str, Provider], account_id: str, default_region: str) -> None:
        self.providers = dict(providers)
        self.account_id = account_id
        self.default_region = default_region
        # who may call: skiff/server/ installs skiff.auth's Authorizer; without it keys are not verified
        self.authorizer: RequestAuthorizer = IdentifyOnly()
        self.task_address: str | None = None  # requests reaching this local address come from tasks

    async def handle(self, request: web.Request) -> web.StreamResponse:
        request_id = str(uuid.uuid4())
        if request.path == NOOP_PATH:
            return web.Response(
                body=b"{}",
                headers={"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": request_id},
            )
        started = time.perf_counter()
        try:
            body = await request.read()
            too_large = False
        except web.HTTPRequestEntityTooLarge:
            body, too_large = b"", True
        http_request = HttpRequest(
            method=request.method,
            path=request.raw_path.split("?", 1)[0],
            query_string=request.query_string,
            headers={k.lower(): v for k, v in request.headers.items()},
            body=body,
        )
        local: Any = request.transport.get_extra_info("sockname") if request.transport else None
        from_task = bool(local) and self.task_address is not None and local[0] == self.task_address
        reply = await self.dispatch(
            http_request,
            request_id,
            too_large=too_large,
            from_task=from_task,
            source_ip=request.remote,
            secure=request.secure,
        )
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "%s %s -> %d in %.1f ms",
                request.method,
                request.path,
                reply.status,
                (time.perf_counter() - started) * 1000,
            )
        if reply.stream is not None:
            return await _write_stream(request, reply)
        return web.Response(status=reply.status, body=reply.body, headers=reply.headers)

    async def dispatch(
        self,
        request: HttpRequest,
        request_id: str,
        *,
        too_large: bool = False,
        from_task: bool = False,
        source_ip: str | None = None,
        secure: bool = False,
    ) -> HttpResponse:
        try:
            found = route(request)
        except AwsError as error:
            return _generic_error(error, request, request_id)
        except Exception:
            log.exception("routing failed (request %s)", request_id)
            return _generic_error(InternalFailure("Internal failure."), request, request_id)
        if found is None:
            return _generic_error(
                InvalidActionError("The request does not name an operation skiff knows."), request, request_id
            )
        spec, protocol = found.spec, found.protocol
        operation: OperationModel | None = None
        try:
            if too_large:
                raise RequestTooLargeError(f"Request body is larger than {MAX_BODY_BYTES} bytes.")
            operation = self._operation(spec, protocol, found.operation)
            scope = found.scope
            ctx = RequestContext(
                request_id=request_id,
                service=spec.name,
                operation=operation.name,
                region=scope.region if scope else self.default_region,
                account_id=self.account_id,
                access_key_id=scope.access_key_id if scope else None,
                protocol=protocol.name,
                from_task=from_task,
                source_ip=source_ip,
                secure=secure,
            )
            self.authorizer.authenticate(request, ctx)
            request = _decompressed(request, operation)
            params = protocol.parse_request(request, operation)
            code = VALIDATION_CODES.get(spec.name) or (
                "ValidationError" if protocol.name in ("query", "ec2") else "ValidationException"
            )
            validate_input(operation.input_shape, params, code=code)
            self.authorizer.authorize(ctx, params)
            result = await self._call(spec, ctx, params)
            if operation.has_event_stream_output:
                return _event_stream_reply(operation, result, request_id)
            return protocol.serialize_result(operation, result, request_id)
        except AwsError as error:
            return self._error(protocol, spec, operation, error, request_id)
        except RecursionError:
            too_deep = SerializationError("The request is nested too deeply.")
            return self._error(protocol, spec, operation, too_deep, request_id)
        except Exception:
            log.exception("unexpected fault in %s.%s (request %s)", spec.name, found.operation, request_id)
            return self._error(protocol, spec, operation, _internal(spec, request_id), request_id)

    def _operation(self, spec: ServiceSpec, protocol: WireProtocol, name: str | None) -> OperationModel:
        if name is None:
            if protocol.name in ("query", "ec2"):
                raise MissingActionError("The request must contain the parameter Action.")
            raise UnknownOperationError("The request does not name an operation.")
        operation = spec.operation(name)
        if operation is None:
            if protocol.name in ("query", "ec2"):
                raise InvalidActionError(f"The action {name} is not valid for this web service.")
            raise UnknownOperationError(f"Unknown operation {name}.")
        return operation

    async def _call(self, spec: ServiceSpec, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        provider = self.providers.get(spec.name)
        handler = provider.handler(ctx.operation) if provider else None
        if handler is None:
            raise NotImplementedOperationError(f"skiff does not implement {spec.name} {ctx.operation} yet.")
        result = handler(ctx, params)
        if inspect.isawaitable(result):
            result = await result
        return result

    @staticmethod
    def _error(
        protocol: WireProtocol,
        spec: ServiceSpec,
        operation: OperationModel | None,
        error: AwsError,
        request_id: str,
    ) -> HttpResponse:
        try:
            return protocol.serialize_error(error, spec, operation, request_id)
        except Exception:
            log.exception("could not serialize error %r (request %s)", error, request_id)
            return PROTOCOLS["json"].serialize_error(_internal(spec, request_id), spec, None, request_id)


def _decompressed(request: HttpRequest, operation: OperationModel) -> HttpRequest:
    """The body of an operation the model lets clients gzip (botocore's request compression, e.g.
    CloudWatch PutMetricData), inflated after its signature was checked over the sent bytes."""
    encodings = [e.strip().lower() for e in request.header("content-encoding").split(",") if e.strip()]
    if "gzip" not in encodings or not operation.request_compression:
        return request
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        body = inflater.decompress(request.body, MAX_BODY_BYTES + 1)
    except zlib.error:
        raise SerializationError("The request body is not valid gzip.") from None
    if len(body) > MAX_BODY_BYTES or inflater.unconsumed_tail:
        raise RequestTooLargeError(f"Request body is larger than {MAX_BODY_BYTES} bytes.")
    headers = dict(request.headers)
    rest = [e for e in encodings if e != "gzip"]
    if rest:
        headers["content-encoding"] = ", ".join(rest)
    else:
        headers.pop("content-encoding", None)
    return replace(request, headers=headers, body=body)


def _internal(spec: ServiceSpec, request_id: str) -> AwsError:
    code = "ServerException" if "ServerException" in spec.errors else "InternalFailure"
    return InternalFailure(f"An internal error occurred (request id {request_id}).", code=code)


def _generic_error(error: AwsError, request: HttpRequest, request_id: str) -> HttpResponse:
    """An error before any service is known: JSON when the client spoke JSON, else query XML."""
    if request.header("x-amz-target") or "json" in request.header("content-type"):
        body = json.dumps({"__type": error.code, "message": error.message}).encode()
        return HttpResponse(
            error.status,
            {"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": request_id},
            body,
        )
    fault = "Sender" if error.sender_fault else "Receiver"
    xml = (
        "<ErrorResponse><Error>"
        f"<Type>{fault}</Type><Code>{escape(error.code)}</Code><Message>{escape(error.message)}</Message>"
        f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
    )
    return HttpResponse(
        error.status, {"Content-Type": "text/xml", "x-amzn-RequestId": request_id}, xml.encode()
    )


def _event_stream_reply(operation: OperationModel, result: dict[str, Any], request_id: str) -> HttpResponse:
    """An operation whose output is an event stream: the handler's async iterator of
    (event type, value) under the stream member, framed as AWS event stream messages."""
    member = str(operation.output_shape.event_stream_name)
    events = result[member]
    initial = {k: v for k, v in result.items() if k != member}
    headers = {"Content-Type": eventstream.CONTENT_TYPE, "x-amzn-RequestId": request_id}
    return HttpResponse(200, headers, stream=eventstream.json_stream(initial, events))


async def _write_stream(request: web.Request, reply: HttpResponse) -> web.StreamResponse:
    assert reply.stream is not None
    response = web.StreamResponse(status=reply.status, headers=reply.headers)
    await response.prepare(request)
    stream = reply.stream
    try:
        async for chunk in stream:
            await response.write(chunk)
    except (ConnectionError, RuntimeError):  # the client went away
        pass
    finally:
        closing = getattr(stream, "aclose", None)
        if closing is not None:
            await closing()
    with contextlib.suppress(ConnectionError, RuntimeError):
        await response.write_eof()
    return response
