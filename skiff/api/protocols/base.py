"""The interface every wire protocol implements.

A protocol knows three things: which operation a request names, how to read the operation's
input from the request, and how to write a result or an `AwsError` back. Parsers coerce wire
values to Python types (str, int, float, bool, bytes, datetime, list, dict) and raise
`SerializationError` for values that cannot be read; constraint checks happen later in
`skiff.api.validate`, the same for every protocol.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from typing import Any, ClassVar

from botocore.model import OperationModel

from skiff.api.errors import AwsError
from skiff.api.http import HttpRequest, HttpResponse
from skiff.api.specs import ServiceSpec


class WireProtocol(abc.ABC):
    """Parser and serializer of one protocol family (json, query, ec2, rest-xml, cbor)."""

    name: ClassVar[str]

    @abc.abstractmethod
    def operation_name(self, request: HttpRequest, spec: ServiceSpec) -> str | None:
        """The operation the request names, or None when it names none (a MissingAction case)."""

    @abc.abstractmethod
    def parse_request(self, request: HttpRequest, operation: OperationModel) -> dict[str, Any]:
        """The operation's input members as Python values (unknown members dropped)."""

    @abc.abstractmethod
    def serialize_result(
        self, operation: OperationModel, result: Mapping[str, Any], request_id: str
    ) -> HttpResponse:
        """A success reply from the operation's output members."""

    @abc.abstractmethod
    def serialize_error(
        self,
        error: AwsError,
        spec: ServiceSpec,
        operation: OperationModel | None,
        request_id: str,
    ) -> HttpResponse:
        """An error reply; the code and status come from `spec.error_info`."""
