"""Round trips of the `query` protocol against botocore's own serializer and parser.

Requests: botocore serializes generated input for every IAM, STS, ELBv2 and CloudWatch
operation and skiff must read back exactly what was sent. Replies: skiff writes generated
output and botocore must read back exactly what was written. Errors: botocore must see the
wire code, message and status. Garbage: any input only ever raises a client-side `AwsError`.

The helpers here (`to_http_request`, `sent`, `received`, `client_via`, ...) are shared with
the EC2 tests.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import botocore.session
import pytest
from botocore.awsrequest import AWSPreparedRequest, AWSResponse, create_request_object, prepare_request_dict
from botocore.config import Config
from botocore.model import OperationModel, Shape
from botocore.parsers import create_parser
from botocore.serialize import create_serializer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skiff.api.errors import AwsError, service_error
from skiff.api.http import HttpRequest, HttpResponse
from skiff.api.protocols.query_protocol import QueryProtocol
from skiff.api.protocols.xml_writer import xml_safe
from skiff.api.specs import load_spec
from tests.shape_strategies import values_for

QUERY_SERVICES = ("iam", "sts", "elbv2", "cloudwatch")
EXAMPLES = settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.large_base_example,
    ],
)
PROTOCOL = QueryProtocol()


def operations(service: str) -> list[OperationModel]:
    model = load_spec(service).model
    return [model.operation_model(name) for name in sorted(model.operation_names)]


def op_id(op: OperationModel) -> str:
    return f"{op.service_model.service_name}.{op.name}"


QUERY_OPS = [op for service in QUERY_SERVICES for op in operations(service)]


# --- helpers shared with the EC2 tests -------------------------------------------------------


def http_from_prepared(prepared: AWSPreparedRequest) -> HttpRequest:
    """An `HttpRequest` exactly as the gateway would build it from what botocore sends."""
    url = urlsplit(prepared.url)
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    headers = {k.lower(): v.decode() if isinstance(v, bytes) else str(v) for k, v in prepared.headers.items()}
    return HttpRequest(prepared.method, url.path or "/", url.query, headers, body)


def to_http_request(protocol: str, operation: OperationModel, params: dict[str, Any]) -> HttpRequest:
    """Serialize `params` with botocore's own serializer and encode it as botocore would send it."""
    serializer = create_serializer(protocol, include_validation=False)
    request_dict = serializer.serialize_to_request(params, operation)
    prepare_request_dict(request_dict, endpoint_url="https://skiff.test")
    return http_from_prepared(create_request_object(request_dict).prepare())


def _empty_container(shape: Shape) -> Any:
    return {"structure": {}, "map": {}, "list": []}.get(shape.type_name)


def sent(shape: Shape, value: Any, *, ec2: bool) -> Any:
    """What of `value` survives botocore's form serialization (None: nothing is sent).

    botocore sends nothing for an empty structure or map (so a list item that is one vanishes,
    and a map entry keeps only its key, which reads back as an empty container); it sends an
    empty query list as `Name=`, but an empty EC2 list not at all.
    """
    kind = shape.type_name
    if kind == "structure":
        out = {}
        for name, item in value.items():
            kept = sent(shape.members[name], item, ec2=ec2)
            if kept is not None:
                out[name] = kept
        return out or None
    if kind == "list":
        if not value:
            return None if ec2 else []
        items = [kept for item in value if (kept := sent(shape.member, item, ec2=ec2)) is not None]
        return items or None
    if kind == "map":
        entries = {}
        for key, item in value.items():
            kept = sent(shape.value, item, ec2=ec2)
            entries[key] = _empty_container(shape.value) if kept is None else kept
        return {k: v for k, v in entries.items() if v is not None} or None
    return value


def received(shape: Shape, value: Any) -> Any:
    """What botocore reads back from skiff's XML for `value`.

    XML 1.0 cannot carry some characters at all (U+FFFE, U+FFFF; controls are never generated),
    so skiff writes U+FFFD for them. Empty lists, maps and structures are written as empty
    elements, which botocore reads back as empty containers; only an empty *flattened* list or
    map has no element at all and so is absent (no query or EC2 output model has one).
    """
    kind = shape.type_name
    if kind == "structure":
        out = {}
        for name, item in value.items():
            member = shape.members[name]
            if member.type_name in ("list", "map") and member.serialization.get("flattened") and not item:
                continue
            out[name] = received(member, item)
        return out
    if kind == "list":
        return [received(shape.member, item) for item in value]
    if kind == "map":
        return {xml_safe(k): received(shape.value, v) for k, v in value.items()}
    if kind == "string":
        return xml_safe(value)
    return value


