"""Issue 5 end to end, after the seeds' features demo: two services (test, production) of one
image read `DEPLOY_ENVIRONMENT*` from their own S3 env file and a shared value from the task
definition; Secrets Manager values arrive as AWSCURRENT, AWSPREVIOUS and one JSON key; an SSM
SecureString arrives decrypted; a missing item stops the task before any container starts."""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from typing import Any

import pytest

from tests.e2e.task_support import IMAGE, TaskLab, logs

pytestmark = pytest.mark.e2e

PRINT_ENV = (
    "env | grep -E 'DEPLOY_ENVIRONMENT|SECRETS_MANAGER|DB_PASSWORD' | sort; echo END-OF-ENV; sleep 600"
)


def env_of(lab: TaskLab, arn: str) -> dict[str, str]:
    task = lab.wait_running(arn)
    runtime = task["containers"][0]["runtimeId"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        text = logs(runtime)
        if "END-OF-ENV" in text:
            lines = text.split("END-OF-ENV", 1)[0].splitlines()
            return dict(line.split("=", 1) for line in lines if "=" in line)
        time.sleep(0.3)
    raise AssertionError(f"no environment printed: {logs(runtime)}")


@pytest.fixture(scope="module")
def demo(client_factory: Any) -> dict[str, Any]:
    suffix = uuid.uuid4().hex[:8]
    bucket = f"ecs-demo-env-files-{suffix}"
    s3 = client_factory("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(
        Bucket=bucket,
        Key="test.env",
        Body=b"# test\nDEPLOY_ENVIRONMENT=test\nDEPLOY_ENVIRONMENT_COLOR=blue\n",
    )
    s3.put_object(
        Bucket=bucket,
        Key="production.env",
        Body=b"DEPLOY_ENVIRONMENT=production\nDEPLOY_ENVIRONMENT_COLOR=green\n",
    )
    sm = client_factory("secretsmanager")
    name = f"ecs-demo-{suffix}"
    created = sm.create_secret(
        Name=name, SecretString=json.dumps({"SECRET_KEY_1": "one-v1", "SECRET_KEY_2": "two-v1"})
    )
    sm.put_secret_value(
        SecretId=name, SecretString=json.dumps({"SECRET_KEY_1": "one-v2", "SECRET_KEY_2": "two-v2"})
    )
    ssm = client_factory("ssm")
    parameter = f"/demo-{suffix}/db-password"
    ssm.put_parameter(Name=parameter, Type="SecureString", Value="pa55-w0rd-plain")
    partial_arn = created["ARN"].rsplit("-", 1)[0]  # the form the seeds use: no random suffix
    allow_execution_role(client_factory, bucket, created["ARN"], parameter)
    return {
        "bucket": bucket,
        "secret_arn": created["ARN"],
        "partial_arn": partial_arn,
        "parameter": parameter,
    }


EXECUTION_ROLE = "ecsTaskExecutionRole"


def allow_execution_role(client_factory: Any, bucket: str, secret_arn: str, parameter: str) -> None:
    """The execution role the services use, allowed to read the demo's file, secret and parameter
    (fetches are made as that role, as on Fargate)."""
    iam = client_factory("iam")
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
    with contextlib.suppress(iam.exceptions.EntityAlreadyExistsException):
        iam.create_role(RoleName=EXECUTION_ROLE, AssumeRolePolicyDocument=json.dumps(trust))
    reads = [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"},
        {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": secret_arn},
        {
            "Effect": "Allow",
            "Action": "ssm:GetParameters",
            "Resource": f"arn:aws:ssm:*:*:parameter{parameter}",
        },
    ]
    iam.put_role_policy(
        RoleName=EXECUTION_ROLE,
        PolicyName=f"demo-{bucket}",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": reads}),
    )


def demo_container(demo: dict[str, Any], environment: str) -> dict[str, Any]:
    arn = demo["partial_arn"]
    return {
        "name": "app",
        "image": IMAGE,
        "command": ["sh", "-c", PRINT_ENV],
        "stopTimeout": 2,
        "environment": [{"name": "TASK_DEF_SHARED_DEPLOY_ENVIRONMENT", "value": "shared"}],
        "environmentFiles": [{"value": f"arn:aws:s3:::{demo['bucket']}/{environment}.env", "type": "s3"}],
        "secrets": [
            {"name": "SECRETS_MANAGER_SECRET_ALL_CURRENT_VERSION", "valueFrom": arn},
            {"name": "SECRETS_MANAGER_SECRET_ALL_PREVIOUS_VERSION", "valueFrom": f"{arn}::AWSPREVIOUS:"},
            {"name": "SECRETS_MANAGER_SECRET_JSON_KEY", "valueFrom": f"{arn}:SECRET_KEY_2::"},
            {"name": "DB_PASSWORD", "valueFrom": demo["parameter"]},
        ],
    }


def test_two_services_read_their_own_env_files_and_the_secrets(lab: TaskLab, demo: dict[str, Any]) -> None:
    seen: dict[str, dict[str, str]] = {}
    for environment in ("test", "production"):
        definition = lab.register(
            [demo_container(demo, environment)],
            executionRoleArn="arn:aws:iam::000000000000:role/ecsTaskExecutionRole",
        )
        service = f"{environment}-{uuid.uuid4().hex[:6]}"
        lab.ecs.create_service(
            cluster=lab.cluster,
            serviceName=service,
            taskDefinition=definition["taskDefinitionArn"],
            desiredCount=1,
            networkConfiguration=lab.network(),
        )
        waiter = lab.ecs.get_waiter("services_stable")
        waiter.wait(cluster=lab.cluster, services=[service], WaiterConfig={"Delay": 1, "MaxAttempts": 90})
        arns = lab.ecs.list_tasks(cluster=lab.cluster, serviceName=service)["taskArns"]
        lab.task_arns.extend(arns)
        seen[environment] = env_of(lab, arns[0])
        lab.ecs.update_service(cluster=lab.cluster, service=service, desiredCount=0)
        lab.ecs.delete_service(cluster=lab.cluster, service=service)
    for environment, env in seen.items():
        assert env["TASK_DEF_SHARED_DEPLOY_ENVIRONMENT"] == "shared"
        assert env["DEPLOY_ENVIRONMENT"] == environment
        assert env["SECRETS_MANAGER_SECRET_ALL_CURRENT_VERSION"] == json.dumps(
            {"SECRET_KEY_1": "one-v2", "SECRET_KEY_2": "two-v2"}
        )
        assert env["SECRETS_MANAGER_SECRET_ALL_PREVIOUS_VERSION"] == json.dumps(
            {"SECRET_KEY_1": "one-v1", "SECRET_KEY_2": "two-v1"}
        )
        assert env["SECRETS_MANAGER_SECRET_JSON_KEY"] == "two-v2"
        assert env["DB_PASSWORD"] == "pa55-w0rd-plain"
    assert seen["test"]["DEPLOY_ENVIRONMENT_COLOR"] == "blue"
    assert seen["production"]["DEPLOY_ENVIRONMENT_COLOR"] == "green"


def test_no_secret_in_api_output(lab: TaskLab, demo: dict[str, Any]) -> None:
    definition = lab.register([demo_container(demo, "test")])
    task = lab.run_one(definition)
    env_of(lab, task["taskArn"])
    described = json.dumps(lab.ecs.describe_tasks(cluster=lab.cluster, tasks=[task["taskArn"]]), default=str)
    described += json.dumps(
        lab.ecs.describe_task_definition(taskDefinition=definition["taskDefinitionArn"]), default=str
    )
    for plaintext in ("one-v2", "two-v1", "pa55-w0rd-plain"):
        assert plaintext not in described


def break_container(container: dict[str, Any], demo: dict[str, Any], case: str) -> str:
    """Add one item that cannot be had; return the text the stop reason must name."""
    partial = demo["partial_arn"]
    if case == "secret":
        container["secrets"].append({"name": "X", "valueFrom": partial + "-gone"})
        return partial + "-gone"
    if case == "json-key":
        container["secrets"].append({"name": "X", "valueFrom": partial + ":NO_SUCH_KEY::"})
        return "NO_SUCH_KEY"
    if case == "parameter":
        container["secrets"].append({"name": "X", "valueFrom": "/no/such/parameter"})
        return "/no/such/parameter"
    missing = f"arn:aws:s3:::{demo['bucket']}/missing.env"
    container["environmentFiles"].append({"value": missing, "type": "s3"})
    return "missing.env"


@pytest.mark.parametrize("case", ["secret", "json-key", "parameter", "env-file"])
def test_a_missing_item_stops_the_task_before_it_starts(
    lab: TaskLab, demo: dict[str, Any], case: str
) -> None:
    container = demo_container(demo, "test")
    named = break_container(container, demo, case)
    task = lab.run_one(lab.register([container]))
    stopped = lab.wait_stopped(task["taskArn"])
    assert stopped["stopCode"] == "TaskFailedToStart"
    assert stopped["stoppedReason"].startswith("ResourceInitializationError: ")
    assert named in stopped["stoppedReason"]
    assert "runtimeId" not in stopped["containers"][0]  # no container was ever created
