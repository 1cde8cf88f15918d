"""Round trips of the awsJson protocol against botocore's own serializer and parser.

Requests: botocore serializes generated input for every operation of the JSON services skiff
serves, and skiff must read back exactly what was sent. Replies: skiff writes generated output
and botocore must read back exactly what was written. Errors carry `__type`, the message and
the modelled status; wrong JSON types are a `SerializationException`.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.model import OperationModel
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skiff.api.errors import AwsError, SerializationError, service_error
from skiff.api.http import HttpRequest
from skiff.api.protocols.json_protocol import JsonProtocol
from skiff.api.specs import load_spec
from tests.shape_strategies import values_for
from tests.unit.api.protocols.test_query_protocol import botocore_reads, to_http_request

JSON_SERVICES = ("ecs", "logs", "secretsmanager", "ssm", "ecr", "application-autoscaling", "servicediscovery")
EXAMPLES = settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
PROTOCOL = JsonProtocol()


def operations(service: str) -> list[OperationModel]:
    model = load_spec(service).model
    return [model.operation_model(name) for name in sorted(model.operation_names)]


JSON_OPS = [op for service in JSON_SERVICES for op in operations(service)]


def op_id(op: OperationModel) -> str:
    return f"{op.service_model.service_name}.{op.name}"


@pytest.mark.parametrize("op", JSON_OPS, ids=op_id)
def test_request_round_trip(op: OperationModel) -> None:
    shape = op.input_shape

    @EXAMPLES
    @given(values_for(shape) if shape is not None else st.just({}))
    def check(params: dict[str, Any]) -> None:
        request = to_http_request("json", op, params)
        spec = load_spec(op.service_model.service_name)
        assert PROTOCOL.operation_name(request, spec) == op.name
        assert PROTOCOL.parse_request(request, op) == params

    check()


def streams(op: OperationModel) -> bool:
    """Event-stream replies (HTTP/2 live tails) are not part of the JSON protocol proper."""
    shape = op.output_shape
    return shape is not None and any(
        m.serialization.get("eventstream") or m.metadata.get("eventstream") for m in shape.members.values()
    )


@pytest.mark.parametrize(
    "op", [op for op in JSON_OPS if op.output_shape is not None and not streams(op)], ids=op_id
)
def test_reply_round_trip(op: OperationModel) -> None:
    @EXAMPLES
    @given(values_for(op.output_shape))
    def check(result: dict[str, Any]) -> None:
        reply = PROTOCOL.serialize_result(op, result, "req-1")
        assert reply.status == 200
        assert reply.headers["x-amzn-RequestId"] == "req-1"
        parsed = botocore_reads("json", op, reply)
        parsed.pop("ResponseMetadata", None)
        assert parsed == result

    check()


def test_modelled_error_round_trip() -> None:
    spec = load_spec("ecs")
    op = spec.operation("DescribeClusters")
    assert op is not None
    reply = PROTOCOL.serialize_error(
        service_error("ClusterNotFoundException", "Cluster not found."), spec, op, "r"
    )
    parsed = botocore_reads("json", op, reply)
    assert parsed["Error"] == {"Code": "ClusterNotFoundException", "Message": "Cluster not found."}
    assert reply.status == 400
    assert reply.headers["Content-Type"] == "application/x-amz-json-1.1"


def test_json_1_0_services_answer_in_1_0() -> None:
    spec = load_spec("cloudwatch")
    op = spec.operation("ListDashboards")
    assert op is not None
    reply = PROTOCOL.serialize_result(op, {"DashboardEntries": []}, "r")
    assert reply.headers["Content-Type"] == "application/x-amz-json-1.0"


def test_query_compatible_errors_carry_the_query_code() -> None:
    spec = load_spec("cloudwatch")
    op = spec.operation("GetDashboard")
    assert op is not None
    reply = PROTOCOL.serialize_error(service_error("ResourceNotFound", "Dashboard not found."), spec, op, "r")
    assert reply.headers["x-amzn-query-error"].endswith(";Sender")


def _parse(op_name: str, body: bytes) -> dict[str, Any]:
    op = load_spec("ecs").operation(op_name)
    assert op is not None
    return PROTOCOL.parse_request(HttpRequest("POST", "/", body=body), op)


@pytest.mark.parametrize(
    "payload",
    [{"maxResults": "1"}, {"maxResults": True}, {"nextToken": 5}, {"maxResults": 1.5}],
)
def test_wrong_json_types_are_serialization_errors(payload: dict[str, Any]) -> None:
    with pytest.raises(SerializationError):
        _parse("ListClusters", json.dumps(payload).encode())


def test_nested_wrong_types_name_the_member() -> None:
    body = json.dumps({"family": "f", "containerDefinitions": [{"name": 3}]}).encode()
    with pytest.raises(SerializationError, match=r"containerDefinitions\.1\.member\.name"):
        _parse("RegisterTaskDefinition", body)


@pytest.mark.parametrize("body", [b"{", b"[1]", b"\xff", b"1e999999", b"[" * 100_000])
def test_garbage_is_a_client_error(body: bytes) -> None:
    try:
        _parse("ListClusters", body)
    except AwsError as error:
        assert error.status < 500