def botocore_reads(protocol: str, operation: OperationModel, response: HttpResponse) -> dict[str, Any]:
    parsed: dict[str, Any] = create_parser(protocol).parse(
        {"status_code": response.status, "headers": response.headers, "body": response.body},
        operation.output_shape,
    )
    return parsed


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.body


def client_via(service: str, handler: Callable[[HttpRequest], HttpResponse]) -> Any:
    """A real botocore client whose HTTP exchanges are answered by `handler` in-process."""
    client = botocore.session.get_session().create_client(
        service,
        region_name="us-east-1",
        endpoint_url="https://skiff.test",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
        config=Config(retries={"max_attempts": 1}),
    )

    def before_send(request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        reply = handler(http_from_prepared(request))
        return AWSResponse(request.url, reply.status, reply.headers, _Raw(reply.body))

    client.meta.events.register("before-send", before_send)
    return client


def assert_client_errors_only(call: Callable[[], Any]) -> None:
    try:
        call()
    except AwsError as exc:
        assert exc.status < 500, exc


# --- request round trip ----------------------------------------------------------------------


@pytest.mark.parametrize("op", QUERY_OPS, ids=op_id)
def test_request_round_trip(op: OperationModel) -> None:
    shape = op.input_shape

    @EXAMPLES
    @given(values_for(shape) if shape is not None else st.just({}))
    def check(params: dict[str, Any]) -> None:
        request = to_http_request("query", op, params)
        assert PROTOCOL.operation_name(request, load_spec(op.service_model.service_name)) == op.name
        parsed = PROTOCOL.parse_request(request, op)
        expected = (sent(shape, params, ec2=False) or {}) if shape is not None else {}
        assert parsed == expected

    check()


def test_get_request_with_query_string() -> None:
    op = load_spec("iam").operation("ListUsers")
    assert op is not None
    request = HttpRequest("GET", "/", "Action=ListUsers&Version=2010-05-08&PathPrefix=%2Fa+b%2F&MaxItems=5")
    assert PROTOCOL.operation_name(request, load_spec("iam")) == "ListUsers"
    assert PROTOCOL.parse_request(request, op) == {"PathPrefix": "/a b/", "MaxItems": 5}


def test_list_order_is_numeric_and_huge_index_is_cheap() -> None:
    op = load_spec("iam").operation("TagRole")
    assert op is not None
    body = (
        "Action=TagRole&RoleName=r&Tags.member.10.Key=ten&Tags.member.10.Value=10"
        "&Tags.member.2.Key=two&Tags.member.2.Value=2&Tags.member.99999999999.Key=big&Tags.member.99999999999.Value=b"
    )
    request = HttpRequest(
        "POST", "/", headers={"content-type": "application/x-www-form-urlencoded"}, body=body.encode()
    )
    parsed = PROTOCOL.parse_request(request, op)
    assert [tag["Key"] for tag in parsed["Tags"]] == ["two", "ten", "big"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ("MaxItems=ten", "is not an integer"),
        ("MaxItems=" + "9" * 5000, "MaxItems"),
        ("Marker=ok&MaxItems=1.5", "MaxItems"),
    ],
)
def test_bad_scalar_is_a_serialization_error(params: str, message: str) -> None:
    op = load_spec("iam").operation("ListUsers")
    assert op is not None
    request = HttpRequest(
        "POST", "/", headers={"content-type": "application/x-www-form-urlencoded"}, body=params.encode()
    )
    with pytest.raises(AwsError) as info:
        PROTOCOL.parse_request(request, op)
    assert info.value.code == "SerializationException"
    assert message in info.value.message


# --- reply round trip ------------------------------------------------------------------------


@pytest.mark.parametrize("op", QUERY_OPS, ids=op_id)
def test_reply_round_trip(op: OperationModel) -> None:
    shape = op.output_shape

    @EXAMPLES
    @given(values_for(shape) if shape is not None else st.just({}))
    def check(result: dict[str, Any]) -> None:
        response = PROTOCOL.serialize_result(op, result, "req-123")
        assert response.status == 200
        assert response.headers["Content-Type"] == "text/xml"
        assert response.headers["x-amzn-RequestId"] == "req-123"
        parsed = botocore_reads("query", op, response)
        metadata = parsed.pop("ResponseMetadata")
        assert metadata["RequestId"] == "req-123"
        assert parsed == (received(shape, result) if shape is not None else {})

    check()


