"""Fuzzing every ECS operation in botocore's model against a live skiff server.

For each operation in `ecs.meta.service_model.operation_names` three kinds of input are sent:

1. valid-shaped parameters (`values_for`) through boto3 with client-side validation off, so
   skiff's own validation and handlers see them;
2. corrupted parameters (`corrupt` applied at a random place in a value built with
   `respect_limits=False`: wrong JSON types, nulls in required members, out-of-range numbers and
   lengths) through the same client; examples botocore cannot even serialize are skipped;
3. raw HTTP bodies: arbitrary JSON values, random bytes, truncated JSON, plus a fixed set of nasty
   bodies (10 000-deep nesting, 1e400, huge integers, NUL characters, lone surrogate escapes,
   invalid UTF-8) and unknown operation names in `X-Amz-Target`.

On top of that, hand-written valid requests of the implemented operations carry NUL and lone
surrogates in one string each, so those characters reach the handlers and the store.

Whatever comes in, the reply must be a non-5xx, botocore-parseable AWS JSON reply: errors are
4xx with a non-empty `__type` (never a disguised internal fault), successes parse with botocore
and every reply carries `x-amzn-RequestId`. A final test sends a body one byte over the
gateway's limit and checks the server answers 413/400 and keeps serving.
"""

from __future__ import annotations

import http.client
import json
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import botocore.session
import pytest
from botocore import xform_name
from botocore.exceptions import ClientError
from botocore.model import OperationModel, ServiceModel, Shape
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from skiff.api.gateway import MAX_BODY_BYTES
from tests.shape_strategies import corrupt, values_for
from tests.signing import signed_headers

TARGET_PREFIX = "AmazonEC2ContainerServiceV20141113"
JSON_CONTENT_TYPE = "application/x-amz-json-1.1"
# A region of its own, so fuzzed writes (account settings, clusters...) do not leak into other tests.
FUZZ_REGION = "ap-southeast-4"
# Error codes that mean "skiff broke", whatever HTTP status they come with.
FAULT_CODES = frozenset({"ServerException", "InternalFailure", "InternalError", "InternalServerError"})

MODEL: ServiceModel = botocore.session.get_session().get_service_model("ecs")
OPERATIONS: list[str] = list(MODEL.operation_names)

FUZZ = settings(
    max_examples=8,
    deadline=None,
    print_blob=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.large_base_example,
    ],
)


# -- helpers ---------------------------------------------------------------------------------


def _input_shape(op_name: str) -> Shape | None:
    operation: OperationModel = MODEL.operation_model(op_name)
    return operation.input_shape


def _member_names(shape: Shape | None, seen: set[str] | None = None) -> set[str]:
    """Every structure member name reachable from `shape` (keys raw JSON is likely to need)."""
    seen = set() if seen is None else seen
    names: set[str] = set()
    if shape is None or shape.name in seen:
        return names
    seen.add(shape.name)
    if shape.type_name == "structure":
        for name, member in shape.members.items():
            names.add(name)
            names |= _member_names(member, seen)
    elif shape.type_name == "list":
        names |= _member_names(shape.member, seen)
    elif shape.type_name == "map":
        names |= _member_names(shape.value, seen)
    return names


def _short(data: Any, limit: int = 300) -> str:
    text = repr(data)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} chars)"


@dataclass
class RawReply:
    status: int
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None


def post_raw(endpoint: str, target: str | None, body: bytes, timeout: float = 30) -> RawReply:
    """POST `body` to the endpoint as awsJson 1.1 with the given X-Amz-Target."""
    url = urllib.parse.urlsplit(endpoint)
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port or 80, timeout=timeout)
    headers = {"Content-Type": JSON_CONTENT_TYPE}
    if target is not None:
        headers["X-Amz-Target"] = target
    headers = signed_headers("POST", f"{endpoint}/", body, headers, "ecs", FUZZ_REGION)
    try:
        conn.request("POST", "/", body=body, headers=headers)
        reply = conn.getresponse()
        return RawReply(reply.status, dict(reply.getheaders()), reply.read())
    finally:
        conn.close()


