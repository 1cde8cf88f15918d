"""rest-xml (S3) protocol at the edges: addressing styles, a real boto3 client answered in-process,
aws-chunked uploads, hostile XML, wrong types and random garbage (only ever client errors)."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config as BotoConfig
from hypothesis import given, settings
from hypothesis import strategies as st

from skiff.api.errors import AwsError, SerializationError
from skiff.api.http import HttpRequest
from tests.unit.api.protocols.test_rest_xml_protocol import HOST, PROTOCOL, SPEC, op_model


@pytest.mark.parametrize(
    ("method", "host", "path", "query", "operation", "labels"),
    [
        ("GET", HOST, "/", "", "ListBuckets", {}),
        ("GET", "s3.amazonaws.com", "/", "", "ListBuckets", {}),
        ("GET", "bkt.localhost:4566", "/", "", "ListObjects", {"Bucket": "bkt"}),
        ("GET", "bkt.localhost", "/", "list-type=2&prefix=a", "ListObjectsV2",
         {"Bucket": "bkt", "Prefix": "a"}),
        ("GET", "my.bkt.s3.us-east-1.amazonaws.com", "/a/b%20c", "", "GetObject",
         {"Bucket": "my.bkt", "Key": "a/b c"}),
        ("PUT", "bkt.s3.amazonaws.com", "/k", "partNumber=2&uploadId=u", "UploadPart",
         {"Bucket": "bkt", "Key": "k", "PartNumber": 2, "UploadId": "u"}),
        ("GET", "bkt.s3-website-us-east-1.amazonaws.com", "/", "tagging", "GetBucketTagging",
         {"Bucket": "bkt"}),
        ("GET", HOST, "/bkt/", "", "ListObjects", {"Bucket": "bkt"}),
        ("GET", HOST, "/bkt//k%2Fx", "", "GetObject", {"Bucket": "bkt", "Key": "/k/x"}),
        ("HEAD", HOST, "/bkt", "", "HeadBucket", {"Bucket": "bkt"}),
        ("GET", HOST, "/bkt/k", "uploadId=u", "ListParts", {"Bucket": "bkt", "Key": "k", "UploadId": "u"}),
        ("GET", HOST, "/bkt/k", "attributes", "GetObjectAttributes", {"Bucket": "bkt", "Key": "k"}),
    ],
)  # fmt: skip
def test_addressing(
    method: str, host: str, path: str, query: str, operation: str, labels: dict[str, Any]
) -> None:
    request = HttpRequest(method, path, query, {"host": host})
    assert PROTOCOL.operation_name(request, SPEC) == operation
    assert PROTOCOL.parse_request(request, op_model(operation)) == labels


def test_copy_source_and_metadata_headers_route_and_parse() -> None:
    headers = {"host": HOST, "x-amz-copy-source": "src/k", "x-amz-meta-color": "blue"}
    request = HttpRequest("PUT", "/bkt/k", "", headers)
    assert PROTOCOL.operation_name(request, SPEC) == "CopyObject"
    parsed = PROTOCOL.parse_request(request, op_model("CopyObject"))
    assert parsed["Metadata"] == {"color": "blue"} and parsed["CopySource"] == "src/k"


def test_no_operation_matches() -> None:
    assert PROTOCOL.operation_name(HttpRequest("PATCH", "/bkt/k", "", {"host": HOST}), SPEC) is None
    assert PROTOCOL.operation_name(HttpRequest("POST", "/", "", {"host": HOST}), SPEC) is None


BOMBS = [
    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]><Delete><Object><Key>&c;</Key></Object></Delete>',
    b'<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><Delete><Object><Key>&x;</Key></Object></Delete>',
    b'<!DOCTYPE d SYSTEM "http://example.com/evil.dtd"><Delete/>',
    b"<Delete>" + b"<Object>" * 100_000 + b"</Object>" * 100_000 + b"</Delete>",
    b"<Delete><Quiet>maybe</Quiet></Delete>",
    b"<Delete><Object><Key><x/></Key></Object></Delete>",
    b"<Delete><Object><Key>&undefined;</Key></Object></Delete>",
    b"<a:Delete><Object/></a:Delete>",
    b"\xff\xfe<\x00",
    b"<Delete>\x00</Delete>",
]


@pytest.mark.parametrize("body", BOMBS, ids=range(len(BOMBS)))
def test_hostile_xml_is_a_client_error(body: bytes) -> None:
    request = HttpRequest("POST", "/bkt", "delete", {"host": HOST}, body)
    with pytest.raises(AwsError) as caught:
        PROTOCOL.parse_request(request, op_model("DeleteObjects"))
    assert caught.value.status < 500


@pytest.mark.parametrize(
    ("op", "request_"),
    [
        ("UploadPart", HttpRequest("PUT", "/b/k", "partNumber=two&uploadId=u", {"host": HOST})),
        ("GetObject", HttpRequest("GET", "/b/%ff%fe", "", {"host": HOST})),
        ("PutObject", HttpRequest("PUT", "/b/k", "", {"host": HOST, "content-length": "1_0"})),
        (
            "PutObject",
            HttpRequest(
                "PUT", "/b/k", "", {"host": HOST, "x-amz-server-side-encryption-bucket-key-enabled": "yes"}
            ),
        ),
        ("GetObject", HttpRequest("GET", "/b/k", "", {"host": HOST, "if-modified-since": "someday"})),
        ("PutBucketPolicy", HttpRequest("PUT", "/b", "policy", {"host": HOST}, b"\xff\xfe")),
    ],
)
def test_wrong_types_are_serialization_errors(op: str, request_: HttpRequest) -> None:
    with pytest.raises(SerializationError):
        PROTOCOL.parse_request(request_, op_model(op))


XML_OPS = ["CreateBucket", "DeleteObjects", "CompleteMultipartUpload", "PutBucketTagging", "PutBucketAcl",
           "PutBucketLifecycleConfiguration", "SelectObjectContent"]  # fmt: skip


@pytest.mark.parametrize("name", XML_OPS)
@settings(max_examples=40, deadline=None, database=None)
@given(
    body=st.one_of(
        st.binary(max_size=200),
        st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.lists(st.sampled_from(["<a>", "</a>", "<Key>", "</Key>", "x", "&amp;", "<!--", "-->", "<Object>",
                                  "</Object>", "<![CDATA[", "]]>", "&#0;", "<?x?>"]), max_size=30)
        .map(lambda parts: "".join(parts).encode()),
    ),
    method=st.sampled_from(["GET", "PUT", "POST", "DELETE", "HEAD"]),
    path=st.text(max_size=20).map(lambda t: "/" + t),
    query=st.text(max_size=20),
    header=st.text(max_size=10),
)  # fmt: skip
def test_garbage_only_raises_client_errors(
    name: str, body: bytes, method: str, path: str, query: str, header: str
) -> None:
    request = HttpRequest(method, path, query, {"host": header, "x-amz-meta-a": header}, body)
    PROTOCOL.operation_name(request, SPEC)
    try:
        PROTOCOL.parse_request(request, op_model(name))
    except AwsError as exc:
        assert exc.status < 500


class _RawBody(io.BytesIO):
    """Stands in for urllib3's response: botocore reads `.stream()` or `.read()`."""

    def stream(self, **_: Any) -> Any:
        yield self.getvalue()