def test_reply_document_shape() -> None:
    op = load_spec("sts").operation("GetCallerIdentity")
    assert op is not None
    body = PROTOCOL.serialize_result(op, {"Account": "123456789012", "Arn": "a<&>"}, "rid").body.decode()
    assert body == (
        '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
        "<GetCallerIdentityResult><Account>123456789012</Account><Arn>a&lt;&amp;&gt;</Arn>"
        "</GetCallerIdentityResult><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata>"
        "</GetCallerIdentityResponse>"
    )


def test_operation_without_output_has_no_result_element() -> None:
    op = load_spec("iam").operation("DeleteUser")
    assert op is not None and op.output_shape is None
    response = PROTOCOL.serialize_result(op, {}, "rid")
    assert b"Result" not in response.body
    assert botocore_reads("query", op, response)["ResponseMetadata"]["RequestId"] == "rid"


def test_timestamps_blobs_and_control_characters() -> None:
    op = load_spec("iam").operation("GetUser")
    assert op is not None
    created = dt.datetime(2024, 2, 3, 4, 5, 6, 789000, tzinfo=dt.UTC)
    user = {"Path": "/\r\n\t\x00x/", "UserName": "u", "UserId": "i", "Arn": "a", "CreateDate": created}
    response = PROTOCOL.serialize_result(op, {"User": user}, "rid")
    assert b"<CreateDate>2024-02-03T04:05:06.789Z</CreateDate>" in response.body
    parsed = botocore_reads("query", op, response)
    assert parsed["User"]["CreateDate"] == created
    assert parsed["User"]["Path"] == "/\r\n\t\ufffdx/"


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("service", "operation", "shape_name", "code", "status"),
    [
        ("iam", "GetUser", "NoSuchEntityException", "NoSuchEntity", 404),
        ("iam", "CreateUser", "EntityAlreadyExistsException", "EntityAlreadyExists", 409),
        ("elbv2", "DescribeLoadBalancers", "LoadBalancerNotFoundException", "LoadBalancerNotFound", 400),
        ("sts", "AssumeRole", "MalformedPolicyDocumentException", "MalformedPolicyDocument", 400),
        ("iam", "GetUser", "ValidationError", "ValidationError", 400),
    ],
)
def test_error_round_trip(service: str, operation: str, shape_name: str, code: str, status: int) -> None:
    spec = load_spec(service)
    op = spec.operation(operation)
    assert op is not None
    error = service_error(shape_name, "No <such> thing & more", 400)
    response = PROTOCOL.serialize_error(error, spec, op, "req-9")
    assert response.status == status
    parsed = botocore_reads("query", op, response)
    assert parsed["Error"] == {"Type": "Sender", "Code": code, "Message": "No <such> thing & more"}
    assert parsed["ResponseMetadata"]["RequestId"] == "req-9"
    assert parsed["ResponseMetadata"]["HTTPStatusCode"] == status


def test_receiver_fault_error() -> None:
    spec = load_spec("iam")
    response = PROTOCOL.serialize_error(AwsError("boom", code="ServiceFailure", status=500), spec, None, "r")
    parsed = create_parser("query").parse(
        {"status_code": response.status, "headers": response.headers, "body": response.body}, None
    )
    assert response.status == 500
    assert parsed["Error"]["Type"] == "Receiver"


# --- a real botocore client against the protocol, in-process -----------------------------------


def _iam_handler(request: HttpRequest) -> HttpResponse:
    spec = load_spec("iam")
    name = PROTOCOL.operation_name(request, spec)
    op = spec.operation(name or "")
    assert op is not None
    params = PROTOCOL.parse_request(request, op)
    if params.get("UserName") == "ghost":
        return PROTOCOL.serialize_error(service_error("NoSuchEntityException", "no ghost"), spec, op, "r1")
    created = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    if name == "GetUser":
        user = {
            "Path": "/",
            "UserName": params["UserName"],
            "UserId": "AIDA",
            "Arn": "arn",
            "CreateDate": created,
        }
        return PROTOCOL.serialize_result(op, {"User": user}, "r2")
    if name == "ListRoleTags":
        tags = [{"Key": k, "Value": v} for k, v in sorted(params.items()) if isinstance(v, str)]
        return PROTOCOL.serialize_result(op, {"Tags": tags, "IsTruncated": False}, "r3")
    return PROTOCOL.serialize_result(op, {}, "r4")


