"""The Route 53 view of Cloud Map: a private DNS namespace's hosted zone (GetNamespace's
HostedZoneId), list-hosted-zones and list-resource-record-sets with the records Cloud Map manages,
through boto3 and the aws CLI; bad ids and markers are 4xx; generated input never faults."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

import pytest
from botocore import xform_name
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import CliResult
from tests.shape_strategies import values_for

REGION = "ca-central-1"
OPERATIONS = ["ListHostedZones", "ListHostedZonesByName", "GetHostedZone", "GetHostedZoneCount",
              "ListResourceRecordSets"]  # fmt: skip
FAULTS = frozenset({"InternalFailure", "InternalError", "ServiceUnavailable"})


@pytest.fixture(scope="module")
def world(client_factory: Callable[..., Any]) -> Iterator[dict[str, Any]]:
    with mock.patch.dict(os.environ, {"AWS_DISABLE_HOST_PREFIX_INJECTION": "true"}):
        sd = client_factory("servicediscovery", region=REGION)
        vpc = client_factory("ec2", region=REGION).describe_vpcs()["Vpcs"][0]["VpcId"]
        name = f"r53-{uuid.uuid4().hex[:6]}.local"
        operation = sd.create_private_dns_namespace(Name=name, Vpc=vpc)["OperationId"]
        namespace_id = sd.get_operation(OperationId=operation)["Operation"]["Targets"]["NAMESPACE"]
        namespace = sd.get_namespace(Id=namespace_id)["Namespace"]
        service = sd.create_service(
            Name="random-quote",
            DnsConfig={
                "NamespaceId": namespace_id,
                "DnsRecords": [{"Type": "A", "TTL": 300}, {"Type": "SRV", "TTL": 300}],
            },
        )["Service"]
        for index in (1, 2):
            sd.register_instance(
                ServiceId=service["Id"],
                InstanceId=f"task{index}",
                Attributes={"AWS_INSTANCE_IPV4": f"172.31.0.{index + 10}", "AWS_INSTANCE_PORT": "8080"},
            )
        yield {
            "namespace": namespace,
            "vpc": vpc,
            "name": name,
            "r53": client_factory("route53", region=REGION),
        }


def test_the_namespace_has_its_hosted_zone(world: dict[str, Any]) -> None:
    r53, namespace = world["r53"], world["namespace"]
    zone_id = namespace["Properties"]["DnsProperties"]["HostedZoneId"]
    zones = r53.list_hosted_zones()["HostedZones"]
    (zone,) = [z for z in zones if z["Id"] == f"/hostedzone/{zone_id}"]
    assert zone["Name"] == world["name"] + "." and zone["Config"]["PrivateZone"] is True
    assert zone["LinkedService"] == {
        "ServicePrincipal": "servicediscovery.amazonaws.com",
        "Description": namespace["Arn"],
    }
    got = r53.get_hosted_zone(Id=zone_id)
    assert got["HostedZone"]["Id"] == f"/hostedzone/{zone_id}"
    assert got["VPCs"] == [{"VPCRegion": REGION, "VPCId": world["vpc"]}]
    assert r53.get_hosted_zone_count()["HostedZoneCount"] >= 1
    by_name = r53.list_hosted_zones_by_name(DNSName=world["name"])["HostedZones"]
    assert by_name[0]["Name"] == world["name"] + "."


def test_record_sets_cloud_map_manages(world: dict[str, Any]) -> None:
    r53, name = world["r53"], world["name"]
    zone_id = world["namespace"]["Properties"]["DnsProperties"]["HostedZoneId"]
    sets = r53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    shown = {
        (s["Name"], s["Type"], s.get("SetIdentifier")): [r["Value"] for r in s["ResourceRecords"]]
        for s in sets
    }
    service = f"random-quote.{name}."
    assert shown[(service, "A", "task1")] == ["172.31.0.11"]
    assert shown[(service, "A", "task2")] == ["172.31.0.12"]
    assert shown[(service, "SRV", "task1")] == [f"1 1 8080 task1.{service}"]
    assert shown[(f"task2.{service}", "A", None)] == ["172.31.0.12"]
    assert (f"{name}.", "SOA", None) in shown and (f"{name}.", "NS", None) in shown
    multivalue = [s for s in sets if s.get("SetIdentifier")]
    assert all(s["MultiValueAnswer"] and s["TTL"] == 300 for s in multivalue)
    first = r53.list_resource_record_sets(HostedZoneId=zone_id, MaxItems="2")
    assert first["IsTruncated"] and len(first["ResourceRecordSets"]) == 2
    rest = r53.list_resource_record_sets(
        HostedZoneId=zone_id, StartRecordName=first["NextRecordName"], StartRecordType=first["NextRecordType"]
    )
    assert len(rest["ResourceRecordSets"]) == len(sets) - 2


def test_errors(world: dict[str, Any]) -> None:
    r53 = world["r53"]
    with pytest.raises(ClientError) as error:
        r53.get_hosted_zone(Id="ZNOSUCHZONE0000000000")
    assert error.value.response["Error"]["Code"] == "NoSuchHostedZone"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(ClientError) as error:
        r53.list_hosted_zones(Marker="nope")
    assert error.value.response["Error"]["Code"] == "InvalidInput"
    with pytest.raises(ClientError) as error:
        r53.create_hosted_zone(Name="x.example.com", CallerReference="1")
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_cli(world: dict[str, Any], aws: Callable[..., CliResult]) -> None:
    zone_id = world["namespace"]["Properties"]["DnsProperties"]["HostedZoneId"]
    listed = json.loads(aws("route53", "list-hosted-zones", "--region", REGION).stdout)
    assert f"/hostedzone/{zone_id}" in {z["Id"] for z in listed["HostedZones"]}
    sets = json.loads(aws("route53", "list-resource-record-sets", "--hosted-zone-id", zone_id).stdout)
    assert any(s["Name"].startswith("random-quote.") for s in sets["ResourceRecordSets"])


@pytest.mark.parametrize("operation", OPERATIONS)
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_generated_input_never_faults(
    client_factory: Callable[..., Any], world: dict[str, Any], operation: str, data: st.DataObject
) -> None:
    client = client_factory("route53", region=REGION, parameter_validation=False)
    shape = client.meta.service_model.operation_model(operation).input_shape
    params = data.draw(values_for(shape)) if shape is not None else {}
    zone_id = world["namespace"]["Properties"]["DnsProperties"]["HostedZoneId"]
    for member in ("Id", "HostedZoneId"):
        if shape is not None and member in shape.members and data.draw(st.booleans()):
            params[member] = zone_id
    try:
        reply = getattr(client, xform_name(operation))(**params)
    except ClientError as error:
        status = error.response["ResponseMetadata"]["HTTPStatusCode"]
        assert 400 <= status < 500 and error.response["Error"]["Code"] not in FAULTS, error.response
        return
    except (ValueError, TypeError, KeyError):
        return  # botocore could not build the request
    assert reply["ResponseMetadata"]["HTTPStatusCode"] == 200