def boto3_client(endpoint: str, style: str, seen: list[tuple[str, dict[str, Any]]]) -> Any:
    """A real boto3 S3 client whose requests are answered by skiff's protocol in-process."""

    def answer(request: Any, **_: Any) -> AWSResponse:
        url = urlsplit(request.url)
        body = request.body or b""
        body = body.read() if hasattr(body, "read") else body
        headers = {k.lower(): v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()}
        http = HttpRequest(request.method, url.path, url.query, {**headers, "host": url.netloc}, body)
        name = PROTOCOL.operation_name(http, SPEC)
        assert name is not None
        op = op_model(name)
        seen.append((name, PROTOCOL.parse_request(http, op)))
        results: dict[str, dict[str, Any]] = {
            "PutObject": {"ETag": '"e"'},
            "GetObject": {"Body": b"hello", "ContentLength": 5, "Metadata": {"Color": "blue"}},
            "ListObjectsV2": {"Name": "bkt", "KeyCount": 1, "Contents": [{"Key": "a", "Size": 3}]},
        }
        reply = PROTOCOL.serialize_result(op, results[name], "rid")
        return AWSResponse(request.url, reply.status, reply.headers, _RawBody(reply.body))

    client = boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="a",
        aws_secret_access_key="b", config=BotoConfig(s3={"addressing_style": style}),
    )  # fmt: skip
    client.meta.events.register("before-send.s3.*", answer)
    return client


@pytest.mark.parametrize(
    ("endpoint", "style"),
    [
        ("http://localhost:4566", "path"),
        ("http://localhost:4566", "virtual"),
        ("https://localhost:4566", "path"),
    ],
)
def test_boto3_client_through_protocol(endpoint: str, style: str) -> None:
    seen: list[tuple[str, dict[str, Any]]] = []
    client = boto3_client(endpoint, style, seen)
    assert (
        client.put_object(Bucket="bkt", Key="dir/a b+c", Body=b"data", Metadata={"Color": "x"})["ETag"]
        == '"e"'
    )
    got = client.get_object(Bucket="bkt", Key="dir/a b+c")
    assert (got["Body"].read(), got["Metadata"], got["ContentLength"]) == (b"hello", {"Color": "blue"}, 5)
    assert client.list_objects_v2(Bucket="bkt", Prefix="d")["Contents"] == [{"Key": "a", "Size": 3}]
    names = [name for name, _ in seen]
    assert names == ["PutObject", "GetObject", "ListObjectsV2"]
    put = seen[0][1]
    # Over HTTPS botocore frames the upload as aws-chunked with the CRC32 in a trailer.
    assert (put["Bucket"], put["Key"], put["Body"], put["Metadata"]) == (
        "bkt",
        "dir/a b+c",
        b"data",
        {"color": "x"},
    )
    assert put["ChecksumCRC32"] == "rfPzYw==" and put["ContentLength"] == 4 and "ContentEncoding" not in put
    assert seen[2][1] == {"Bucket": "bkt", "Prefix": "d", "EncodingType": "url"}


@pytest.mark.parametrize(
    "body",
    [b"5\r\nabc\r\n0\r\n\r\n", b"zz\r\nabc\r\n", b"3\r\nabc\r\n0\r\nbad-trailer\r\n", b"3\r\nabc", b""],
)
def test_bad_aws_chunked_bodies(body: bytes) -> None:
    request = HttpRequest("PUT", "/b/k", "", {"host": HOST, "content-encoding": "aws-chunked"}, body)
    with pytest.raises(SerializationError) as caught:
        PROTOCOL.parse_request(request, op_model("PutObject"))
    assert caught.value.status == 400
