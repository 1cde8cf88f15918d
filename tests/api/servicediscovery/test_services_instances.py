"""Cloud Map services and instances through boto3: DnsConfig rules, registration with the attributes
the records need, health (custom and none), DiscoverInstances with its filters, revisions."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.api.servicediscovery.conftest import wait_operation


def code_of(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


@pytest.fixture(scope="module")
def namespace(sd: Any, vpc_id: str) -> dict[str, Any]:
    name = f"svc-{uuid.uuid4().hex[:8]}.local"
    operation = wait_operation(sd, sd.create_private_dns_namespace(Name=name, Vpc=vpc_id)["OperationId"])
    found: dict[str, Any] = sd.get_namespace(Id=operation["Targets"]["NAMESPACE"])["Namespace"]
    return found


def a_service(sd: Any, namespace: dict[str, Any], **extra: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "Name": f"s{uuid.uuid4().hex[:8]}",
        "DnsConfig": {"NamespaceId": namespace["Id"], "DnsRecords": [{"Type": "A", "TTL": 10}]},
        "HealthCheckCustomConfig": {"FailureThreshold": 1},
    }
    params.update(extra)
    service: dict[str, Any] = sd.create_service(**params)["Service"]
    return service


def test_create_service_as_in_the_walkthrough(sd: Any, namespace: dict[str, Any]) -> None:
    service = sd.create_service(
        Name="random-quote",
        DnsConfig={"NamespaceId": namespace["Id"], "DnsRecords": [{"Type": "A", "TTL": 300}]},
        HealthCheckCustomConfig={"FailureThreshold": 1},
    )["Service"]
    assert service["Id"].startswith("srv-") and service["Type"] == "DNS_HTTP"
    assert service["DnsConfig"]["RoutingPolicy"] == "MULTIVALUE"
    assert service["NamespaceId"] == namespace["Id"] and service["InstanceCount"] == 0
    with pytest.raises(ClientError) as error:
        sd.create_service(Name="random-quote", NamespaceId=namespace["Id"])
    assert code_of(error) == "ServiceAlreadyExists"
    assert error.value.response["ServiceId"] == service["Id"]
    assert sd.get_service(Id=service["Arn"])["Service"]["Name"] == "random-quote"
    listed = sd.list_services(Filters=[{"Name": "NAMESPACE_ID", "Values": [namespace["Id"]]}])["Services"]
    assert "random-quote" in {s["Name"] for s in listed}
    assert sd.get_namespace(Id=namespace["Id"])["Namespace"]["ServiceCount"] >= 1


@pytest.mark.parametrize(
    ("records", "routing"),
    [
        ([], "MULTIVALUE"),
        ([{"Type": "A", "TTL": 1}, {"Type": "A", "TTL": 2}], "MULTIVALUE"),
        ([{"Type": "CNAME", "TTL": 1}], "MULTIVALUE"),
        ([{"Type": "CNAME", "TTL": 1}, {"Type": "A", "TTL": 1}], "WEIGHTED"),
    ],
)
def test_bad_dns_configs(sd: Any, namespace: dict[str, Any], records: list[Any], routing: str) -> None:
    with pytest.raises(ClientError) as error:
        sd.create_service(
            Name=f"bad{uuid.uuid4().hex[:6]}",
            DnsConfig={"NamespaceId": namespace["Id"], "RoutingPolicy": routing, "DnsRecords": records},
        )
    assert code_of(error) == "InvalidInput"


def test_service_rules(sd: Any, namespace: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as error:
        sd.create_service(Name="x", NamespaceId="ns-doesnotexist0000")
    assert code_of(error) == "NamespaceNotFound"
    with pytest.raises(ClientError) as error:  # Route 53 health checks are for public namespaces
        a_service(sd, namespace, HealthCheckConfig={"Type": "HTTP"})
    assert code_of(error) == "InvalidInput"


def test_register_discover_and_health(sd: Any, namespace: dict[str, Any]) -> None:
    service = a_service(sd, namespace)
    with pytest.raises(ClientError) as error:  # A records need an address
        sd.register_instance(ServiceId=service["Id"], InstanceId="i0", Attributes={"color": "red"})
    assert code_of(error) == "InvalidInput"
    with pytest.raises(ClientError) as error:
        sd.register_instance(ServiceId=service["Id"], InstanceId="i0", Attributes={"AWS_INSTANCE_IPV4": "x"})
    assert code_of(error) == "InvalidInput"
    for index, color in enumerate(["red", "blue", "red"]):
        attributes = {"AWS_INSTANCE_IPV4": f"10.9.0.{index + 1}", "color": color}
        if index == 2:
            attributes["AWS_INIT_HEALTH_STATUS"] = "UNHEALTHY"
        operation = sd.register_instance(
            ServiceId=service["Id"], InstanceId=f"i{index}", Attributes=attributes
        )
        assert wait_operation(sd, operation["OperationId"])["Type"] == "REGISTER_INSTANCE"
    revision = sd.discover_instances_revision(NamespaceName=namespace["Name"], ServiceName=service["Name"])
    found = sd.discover_instances(NamespaceName=namespace["Name"], ServiceName=service["Name"])
    assert found["InstancesRevision"] == revision["InstancesRevision"]
    assert sorted(i["InstanceId"] for i in found["Instances"]) == ["i0", "i1"]  # HEALTHY by default
    every = sd.discover_instances(
        NamespaceName=namespace["Name"], ServiceName=service["Name"], HealthStatus="ALL"
    )["Instances"]
    assert {i["InstanceId"]: i["HealthStatus"] for i in every} == {
        "i0": "HEALTHY",
        "i1": "HEALTHY",
        "i2": "UNHEALTHY",
    }
    red = sd.discover_instances(
        NamespaceName=namespace["Name"], ServiceName=service["Name"], QueryParameters={"color": "red"}
    )["Instances"]
    assert [i["InstanceId"] for i in red] == ["i0"]
    optional = sd.discover_instances(
        NamespaceName=namespace["Name"],
        ServiceName=service["Name"],
        OptionalParameters={"color": "green"},
        HealthStatus="ALL",
    )["Instances"]
    assert len(optional) == 3  # no instance matches the optional filter: it is ignored
    sd.update_instance_custom_health_status(ServiceId=service["Id"], InstanceId="i0", Status="UNHEALTHY")
    status = sd.get_instances_health_status(ServiceId=service["Id"])["Status"]
    assert status == {"i0": "UNHEALTHY", "i1": "HEALTHY", "i2": "UNHEALTHY"}
    assert (
        sd.discover_instances_revision(NamespaceName=namespace["Name"], ServiceName=service["Name"])[
            "InstancesRevision"
        ]
        > revision["InstancesRevision"]
    )
    fallback = sd.discover_instances(
        NamespaceName=namespace["Name"], ServiceName=service["Name"], HealthStatus="HEALTHY_OR_ELSE_ALL"
    )["Instances"]
    assert [i["InstanceId"] for i in fallback] == ["i1"]
    instance = sd.get_instance(ServiceId=service["Id"], InstanceId="i1")["Instance"]
    assert instance["Attributes"] == {"AWS_INSTANCE_IPV4": "10.9.0.2", "color": "blue"}
    listed = sd.list_instances(ServiceId=service["Id"], MaxResults=2)
    assert len(listed["Instances"]) == 2 and listed["NextToken"]
    with pytest.raises(ClientError) as error:
        sd.delete_service(Id=service["Id"])
    assert code_of(error) == "ResourceInUse"
    for index in range(3):
        sd.deregister_instance(ServiceId=service["Id"], InstanceId=f"i{index}")
    with pytest.raises(ClientError) as error:
        sd.deregister_instance(ServiceId=service["Id"], InstanceId="i0")
    assert code_of(error) == "InstanceNotFound"
    with pytest.raises(ClientError) as error:
        sd.get_instance(ServiceId=service["Id"], InstanceId="i0")
    assert code_of(error) == "InstanceNotFound"
    sd.delete_service(Id=service["Id"])
    with pytest.raises(ClientError) as error:
        sd.get_service(Id=service["Id"])
    assert code_of(error) == "ServiceNotFound"


def test_services_without_health_checks_report_unknown(sd: Any, namespace: dict[str, Any]) -> None:
    service = sd.create_service(
        Name=f"plain{uuid.uuid4().hex[:6]}",
        DnsConfig={"NamespaceId": namespace["Id"], "DnsRecords": [{"Type": "SRV", "TTL": 5}]},
    )["Service"]
    with pytest.raises(ClientError) as error:  # SRV needs the port
        sd.register_instance(
            ServiceId=service["Id"], InstanceId="a", Attributes={"AWS_INSTANCE_IPV4": "10.1.1.1"}
        )
    assert code_of(error) == "InvalidInput"
    sd.register_instance(
        ServiceId=service["Id"],
        InstanceId="a",
        Attributes={"AWS_INSTANCE_IPV4": "10.1.1.1", "AWS_INSTANCE_PORT": "80"},
    )
    (found,) = sd.discover_instances(NamespaceName=namespace["Name"], ServiceName=service["Name"])[
        "Instances"
    ]
    assert found["HealthStatus"] == "UNKNOWN"
    with pytest.raises(ClientError) as error:
        sd.update_instance_custom_health_status(ServiceId=service["Id"], InstanceId="a", Status="HEALTHY")
    assert code_of(error) == "CustomHealthNotFound"
    with pytest.raises(ClientError) as error:
        sd.register_instance(
            ServiceId=service["Id"],
            InstanceId="b",
            Attributes={
                "AWS_INSTANCE_IPV4": "10.1.1.2",
                "AWS_INSTANCE_PORT": "80",
                "AWS_INIT_HEALTH_STATUS": "HEALTHY",
            },
        )
    assert code_of(error) == "InvalidInput"


def test_update_service_and_attributes(sd: Any, namespace: dict[str, Any]) -> None:
    service = a_service(sd, namespace)
    operation = sd.update_service(
        Id=service["Id"],
        Service={"Description": "d", "DnsConfig": {"DnsRecords": [{"Type": "A", "TTL": 99}]}},
    )["OperationId"]
    assert wait_operation(sd, operation)["Type"] == "UPDATE_SERVICE"
    changed = sd.get_service(Id=service["Id"])["Service"]
    assert changed["Description"] == "d" and changed["DnsConfig"]["DnsRecords"] == [{"Type": "A", "TTL": 99}]
    with pytest.raises(ClientError) as error:
        sd.update_service(
            Id=service["Id"], Service={"DnsConfig": {"DnsRecords": [{"Type": "SRV", "TTL": 1}]}}
        )
    assert code_of(error) == "InvalidInput"
    sd.update_service_attributes(ServiceId=service["Id"], Attributes={"a": "1", "b": "2"})
    sd.delete_service_attributes(ServiceId=service["Id"], Attributes=["a"])
    assert sd.get_service_attributes(ServiceId=service["Id"])["ServiceAttributes"]["Attributes"] == {"b": "2"}


def test_discover_unknown_names(sd: Any, namespace: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as error:
        sd.discover_instances(NamespaceName="no-such-namespace", ServiceName="x")
    assert code_of(error) == "NamespaceNotFound"
    with pytest.raises(ClientError) as error:
        sd.discover_instances(NamespaceName=namespace["Name"], ServiceName="no-such-service")
    assert code_of(error) == "ServiceNotFound"