def raw_problem(reply: RawReply) -> str | None:
    """Why a raw reply breaks the contract, or None if it is a proper AWS JSON reply."""
    if reply.status >= 500:
        return f"5xx reply {reply.status}: {_short(reply.body)}"
    if not reply.header("x-amzn-RequestId"):
        return f"no x-amzn-RequestId header (status {reply.status})"
    if "json" not in (reply.header("Content-Type") or ""):
        return f"content type {reply.header('Content-Type')!r} is not JSON (status {reply.status})"
    try:
        payload = json.loads(reply.body)
    except ValueError:
        return f"reply body is not JSON (status {reply.status}): {_short(reply.body)}"
    if not isinstance(payload, dict):
        return f"reply body is not a JSON object (status {reply.status}): {_short(reply.body)}"
    if reply.status >= 300:
        code = payload.get("__type")
        if not isinstance(code, str) or not code:
            return f"error reply without __type (status {reply.status}): {_short(reply.body)}"
        if code.rsplit("#", 1)[-1] in FAULT_CODES:
            return f"internal fault {code} with status {reply.status}: {_short(reply.body)}"
    return None


def check_raw(reply: RawReply, what: str) -> None:
    problem = raw_problem(reply)
    assert problem is None, f"{what}: {problem}"


# -- boto3 through a validation-free client --------------------------------------------------


@dataclass
class FuzzClient:
    """A boto3 ECS client without parameter validation that remembers what it put on the wire."""

    client: Any
    sent: list[bytes] = field(default_factory=list)

    def record(self, request: Any, **_: Any) -> None:
        body = request.body
        self.sent.append(body if isinstance(body, bytes) else str(body or "").encode())

    def call(self, op_name: str, params: dict[str, Any]) -> None:
        """Send one request and check the reply; a request botocore cannot build is ignored."""
        method: Callable[..., Any] = getattr(self.client, xform_name(op_name))
        self.sent.clear()
        try:
            reply = method(**params)
        except ClientError as error:
            note(f"wire body: {_short(self.sent[-1] if self.sent else b'', 2000)}")
            check_client_error(op_name, error)
            return
        except Exception as error:
            if not self.sent:
                note(f"botocore could not serialize the input: {error!r}")
                return
            raise AssertionError(
                f"{op_name}: no usable reply to {_short(self.sent[-1], 2000)}: {error!r}"
            ) from error
        note(f"wire body: {_short(self.sent[-1] if self.sent else b'', 2000)}")
        meta = reply["ResponseMetadata"]
        assert meta["HTTPStatusCode"] == 200, f"{op_name}: success with status {meta['HTTPStatusCode']}"
        assert "json" in meta["HTTPHeaders"].get("content-type", ""), f"{op_name}: {meta['HTTPHeaders']}"
        assert meta.get("RequestId"), f"{op_name}: success reply without a request id"


def check_client_error(op_name: str, error: ClientError) -> None:
    response = error.response
    meta = response.get("ResponseMetadata", {})
    status = meta.get("HTTPStatusCode")
    code = response.get("Error", {}).get("Code")
    headers = meta.get("HTTPHeaders", {})
    what = f"{op_name}: status {status}, code {code!r}, message {response.get('Error', {}).get('Message')!r}"
    assert isinstance(status, int) and 400 <= status < 500, f"{what}: not a 4xx"
    assert isinstance(code, str) and code, f"{what}: botocore found no error code"
    assert code not in FAULT_CODES, f"{what}: an internal fault"
    assert "json" in headers.get("content-type", ""), f"{what}: content type {headers.get('content-type')!r}"
    assert headers.get("x-amzn-requestid"), f"{what}: no x-amzn-RequestId header"


@pytest.fixture(scope="module")
def fuzz_client(client_factory: Callable[..., Any]) -> Iterator[FuzzClient]:
    client = client_factory("ecs", region=FUZZ_REGION, parameter_validation=False)
    wrapper = FuzzClient(client)
    client.meta.events.register("before-send.ecs", wrapper.record)
    yield wrapper
    client.meta.events.unregister("before-send.ecs", wrapper.record)


# -- strategies ------------------------------------------------------------------------------


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths to every node of a nested dict/list value, the root included."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


def _get(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replace(value[head], rest, new)}
    copy = list(value)
    copy[head] = _replace(value[head], rest, new)
    return copy


POISONS = ["\x00", "\ud800", "\udfff\ud800", "\x00\ud83d"]


