"""rest-xml (S3): operations chosen by method, path and query; members spread over the request.

Input members live where the model's `location` says: URI labels (percent-decoded, greedy labels
keep `/`), query parameters, single headers, prefixed header maps (`x-amz-meta-`), or the body:
the `payload` member (raw bytes for blobs, an XML document for structures) or, without one, an
XML document holding the remaining members. `aws-chunked` bodies (botocore's default for uploads
over HTTPS, with the checksum in a trailer) are decoded first. Replies mirror this; errors are S3's
`<Error><Code/><Message/>...<RequestId/></Error>` documents.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from botocore.model import OperationModel, ServiceModel, Shape

from skiff.api.errors import AwsError, SerializationError
from skiff.api.http import HttpRequest, HttpResponse
from skiff.api.protocols.base import WireProtocol
from skiff.api.protocols.rest_xml_reader import (
    decode_aws_chunked,
    header_value,
    parse_xml,
    read_xml,
    scalar_from_text,
)
from skiff.api.protocols.rest_xml_routes import find_operation, template_for, uri_labels
from skiff.api.protocols.rest_xml_writer import escape_text, header_text, scalar_text, xml_document
from skiff.api.specs import ServiceSpec

S3_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/"
_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
_XML_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
# The root element S3 itself writes for replies whose members sit in the body.
_ROOT_NAMES = {
    "ListBuckets": "ListAllMyBucketsResult",
    "ListDirectoryBuckets": "ListAllMyDirectoryBucketsResult",
    "ListObjects": "ListBucketResult",
    "ListObjectsV2": "ListBucketResult",
    "ListObjectVersions": "ListVersionsResult",
    "CreateMultipartUpload": "InitiateMultipartUploadResult",
    "DeleteObjects": "DeleteResult",
    "GetBucketTagging": "Tagging",
    "GetObjectTagging": "Tagging",
    "GetBucketAcl": "AccessControlPolicy",
    "GetObjectAcl": "AccessControlPolicy",
    "GetBucketCors": "CORSConfiguration",
    "GetBucketLifecycleConfiguration": "LifecycleConfiguration",
    "GetBucketVersioning": "VersioningConfiguration",
    "GetBucketWebsite": "WebsiteConfiguration",
    "GetBucketLogging": "BucketLoggingStatus",
    "GetBucketNotificationConfiguration": "NotificationConfiguration",
    "GetBucketRequestPayment": "RequestPaymentConfiguration",
    "GetBucketAccelerateConfiguration": "AccelerateConfiguration",
    "GetObjectAttributes": "GetObjectAttributesResponse",
}


def _modelled_status(spec: ServiceSpec, code: str) -> int | None:
    """The httpStatusCode the model gives the exception shape `code`, if it gives one."""
    if code not in spec.errors:
        return None
    status = spec.model.shape_for(code).metadata.get("error", {}).get("httpStatusCode")
    return int(status) if status is not None else None


def xml_namespace(model: ServiceModel) -> str | None:
    namespace = model.metadata.get("xmlNamespace")
    if isinstance(namespace, Mapping):
        namespace = namespace.get("uri")
    if namespace:
        return str(namespace)
    return S3_NAMESPACE if model.metadata.get("endpointPrefix") == "s3" else None


def _root_name(operation: OperationModel, shape: Shape) -> str:
    if operation.name in _ROOT_NAMES:
        return _ROOT_NAMES[operation.name]
    if "name" in shape.serialization:
        return str(shape.serialization["name"])
    name = str(shape.name)
    return name[: -len("Output")] + "Result" if name.endswith("Output") else name


def _has_header(headers: Mapping[str, str], name: str) -> bool:
    return any(key.lower() == name.lower() for key in headers)


class RestXmlProtocol(WireProtocol):
    name = "rest-xml"

    def operation_name(self, request: HttpRequest, spec: ServiceSpec) -> str | None:
        return find_operation(request, spec.model)

    # -- input -------------------------------------------------------------------------------

    def parse_request(self, request: HttpRequest, operation: OperationModel) -> dict[str, Any]:
        shape = operation.input_shape
        if shape is None:
            return {}
        out: dict[str, Any] = {}
        labels = uri_labels(request, operation)
        pairs = request.query
        claimed = {key for key, _ in template_for(operation).literal_query}
        for name, member in shape.members.items():
            if member.serialization.get("location") == "querystring" and member.type_name != "map":
                claimed.add(str(member.serialization.get("name", name)))
        headers = {key.lower(): value for key, value in request.headers.items()}
        body = self._unchunk(request.body, headers)
        for name, member in shape.members.items():
            location = member.serialization.get("location")
            wire = str(member.serialization.get("name", name))
            value: Any = None
            if location == "uri" and wire in labels:
                value = scalar_from_text(member, self._unquote(labels[wire], name), name)
            elif location == "querystring":
                value = self._query_member(member, wire, pairs, claimed, name)
            elif location == "header" and wire.lower() in headers:
                value = header_value(member, headers[wire.lower()], name)
            elif location == "headers":
                prefix = wire.lower()
                value = {
                    key[len(prefix) :]: scalar_from_text(member.value, text, f"{name}.{key[len(prefix) :]}")
                    for key, text in headers.items()
                    if key.startswith(prefix)
                } or None
            if value is not None:
                out[name] = value
        self._read_body(body, shape, out)
        return out

    @staticmethod
    def _unchunk(body: bytes, headers: dict[str, str]) -> bytes:
        """Decode an `aws-chunked` body (botocore sends one over HTTPS); trailers join the headers
        and the stored Content-Encoding / Content-Length become those of the decoded object."""
        encodings = [e.strip() for e in headers.get("content-encoding", "").split(",") if e.strip()]
        streaming = headers.get("x-amz-content-sha256", "").startswith("STREAMING-")
        if "aws-chunked" not in encodings and not streaming:
            return body
        data, trailers = decode_aws_chunked(body)
        headers.update((k, v) for k, v in trailers.items() if not k.startswith("x-amz-trailer-signature"))
        rest = [e for e in encodings if e != "aws-chunked"]
        if rest:
            headers["content-encoding"] = ", ".join(rest)
        else:
            headers.pop("content-encoding", None)
        declared = headers.get("x-amz-decoded-content-length")
        if declared is not None and declared.strip() != str(len(data)):
            raise SerializationError("The decoded body length does not match.", code="IncompleteBody")
        headers["content-length"] = str(len(data))
        return data

    @staticmethod
    def _unquote(raw: str, where: str) -> str:
        try:
            return unquote(raw, errors="strict")
        except UnicodeDecodeError as exc:
            raise SerializationError(f"Invalid percent-encoding at '{where}'.") from exc

    @staticmethod
    def _query_member(
        member: Shape, wire: str, pairs: list[tuple[str, str]], claimed: set[str], where: str
    ) -> Any:
        if member.type_name == "map":
            found: dict[str, Any] = {}
            for key, text in pairs:
                if key in claimed:
                    continue
                if member.value.type_name == "list":
                    item = scalar_from_text(member.value.member, text, f"{where}.{key}")
                    found.setdefault(key, []).append(item)
                else:
                    found[key] = scalar_from_text(member.value, text, f"{where}.{key}")
            return found or None
        texts = [text for key, text in pairs if key == wire]
        if not texts:
            return None
        if member.type_name == "list":
            return [scalar_from_text(member.member, t, f"{where}.{i + 1}") for i, t in enumerate(texts)]
        return scalar_from_text(member, texts[0], where)

    @staticmethod
    def _read_body(body: bytes, shape: Shape, out: dict[str, Any]) -> None:
        payload = shape.serialization.get("payload")
        if payload is not None:
            member = shape.members[payload]
            if member.type_name == "blob":
                if body:
                    out[payload] = body
            elif member.type_name == "string":
                if body:
                    try:
                        out[payload] = body.decode("utf-8")
                    except UnicodeDecodeError as exc:
                        raise SerializationError(f"The body of '{payload}' is not UTF-8 text.") from exc
            elif body.strip():
                out[payload] = read_xml(member, parse_xml(body), payload)
            return
        in_body = any(not m.serialization.get("location") for m in shape.members.values())
        if in_body and body.strip():
            out.update(read_xml(shape, parse_xml(body), ""))

    # -- output ------------------------------------------------------------------------------

    def serialize_result(
        self, operation: OperationModel, result: Mapping[str, Any], request_id: str
    ) -> HttpResponse:
        headers = self._headers(request_id)
        shape = operation.output_shape
        modelled = int(operation.http.get("responseCode", 200))  # e.g. 204 for DeleteObject
        if shape is None:
            return HttpResponse(modelled, headers, b"")
        status = 206 if result.get("ContentRange") and "ContentRange" in shape.members else modelled
        for name, member in shape.members.items():
            value = result.get(name)
            location = member.serialization.get("location")
            wire = str(member.serialization.get("name", name))
            if value is None:
                continue
            if location == "header" and not (member.type_name == "list" and not value):
                headers[wire] = header_text(member, value)
            elif location == "headers":
                for key, item in value.items():
                    headers[f"{wire}{key}"] = header_text(member.value, item)
            elif location == "statusCode":
                status = int(value)
        body, content_type = self._body(operation, shape, result)
        if body and content_type and not _has_header(headers, "Content-Type"):
            headers["Content-Type"] = content_type
        return HttpResponse(status, headers, body)

    def _body(self, operation: OperationModel, shape: Shape, result: Mapping[str, Any]) -> tuple[bytes, str]:
        namespace = xml_namespace(operation.service_model)
        payload = shape.serialization.get("payload")
        if payload is not None:
            member = shape.members[payload]
            value = result.get(payload)
            if value is None:
                return b"", ""
            if member.type_name in ("blob", "string"):
                # The Content-Type of a raw payload is the service's to give (GetObject's ContentType).
                return (value.encode("utf-8") if isinstance(value, str) else bytes(value)), ""
            root = str(member.serialization.get("name", payload))
            return xml_document(member, value, root, namespace), "application/xml"
        if operation.name == "GetBucketLocation":
            text = escape_text(str(result.get("LocationConstraint") or ""))
            xmlns = f' xmlns="{namespace}"' if namespace else ""
            doc = f"<LocationConstraint{xmlns}>{text}</LocationConstraint>"
            return (_XML_DECLARATION + doc).encode("utf-8"), "application/xml"
        if all(m.serialization.get("location") for m in shape.members.values()):
            return b"", ""
        return xml_document(shape, result, _root_name(operation, shape), namespace), "application/xml"

    def serialize_error(
        self,
        error: AwsError,
        spec: ServiceSpec,
        operation: OperationModel | None,
        request_id: str,
    ) -> HttpResponse:
        info = spec.error_info(error.code, error.status)
        status = _modelled_status(spec, error.code) or error.status
        members = spec.model.shape_for(error.code).members if error.code in spec.errors else {}
        parts = [
            f"{_XML_DECLARATION}<Error>",
            f"<Code>{escape_text(info.code)}</Code><Message>{escape_text(error.message)}</Message>",
        ]
        for key, value in error.fields.items():
            if value is None or not _XML_NAME.fullmatch(key) or key in ("Code", "Message", "RequestId"):
                continue
            text = scalar_text(members[key], value) if key in members else self._field_text(value)
            parts.append(f"<{key}>{escape_text(text)}</{key}>")
        parts.append(f"<RequestId>{escape_text(request_id)}</RequestId>")
        parts.append(f"<HostId>{escape_text(request_id)}</HostId></Error>")
        headers = self._headers(request_id)
        headers["Content-Type"] = "application/xml"
        return HttpResponse(status, headers, "".join(parts).encode("utf-8"))

    @staticmethod
    def _field_text(value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    @staticmethod
    def _headers(request_id: str) -> dict[str, str]:
        return {"x-amz-request-id": request_id, "x-amzn-RequestId": request_id, "x-amz-id-2": request_id}
