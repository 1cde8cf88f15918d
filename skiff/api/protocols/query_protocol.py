"""awsQuery: IAM, STS, ELBv2 (and CloudWatch's query fallback).

Requests name the operation in an `Action` parameter, sent form-encoded in a POST body or in
the query string of a GET, with the input members as dotted keys (`Tags.member.1.Key`). Replies
are XML:

    <{Op}Response xmlns="..."><{Op}Result>...</{Op}Result>
      <ResponseMetadata><RequestId>id</RequestId></ResponseMetadata></{Op}Response>

and errors `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`,
with the wire code and status of the modelled exception (IAM's `NoSuchEntityException` is
`NoSuchEntity`, 404).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.model import NoShapeFoundError, OperationModel, ServiceModel

from skiff.api.errors import AwsError
from skiff.api.http import HttpRequest, HttpResponse
from skiff.api.protocols.base import WireProtocol
from skiff.api.protocols.form_reader import FormReader, find_action, request_params
from skiff.api.protocols.xml_writer import XmlWriter, escape_attr, escape_text
from skiff.api.specs import ServiceSpec

CONTENT_TYPE = "text/xml"
# Error elements the protocol writes itself; exception members of these names are not repeated.
_ERROR_ELEMENTS = frozenset({"Type", "Code", "Message", "message"})


def service_namespace(model: ServiceModel) -> str:
    """The service's XML namespace: the model's `xmlNamespace`, else the conventional URL."""
    meta = model.metadata
    namespace = meta.get("xmlNamespace")
    if isinstance(namespace, Mapping):
        namespace = namespace.get("uri")
    if namespace:
        return str(namespace)
    return f"https://{meta.get('endpointPrefix', 'aws')}.amazonaws.com/doc/{meta.get('apiVersion', '')}/"


def xml_response(status: int, body: list[str], request_id: str) -> HttpResponse:
    headers = {"Content-Type": CONTENT_TYPE, "x-amzn-RequestId": request_id}
    return HttpResponse(status, headers, "".join(body).encode("utf-8"))


def exception_fields(writer: XmlWriter, model: ServiceModel, error: AwsError, out: list[str]) -> None:
    """Write the extra members of a modelled exception (`error.fields`) per its shape."""
    if not error.fields:
        return
    try:
        shape = model.shape_for(error.code)
    except NoShapeFoundError:
        return
    if shape.type_name != "structure":
        return
    fields = {k: v for k, v in error.fields.items() if k not in _ERROR_ELEMENTS}
    writer.members(out, shape, fields)


class QueryProtocol(WireProtocol):
    name = "query"

    def __init__(self) -> None:
        self.reader = FormReader()
        self.writer = XmlWriter("member")

    def operation_name(self, request: HttpRequest, spec: ServiceSpec) -> str | None:
        return find_action(request)

    def parse_request(self, request: HttpRequest, operation: OperationModel) -> dict[str, Any]:
        return self.reader.read_input(operation.input_shape, request_params(request))

    def serialize_result(
        self, operation: OperationModel, result: Mapping[str, Any], request_id: str
    ) -> HttpResponse:
        op = operation.name
        namespace = escape_attr(service_namespace(operation.service_model))
        out = [f'<{op}Response xmlns="{namespace}">']
        shape = operation.output_shape
        if shape is not None:
            wrapper = str(shape.serialization.get("resultWrapper") or f"{op}Result")
            out.append(f"<{wrapper}>")
            self.writer.members(out, shape, result)
            out.append(f"</{wrapper}>")
        out.append(f"<ResponseMetadata><RequestId>{escape_text(request_id)}</RequestId></ResponseMetadata>")
        out.append(f"</{op}Response>")
        return xml_response(200, out, request_id)

    def serialize_error(
        self,
        error: AwsError,
        spec: ServiceSpec,
        operation: OperationModel | None,
        request_id: str,
    ) -> HttpResponse:
        info = spec.error_info(error.code, error.status)
        namespace = escape_attr(service_namespace(spec.model))
        out = [
            f'<ErrorResponse xmlns="{namespace}"><Error>',
            f"<Type>{'Sender' if info.sender_fault else 'Receiver'}</Type>",
            f"<Code>{escape_text(info.code)}</Code>",
            f"<Message>{escape_text(error.message)}</Message>",
        ]
        exception_fields(self.writer, spec.model, error, out)
        out.append(f"</Error><RequestId>{escape_text(request_id)}</RequestId></ErrorResponse>")
        return xml_response(info.status, out, request_id)
