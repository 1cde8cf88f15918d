"""Constraint checks against the model, with AWS's message format."""

from __future__ import annotations

import pytest

from skiff.api.errors import ValidationError
from skiff.api.specs import load_spec
from skiff.api.validate import validate_input


def shape(service: str, operation: str):  # type: ignore[no-untyped-def]
    op = load_spec(service).operation(operation)
    assert op is not None
    return op.input_shape


def test_valid_input_passes() -> None:
    validate_input(shape("ecs", "ListClusters"), {"maxResults": 5})


def test_missing_required_member() -> None:
    with pytest.raises(ValidationError) as info:
        validate_input(shape("ecs", "DeleteCluster"), {})
    assert info.value.message == (
        "1 validation error detected: Value null at 'cluster' failed to satisfy constraint: "
        "Member must not be null"
    )
    assert info.value.code == "ValidationException"


def test_nested_paths_and_enums() -> None:
    params = {
        "family": "f",
        "containerDefinitions": [
            {"name": "a", "image": "i", "ulimits": [{"name": "bogus", "softLimit": 1, "hardLimit": 1}]}
        ],
    }
    with pytest.raises(ValidationError) as info:
        validate_input(shape("ecs", "RegisterTaskDefinition"), params)
    assert "at 'containerDefinitions.1.member.ulimits.1.member.name'" in info.value.message
    assert "Member must satisfy enum value set: [" in info.value.message


def test_lengths_ranges_and_patterns() -> None:
    with pytest.raises(ValidationError) as info:
        validate_input(
            shape("iam", "CreateRole"),
            {"RoleName": "bad name!", "AssumeRolePolicyDocument": "{}", "MaxSessionDuration": 10},
            code="ValidationError",
        )
    message = info.value.message
    assert info.value.code == "ValidationError"
    assert message.startswith("2 validation errors detected: ")
    assert (
        "at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern"
        in message
    )
    assert (
        "at 'maxSessionDuration' failed to satisfy constraint: "
        "Member must have value greater than or equal to 3600" in message
    )


def test_list_length() -> None:
    with pytest.raises(ValidationError, match="Member must have length less than or equal to 10"):
        validate_input(shape("ssm", "GetParameters"), {"Names": [f"p{i}" for i in range(11)]})