@st.composite
def corrupted_params(draw: st.DrawFn, shape: Shape | None) -> dict[str, Any]:
    """Loosely valid input with one to three places replaced by `corrupt` values."""
    members = list(shape.members) if shape is not None else []
    params: Any = draw(values_for(shape, respect_limits=False)) if shape is not None else {}
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(_paths(params)))
        params = _replace(params, path, draw(corrupt(_get(params, path))))
        if not isinstance(params, dict):
            # The whole input was swapped for a scalar: put it under a member name instead.
            params = {draw(st.sampled_from(members)): params} if members else {}
    strings = [path for path in _paths(params) if isinstance(_get(params, path), str)]
    if strings and draw(st.booleans()):
        # NUL and lone surrogates survive botocore (as JSON escapes) and reach skiff's handlers.
        path = draw(st.sampled_from(strings))
        params = _replace(params, path, _get(params, path) + draw(st.sampled_from(POISONS)))
    if shape is not None and shape.required_members and draw(st.booleans()):
        params = {**params, draw(st.sampled_from(list(shape.required_members))): None}
    return dict(params)


JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=20)
    | st.text(alphabet=st.characters(codec="utf-8"), max_size=8)
    # Any code point, lone surrogates and NUL included (they travel as \uXXXX escapes).
    | st.text(alphabet=st.characters(exclude_categories=()), max_size=8)
)


def json_values(keys: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    return st.recursive(
        JSON_SCALARS,
        lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4),
        max_leaves=25,
    )


def _encode(value: Any, ascii_only: bool) -> bytes:
    # NaN/Infinity come out as the non-standard tokens; surrogates as invalid UTF-8 bytes.
    return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


def raw_bodies(shape: Shape | None) -> st.SearchStrategy[bytes]:
    names = sorted(_member_names(shape))
    keys = (st.sampled_from(names) | st.text(max_size=8)) if names else st.text(max_size=8)
    values = json_values(keys)
    objects = st.dictionaries(keys, values, max_size=6)
    encoded_objects = st.builds(_encode, objects, st.booleans())
    truncated = st.tuples(encoded_objects, st.integers(min_value=0)).map(
        lambda pair: pair[0][: pair[1] % max(len(pair[0]), 1)]
    )
    return st.one_of(
        encoded_objects,
        st.builds(_encode, values, st.booleans()),
        truncated,
        st.binary(max_size=64),
        st.sampled_from([body for body in SPECIAL_VALUES + SPECIAL_BODIES if len(body) < 100]),
    )


DEPTH = 10_000
SPECIAL_VALUES: list[bytes] = [
    b"[" * DEPTH + b"]" * DEPTH,
    b'{"a":' * DEPTH + b"1" + b"}" * DEPTH,
    b"1e400",
    b"-1e400",
    b"1e-400",
    b"9" * 5000,
    b"-0",
    b"NaN",
    b"Infinity",
    b"-Infinity",
    b'"\\u0000"',
    b'"a\\u0000b"',
    b'"\\ud800"',
    b'"\\udfff\\ud800x"',
    b'"\xed\xa0\x80"',
    b'"' + b"x" * 100_000 + b'"',
    b"[null]",
    b'{"": null}',
    b"true",
    b"[]",
]
# A smaller set to place under each member name of every operation.
MEMBER_SPECIALS: list[bytes] = [
    SPECIAL_VALUES[0],
    b"1e400",
    b"9" * 5000,
    b"NaN",
    b'"a\\u0000\\ud800"',
    b'["\\ud800"]',
]
SPECIAL_BODIES: list[bytes] = [
    b"",
    b" ",
    b"\x00",
    b"\xff\xfe{}",
    b"\xef\xbb\xbf{}",
    b'{"a": 1',
    b'{"a": "\xed\xa0\x80"}',
    b'{"a": 1, "a": 2}',
    b"{}" * 3,
    b'{"__proto__": {}, "constructor": null}',
]


# -- the tests -------------------------------------------------------------------------------


@pytest.mark.parametrize("op_name", OPERATIONS)
@FUZZ
@given(data=st.data())
def test_valid_shaped_input(fuzz_client: FuzzClient, op_name: str, data: st.DataObject) -> None:
    shape = _input_shape(op_name)
    params = data.draw(values_for(shape) if shape is not None else st.just({}), label="params")
    fuzz_client.call(op_name, params)


@pytest.mark.parametrize("op_name", OPERATIONS)
@FUZZ
@given(data=st.data())
def test_corrupted_input(fuzz_client: FuzzClient, op_name: str, data: st.DataObject) -> None:
    params = data.draw(corrupted_params(_input_shape(op_name)), label="params")
    fuzz_client.call(op_name, params)


