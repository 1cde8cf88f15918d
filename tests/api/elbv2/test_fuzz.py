"""Fuzzing every ELBv2 operation in botocore's model against a live skiff server: zero 5xx.

Valid-shaped parameters (ARN and name members often swapped for ones that exist: a balancer with
an HTTP and an HTTPS listener and a rule, two target groups with a target, a certificate) and
corrupted ones (wrong types, nulls, out-of-range values), through boto3 without client-side
validation, and raw form bodies for each Action. Every reply is a success or a 4xx with an
error code; operations skiff does not serve answer UnsupportedOperation (400).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from typing import Any

import botocore.session
import pytest
from botocore import xform_name
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.test_fuzz_ecs import corrupted_params
from tests.shape_strategies import values_for
from tests.signing import signed_headers

REGION = "eu-south-1"
FAULT_CODES = frozenset({"ServerException", "InternalFailure", "InternalError", "InternalServerError"})
FUZZ = settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
OPERATIONS = sorted(botocore.session.get_session().get_service_model("elbv2").operation_names)
KEEP = ("DeleteLoadBalancer", "DeleteTargetGroup", "DeleteListener", "DeleteRule")


@pytest.fixture(scope="module")
def world(client_factory: Callable[..., Any]) -> dict[str, Any]:
    elb = client_factory("elbv2", region=REGION, parameter_validation=False)
    ec2 = client_factory("ec2", region=REGION)
    acm = client_factory("acm", region=REGION)
    vpc = next(v for v in ec2.describe_vpcs()["Vpcs"] if v["IsDefault"])
    subnets = sorted(ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["Subnets"],
                     key=lambda s: s["AvailabilityZone"])  # fmt: skip
    lb = elb.create_load_balancer(Name="fuzz-lb", Subnets=[s["SubnetId"] for s in subnets[:2]])[
        "LoadBalancers"
    ][0]
    groups = [
        elb.create_target_group(Name=n, Protocol="HTTP", Port=80, TargetType="ip", VpcId=vpc["VpcId"])[
            "TargetGroups"
        ][0]["TargetGroupArn"]
        for n in ("fuzz-a", "fuzz-b")
    ]
    base = subnets[0]["CidrBlock"].rsplit(".", 2)[0]
    elb.register_targets(TargetGroupArn=groups[0], Targets=[{"Id": f"{base}.0.20", "Port": 8080}])
    certificate = acm.request_certificate(DomainName="fuzz.example.test")["CertificateArn"]
    forward = [{"Type": "forward", "TargetGroupArn": groups[0]}]
    http = elb.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80, DefaultActions=forward
    )
    https = elb.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTPS", Port=443, DefaultActions=forward,
        Certificates=[{"CertificateArn": certificate}],
    )  # fmt: skip
    listeners = [http["Listeners"][0]["ListenerArn"], https["Listeners"][0]["ListenerArn"]]
    rule = elb.create_rule(
        ListenerArn=listeners[0], Priority=10, Conditions=[{"Field": "path-pattern", "Values": ["/q*"]}],
        Actions=[{"Type": "forward", "TargetGroupArn": groups[1]}],
    )["Rules"][0]["RuleArn"]  # fmt: skip
    return {
        "client": elb,
        "values": {
            "LoadBalancerArn": [lb["LoadBalancerArn"]],
            "LoadBalancerArns": [[lb["LoadBalancerArn"]]],
            "TargetGroupArn": groups,
            "TargetGroupArns": [groups],
            "ListenerArn": listeners,
            "ListenerArns": [listeners],
            "RuleArn": [rule],
            "RuleArns": [[rule]],
            "ResourceArns": [[lb["LoadBalancerArn"], groups[0]], [rule]],
            "Names": [["fuzz-lb"], ["fuzz-a"], ["ELBSecurityPolicy-2016-08"]],
            "Subnets": [[s["SubnetId"] for s in subnets[:2]]],
            "SecurityGroups": [[lb["SecurityGroups"][0]]],
            "VpcId": [vpc["VpcId"]],
            "CertificateArn": [certificate],
            "Certificates": [[{"CertificateArn": certificate}]],
            "Targets": [[{"Id": f"{base}.0.20", "Port": 8080}], [{"Id": f"{base}.0.21"}]],
            "Marker": ["eyJhZnRlciI6MX0", "bad"],
        },
    }


def choose(
    draw: st.DrawFn, shape: Any, params: dict[str, Any], values: dict[str, list[Any]]
) -> dict[str, Any]:
    for member, choices in values.items():
        if shape is not None and member in shape.members and draw(st.booleans()):
            params[member] = draw(st.sampled_from(choices))
    return params


def check(client: Any, operation: str, params: Any) -> None:
    sent: list[bool] = []

    def mark(**_: Any) -> None:
        sent.append(True)

    client.meta.events.register("before-send.elastic-load-balancing-v2", mark)
    try:
        reply = getattr(client, xform_name(operation))(**params)
    except ClientError as error:
        status = error.response["ResponseMetadata"]["HTTPStatusCode"]
        code = error.response["Error"]["Code"]
        assert 400 <= status < 500 and code and code not in FAULT_CODES, (operation, params, error.response)
        return
    except Exception:
        if not sent:
            return  # botocore could not serialize it: nothing was sent
        raise
    finally:
        client.meta.events.unregister("before-send.elastic-load-balancing-v2", mark)
    assert reply["ResponseMetadata"]["HTTPStatusCode"] == 200


def _params(world: dict[str, Any], operation: str, params: dict[str, Any]) -> dict[str, Any]:
    if operation in KEEP:  # keep the resources the other operations need
        member = {"DeleteLoadBalancer": "LoadBalancerArn", "DeleteTargetGroup": "TargetGroupArn",
                  "DeleteListener": "ListenerArn", "DeleteRule": "RuleArn"}[operation]  # fmt: skip
        params[member] = "arn:aws:elasticloadbalancing:eu-south-1:000000000000:gone/x/0123456789abcdef"
    return params


@pytest.mark.parametrize("operation", OPERATIONS)
@FUZZ
@given(data=st.data())
def test_generated_input(world: dict[str, Any], operation: str, data: st.DataObject) -> None:
    client = world["client"]
    shape = client.meta.service_model.operation_model(operation).input_shape
    params = data.draw(values_for(shape)) if shape is not None else {}
    check(client, operation, _params(world, operation, choose(data.draw, shape, params, world["values"])))


@pytest.mark.parametrize("operation", OPERATIONS)
@FUZZ
@given(data=st.data())
def test_corrupted_input(world: dict[str, Any], operation: str, data: st.DataObject) -> None:
    client = world["client"]
    shape = client.meta.service_model.operation_model(operation).input_shape
    check(client, operation, _params(world, operation, data.draw(corrupted_params(shape))))


FORM_KEYS = st.sampled_from(
    ["LoadBalancerArn", "Name", "Subnets.member.1", "Port", "Priority", "Targets.member.1.Id", "PageSize",
     "Attributes.member.1.Key", "DefaultActions.member.1.Type", "Conditions.member.1.Field",
     "Tags.member.1.Key",
     "Marker", "Names.member.x", "Subnets.member.0", "Port.member.1"]
)  # fmt: skip
FORM_VALUES = st.one_of(
    st.text(max_size=12), st.sampled_from(["", "-1", "99999999999", "true", "%00", "\ud800x"])
)


@pytest.mark.parametrize("operation", OPERATIONS)
@FUZZ
@given(fields=st.lists(st.tuples(FORM_KEYS, FORM_VALUES), max_size=6))
def test_raw_form_bodies(
    endpoint: str, world: dict[str, Any], operation: str, fields: list[tuple[str, str]]
) -> None:
    import http.client

    pairs = [("Action", operation), ("Version", "2015-12-01"), *fields]
    body = urllib.parse.urlencode(pairs, errors="surrogatepass").encode()
    url = urllib.parse.urlsplit(endpoint)
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    headers = signed_headers("POST", f"{endpoint}/", body, headers, "elasticloadbalancing", REGION)
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port or 80, timeout=30)
    try:
        conn.request("POST", "/", body=body, headers=headers)
        reply = conn.getresponse()
        text = reply.read()
    finally:
        conn.close()
    assert reply.status < 500, (operation, pairs, text[:300])
    if reply.status >= 400:
        assert b"<ErrorResponse" in text and b"<Code>" in text, (operation, pairs, text[:300])
