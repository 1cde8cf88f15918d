"""awsJson 1.0/1.1: `POST /` with `X-Amz-Target: <prefix>.<Operation>` and a JSON body.

Input members are checked for JSON type here (a string where a number belongs is a
`SerializationException`, as on AWS); blobs arrive base64 and timestamps as epoch seconds.
Replies carry epoch-second timestamps and base64 blobs; errors are `{"__type", "message"}`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from botocore.model import OperationModel, Shape

from skiff.api.errors import AwsError, SerializationError
from skiff.api.http import HttpRequest, HttpResponse
from skiff.api.protocols.base import WireProtocol
from skiff.api.protocols.values import decode_base64, encode_base64, epoch_seconds, parse_timestamp
from skiff.api.specs import ServiceSpec

_JSON_KIND: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "long": (int,),
    "float": (int, float),
    "double": (int, float),
    "structure": (dict,),
    "map": (dict,),
    "list": (list,),
}
_KIND_WORDS = {
    "string": "a string",
    "boolean": "a boolean",
    "integer": "an integer",
    "long": "an integer",
    "float": "a number",
    "double": "a number",
    "structure": "an object",
    "map": "an object",
    "list": "an array",
}


def _is_kind(value: Any, allowed: tuple[type, ...], kind: str) -> bool:
    if kind != "boolean" and isinstance(value, bool):
        return False
    return isinstance(value, allowed)


def _text(value: str, where: str) -> str:
    """Strings must be real Unicode: a lone surrogate (from a `\\ud800` escape) is refused."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise SerializationError(f"Invalid UTF-8 text at '{where}'.") from exc
    return value


def read_json_value(shape: Shape, value: Any, where: str) -> Any:
    """Check the JSON type of `value` against `shape` and convert blobs/timestamps."""
    if value is None:
        return None
    kind = shape.type_name
    if kind == "timestamp":
        return parse_timestamp(value, where)
    if kind == "blob":
        return decode_base64(value, where)
    if kind == "document":
        return value
    allowed: tuple[type, ...] | None = _JSON_KIND.get(kind)
    if allowed is None:
        return value
    if not _is_kind(value, allowed, kind):
        found = type(value).__name__
        raise SerializationError(f"Expected {_KIND_WORDS[kind]} at '{where}' but found {found} value.")
    if kind == "string":
        return _text(value, where)
    if kind in ("float", "double"):
        return float(value)
    if kind == "structure":
        out: dict[str, Any] = {}
        for name, member in shape.members.items():
            if name in value and value[name] is not None:
                out[name] = read_json_value(member, value[name], f"{where}.{name}" if where else name)
        return out
    if kind == "list":
        return [
            read_json_value(shape.member, item, f"{where}.{i + 1}.member") for i, item in enumerate(value)
        ]
    if kind == "map":
        return {
            _text(k, f"{where}.key"): read_json_value(shape.value, v, f"{where}.{k}")
            for k, v in value.items()
        }
    return value


def write_json_value(shape: Shape, value: Any) -> Any:
    """Python value -> JSON value per `shape` (timestamps to epoch seconds, blobs to base64)."""
    if value is None:
        return None
    kind = shape.type_name
    if kind == "structure":
        out: dict[str, Any] = {}
        for name, member in shape.members.items():
            item = value.get(name) if isinstance(value, Mapping) else None
            if item is not None:
                out[member.serialization.get("name", name)] = write_json_value(member, item)
        return out
    if kind == "list":
        return [write_json_value(shape.member, item) for item in value]
    if kind == "map":
        return {str(k): write_json_value(shape.value, v) for k, v in value.items()}
    if kind == "timestamp":
        if isinstance(value, dt.datetime):
            return epoch_seconds(value)
        return value
    if kind == "blob":
        return encode_base64(value)
    return value


class JsonProtocol(WireProtocol):
    name = "json"

    def operation_name(self, request: HttpRequest, spec: ServiceSpec) -> str | None:
        target = request.header("x-amz-target")
        if not target or "." not in target:
            return None
        return target.rsplit(".", 1)[1]

    def parse_request(self, request: HttpRequest, operation: OperationModel) -> dict[str, Any]:
        shape = operation.input_shape
        body = request.body.strip()
        if not body:
            data: Any = {}
        else:
            try:
                data = json.loads(body.decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as exc:
                raise SerializationError("The request body is not valid JSON.") from exc
            except RecursionError as exc:
                raise SerializationError("The request body is nested too deeply.") from exc
        if not isinstance(data, dict):
            raise SerializationError("The request body must be a JSON object.")
        if shape is None:
            return {}
        parsed: dict[str, Any] = read_json_value(shape, data, "")
        return parsed

    def serialize_result(
        self, operation: OperationModel, result: Mapping[str, Any], request_id: str
    ) -> HttpResponse:
        shape = operation.output_shape
        body = write_json_value(shape, result) if shape is not None else {}
        return HttpResponse(200, self._headers(operation, request_id), json.dumps(body).encode())

    def serialize_error(
        self,
        error: AwsError,
        spec: ServiceSpec,
        operation: OperationModel | None,
        request_id: str,
    ) -> HttpResponse:
        info = spec.error_info(error.code, error.status)
        body: dict[str, Any] = {"__type": error.code, "message": error.message}
        body.update({k: v for k, v in error.fields.items() if v is not None})
        headers = self._headers(operation, request_id)
        if spec.query_compatible:
            fault = "Sender" if info.sender_fault else "Receiver"
            headers["x-amzn-query-error"] = f"{info.code};{fault}"
        return HttpResponse(info.status, headers, json.dumps(body).encode())

    @staticmethod
    def _headers(operation: OperationModel | None, request_id: str) -> dict[str, str]:
        version = "1.1"
        if operation is not None:
            version = str(operation.service_model.metadata.get("jsonVersion", "1.1"))
        return {
            "Content-Type": f"application/x-amz-json-{version}",
            "x-amzn-RequestId": request_id,
        }
