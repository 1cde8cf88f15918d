"""Balancers, listeners, targets and certificates acknowledged before `kill -9` are there after a
restart, with the same address, DNS name and draining deadline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3

from tests.conftest import CREDENTIALS, start_server


def _client(endpoint: str, service: str) -> Any:
    return boto3.client(
        service, endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )  # fmt: skip


def test_load_balancing_state_survives_kill_9(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = start_server(data)
    try:
        elb, ec2, acm = (_client(server.endpoint, s) for s in ("elbv2", "ec2", "acm"))
        vpc = next(v for v in ec2.describe_vpcs()["Vpcs"] if v["IsDefault"])["VpcId"]
        subnets = sorted(ec2.describe_subnets()["Subnets"], key=lambda s: s["AvailabilityZone"])
        lb = elb.create_load_balancer(Name="durable", Subnets=[s["SubnetId"] for s in subnets[:2]])[
            "LoadBalancers"
        ][0]
        tg = elb.create_target_group(Name="durable-tg", Protocol="HTTP", Port=80, TargetType="ip", VpcId=vpc)
        tg_arn = tg["TargetGroups"][0]["TargetGroupArn"]
        certificate = acm.request_certificate(DomainName="durable.example.test")["CertificateArn"]
        elb.create_listener(
            LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTPS", Port=443,
            Certificates=[{"CertificateArn": certificate}],
            DefaultActions=[{"Type": "forward", "TargetGroupArn": tg_arn}],
        )  # fmt: skip
        base = subnets[0]["CidrBlock"].rsplit(".", 2)[0]
        elb.register_targets(
            TargetGroupArn=tg_arn, Targets=[{"Id": f"{base}.0.9", "Port": 8080}, {"Id": f"{base}.0.10"}]
        )
        elb.deregister_targets(TargetGroupArn=tg_arn, Targets=[{"Id": f"{base}.0.10"}])  # draining for 300 s
        pem = acm.get_certificate(CertificateArn=certificate)["Certificate"]
    finally:
        server.stop(kill=True)
    server = start_server(data, port=server.port)
    try:
        elb, acm = _client(server.endpoint, "elbv2"), _client(server.endpoint, "acm")
        again = elb.describe_load_balancers(Names=["durable"])["LoadBalancers"][0]
        assert (again["LoadBalancerArn"], again["DNSName"]) == (lb["LoadBalancerArn"], lb["DNSName"])
        (listener,) = elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]
        assert listener["Certificates"] == [{"CertificateArn": certificate}]
        health = elb.describe_target_health(TargetGroupArn=tg_arn)["TargetHealthDescriptions"]
        states = {h["Target"]["Id"]: h["TargetHealth"]["State"] for h in health}
        assert states[f"{base}.0.10"] == "draining" and f"{base}.0.9" in states
        assert acm.get_certificate(CertificateArn=certificate)["Certificate"] == pem
    finally:
        server.stop()
