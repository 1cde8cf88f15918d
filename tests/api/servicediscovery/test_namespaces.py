"""Cloud Map namespaces and operations through boto3: create (private, public, HTTP), the walk of
an operation SUBMITTED → PENDING → SUCCESS, get/list with filters, names that collide, delete."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.api.servicediscovery.conftest import wait_operation


def code_of(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def test_private_namespace_walks_its_operation_to_success(sd: Any, vpc_id: str) -> None:
    name = f"ns-{uuid.uuid4().hex[:8]}.internal"
    operation_id = sd.create_private_dns_namespace(Name=name, Vpc=vpc_id)["OperationId"]
    seen = []
    deadline = time.monotonic() + 10
    while not seen or seen[-1] != "SUCCESS":
        operation = sd.get_operation(OperationId=operation_id)["Operation"]
        if not seen or seen[-1] != operation["Status"]:
            seen.append(operation["Status"])
        assert time.monotonic() < deadline, seen
        time.sleep(0.05)
    assert seen == ["SUBMITTED", "PENDING", "SUCCESS"]
    assert operation["Type"] == "CREATE_NAMESPACE"
    assert operation["UpdateDate"] > operation["CreateDate"]
    namespace = sd.get_namespace(Id=operation["Targets"]["NAMESPACE"])["Namespace"]
    assert namespace["Name"] == name and namespace["Type"] == "DNS_PRIVATE"
    assert namespace["Arn"].endswith(f":namespace/{namespace['Id']}")
    dns = namespace["Properties"]["DnsProperties"]
    assert dns["HostedZoneId"].startswith("Z") and dns["SOA"] == {"TTL": 15}
    assert namespace["Properties"]["HttpProperties"] == {"HttpName": name}
    # by ARN as well as by id
    assert sd.get_namespace(Id=namespace["Arn"])["Namespace"]["Id"] == namespace["Id"]


def test_names_collide_per_vpc_and_retries_are_idempotent(sd: Any, vpc_id: str) -> None:
    name = f"dup-{uuid.uuid4().hex[:8]}"
    first = sd.create_private_dns_namespace(Name=name, Vpc=vpc_id, CreatorRequestId="req-1")["OperationId"]
    again = sd.create_private_dns_namespace(Name=name, Vpc=vpc_id, CreatorRequestId="req-1")["OperationId"]
    assert again == first
    with pytest.raises(ClientError) as error:
        sd.create_private_dns_namespace(Name=name.upper(), Vpc=vpc_id, CreatorRequestId="req-2")
    assert code_of(error) == "NamespaceAlreadyExists"
    assert error.value.response["NamespaceId"] == wait_operation(sd, first)["Targets"]["NAMESPACE"]
    with pytest.raises(ClientError) as error:
        sd.create_http_namespace(Name=name)
    assert code_of(error) == "NamespaceAlreadyExists"


def test_bad_namespaces_are_refused(sd: Any, vpc_id: str) -> None:
    with pytest.raises(ClientError) as error:
        sd.create_private_dns_namespace(Name="bad..name", Vpc=vpc_id)
    assert code_of(error) == "InvalidInput"
    with pytest.raises(ClientError) as error:
        sd.create_private_dns_namespace(Name="fine", Vpc="vpc-0000000000000dead")
    assert code_of(error) == "InvalidInput" and "vpc-0000000000000dead" in str(error.value)
    with pytest.raises(ClientError) as error:
        sd.get_namespace(Id="ns-doesnotexist0000")
    assert code_of(error) == "NamespaceNotFound"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(ClientError) as error:
        sd.get_operation(OperationId="nope")
    assert code_of(error) == "OperationNotFound"


def test_list_filters_and_pages(sd: Any) -> None:
    prefix = f"list-{uuid.uuid4().hex[:6]}"
    ids = []
    for index in range(3):
        operation = wait_operation(sd, sd.create_http_namespace(Name=f"{prefix}-{index}")["OperationId"])
        ids.append(operation["Targets"]["NAMESPACE"])
    public = sd.create_public_dns_namespace(Name=f"{prefix}.example.com")["OperationId"]
    begins = [{"Name": "NAME", "Values": [prefix], "Condition": "BEGINS_WITH"}]
    found = sd.list_namespaces(Filters=begins)["Namespaces"]
    assert len(found) == 4
    http_only = [*begins, {"Name": "TYPE", "Values": ["HTTP"], "Condition": "EQ"}]
    assert sorted(n["Id"] for n in sd.list_namespaces(Filters=http_only)["Namespaces"]) == sorted(ids)
    pages = sd.get_paginator("list_namespaces").paginate(Filters=begins, PaginationConfig={"PageSize": 1})
    assert sum(len(p["Namespaces"]) for p in pages) == 4
    with pytest.raises(ClientError) as error:
        sd.list_namespaces(Filters=[{"Name": "TYPE", "Values": ["HTTP"], "Condition": "BEGINS_WITH"}])
    assert code_of(error) == "InvalidInput"
    operations = sd.list_operations(Filters=[{"Name": "TYPE", "Values": ["CREATE_NAMESPACE"]}])["Operations"]
    assert public in {o["Id"] for o in operations}
    with pytest.raises(ClientError) as error:
        sd.list_namespaces(NextToken="not-a-token")
    assert code_of(error) == "InvalidInput"


def test_delete_namespace(sd: Any) -> None:
    namespace_id = wait_operation(
        sd, sd.create_http_namespace(Name=f"del-{uuid.uuid4().hex[:8]}")["OperationId"]
    )["Targets"]["NAMESPACE"]
    service = sd.create_service(Name="svc", NamespaceId=namespace_id)["Service"]
    with pytest.raises(ClientError) as error:
        sd.delete_namespace(Id=namespace_id)
    assert code_of(error) == "ResourceInUse"
    sd.delete_service(Id=service["Id"])
    operation = wait_operation(sd, sd.delete_namespace(Id=namespace_id)["OperationId"])
    assert operation["Type"] == "DELETE_NAMESPACE" and operation["Status"] == "SUCCESS"
    with pytest.raises(ClientError) as error:
        sd.get_namespace(Id=namespace_id)
    assert code_of(error) == "NamespaceNotFound"


def test_update_namespace_and_tags(sd: Any, vpc_id: str) -> None:
    operation = sd.create_private_dns_namespace(
        Name=f"upd-{uuid.uuid4().hex[:8]}", Vpc=vpc_id, Tags=[{"Key": "Environment", "Value": "Demo"}]
    )["OperationId"]
    namespace = sd.get_namespace(Id=wait_operation(sd, operation)["Targets"]["NAMESPACE"])["Namespace"]
    sd.update_private_dns_namespace(
        Id=namespace["Id"],
        Namespace={"Description": "changed", "Properties": {"DnsProperties": {"SOA": {"TTL": 60}}}},
    )
    changed = sd.get_namespace(Id=namespace["Id"])["Namespace"]
    assert changed["Description"] == "changed"
    assert changed["Properties"]["DnsProperties"]["SOA"] == {"TTL": 60}
    assert sd.list_tags_for_resource(ResourceARN=namespace["Arn"])["Tags"] == [
        {"Key": "Environment", "Value": "Demo"}
    ]
    sd.tag_resource(ResourceARN=namespace["Arn"], Tags=[{"Key": "team", "Value": "a"}])
    sd.untag_resource(ResourceARN=namespace["Arn"], TagKeys=["Environment"])
    assert sd.list_tags_for_resource(ResourceARN=namespace["Arn"])["Tags"] == [{"Key": "team", "Value": "a"}]
    with pytest.raises(ClientError) as error:
        sd.list_tags_for_resource(ResourceARN=namespace["Arn"] + "x")
    assert code_of(error) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as error:
        sd.update_http_namespace(Id=namespace["Id"], Namespace={"Description": "x"})
    assert code_of(error) == "InvalidInput"
