"""Issue 4 end to end: from inside a real task, the metadata endpoint (v4, v3, v2), the task
role's credentials, boto3 calling skiff with no configured keys, and isolation between tasks.

Needs the `skiff/python:3` image (python3, boto3); built by `scripts/build-images.sh python`
(about a minute, once per machine) when missing.
"""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from typing import Any

import pytest

from tests.conftest import REPO
from tests.e2e.task_support import TaskLab, logs

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]
PYTHON_IMAGE = "skiff/python:3"
MARK = "SKIFF-RESULT "

PROBE = r"""
import json, os, urllib.request, urllib.error
def get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())
v4 = os.environ["ECS_CONTAINER_METADATA_URI_V4"]
v3 = os.environ["ECS_CONTAINER_METADATA_URI"]
out = {"env": {k: v for k, v in os.environ.items() if k.startswith(("AWS_", "ECS_"))}}
for name, url in [("v4", v4), ("v4task", v4 + "/task"), ("v4tags", v4 + "/taskWithTags"),
                  ("v4stats", v4 + "/stats"), ("v4taskstats", v4 + "/task/stats"), ("v3task", v3 + "/task"),
                  ("v2", "http://169.254.170.2/v2/metadata"), ("v2stats", "http://169.254.170.2/v2/stats"),
                  ("stolen", "http://169.254.170.2" + os.environ.get("STOLEN_URI", "/v2/credentials/x"))]:
    out[name] = get(url)
rel = os.environ.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
if rel:
    out["creds"] = get("http://169.254.170.2" + rel)
    import boto3
    out["identity"] = boto3.client("sts").get_caller_identity()
    out["identity"].pop("ResponseMetadata", None)
else:
    import boto3, botocore.exceptions
    try:
        sts = boto3.client("sts", aws_access_key_id="AKIAFAKEFAKEFAKE", aws_secret_access_key="x")
        sts.get_caller_identity()
        out["foreign_keys"] = "accepted"
    except botocore.exceptions.ClientError as e:
        out["foreign_keys"] = e.response["Error"]["Code"]
print("SKIFF-RESULT " + json.dumps(out), flush=True)
import time; time.sleep(600)
"""


@pytest.fixture(scope="module")
def python_image() -> str:
    present = subprocess.run(["docker", "image", "inspect", PYTHON_IMAGE], capture_output=True, check=False)
    if present.returncode != 0:
        build = subprocess.run(
            ["bash", str(REPO / "scripts" / "build-images.sh"), "python"],
            capture_output=True, text=True, check=False, timeout=800,
        )  # fmt: skip
        assert build.returncode == 0, build.stdout + build.stderr
    return PYTHON_IMAGE


def probe_result(lab: TaskLab, arn: str, container: str = "probe") -> dict[str, Any]:
    task = lab.wait_running(arn)
    runtime = next(c["runtimeId"] for c in task["containers"] if c["name"] == container)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for line in logs(runtime).splitlines():
            if line.startswith(MARK):
                result: dict[str, Any] = json.loads(line[len(MARK) :])
                return result
        time.sleep(0.3)
    raise AssertionError(f"no result from the probe: {logs(runtime)}")


def role_arn(client_factory: Any) -> str:
    iam = client_factory("iam")
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "ecs-tasks.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }
    trust = {"Version": "2012-10-17", "Statement": [statement]}
    name = f"task-role-{uuid.uuid4().hex[:8]}"
    arn: str = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    return arn


def probe_definition(lab: TaskLab, image: str, role: str | None, **env: str) -> dict[str, Any]:
    container = {
        "name": "probe",
        "image": image,
        "command": ["python3", "-c", PROBE],
        "stopTimeout": 2,
        "environment": [{"name": k, "value": v} for k, v in env.items()],
        "portMappings": [{"containerPort": 8080}],
    }
    extra: dict[str, Any] = {"taskRoleArn": role} if role else {}
    return lab.register([container], **extra)


def test_metadata_credentials_and_sdk_from_inside_a_task(
    lab: TaskLab, python_image: str, client_factory: Any
) -> None:
    role = role_arn(client_factory)
    definition = probe_definition(lab, python_image, role)
    task = lab.run_one(definition, tags=[{"key": "team", "value": "blue"}], group="service:probe")
    result = probe_result(lab, task["taskArn"])
    env = result["env"]
    assert env["AWS_EXECUTION_ENV"] == "AWS_ECS_FARGATE"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
    metadata_id = env["ECS_CONTAINER_METADATA_URI_V4"].rsplit("/", 1)[1]
    assert env["ECS_CONTAINER_METADATA_URI"].endswith("/v3/" + metadata_id)
    task_id = task["taskArn"].rsplit("/", 1)[1]
    assert metadata_id.startswith(task_id + "-") and len(metadata_id.rsplit("-", 1)[1]) == 10

    status, container = result["v4"]
    assert status == 200
    assert container["DockerId"] == metadata_id
    assert container["ContainerARN"] == task["containers"][0]["containerArn"]
    status, body = result["v4task"]
    assert status == 200
    assert body["TaskARN"] == task["taskArn"]
    assert body["LaunchType"] == "FARGATE"
    assert body["Limits"] == {"CPU": 0.25, "Memory": 512}
    assert body["ServiceName"] == "probe"
    network = body["Containers"][0]["Networks"][0]
    ip = next(d["value"] for d in lab.describe(task["taskArn"])["attachments"][0]["details"]
              if d["name"] == "privateIPv4Address")  # fmt: skip
    assert network["IPv4Addresses"] == [ip]
    assert network["IPv4SubnetCIDRBlock"] == lab.subnet_cidr
    assert result["v4tags"][1]["TaskTags"] == {"team": "blue"}
    stats = result["v4stats"][1]
    assert "memory_stats" in stats and "network_rate_stats" in stats
    assert set(result["v4taskstats"][1]) == {metadata_id}
    assert "LaunchType" not in result["v3task"][1]
    assert result["v2"][0] == 200 and result["v2"][1]["TaskARN"] == task["taskArn"]
    assert set(result["v2stats"][1]) == {metadata_id}

    status, creds = result["creds"]
    assert status == 200
    assert creds["RoleArn"] == role
    assert creds["AccessKeyId"].startswith("ASIA")
    assert {"SecretAccessKey", "Token", "Expiration"} <= set(creds)
    role_name = role.rsplit("/", 1)[1]
    assert result["identity"]["Arn"] == f"arn:aws:sts::000000000000:assumed-role/{role_name}/{task_id}"


def test_a_task_cannot_use_another_tasks_credentials(
    lab: TaskLab, python_image: str, client_factory: Any
) -> None:
    victim_def = probe_definition(lab, python_image, role_arn(client_factory))
    victim = lab.run_one(victim_def)
    stolen_uri = probe_result(lab, victim["taskArn"])["env"]["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"]
    thief = lab.run_one(probe_definition(lab, python_image, None, STOLEN_URI=stolen_uri))
    result = probe_result(lab, thief["taskArn"])
    status, body = result["stolen"]
    assert status == 400
    assert body["code"] == "InvalidIdInRequest"
    assert "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI" not in result["env"]
    # a task without a role cannot call skiff with keys skiff never issued
    assert result["foreign_keys"] == "InvalidClientTokenId"
