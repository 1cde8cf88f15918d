"""Round trips of the `ec2` protocol against botocore's EC2 serializer and parser.

A broad sample of EC2 operations (every 5th by name, plus the ones skiff leans on) is
serialized by botocore and read back by skiff, and skiff's replies are read back by botocore.
Errors and garbage input are checked as for `query`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from botocore.model import OperationModel
from botocore.parsers import create_parser
from hypothesis import given, settings
from hypothesis import strategies as st

from skiff.api.errors import AwsError, service_error
from skiff.api.http import HttpRequest, HttpResponse
from skiff.api.protocols.ec2_protocol import Ec2Protocol
from skiff.api.specs import load_spec
from tests.shape_strategies import values_for
from tests.unit.api.protocols.test_query_protocol import (
    EXAMPLES,
    assert_client_errors_only,
    botocore_reads,
    client_via,
    op_id,
    operations,
    received,
    sent,
    to_http_request,
)

PROTOCOL = Ec2Protocol()
SPEC = load_spec("ec2")
ALWAYS = {
    "DescribeVpcs",
    "DescribeSubnets",
    "DescribeSecurityGroups",
    "CreateTags",
    "AuthorizeSecurityGroupIngress",
}
_ALL = operations("ec2")
EC2_OPS = [op for i, op in enumerate(_ALL) if i % 5 == 0 or op.name in ALWAYS]
FORM = {"content-type": "application/x-www-form-urlencoded; charset=utf-8"}


def op_named(name: str) -> OperationModel:
    op = SPEC.operation(name)
    assert op is not None
    return op


@pytest.mark.parametrize("op", EC2_OPS, ids=op_id)
def test_request_round_trip(op: OperationModel) -> None:
    shape = op.input_shape

    @EXAMPLES
    @given(values_for(shape) if shape is not None else st.just({}))
    def check(params: dict[str, Any]) -> None:
        request = to_http_request("ec2", op, params)
        assert PROTOCOL.operation_name(request, SPEC) == op.name
        parsed = PROTOCOL.parse_request(request, op)
        expected = (sent(shape, params, ec2=True) or {}) if shape is not None else {}
        assert parsed == expected

    check()


def test_ec2_input_names() -> None:
    """queryName wins, else the capitalised locationName; lists are `Name.N`."""
    body = (
        "Action=AuthorizeSecurityGroupIngress&GroupId=sg-1&IpPermissions.2.IpProtocol=udp"
        "&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=80&IpPermissions.1.IpRanges.1.CidrIp=10.0.0.0/8"
        "&IpPermissions.1.Groups.1.GroupId=sg-2&DryRun=false"
    )
    request = HttpRequest("POST", "/", "", FORM, body.encode())
    assert PROTOCOL.parse_request(request, op_named("AuthorizeSecurityGroupIngress")) == {
        "GroupId": "sg-1",
        "DryRun": False,
        "IpPermissions": [
            {
                "IpProtocol": "tcp",
                "FromPort": 80,
                "IpRanges": [{"CidrIp": "10.0.0.0/8"}],
                "UserIdGroupPairs": [{"GroupId": "sg-2"}],
            },
            {"IpProtocol": "udp"},
        ],
    }
    filters = (
        "Action=DescribeVpcs&Filter.1.Name=vpc-id&Filter.1.Value.1=vpc-1&Filter.1.Value.2=vpc-2&VpcId.1=v"
    )
    request = HttpRequest("GET", "/", filters)
    assert PROTOCOL.parse_request(request, op_named("DescribeVpcs")) == {
        "Filters": [{"Name": "vpc-id", "Values": ["vpc-1", "vpc-2"]}],
        "VpcIds": ["v"],
    }


@pytest.mark.parametrize("op", EC2_OPS, ids=op_id)
def test_reply_round_trip(op: OperationModel) -> None:
    shape = op.output_shape

    @EXAMPLES
    @given(values_for(shape) if shape is not None else st.just({}))
    def check(result: dict[str, Any]) -> None:
        response = PROTOCOL.serialize_result(op, result, "req-ec2")
        assert response.status == 200
        assert response.headers["x-amzn-RequestId"] == "req-ec2"
        parsed = botocore_reads("ec2", op, response)
        assert parsed.pop("ResponseMetadata")["RequestId"] == "req-ec2"
        assert parsed == (received(shape, result) if shape is not None else {})

    check()


def test_reply_document_shape() -> None:
    result = {"Vpcs": [{"VpcId": "vpc-1", "IsDefault": True, "Tags": [{"Key": "k", "Value": "v"}]}]}
    body = PROTOCOL.serialize_result(op_named("DescribeVpcs"), result, "rid").body.decode()
    assert (
        '<DescribeVpcsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>rid</requestId>'
        in body
    )
    assert "<vpcSet><item>" in body
    assert "<vpcId>vpc-1</vpcId>" in body
    assert "<isDefault>true</isDefault>" in body
    assert "<tagSet><item><key>k</key><value>v</value></item></tagSet>" in body


def test_operation_without_output() -> None:
    op = op_named("DeleteTags")
    assert op.output_shape is None
    response = PROTOCOL.serialize_result(op, {}, "rid")
    assert b"<return>true</return>" in response.body
    assert botocore_reads("ec2", op, response)["ResponseMetadata"]["RequestId"] == "rid"


@pytest.mark.parametrize(("code", "status"), [("InvalidVpcID.NotFound", 400), ("InternalError", 500)])
def test_error_round_trip(code: str, status: int) -> None:
    op = op_named("DescribeVpcs")
    response = PROTOCOL.serialize_error(service_error(code, "The vpc 'x' & <y>", status), SPEC, op, "req-e")
    assert response.status == status
    parsed = create_parser("ec2").parse(
        {"status_code": response.status, "headers": response.headers, "body": response.body}, op.output_shape
    )
    assert parsed["Error"] == {"Code": code, "Message": "The vpc 'x' & <y>"}
    assert parsed["ResponseMetadata"]["RequestId"] == "req-e"
    assert parsed["ResponseMetadata"]["HTTPStatusCode"] == status


def _ec2_handler(request: HttpRequest) -> HttpResponse:
    name = PROTOCOL.operation_name(request, SPEC)
    op = op_named(name or "")
    params = PROTOCOL.parse_request(request, op)
    if name == "DescribeVpcs":
        if params.get("VpcIds") == ["vpc-missing"]:
            error = service_error("InvalidVpcID.NotFound", "The vpc ID 'vpc-missing' does not exist")
            return PROTOCOL.serialize_error(error, SPEC, op, "r1")
        vpcs = [{"VpcId": vpc, "CidrBlock": "10.0.0.0/16", "IsDefault": False} for vpc in params["VpcIds"]]
        return PROTOCOL.serialize_result(op, {"Vpcs": vpcs}, "r2")
    if name == "DescribeSnapshots":
        snap = {"SnapshotId": "snap-1", "StartTime": dt.datetime(2021, 5, 6, 7, 8, 9, tzinfo=dt.UTC)}
        return PROTOCOL.serialize_result(op, {"Snapshots": [snap]}, "r3")
    return PROTOCOL.serialize_result(op, {}, "r4")


def test_botocore_client_end_to_end() -> None:
    ec2 = client_via("ec2", _ec2_handler)
    vpcs = ec2.describe_vpcs(VpcIds=["vpc-a", "vpc-b"])["Vpcs"]
    assert [vpc["VpcId"] for vpc in vpcs] == ["vpc-a", "vpc-b"]
    assert vpcs[0]["IsDefault"] is False
    snaps = ec2.describe_snapshots()["Snapshots"]
    assert snaps[0]["StartTime"] == dt.datetime(2021, 5, 6, 7, 8, 9, tzinfo=dt.UTC)
    ec2.create_tags(Resources=["i-1"], Tags=[{"Key": "a", "Value": "b"}])
    with pytest.raises(ec2.exceptions.ClientError) as info:
        ec2.describe_vpcs(VpcIds=["vpc-missing"])
    assert info.value.response["Error"]["Code"] == "InvalidVpcID.NotFound"
    assert info.value.response["ResponseMetadata"]["RequestId"] == "r1"


GARBAGE_OPS = [
    op_named(name) for name in ("RunInstances", "AuthorizeSecurityGroupIngress", "DescribeInstances")
]


@pytest.mark.parametrize("op", GARBAGE_OPS, ids=op_id)
@settings(max_examples=40, deadline=None)
@given(body=st.binary(max_size=200), query=st.text(max_size=40))
def test_garbage_bytes(op: OperationModel, body: bytes, query: str) -> None:
    request = HttpRequest("POST", "/", query, FORM, body)
    assert_client_errors_only(lambda: PROTOCOL.operation_name(request, SPEC))
    assert_client_errors_only(lambda: PROTOCOL.parse_request(request, op))


@pytest.mark.parametrize(
    "body",
    [
        "Action=RunInstances&" + ".".join(["BlockDeviceMapping"] * 100000) + "=1",
        "Action=RunInstances&SecurityGroupId.99999999999=sg&SecurityGroupId." + "9" * 5000 + "=sg",
        "Action=RunInstances&MinCount=x&MaxCount=1",
        "Action=RunInstances&BlockDeviceMapping.1.Ebs.VolumeSize=1e3",
        "Action=RunInstances&UserData=%FF%FF",
        "Action=AuthorizeSecurityGroupIngress&IpPermissions.1.FromPort=" + "1" * 5000,
    ],
)
def test_pathological_forms(body: str) -> None:
    for op in GARBAGE_OPS:
        request = HttpRequest("POST", "/", "", FORM, body.encode())
        assert_client_errors_only(lambda op=op, request=request: PROTOCOL.parse_request(request, op))


def test_bad_integer_is_a_serialization_error() -> None:
    request = HttpRequest("POST", "/", "", FORM, b"Action=RunInstances&MinCount=x&MaxCount=1")
    with pytest.raises(AwsError) as info:
        PROTOCOL.parse_request(request, op_named("RunInstances"))
    assert info.value.code == "SerializationException"
    assert "MinCount" in info.value.message
