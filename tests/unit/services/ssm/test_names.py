"""Parameter names, ARNs, selectors and labels."""

from __future__ import annotations

import pytest

from skiff.api.errors import AwsError
from skiff.services.ssm.names import (
    INVALID_NAME,
    RESERVED_PREFIX,
    check_name,
    check_path,
    in_path,
    key_of,
    parameter_arn,
    parse_reference,
    valid_label,
)
from skiff.state.scope import Scope

SCOPE = Scope("123456789012", "eu-west-1")


def test_arns_have_no_double_slash() -> None:
    assert parameter_arn(SCOPE, "/a/b") == "arn:aws:ssm:eu-west-1:123456789012:parameter/a/b"
    assert parameter_arn(SCOPE, "plain") == "arn:aws:ssm:eu-west-1:123456789012:parameter/plain"
    assert parameter_arn(SCOPE, "/plain") == parameter_arn(SCOPE, "plain")


def test_one_level_names_lose_the_slash() -> None:
    assert key_of("/x") == key_of("x") == "x"
    assert key_of("/a/b") == "/a/b"


@pytest.mark.parametrize("name", ["x", "/x", "/a/b/c", "a.b-c_d", "/" + "/".join(["l"] * 15)])
def test_valid_names(name: str) -> None:
    check_name(name)


@pytest.mark.parametrize(
    ("name", "code", "message"),
    [
        ("awsThing", "ValidationException", RESERVED_PREFIX),
        ("SSM-param", "ValidationException", RESERVED_PREFIX),
        ("/ssm/x", "ValidationException", INVALID_NAME),
        ("/aws/service/x", "AccessDeniedException", "No access to reserved parameter name: /aws/service/x."),
        ("a/b", "ValidationException", "Parameter name must be a fully qualified name."),
        ("has space", "ValidationException", INVALID_NAME),
        ("/a//b", "ValidationException", INVALID_NAME),
        ("/a/b/", "ValidationException", INVALID_NAME),
        ("/" + "/".join(["l"] * 16), "HierarchyLevelLimitExceededException", None),
    ],
)
def test_invalid_names(name: str, code: str, message: str | None) -> None:
    with pytest.raises(AwsError) as info:
        check_name(name)
    assert info.value.code == code
    if message is not None:
        assert info.value.message == message


def test_references() -> None:
    assert parse_reference("/a/b") == ("/a/b", None, None)
    assert parse_reference("/a/b:3") == ("/a/b", "3", None)
    assert parse_reference("x:prod") == ("x", "prod", None)
    assert parse_reference("arn:aws:ssm:eu-west-1:123456789012:parameter/a/b:2") == ("/a/b", "2", SCOPE)
    assert parse_reference("arn:aws:ssm:eu-west-1:123456789012:parameter/x") == ("/x", None, SCOPE)
    assert parse_reference("arn:aws:s3:::bucket").scope is None


def test_paths() -> None:
    assert in_path("/a/b", "/a", False) and in_path("/a/b", "/a/", False)
    assert not in_path("/a/b/c", "/a", False) and in_path("/a/b/c", "/a", True)
    assert not in_path("/ab/c", "/a", True)
    assert in_path("x", "/", False) and not in_path("/a/b", "/", False)
    check_path("/")
    check_path("/aws/service", allow_reserved=True)
    for bad in ("a", "/a//b", "/aws/x", "/a b"):
        with pytest.raises(AwsError):
            check_path(bad)


@pytest.mark.parametrize(
    ("label", "ok"),
    [
        ("prod", True),
        ("v1.2-x_y", True),
        ("1st", False),
        ("awsx", False),
        ("SSMx", False),
        ("has space", False),
        ("a:b", False),
        ("x" * 101, False),
    ],
)
def test_labels(label: str, ok: bool) -> None:
    assert valid_label(label) is ok
