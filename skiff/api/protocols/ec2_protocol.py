"""The EC2 dialect of awsQuery.

Requests are form-encoded like `query`, with three differences in naming: a member's key is
its `queryName` trait, else its `locationName` with the first letter upper-cased, else the
member name; and lists are always flattened as `Name.N` (never `Name.member.N`), so an empty
list is simply not sent. Replies have no result wrapper and carry the request id first:

    <{Op}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
      <requestId>id</requestId><vpcSet><item>...</item></vpcSet></{Op}Response>

with members named by `locationName` (lower camel case in the model) and list items as
`<item>`. Errors are `<Response><Errors><Error><Code/><Message/></Error></Errors>
<RequestID/></Response>` (note `RequestID`, not `RequestId`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.model import OperationModel, Shape

from skiff.api.errors import AwsError
from skiff.api.http import HttpResponse
from skiff.api.protocols.form_reader import FormNode, FormReader
from skiff.api.protocols.query_protocol import QueryProtocol, exception_fields, xml_response
from skiff.api.protocols.xml_writer import XmlWriter, escape_attr, escape_text
from skiff.api.specs import ServiceSpec

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'


def ec2_namespace(operation: OperationModel) -> str:
    version = operation.service_model.metadata.get("apiVersion", "2016-11-15")
    return f"http://ec2.amazonaws.com/doc/{version}/"


class Ec2FormReader(FormReader):
    """`query` form reading with EC2's member names and always-flattened lists."""

    def member_key(self, name: str, member: Shape) -> str:
        serialization = member.serialization
        if serialization.get("queryName"):
            return str(serialization["queryName"])
        location = serialization.get("name")
        if location:
            return str(location[0].upper() + location[1:])
        return name

    def list_items(self, shape: Shape, node: FormNode) -> FormNode | None:
        return node


class Ec2Protocol(QueryProtocol):
    """The query protocol with EC2's parameter names, `<item>` lists and reply/error envelopes."""

    name = "ec2"

    def __init__(self) -> None:
        self.reader = Ec2FormReader()
        self.writer = XmlWriter("item")

    def serialize_result(
        self, operation: OperationModel, result: Mapping[str, Any], request_id: str
    ) -> HttpResponse:
        op = operation.name
        out = [
            XML_DECLARATION,
            f'<{op}Response xmlns="{escape_attr(ec2_namespace(operation))}">',
            f"<requestId>{escape_text(request_id)}</requestId>",
        ]
        shape = operation.output_shape
        if shape is not None:
            self.writer.members(out, shape, result)
        else:
            # EC2 answers operations without output (DeleteTags, ...) with a bare success flag.
            out.append("<return>true</return>")
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
        out = [
            XML_DECLARATION,
            "<Response><Errors><Error>",
            f"<Code>{escape_text(info.code)}</Code>",
            f"<Message>{escape_text(error.message)}</Message>",
        ]
        exception_fields(self.writer, spec.model, error, out)
        out.append(f"</Error></Errors><RequestID>{escape_text(request_id)}</RequestID></Response>")
        return xml_response(info.status, out, request_id)
