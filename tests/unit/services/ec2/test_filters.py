"""EC2 filters: wildcards, escapes, OR within a filter, AND across filters, tag filters."""

from __future__ import annotations

import pytest

from skiff.api.errors import AwsError
from skiff.services.ec2.filters import compile_pattern, field, select

SPEC = {"name": field("Name"), "flag": field("Flag"), "cidr": field("Ranges", "Cidr")}
DOCS = [
    {
        "Name": "web-1",
        "Flag": True,
        "Ranges": [{"Cidr": "10.0.0.0/24"}],
        "Tags": [{"Key": "env", "Value": "prod"}],
    },
    {"Name": "web-22", "Flag": False, "Ranges": [], "Tags": [{"Key": "env", "Value": "dev"}]},
    {"Name": "db*1", "Flag": True, "Ranges": [{"Cidr": "10.0.1.0/24"}, {"Cidr": "0.0.0.0/0"}]},
]


def names(filters: list[dict[str, object]]) -> list[str]:
    return [d["Name"] for d in select(DOCS, filters, SPEC)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("pattern", "text", "matched"),
    [
        ("web-*", "web-1", True),
        ("web-?", "web-1", True),
        ("web-?", "web-22", False),
        ("*", "", True),
        ("web", "web-1", False),
        ("WEB-1", "web-1", False),
        ("db\\*1", "db*1", True),
        ("db\\*1", "dbx1", False),
        ("a\\?", "a?", True),
        ("a.b", "axb", False),
        ("(x)", "(x)", True),
    ],
)
def test_patterns(pattern: str, text: str, matched: bool) -> None:
    assert bool(compile_pattern(pattern).fullmatch(text)) is matched


def test_values_are_ored_and_filters_anded() -> None:
    assert names([{"Name": "name", "Values": ["web-1", "db*"]}]) == ["web-1", "db*1"]
    assert names([{"Name": "name", "Values": ["web-*"]}, {"Name": "flag", "Values": ["true"]}]) == ["web-1"]
    assert names([]) == ["web-1", "web-22", "db*1"]


def test_booleans_and_nested_lists() -> None:
    assert names([{"Name": "flag", "Values": ["false"]}]) == ["web-22"]
    assert names([{"Name": "cidr", "Values": ["0.0.0.0/0"]}]) == ["db*1"]
    assert names([{"Name": "cidr", "Values": ["10.0.*"]}]) == ["web-1", "db*1"]


def test_tag_filters() -> None:
    assert names([{"Name": "tag:env", "Values": ["prod"]}]) == ["web-1"]
    assert names([{"Name": "tag:env", "Values": ["*"]}]) == ["web-1", "web-22"]
    assert names([{"Name": "tag-key", "Values": ["env"]}]) == ["web-1", "web-22"]
    assert names([{"Name": "tag-value", "Values": ["d?v"]}]) == ["web-22"]
    assert names([{"Name": "tag:other", "Values": ["*"]}]) == []


def test_a_filter_without_values_matches_nothing() -> None:
    assert names([{"Name": "name", "Values": []}]) == []


def test_unknown_filters_are_rejected_even_without_resources() -> None:
    with pytest.raises(AwsError) as info:
        select([], [{"Name": "colour", "Values": ["x"]}], SPEC)
    assert info.value.code == "InvalidParameterValue"
    assert info.value.message == "The filter 'colour' is invalid"