def test_botocore_client_end_to_end() -> None:
    iam = client_via("iam", _iam_handler)
    reply = iam.get_user(UserName="alice")
    assert reply["User"]["UserName"] == "alice"
    assert reply["User"]["CreateDate"] == dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    assert reply["ResponseMetadata"]["RequestId"] == "r2"
    tags = iam.list_role_tags(RoleName="r", Marker="m")["Tags"]
    assert tags == [{"Key": "Marker", "Value": "m"}, {"Key": "RoleName", "Value": "r"}]
    with pytest.raises(iam.exceptions.NoSuchEntityException) as info:
        iam.get_user(UserName="ghost")
    assert info.value.response["Error"]["Code"] == "NoSuchEntity"
    assert info.value.response["Error"]["Message"] == "no ghost"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


# --- garbage ---------------------------------------------------------------------------------

GARBAGE_OPS = [
    op
    for service, name in [
        ("iam", "CreateRole"),
        ("iam", "TagRole"),
        ("iam", "GetAccountAuthorizationDetails"),
        ("elbv2", "CreateLoadBalancer"),
        ("elbv2", "ModifyTargetGroupAttributes"),
        ("cloudwatch", "PutMetricData"),
        ("cloudwatch", "GetMetricData"),
        ("sts", "AssumeRole"),
    ]
    if (op := load_spec(service).operation(name)) is not None
]
FORM = {"content-type": "application/x-www-form-urlencoded; charset=utf-8"}


@pytest.mark.parametrize("op", GARBAGE_OPS, ids=op_id)
@settings(max_examples=40, deadline=None)
@given(body=st.binary(max_size=200), query=st.text(max_size=40))
def test_garbage_bytes(op: OperationModel, body: bytes, query: str) -> None:
    request = HttpRequest("POST", "/", query, FORM, body)
    assert_client_errors_only(lambda: PROTOCOL.operation_name(request, load_spec("iam")))
    assert_client_errors_only(lambda: PROTOCOL.parse_request(request, op))


@pytest.mark.parametrize("op", GARBAGE_OPS, ids=op_id)
@EXAMPLES
@given(data=st.data())
def test_mutated_valid_requests(op: OperationModel, data: st.DataObject) -> None:
    """Valid botocore input with keys extended by junk and values replaced by junk."""
    request = to_http_request("query", op, data.draw(values_for(op.input_shape)))
    pairs = [tuple(part.split(b"=", 1)) for part in request.body.split(b"&") if b"=" in part]
    junk = st.one_of(st.binary(max_size=8), st.sampled_from([b"", b"%FF", b"1e999", b"-1", b".", b"member"]))
    mutated = []
    for key, value in pairs:
        choice = data.draw(st.integers(0, 3))
        if choice == 1:
            value = data.draw(junk)
        elif choice == 2:
            key = key + b"." + data.draw(junk)
        mutated.append(key + b"=" + value)
    garbled = HttpRequest("POST", "/", "", FORM, b"&".join(mutated))
    assert_client_errors_only(lambda: PROTOCOL.parse_request(garbled, op))


@pytest.mark.parametrize(
    "body",
    [
        "Action=CreateRole&" + ".".join(["A"] * 100000) + "=1",
        "Action=CreateRole&RoleName." + ".".join(["member"] * 5000) + "=1",
        "Action=TagRole&Tags.member.99999999999.Key=k&Tags.member.99999999999.Value=v",
        "Action=TagRole&Tags.member." + "9" * 5000 + ".Key=k",
        "Action=TagRole&Tags.member.-1.Key=k&Tags.member.0.Key=k&Tags.member.%D9%A3.Key=k",
        "Action=PutMetricData&MetricData.member.1.Timestamp=0001-01-01T00:00:00%2B05:00",
        "Action=PutMetricData&MetricData.member.1.Timestamp=1e999&MetricData.member.1.Value=x",
        "Action=PutMetricData&MetricData.member.1.Values.member.1=nan",
        "%FF%FE=%FF&Action=%C3",
        "=&&&==&Action",
    ],
)
def test_pathological_forms(body: str) -> None:
    for op in GARBAGE_OPS:
        request = HttpRequest("POST", "/", "", FORM, body.encode())
        assert_client_errors_only(lambda op=op, request=request: PROTOCOL.parse_request(request, op))
