"""Which service, protocol and operation a request is for.

Order, as AWS clients address one shared endpoint:
1. `smithy-protocol: rpc-v2-cbor` with a `/service/<name>/operation/<op>` path;
2. `X-Amz-Target: <targetPrefix>.<Operation>` (awsJson 1.0/1.1);
3. the SigV4 credential scope's service (query, ec2, rest-xml, or json);
4. an unsigned form with an `Action` that only one query service models;
5. otherwise S3 by path, the one rest-xml service.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from skiff.api.http import HttpRequest
from skiff.api.protocols.base import WireProtocol
from skiff.api.protocols.cbor_protocol import CborProtocol
from skiff.api.protocols.ec2_protocol import Ec2Protocol
from skiff.api.protocols.json_protocol import JsonProtocol
from skiff.api.protocols.query_protocol import QueryProtocol
from skiff.api.protocols.rest_xml_protocol import RestXmlProtocol
from skiff.api.sigv4 import CredentialScope, credential_scope
from skiff.api.specs import ServiceSpec, spec_index

PROTOCOLS: dict[str, WireProtocol] = {
    p.name: p for p in (JsonProtocol(), QueryProtocol(), Ec2Protocol(), RestXmlProtocol(), CborProtocol())
}
CBOR = "smithy-rpc-v2-cbor"


@dataclass
class Route:
    """The outcome of routing: the service and protocol, and the operation name if any."""

    spec: ServiceSpec
    protocol: WireProtocol
    operation: str | None
    scope: CredentialScope | None


@cache
def _cbor_names() -> dict[str, ServiceSpec]:
    names: dict[str, ServiceSpec] = {}
    for spec in spec_index().by_name.values():
        if CBOR in spec.protocols:
            meta = spec.model.metadata
            for name in (spec.target_prefix, meta.get("serviceId"), meta.get("endpointPrefix")):
                if name:
                    names[str(name)] = spec
    return names


@cache
def _query_actions() -> dict[str, ServiceSpec | None]:
    """Action name -> the one query-protocol service that models it (None when ambiguous)."""
    actions: dict[str, ServiceSpec | None] = {}
    for spec in spec_index().by_name.values():
        if "query" not in spec.protocols and "ec2" not in spec.protocols:
            continue
        for op in spec.model.operation_names:
            actions[op] = None if op in actions else spec
    return actions


def _protocol_for_signed(spec: ServiceSpec, request: HttpRequest) -> WireProtocol:
    if request.header("x-amz-target") and "json" in spec.protocols:
        return PROTOCOLS["json"]
    if "query" in spec.protocols and _form_action(request) is not None:
        return PROTOCOLS["query"]
    for name in spec.protocols:
        if name in PROTOCOLS and name != CBOR:
            return PROTOCOLS[name]
    return PROTOCOLS[spec.protocols[0]]


def _form_action(request: HttpRequest) -> str | None:
    for key, value in request.query:
        if key == "Action":
            return value
    ctype = request.header("content-type")
    if request.method == "POST" and "x-www-form-urlencoded" in ctype:
        try:
            text = request.body.decode("utf-8")
        except UnicodeDecodeError:
            return None
        for part in text.split("&"):
            if part.startswith("Action="):
                return part[len("Action=") :]
    return None


def route(request: HttpRequest) -> Route | None:
    """Resolve a request to a service and protocol; None when nothing claims it."""
    index = spec_index()
    scope = credential_scope(request)

    if request.header("smithy-protocol") == "rpc-v2-cbor" and request.path.startswith("/service/"):
        parts = request.path.split("/")
        spec = _cbor_names().get(parts[2]) if len(parts) > 2 else None
        if spec is None and scope is not None:
            spec = index.by_signing_name.get(scope.service)
        if spec is not None:
            proto = PROTOCOLS[CBOR]
            return Route(spec, proto, proto.operation_name(request, spec), scope)

    target = request.header("x-amz-target")
    if target:
        prefix = target.rsplit(".", 1)[0] if "." in target else target
        spec = index.by_target_prefix.get(prefix)
        if spec is not None:
            proto = PROTOCOLS["json"]
            return Route(spec, proto, proto.operation_name(request, spec), scope)

    if scope is not None:
        spec = index.by_signing_name.get(scope.service)
        if spec is not None:
            proto = _protocol_for_signed(spec, request)
            name = proto.operation_name(request, spec)
            if target and spec.target_prefix and not target.startswith(spec.target_prefix + "."):
                name = None  # a target naming another service's API is no operation of this one
            return Route(spec, proto, name, scope)

    action = _form_action(request)
    if action is not None:
        spec = _query_actions().get(action)
        if spec is not None:
            proto = _protocol_for_signed(spec, request)
            return Route(spec, proto, action, scope)
        return None

    s3 = index.by_name["s3"]
    proto = PROTOCOLS["rest-xml"]
    return Route(s3, proto, proto.operation_name(request, s3), scope)
