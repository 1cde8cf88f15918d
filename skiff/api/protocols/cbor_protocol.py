"""Smithy RPC v2 CBOR: `POST /service/<ServiceName>/operation/<Operation>` with a CBOR body.

botocore puts the model's `targetPrefix` in the ServiceName slot (CloudWatch:
`GraniteServiceVersion20100801`) and sends `smithy-protocol: rpc-v2-cbor`. Bodies are CBOR maps
keyed by member name; timestamps are tag 1 (epoch seconds, integer or float), blobs byte strings.
Decoding goes through cbor2 with every built-in semantic tag switched off (so no regex, set or
shared-reference objects are ever built from input), bounded nesting and text/bytes map keys only;
values are then checked against the input shape, and a value of the wrong type is a
`SerializationException` naming where it sits. Errors carry `__type` (`namespace#Shape`) and
`message`, plus `x-amzn-query-error` for awsQueryCompatible services such as CloudWatch.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

import cbor2
from botocore.model import OperationModel, Shape

from skiff.api.errors import AwsError, SerializationError
from skiff.api.http import HttpRequest, HttpResponse
from skiff.api.protocols.base import WireProtocol
from skiff.api.protocols.values import epoch_seconds, parse_timestamp
from skiff.api.specs import ServiceSpec

MAX_CBOR_DEPTH = 64
_PATH = re.compile(r"^(?:/.*)?/service/([^/]+)/operation/([^/]+)$")
# Tags cbor2 would otherwise decode into Python objects; all are passed through as CBORTag.
_BUILTIN_TAGS = (
    0,
    1,
    2,
    3,
    4,
    5,
    25,
    28,
    29,
    30,
    35,
    36,
    37,
    52,
    54,
    100,
    256,
    258,
    260,
    261,
    1004,
    43000,
    55799,
)
_INT_RANGES = {"integer": 2**31, "long": 2**63}
_KIND_WORDS = {
    "string": "a text string",
    "boolean": "a boolean",
    "integer": "an integer",
    "long": "an integer",
    "float": "a number",
    "double": "a number",
    "structure": "a map",
    "map": "a map",
    "list": "an array",
    "blob": "a byte string",
    "timestamp": "a timestamp (tag 1)",
}


def _passthrough(tag: int) -> Any:
    return lambda value, immutable: cbor2.CBORTag(tag, value)


_SEMANTIC_OFF = {tag: _passthrough(tag) for tag in _BUILTIN_TAGS}


def _found(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, cbor2.CBORTag):
        return f"tag {value.tag}"
    words = {
        str: "text string",
        bytes: "byte string",
        int: "integer",
        float: "float",
        list: "array",
        dict: "map",
        type(None): "null",
    }
    return words.get(type(value), type(value).__name__)


def _wrong(shape: Shape, value: Any, where: str) -> SerializationError:
    expected = _KIND_WORDS.get(shape.type_name, shape.type_name)
    return SerializationError(f"Expected {expected} at '{where or 'body'}' but found {_found(value)} value.")


def decode_cbor(body: bytes) -> Any:
    """One CBOR data item (trailing bytes refused) with semantic tags left undecoded."""
    stream = io.BytesIO(body)
    try:
        decoder = cbor2.CBORDecoder(
            stream, semantic_decoders=_SEMANTIC_OFF, max_depth=MAX_CBOR_DEPTH, strict_hashable_types=True
        )
        value = decoder.decode()
    except (cbor2.CBORError, ValueError, TypeError, OverflowError, RecursionError, MemoryError) as exc:
        raise SerializationError("The request body is not valid CBOR.") from exc
    if stream.tell() != len(body):
        raise SerializationError("The request body has bytes after its CBOR data item.")
    return value


def read_cbor_value(shape: Shape, value: Any, where: str, depth: int = 0) -> Any:
    """Check a decoded CBOR value against `shape` and convert timestamps."""
    if depth > MAX_CBOR_DEPTH:
        raise SerializationError("The request is nested too deeply.")
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            raise _wrong(shape, value, where)
        out: dict[str, Any] = {}
        for name, member in shape.members.items():
            wire = member.serialization.get("name", name)
            item = value.get(wire, value.get(name))
            if item is not None:
                out[name] = read_cbor_value(member, item, f"{where}.{name}" if where else name, depth + 1)
        return out
    if kind == "list":
        if not isinstance(value, list):
            raise _wrong(shape, value, where)
        items = []
        for i, item in enumerate(value):
            here = f"{where}.{i + 1}.member"
            if item is None:
                raise SerializationError(f"Null value at '{here}' in a list that cannot hold nulls.")
            items.append(read_cbor_value(shape.member, item, here, depth + 1))
        return items
    if kind == "map":
        if not isinstance(value, dict):
            raise _wrong(shape, value, where)
        return {
            read_cbor_value(shape.key, key, f"{where}.key", depth + 1): read_cbor_value(
                shape.value, item, f"{where}.{key}", depth + 1
            )
            for key, item in value.items()
            if item is not None
        }
    return _read_scalar(shape, value, where)


def _read_scalar(shape: Shape, value: Any, where: str) -> Any:
    kind = shape.type_name
    if kind == "document":
        return value
    if kind == "timestamp":
        number = value.value if isinstance(value, cbor2.CBORTag) and value.tag == 1 else value
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            raise _wrong(shape, value, where)
        return parse_timestamp(number, where)
    if kind == "blob":
        if not isinstance(value, bytes):
            raise _wrong(shape, value, where)
        return value
    if kind == "string":
        if not isinstance(value, str):
            raise _wrong(shape, value, where)
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise _wrong(shape, value, where)
        return value
    if kind in _INT_RANGES:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _wrong(shape, value, where)
        if not -_INT_RANGES[kind] <= value < _INT_RANGES[kind]:
            raise SerializationError(f"Value at '{where}' is out of range for {kind}.")
        return value
    if kind in ("float", "double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _wrong(shape, value, where)
        return float(value)
    raise _wrong(shape, value, where)


def write_cbor_value(shape: Shape, value: Any) -> Any:
    """Python value -> CBOR-ready value per `shape` (timestamps as tag 1, blobs as bytes)."""
    kind = shape.type_name
    if kind == "structure":
        out: dict[str, Any] = {}
        for name, member in shape.members.items():
            item = value.get(name) if isinstance(value, Mapping) else None
            if item is not None:
                out[name] = write_cbor_value(member, item)
        return out
    if kind == "list":
        return [write_cbor_value(shape.member, item) for item in value]
    if kind == "map":
        return {
            str(key): write_cbor_value(shape.value, item) for key, item in value.items() if item is not None
        }
    if kind == "timestamp" and isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return cbor2.CBORTag(1, epoch_seconds(value))
    if kind == "blob" and isinstance(value, str):
        return value.encode("utf-8")
    if kind in ("float", "double") and isinstance(value, (int, float)) and math.isfinite(value):
        return float(value)
    return value


def _error_field(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return cbor2.CBORTag(1, epoch_seconds(value if value.tzinfo else value.replace(tzinfo=dt.UTC)))
    if isinstance(value, (str, bytes, bool, int, float)):
        return value
    return str(value)


class CborProtocol(WireProtocol):
    name = "smithy-rpc-v2-cbor"

    def operation_name(self, request: HttpRequest, spec: ServiceSpec) -> str | None:
        if request.method.upper() != "POST":
            return None
        found = _PATH.match(request.path)
        if found is None:
            return None
        return unquote(found.group(2)) or None

    def parse_request(self, request: HttpRequest, operation: OperationModel) -> dict[str, Any]:
        shape = operation.input_shape
        if not request.body:
            return {}
        data = decode_cbor(request.body)
        if not isinstance(data, dict):
            raise SerializationError(f"The request body must be a CBOR map, not {_found(data)}.")
        if shape is None:
            return {}
        parsed: dict[str, Any] = read_cbor_value(shape, data, "")
        return parsed

    def serialize_result(
        self, operation: OperationModel, result: Mapping[str, Any], request_id: str
    ) -> HttpResponse:
        shape = operation.output_shape
        headers = self._headers(request_id)
        if shape is None:
            return HttpResponse(200, headers, b"")
        body = cbor2.dumps(write_cbor_value(shape, result))
        headers["Content-Type"] = "application/cbor"
        return HttpResponse(200, headers, body)

    def serialize_error(
        self,
        error: AwsError,
        spec: ServiceSpec,
        operation: OperationModel | None,
        request_id: str,
    ) -> HttpResponse:
        info = spec.error_info(error.code, error.status)
        status = info.status if self._status_modelled(spec, error.code) else error.status
        body: dict[str, Any] = {}
        members = spec.model.shape_for(error.code).members if error.code in spec.errors else {}
        for key, value in error.fields.items():
            if value is not None:
                body[key] = write_cbor_value(members[key], value) if key in members else _error_field(value)
        body["__type"] = f"{self._namespace(spec)}#{error.code}"
        body["message"] = error.message
        headers = self._headers(request_id)
        headers["Content-Type"] = "application/cbor"
        if spec.query_compatible:
            fault = "Sender" if info.sender_fault else "Receiver"
            headers["x-amzn-query-error"] = f"{info.code};{fault}"
        return HttpResponse(status, headers, cbor2.dumps(body))

    @staticmethod
    def _status_modelled(spec: ServiceSpec, code: str) -> bool:
        if code not in spec.errors:
            return False
        return "httpStatusCode" in spec.model.shape_for(code).metadata.get("error", {})

    @staticmethod
    def _namespace(spec: ServiceSpec) -> str:
        service_id = str(spec.model.metadata.get("serviceId") or spec.name)
        return "com.amazonaws." + service_id.replace(" ", "").lower()

    @staticmethod
    def _headers(request_id: str) -> dict[str, str]:
        return {"smithy-protocol": "rpc-v2-cbor", "x-amzn-RequestId": request_id}