@pytest.mark.parametrize("op_name", OPERATIONS)
@FUZZ
@given(data=st.data())
def test_raw_bodies(endpoint: str, op_name: str, data: st.DataObject) -> None:
    body = data.draw(raw_bodies(_input_shape(op_name)), label="body")
    reply = post_raw(endpoint, f"{TARGET_PREFIX}.{op_name}", body)
    check_raw(reply, f"{op_name} with body {_short(body)}")


@pytest.mark.parametrize("op_name", OPERATIONS)
def test_special_bodies(endpoint: str, op_name: str) -> None:
    """Every nasty body, as the whole request and under every top-level member name."""
    shape = _input_shape(op_name)
    bodies = list(SPECIAL_VALUES + SPECIAL_BODIES)
    for member in shape.members if shape is not None else []:
        bodies += [b'{"' + member.encode() + b'": ' + value + b"}" for value in MEMBER_SPECIALS]
    failures = []
    for body in bodies:
        problem = raw_problem(post_raw(endpoint, f"{TARGET_PREFIX}.{op_name}", body))
        if problem is not None:
            failures.append(f"{_short(body, 120)} -> {problem}")
    if failures:
        pytest.fail(f"{op_name}: {len(failures)} bad replies:\n" + "\n".join(failures), pytrace=False)


# Valid requests of the implemented operations with NUL and lone surrogates in one string each:
# they get past the JSON parser and must not break whatever stores or looks the value up.
POISON = "p\x00\udfff\ud800x"
CLUSTER = "@@fuzz-cluster-arn@@"
TASK = {"family": "fuzz-poison", "containerDefinitions": [{"name": "c", "image": "busybox", "memory": 128}]}
POISONED_CONTAINER = {
    "name": POISON,
    "image": POISON,
    "memory": 128,
    "environment": [{"name": POISON, "value": POISON}],
    "command": [POISON],
    "dockerLabels": {POISON: POISON},
}
POISON_CASES: list[tuple[str, dict[str, Any]]] = [
    ("CreateCluster", {"clusterName": POISON}),
    (
        "CreateCluster",
        {"clusterName": "fuzz-poison", "settings": [{"name": "containerInsights", "value": POISON}]},
    ),
    ("CreateCluster", {"clusterName": "fuzz-poison", "tags": [{"key": "k", "value": POISON}]}),
    ("DescribeClusters", {"clusters": [POISON]}),
    ("DescribeClusters", {"clusters": [CLUSTER + POISON], "include": ["TAGS"]}),
    ("DeleteCluster", {"cluster": POISON}),
    (
        "UpdateClusterSettings",
        {"cluster": POISON, "settings": [{"name": "containerInsights", "value": "enabled"}]},
    ),
    (
        "UpdateClusterSettings",
        {"cluster": CLUSTER, "settings": [{"name": "containerInsights", "value": POISON}]},
    ),
    ("UpdateCluster", {"cluster": CLUSTER + POISON, "settings": []}),
    ("UpdateCluster", {"cluster": CLUSTER, "serviceConnectDefaults": {"namespace": POISON}}),
    (
        "UpdateCluster",
        {"cluster": CLUSTER, "configuration": {"executeCommandConfiguration": {"kmsKeyId": POISON}}},
    ),
    ("ListClusters", {"nextToken": POISON}),
    ("TagResource", {"resourceArn": CLUSTER + POISON, "tags": [{"key": "k", "value": "v"}]}),
    ("TagResource", {"resourceArn": CLUSTER, "tags": [{"key": "k", "value": POISON}]}),
    ("UntagResource", {"resourceArn": CLUSTER + POISON, "tagKeys": ["k"]}),
    ("ListTagsForResource", {"resourceArn": CLUSTER + POISON}),
    ("PutAccountSetting", {"name": "containerInsights", "value": "enabled", "principalArn": POISON}),
    ("PutAccountSetting", {"name": "containerInsights", "value": POISON}),
    ("PutAccountSettingDefault", {"name": "containerInsights", "value": POISON}),
    ("DeleteAccountSetting", {"name": "containerInsights", "principalArn": POISON}),
    ("ListAccountSettings", {"principalArn": POISON}),
    ("ListAccountSettings", {"name": "containerInsights", "value": POISON}),
    ("ListAccountSettings", {"nextToken": POISON}),
    ("RegisterTaskDefinition", {**TASK, "family": POISON}),
    ("RegisterTaskDefinition", {**TASK, "containerDefinitions": [POISONED_CONTAINER]}),
    ("RegisterTaskDefinition", {**TASK, "tags": [{"key": "k", "value": POISON}]}),
    ("DescribeTaskDefinition", {"taskDefinition": POISON}),
    ("DescribeTaskDefinition", {"taskDefinition": f"fuzz-poison:{POISON}"}),
    ("DeregisterTaskDefinition", {"taskDefinition": f"{POISON}:1"}),
    ("DeleteTaskDefinitions", {"taskDefinitions": [f"{POISON}:1"]}),
    ("ListTaskDefinitions", {"familyPrefix": POISON}),
    ("ListTaskDefinitions", {"nextToken": POISON}),
    ("ListTaskDefinitionFamilies", {"familyPrefix": POISON}),
]


