"""Smithy RPC v2 CBOR (CloudWatch): round trips through botocore's own serializer and parser, and
hostile input (random bytes, truncations, deep nesting, foreign tags, wrong types)."""

from __future__ import annotations

import re
from typing import Any

import cbor2
import pytest
from botocore.awsrequest import HeadersDict
from botocore.model import OperationModel
from botocore.parsers import create_parser
from botocore.serialize import create_serializer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skiff.api.errors import AwsError, SerializationError
from skiff.api.http import HttpRequest, HttpResponse
from skiff.api.protocols.cbor_protocol import CborProtocol
from skiff.api.specs import load_spec
from tests.shape_strategies import corrupt, values_for

SPEC = load_spec("cloudwatch")
MODEL = SPEC.model
PROTOCOL = CborProtocol()
SERIALIZER = create_serializer("smithy-rpc-v2-cbor", include_validation=False)
PARSER = create_parser("smithy-rpc-v2-cbor")
ALL_OPS = sorted(MODEL.operation_names)
OUTPUT_OPS = [name for name in ALL_OPS if MODEL.operation_model(name).output_shape is not None]
FEW = settings(
    max_examples=10,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def op_model(name: str) -> OperationModel:
    return MODEL.operation_model(name)


def to_http_request(serialized: dict[str, Any]) -> HttpRequest:
    headers = {
        k.lower(): v.decode() if isinstance(v, bytes) else str(v) for k, v in serialized["headers"].items()
    }
    return HttpRequest(serialized["method"], serialized["url_path"], "", headers, bytes(serialized["body"]))


def request_for(name: str, body: bytes) -> HttpRequest:
    path = f"/service/GraniteServiceVersion20100801/operation/{name}"
    return HttpRequest("POST", path, "", {"smithy-protocol": "rpc-v2-cbor"}, body)


def botocore_parse(response: HttpResponse, op: OperationModel) -> dict[str, Any]:
    wire = {"status_code": response.status, "headers": HeadersDict(response.headers), "body": response.body}
    parsed: dict[str, Any] = PARSER.parse(wire, op.output_shape)
    return parsed


@pytest.mark.parametrize("name", ALL_OPS)
@FEW
@given(data=st.data())
def test_request_round_trip(name: str, data: st.DataObject) -> None:
    op = op_model(name)
    params = data.draw(values_for(op.input_shape))
    serialized = SERIALIZER.serialize_to_request(params, op)
    request = to_http_request(serialized)

    # botocore names the service by its targetPrefix, and marks the protocol in a header.
    assert request.path == f"/service/GraniteServiceVersion20100801/operation/{name}"
    assert request.header("smithy-protocol") == "rpc-v2-cbor"
    assert PROTOCOL.operation_name(request, SPEC) == name
    # No normalisation: CBOR carries every value botocore sends exactly (floats in their width,
    # whole-second timestamps as integer tag-1 epochs, blobs as byte strings, empty containers).
    assert PROTOCOL.parse_request(request, op) == params


@pytest.mark.parametrize("name", OUTPUT_OPS)
@FEW
@given(data=st.data())
def test_reply_round_trip(name: str, data: st.DataObject) -> None:
    op = op_model(name)
    result = data.draw(values_for(op.output_shape))
    response = PROTOCOL.serialize_result(op, result, "req-1")

    assert response.status == 200
    assert response.headers["smithy-protocol"] == "rpc-v2-cbor"
    assert response.headers["Content-Type"] == "application/cbor"
    parsed = botocore_parse(response, op)
    assert parsed.pop("ResponseMetadata")["RequestId"] == "req-1"
    assert parsed == result


def test_reply_without_output_shape_is_empty() -> None:
    op = op_model("PutMetricData")
    response = PROTOCOL.serialize_result(op, {}, "r")
    assert (response.status, response.body) == (200, b"")
    assert list(botocore_parse(response, op)) == ["ResponseMetadata"]


@pytest.mark.parametrize(
    ("code", "status", "wire_code"),
    [
        ("DashboardNotFoundError", 400, "ResourceNotFound"),  # model: 404, query code ResourceNotFound
        ("ResourceNotFoundException", 400, "ResourceNotFoundException"),
        ("InvalidParameterValueException", 400, "InvalidParameterValue"),
        ("SerializationException", 400, "SerializationException"),
        ("ThrottlingException", 429, "ThrottlingException"),  # unmodelled: the error's own status
    ],
)
def test_error_round_trip(code: str, status: int, wire_code: str) -> None:
    error = AwsError("Nope: it is not there", code=code, status=status)
    response = PROTOCOL.serialize_error(error, SPEC, op_model("GetDashboard"), "req-7")
    parsed = botocore_parse(response, op_model("GetDashboard"))
    info = SPEC.error_info(code, status)
    assert response.status == (info.status if code in SPEC.errors else status)
    assert parsed["Error"]["Code"] == wire_code
    assert parsed["Error"]["Message"] == "Nope: it is not there"
    assert parsed["Error"]["QueryErrorCode"] == code  # the shape name, from `__type`
    assert parsed["Error"]["Type"] == "Sender"
    assert parsed["ResponseMetadata"]["RequestId"] == "req-7"
    assert cbor2.loads(response.body)["__type"] == f"com.amazonaws.cloudwatch#{code}"


def test_dashboard_not_found_is_404() -> None:
    response = PROTOCOL.serialize_error(AwsError("x", code="DashboardNotFoundError"), SPEC, None, "r")
    assert response.status == 404
    assert response.headers["x-amzn-query-error"] == "ResourceNotFound;Sender"


def test_operation_name_needs_post_and_the_rpc_path() -> None:
    good = request_for("ListMetrics", b"")
    assert PROTOCOL.operation_name(good, SPEC) == "ListMetrics"
    assert PROTOCOL.operation_name(HttpRequest("GET", good.path, "", good.headers), SPEC) is None
    assert PROTOCOL.operation_name(HttpRequest("POST", "/", "", good.headers), SPEC) is None
    prefixed = HttpRequest("POST", "/prefix" + good.path, "", good.headers)
    assert PROTOCOL.operation_name(prefixed, SPEC) == "ListMetrics"


def test_empty_body_is_empty_input() -> None:
    assert PROTOCOL.parse_request(request_for("ListDashboards", b""), op_model("ListDashboards")) == {}


@pytest.mark.parametrize(
    ("payload", "where"),
    [
        (
            {"MetricData": [{"MetricName": "m", "Value": "1.5"}], "Namespace": "n"},
            "MetricData.1.member.Value",
        ),
        ({"MetricData": [{"MetricName": 7}], "Namespace": "n"}, "MetricData.1.member.MetricName"),
        ({"MetricData": [{"MetricName": "m", "Timestamp": "2024-01-01"}]}, "MetricData.1.member.Timestamp"),
        ({"MetricData": [{"MetricName": "m", "Timestamp": cbor2.CBORTag(1, "x")}]}, "Timestamp"),
        ({"MetricData": [{"MetricName": "m", "StorageResolution": 2**40}]}, "StorageResolution"),
        ({"MetricData": [{"MetricName": "m", "StorageResolution": True}]}, "StorageResolution"),
        ({"MetricData": {"MetricName": "m"}}, "MetricData"),
        ({"MetricData": [None]}, "MetricData.1.member"),
        ({"Namespace": re.compile("(a+)+$")}, "Namespace"),
        ({"Namespace": cbor2.CBORTag(2, b"\x01" * 40)}, "Namespace"),
        ({"Namespace": b"bytes"}, "Namespace"),
        ({"EntityMetricData": [{"MetricData": [], "Entity": {"KeyAttributes": {"k": 1}}}]}, "KeyAttributes"),
    ],
)
def test_wrong_types_name_where(payload: dict[str, Any], where: str) -> None:
    with pytest.raises(SerializationError) as caught:
        PROTOCOL.parse_request(request_for("PutMetricData", cbor2.dumps(payload)), op_model("PutMetricData"))
    assert where in caught.value.message
    assert caught.value.status == 400


HOSTILE = [
    b"\xff",
    b"\x1c",
    b"\x5b\xff\xff\xff\xff\xff\xff\xff\xff",  # a byte string claiming 2**64 bytes
    b"\x9b\x00\x00\x00\x10\x00\x00\x00\x00",  # an array claiming 2**36 items
    b"\x81" * 100_000 + b"\x00",  # deep nesting
    b"\xd8\x1c\x81\xd8\x1d\x00",  # shared reference pointing at itself
    b"\xa1\x81\x01\x02",  # an array as map key
    b"\xa0\xa0",  # trailing bytes
    b"\x62\xff\xfe",  # invalid UTF-8 text
    b"\x81\xa0",  # not a map at the top
    b"\xf7",  # undefined
    cbor2.dumps({"Namespace": "n"})[:-1],
]


@pytest.mark.parametrize("body", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_cbor_is_a_serialization_error(body: bytes) -> None:
    with pytest.raises(SerializationError) as caught:
        PROTOCOL.parse_request(request_for("PutMetricData", body), op_model("PutMetricData"))
    assert caught.value.status == 400


@pytest.mark.parametrize("name", ["PutMetricData", "GetMetricData", "PutMetricAlarm", "TagResource"])
@FEW
@given(data=st.data())
def test_every_truncation_is_a_serialization_error(name: str, data: st.DataObject) -> None:
    op = op_model(name)
    body = bytes(SERIALIZER.serialize_to_request(data.draw(values_for(op.input_shape)), op)["body"])
    for cut in range(1, len(body)):
        with pytest.raises(SerializationError):
            PROTOCOL.parse_request(request_for(name, body[:cut]), op)


def _parse_or_client_error(name: str, body: bytes) -> None:
    try:
        PROTOCOL.parse_request(request_for(name, body), op_model(name))
    except AwsError as exc:
        assert exc.status < 500


@pytest.mark.parametrize("name", ["PutMetricData", "GetMetricData", "PutDashboard"])
@settings(max_examples=60, deadline=None, database=None)
@given(body=st.binary(max_size=300))
def test_random_bytes_only_raise_client_errors(name: str, body: bytes) -> None:
    _parse_or_client_error(name, body)


@pytest.mark.parametrize("name", ["PutMetricData", "GetMetricData", "PutMetricAlarm", "DescribeAlarms"])
@FEW
@given(data=st.data())
def test_corrupted_values_only_raise_client_errors(name: str, data: st.DataObject) -> None:
    op = op_model(name)
    valid = data.draw(values_for(op.input_shape))
    body = cbor2.dumps(data.draw(corrupt(valid)), timezone=None, datetime_as_timestamp=True)
    _parse_or_client_error(name, body)
