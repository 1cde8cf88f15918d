"""State reset (POST /_skiff/reset, /moto-api/reset): every resource of every service gone, new
ones work after; only callers the console lets in. The module has its own server: a reset would
wipe what other modules' tests made on the shared one."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config as BotoConfig
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from tests.conftest import CREDENTIALS, SkiffServer, start_server
from tests.signing import signed_headers


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SkiffServer]:
    started = start_server(tmp_path_factory.mktemp("reset-data"))
    yield started
    started.stop()
    assert "Traceback" not in started.log(), started.log()


@pytest.fixture(scope="module")
def client(server: SkiffServer) -> Callable[..., Any]:
    def make(service: str, key: str | None = None, secret: str | None = None) -> Any:
        return boto3.client(
            service,
            endpoint_url=server.endpoint,
            region_name="us-east-1",
            aws_access_key_id=key or CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=secret or CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            config=BotoConfig(retries={"max_attempts": 1}),
        )

    return make


def post(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, data=b"", method="POST", headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def make_everything(client: Callable[..., Any]) -> dict[str, Any]:
    ecs, s3, iam = client("ecs"), client("s3"), client("iam")
    ecs.create_cluster(clusterName="before")
    for _ in range(2):
        ecs.register_task_definition(
            family="before", containerDefinitions=[{"name": "a", "image": "busybox", "memory": 64}]
        )
    s3.create_bucket(Bucket="before-bucket")
    s3.put_object(Bucket="before-bucket", Key="k", Body=b"v" * 1000)
    client("secretsmanager").create_secret(Name="before-secret", SecretString="s3cr3t")
    client("ssm").put_parameter(Name="/before/p", Value="x", Type="String")
    iam.create_user(UserName="before-user")
    key = iam.create_access_key(UserName="before-user")["AccessKey"]
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    iam.create_role(RoleName="before-role", AssumeRolePolicyDocument=json.dumps(trust))
    client("ecr").create_repository(repositoryName="before-repo")
    client("servicediscovery").create_http_namespace(Name="before-ns")
    vpc = client("ec2").describe_vpcs()["Vpcs"][0]["VpcId"]
    client("logs").create_log_group(logGroupName="/before/group")
    cloudwatch = client("cloudwatch")
    cloudwatch.put_metric_data(Namespace="Before", MetricData=[{"MetricName": "m", "Value": 1.0}])
    cloudwatch.put_metric_alarm(
        AlarmName="before-alarm", Namespace="Before", MetricName="m", Statistic="Average",
        Period=60, EvaluationPeriods=1, Threshold=1.0, ComparisonOperator="GreaterThanThreshold",
    )  # fmt: skip
    elbv2 = client("elbv2")
    elbv2.create_target_group(Name="before-tg", Protocol="HTTP", Port=80, VpcId=vpc, TargetType="ip")
    return {"key": key, "vpc": vpc}


def assert_all_gone(client: Callable[..., Any], made: dict[str, Any], server: SkiffServer) -> None:
    ecs = client("ecs")
    assert ecs.list_clusters()["clusterArns"] == []
    assert ecs.list_task_definitions()["taskDefinitionArns"] == []
    assert client("s3").list_buckets()["Buckets"] == []
    assert [p for p in (server.data_dir / "s3").rglob("*") if p.is_file()] == []
    assert client("secretsmanager").list_secrets()["SecretList"] == []
    assert client("ssm").describe_parameters()["Parameters"] == []
    iam = client("iam")
    assert iam.list_users()["Users"] == []
    assert [r["RoleName"] for r in iam.list_roles()["Roles"]] == []
    assert client("ecr").describe_repositories()["repositories"] == []
    assert client("servicediscovery").list_namespaces()["Namespaces"] == []
    assert client("logs").describe_log_groups()["logGroups"] == []
    assert client("cloudwatch").list_metrics()["Metrics"] == []
    assert client("cloudwatch").describe_alarms()["MetricAlarms"] == []
    assert client("elbv2").describe_target_groups()["TargetGroups"] == []
    # the user's key died with the user, at once (no cached key speaks for it)
    with pytest.raises(ClientError) as raised:
        client("ecs", made["key"]["AccessKeyId"], made["key"]["SecretAccessKey"]).list_clusters()
    assert raised.value.response["Error"]["Code"] == "UnrecognizedClientException"
    # a fresh default network, made again on first use
    vpcs = client("ec2").describe_vpcs()["Vpcs"]
    assert len(vpcs) == 1 and vpcs[0]["IsDefault"] and vpcs[0]["VpcId"] != made["vpc"]


def test_moto_reset_path_wipes_every_service_and_new_resources_work(
    server: SkiffServer, client: Callable[..., Any]
) -> None:
    made = make_everything(client)
    status, body = post(f"{server.endpoint}/moto-api/reset")
    assert status == 200, body
    assert body["status"] == "ok" and body["failed"] == {}
    assert "store: every collection" in body["hooks"]
    assert body["seconds"] < 5
    assert_all_gone(client, made, server)
    ecs = client("ecs")
    ecs.create_cluster(clusterName="after")
    registered = ecs.register_task_definition(
        family="before", containerDefinitions=[{"name": "a", "image": "busybox", "memory": 64}]
    )
    assert registered["taskDefinition"]["revision"] == 1  # as on a fresh engine
    assert [a.rsplit("/", 1)[1] for a in ecs.list_clusters()["clusterArns"]] == ["after"]
    client("s3").create_bucket(Bucket="before-bucket")  # names are free again
    client("iam").create_user(UserName="before-user")


def test_skiff_reset_path_answers_the_same(server: SkiffServer, client: Callable[..., Any]) -> None:
    client("ecs").create_cluster(clusterName="again")
    status, body = post(f"{server.endpoint}/_skiff/reset")
    assert status == 200 and body["status"] == "ok"
    assert client("ecs").list_clusters()["clusterArns"] == []


def test_pages_of_another_origin_are_refused(server: SkiffServer, client: Callable[..., Any]) -> None:
    client("ecs").create_cluster(clusterName="kept")
    status, body = post(f"{server.endpoint}/_skiff/reset", {"Origin": "http://evil.example"})
    assert status == 403 and body["__type"] == "AccessDeniedException"
    assert len(client("ecs").list_clusters()["clusterArns"]) == 1


def _signed(url: str, key: str, secret: str) -> dict[str, str]:
    return signed_headers("POST", url, b"", {}, "skiff", credentials=Credentials(key, secret))


def test_signed_requests_need_a_valid_key_and_iam_allowing_reset(
    server: SkiffServer, client: Callable[..., Any]
) -> None:
    url = f"{server.endpoint}/_skiff/reset"
    iam = client("iam")
    iam.create_user(UserName="ci")
    key = iam.create_access_key(UserName="ci")["AccessKey"]
    user = (key["AccessKeyId"], key["SecretAccessKey"])
    status, body = post(url, _signed(url, user[0], "wrong-secret"))
    assert status == 401 and body["__type"] == "UnrecognizedClientException"
    status, body = post(url, _signed(url, *user))
    assert status == 403
    assert "arn:aws:iam::000000000000:user/ci is not authorized to perform: skiff:Reset" in body["message"]
    iam.put_user_policy(
        UserName="ci",
        PolicyName="reset",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "skiff:Reset", "Resource": "*"}],
            }
        ),
    )
    status, body = post(url, _signed(url, *user))
    assert status == 200 and body["status"] == "ok"
    assert iam.list_users()["Users"] == []
    root = (CREDENTIALS["AWS_ACCESS_KEY_ID"], CREDENTIALS["AWS_SECRET_ACCESS_KEY"])
    assert post(url, _signed(url, *root))[0] == 200


def test_a_server_bound_beyond_loopback_wants_a_signature(tmp_path: Path) -> None:
    other = start_server(tmp_path / "wide", env={"SKIFF_HOST": "0.0.0.0"})
    try:
        url = f"{other.endpoint}/_skiff/reset"
        status, body = post(url)
        assert status == 401 and body["__type"] == "UnrecognizedClientException"
        root = (CREDENTIALS["AWS_ACCESS_KEY_ID"], CREDENTIALS["AWS_SECRET_ACCESS_KEY"])
        assert post(url, _signed(url, *root))[0] == 200
    finally:
        other.stop()
