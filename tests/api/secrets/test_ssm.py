"""SSM Parameter Store through real boto3: versions, selectors, labels, paths, describe, tags."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.api.secrets.conftest import assert_error, unique


def test_put_get_overwrite_and_history(ssm: Any) -> None:
    name = f"/{unique('app')}/url"
    reply = ssm.put_parameter(Name=name, Value="http://one", Type="String")
    assert (reply["Version"], reply["Tier"]) == (1, "Standard")
    with pytest.raises(ClientError) as info:
        ssm.put_parameter(Name=name, Value="http://two", Type="String")
    assert_error(info, "ParameterAlreadyExists")
    assert ssm.put_parameter(Name=name, Value="http://two", Overwrite=True)["Version"] == 2
    parameter = ssm.get_parameter(Name=name)["Parameter"]
    assert parameter["Value"] == "http://two" and parameter["Version"] == 2
    assert parameter["ARN"] == f"arn:aws:ssm:us-east-1:000000000000:parameter{name}"
    assert ssm.get_parameter(Name=f"{name}:1")["Parameter"]["Value"] == "http://one"
    assert ssm.get_parameter(Name=parameter["ARN"])["Parameter"]["Name"] == name
    history = ssm.get_parameter_history(Name=name)["Parameters"]
    assert [(h["Version"], h["Value"]) for h in history] == [(1, "http://one"), (2, "http://two")]
    with pytest.raises(ClientError) as info:
        ssm.get_parameter(Name=f"/{unique('missing')}")
    assert_error(info, "ParameterNotFound")


def test_secure_string_needs_decryption(ssm: Any) -> None:
    name = f"/{unique('secure')}/password"
    ssm.put_parameter(Name=name, Value="correct-horse", Type="SecureString", KeyId="alias/app")
    hidden = ssm.get_parameter(Name=name)["Parameter"]
    assert hidden["Type"] == "SecureString" and hidden["Value"] != "correct-horse"
    assert "correct-horse" not in hidden["Value"]
    shown = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]
    assert shown["Value"] == "correct-horse"
    described = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": [name]}])["Parameters"]
    assert described[0]["KeyId"] == "alias/app" and "Value" not in described[0]


def test_labels_move(ssm: Any) -> None:
    name = f"/{unique('label')}"
    for value in ("a", "b", "c"):
        ssm.put_parameter(Name=name, Value=value, Type="String", Overwrite=True)
    reply = ssm.label_parameter_version(Name=name, ParameterVersion=1, Labels=["prod", "9bad"])
    assert reply["InvalidLabels"] == ["9bad"] and reply["ParameterVersion"] == 1
    assert ssm.get_parameter(Name=f"{name}:prod")["Parameter"]["Value"] == "a"
    ssm.label_parameter_version(Name=name, ParameterVersion=3, Labels=["prod"])
    got = ssm.get_parameter(Name=f"{name}:prod")["Parameter"]
    assert got["Value"] == "c" and got["Selector"] == ":prod"
    removed = ssm.unlabel_parameter_version(Name=name, ParameterVersion=3, Labels=["prod"])
    assert removed["RemovedLabels"] == ["prod"]
    with pytest.raises(ClientError) as info:
        ssm.get_parameter(Name=f"{name}:prod")
    assert_error(info, "ParameterVersionNotFound")


def test_get_parameters_and_delete_parameters(ssm: Any) -> None:
    base = f"/{unique('many')}"
    ssm.put_parameter(Name=f"{base}/a", Value="1", Type="String")
    ssm.put_parameter(Name=f"{base}/b", Value="2,3", Type="StringList")
    reply = ssm.get_parameters(Names=[f"{base}/a", f"{base}/b", f"{base}/c"])
    assert sorted(p["Value"] for p in reply["Parameters"]) == ["1", "2,3"]
    assert reply["InvalidParameters"] == [f"{base}/c"]
    deleted = ssm.delete_parameters(Names=[f"{base}/a", f"{base}/c"])
    assert deleted["DeletedParameters"] == [f"{base}/a"] and deleted["InvalidParameters"] == [f"{base}/c"]
    ssm.delete_parameter(Name=f"{base}/b")
    with pytest.raises(ClientError) as info:
        ssm.delete_parameter(Name=f"{base}/b")
    assert_error(info, "ParameterNotFound")


def test_paths_filters_and_paginators(ssm: Any) -> None:
    base = f"/{unique('tree')}"
    for leaf in ("a", "b", "c", "d/e", "d/f", "d/g/h"):
        ssm.put_parameter(Name=f"{base}/{leaf}", Value=leaf, Type="SecureString" if "g" in leaf else "String")
    direct = ssm.get_parameters_by_path(Path=base)["Parameters"]
    assert [p["Name"] for p in direct] == [f"{base}/a", f"{base}/b", f"{base}/c"]
    paginator = ssm.get_paginator("get_parameters_by_path")
    pages = list(
        paginator.paginate(Path=base, Recursive=True, WithDecryption=True, PaginationConfig={"PageSize": 4})
    )
    values = [p["Value"] for page in pages for p in page["Parameters"]]
    assert len(pages) == 2 and values == ["a", "b", "c", "d/e", "d/f", "d/g/h"]
    secure = ssm.get_parameters_by_path(
        Path=base, Recursive=True, ParameterFilters=[{"Key": "Type", "Values": ["SecureString"]}]
    )["Parameters"]
    assert [p["Name"] for p in secure] == [f"{base}/d/g/h"]
    described = ssm.get_paginator("describe_parameters").paginate(
        ParameterFilters=[{"Key": "Path", "Option": "Recursive", "Values": [f"{base}/d"]}],
        PaginationConfig={"PageSize": 1},
    )
    assert [p["Name"] for page in described for p in page["Parameters"]] == [
        f"{base}/d/e",
        f"{base}/d/f",
        f"{base}/d/g/h",
    ]
    with pytest.raises(ClientError) as info:
        ssm.get_parameters_by_path(Path=base, ParameterFilters=[{"Key": "Name", "Values": ["x"]}])
    assert_error(info, "InvalidFilterKey")


def test_tags_on_parameters(ssm: Any) -> None:
    name = f"/{unique('tags')}"
    ssm.put_parameter(Name=name, Value="v", Type="String", Tags=[{"Key": "team", "Value": "a"}])
    ssm.add_tags_to_resource(ResourceType="Parameter", ResourceId=name, Tags=[{"Key": "env", "Value": "dev"}])
    tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=name)["TagList"]
    assert tags == [{"Key": "team", "Value": "a"}, {"Key": "env", "Value": "dev"}]
    ssm.remove_tags_from_resource(ResourceType="Parameter", ResourceId=name, TagKeys=["team"])
    assert ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=name)["TagList"] == [
        {"Key": "env", "Value": "dev"}
    ]
    with pytest.raises(ClientError) as info:
        ssm.put_parameter(Name=name, Value="w", Overwrite=True, Tags=[{"Key": "a", "Value": "b"}])
    assert_error(info, "ValidationException")


@pytest.mark.parametrize(
    ("name", "code", "message"),
    [
        (
            "awsThing",
            "ValidationException",
            'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive).',
        ),
        ("a/b", "ValidationException", "Parameter name must be a fully qualified name."),
        ("/aws/mine/x", "AccessDeniedException", "No access to reserved parameter name: /aws/mine/x."),
    ],
)
def test_name_rules(ssm: Any, name: str, code: str, message: str) -> None:
    with pytest.raises(ClientError) as info:
        ssm.put_parameter(Name=name, Value="v", Type="String")
    assert_error(info, code, 400, message)
