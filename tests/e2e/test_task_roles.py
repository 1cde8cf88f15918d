"""Issue 14 end to end: a task's calls are evaluated against its task role, and Fargate's
configuration fetches against its execution role.

Needs the `skiff/python:3` image (python3, boto3), built when missing (see test_task_metadata).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from tests.e2e import test_task_metadata
from tests.e2e.task_support import IMAGE, TaskLab
from tests.e2e.test_task_metadata import probe_result

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]
python_image = test_task_metadata.python_image  # the fixture that builds the image when missing
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}

READ_BOTH = r"""
import json, os, boto3, botocore.exceptions
s3 = boto3.client("s3")
out = {}
for bucket in (os.environ["ALLOWED"], os.environ["OTHER"]):
    try:
        out[bucket] = s3.get_object(Bucket=bucket, Key="data.txt")["Body"].read().decode()
    except botocore.exceptions.ClientError as e:
        out[bucket] = [e.response["Error"]["Code"], e.response["Error"]["Message"]]
out["identity"] = boto3.client("sts").get_caller_identity()["Arn"]
print("SKIFF-RESULT " + json.dumps(out), flush=True)
import time; time.sleep(600)
"""


def _role(client_factory: Any, prefix: str, *statements: dict[str, Any]) -> tuple[str, str]:
    iam = client_factory("iam")
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    arn: str = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    if statements:
        document = json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
        iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=document)
    return name, arn


def test_task_role_reads_its_bucket_and_is_denied_another(
    lab: TaskLab,
    python_image: str,
    client_factory: Any,
) -> None:
    s3 = client_factory("s3")
    allowed, other = (f"role-data-{uuid.uuid4().hex[:8]}" for _ in range(2))
    for bucket in (allowed, other):
        s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key="data.txt", Body=f"data of {bucket}".encode())
    name, role = _role(
        client_factory,
        "reader",
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{allowed}/*"},
    )
    container = {
        "name": "probe",
        "image": python_image,
        "command": ["python3", "-c", READ_BOTH],
        "stopTimeout": 2,
        "environment": [{"name": "ALLOWED", "value": allowed}, {"name": "OTHER", "value": other}],
    }
    task = lab.run_one(lab.register([container], taskRoleArn=role))
    result = probe_result(lab, task["taskArn"])
    task_id = task["taskArn"].rsplit("/", 1)[1]
    session = f"arn:aws:sts::000000000000:assumed-role/{name}/{task_id}"
    assert result["identity"] == session
    assert result[allowed] == f"data of {allowed}"
    assert result[other] == [
        "AccessDenied",
        f"User: {session} is not authorized to perform: s3:GetObject on resource: "
        f'"arn:aws:s3:::{other}/data.txt" because no identity-based policy allows the '
        "s3:GetObject action",
    ]


def test_execution_role_without_secrets_access_stops_the_task(lab: TaskLab, client_factory: Any) -> None:
    secret = client_factory("secretsmanager").create_secret(
        Name=f"exec-{uuid.uuid4().hex[:8]}", SecretString="s3cr3t"
    )
    name, role = _role(
        client_factory,
        "exec",
        {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"},
    )
    container = {
        "name": "app",
        "image": IMAGE,
        "command": ["sh", "-c", "sleep 600"],
        "secrets": [{"name": "PASSWORD", "valueFrom": secret["ARN"]}],
    }
    definition = lab.register([container], executionRoleArn=role)
    task = lab.run_one(definition)
    stopped = lab.wait_stopped(task["taskArn"])
    task_id = task["taskArn"].rsplit("/", 1)[1]
    assert stopped["stopCode"] == "TaskFailedToStart"
    assert stopped["stoppedReason"] == (
        "ResourceInitializationError: unable to pull secrets or registry auth: unable to retrieve secret "
        f"from asm: failed to fetch secret {secret['ARN']} from secrets manager: "
        f"AccessDeniedException: User: arn:aws:sts::000000000000:assumed-role/{name}/{task_id} "
        "is not authorized to perform: "
        f"secretsmanager:GetSecretValue on resource: {secret['ARN']} because no identity-based policy "
        "allows the secretsmanager:GetSecretValue action"
    )
    # allowed, the same definition starts and the container has the value
    client_factory("iam").put_role_policy(
        RoleName=name,
        PolicyName="secrets",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": secret["ARN"]}
                ],
            }
        ),
    )
    lab.wait_running(lab.run_one(definition)["taskArn"])