@pytest.fixture(scope="module")
def fuzz_cluster_arn(endpoint: str) -> str:
    reply = post_raw(endpoint, f"{TARGET_PREFIX}.CreateCluster", b'{"clusterName": "fuzz-poison"}')
    assert reply.status == 200, reply.body
    arn: str = json.loads(reply.body)["cluster"]["clusterArn"]
    return arn


@pytest.mark.parametrize("escaped", [True, False], ids=["json-escapes", "raw-bytes"])
@pytest.mark.parametrize(
    ("op_name", "params"), POISON_CASES, ids=[f"{op}-{i}" for i, (op, _) in enumerate(POISON_CASES)]
)
def test_poisoned_strings(
    endpoint: str, fuzz_cluster_arn: str, op_name: str, params: dict[str, Any], escaped: bool
) -> None:
    text = json.dumps(params, ensure_ascii=escaped).replace(CLUSTER, fuzz_cluster_arn)
    body = text.encode("utf-8", "surrogatepass")
    check_raw(post_raw(endpoint, f"{TARGET_PREFIX}.{op_name}", body), f"{op_name} with body {_short(body)}")


KNOWN = set(OPERATIONS)
# What http.client can put in a header: printable ASCII and the Latin-1 upper half.
HEADER_TEXT = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_categories=("Cc",)), max_size=30
)
TARGETS = st.one_of(
    HEADER_TEXT.filter(lambda name: name not in KNOWN and "." not in name).map(
        lambda name: f"{TARGET_PREFIX}.{name}"
    ),
    st.sampled_from(OPERATIONS).map(lambda name: f"{TARGET_PREFIX}.{name.lower()}"),
    st.sampled_from(OPERATIONS).map(lambda name: f"{TARGET_PREFIX}.{name}X"),
    st.sampled_from(OPERATIONS).map(lambda name: f"OtherService_20200101.{name}"),
    HEADER_TEXT,
    st.sampled_from(["", ".", TARGET_PREFIX, f"{TARGET_PREFIX}.", "ListClusters", "a" * 5000]),
)


@settings(FUZZ, max_examples=60)
@given(target=TARGETS, body=st.sampled_from([b"{}", b"", b"[]", b"{bad"]))
def test_unknown_targets(endpoint: str, target: str, body: bytes) -> None:
    reply = post_raw(endpoint, target, body)
    check_raw(reply, f"target {target!r} with body {body!r}")
    # Under another service's prefix skiff may still route by the signing name; only an unknown
    # name under the ECS prefix must be refused outright.
    if reply.status < 300 and target.startswith(f"{TARGET_PREFIX}."):
        raise AssertionError(f"unknown target {target!r} succeeded: {_short(reply.body)}")


def test_body_over_the_limit_is_refused(endpoint: str) -> None:
    filler = MAX_BODY_BYTES + 1 - len(b'{"clusterName": ""}')
    body = b'{"clusterName": "' + b"a" * filler + b'"}'
    assert len(body) == MAX_BODY_BYTES + 1
    reply = post_raw(endpoint, f"{TARGET_PREFIX}.CreateCluster", body, timeout=120)
    assert reply.status in (400, 413), f"status {reply.status}: {_short(reply.body)}"
    check_raw(reply, "oversized body")
    after = post_raw(endpoint, f"{TARGET_PREFIX}.ListClusters", b"{}")
    assert after.status == 200, f"the server did not answer after the oversized body: {after.status}"
    check_raw(after, "ListClusters after the oversized body")
