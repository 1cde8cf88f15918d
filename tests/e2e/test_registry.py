"""ECR end to end: the walkthrough's registry part as printed, on skiff's real registry.

create-repository, describe-repositories for the URI, `$(aws ecr get-login --no-include-email)`
and `get-login-password | docker login`, docker build (offline, FROM busybox) and docker push, a
service running the pushed image (pulled from the registry: the local copy is removed first); on
a private subnet the service cannot pull until the walkthrough's ECR and S3 endpoints exist, then
becomes stable; IMMUTABLE refuses a re-push; a lifecycle rule expires untagged images and the
registry's storage shrinks after garbage collection. Run under the e2e lock.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from skiff.registry.publishing import RegistryPublishing
from skiff.registry.supervisor import RegistrySupervisor
from skiff.security.ca import LocalCA
from tests.conftest import CliResult, SkiffServer, aws_runner, start_server
from tests.e2e.task_support import (
    boto_client,
    docker,
    docker_network_cidrs,
    open_default_group,
    overlapping,
    remove_server_leftovers,
    server_subnets,
)

pytestmark = pytest.mark.e2e
ACCOUNT = "000000000000"
HOST = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com"
NO_PATH = (
    f"CannotPullContainerError: Error response from daemon: Get https://{HOST}/v2/: net/http: request "
    "canceled while waiting for connection (Client.Timeout exceeded while awaiting headers)"
)
ROLE_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": ["ecs-tasks.amazonaws.com"]},
                "Action": ["sts:AssumeRole"],
            }
        ],
    }
)


SERVER_ENV = {
    "SKIFF_REGISTRY": "on",
    "SKIFF_REGISTRY_GC_SECONDS": "1",
    "SKIFF_ECR_LIFECYCLE_SECONDS": "1",
    "SKIFF_PULL_NO_PATH_SECONDS": "1",
}


@pytest.fixture(scope="module")
def registry_server(docker_ready: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SkiffServer]:
    if os.environ.get("SKIFF_TEST_ENDPOINT"):
        pytest.skip("needs a server of its own with the registry on")
    data_dir = tmp_path_factory.mktemp("skiff-ecr")
    server = start_server(data_dir, env=SERVER_ENV)
    try:
        wait_for_registry(server)
        yield server
    finally:
        subnets = server_subnets(server.endpoint)
        server.stop()
        remove_server_leftovers(subnets)
        RegistrySupervisor(data_dir).stop()  # the registry outlives skiff by design: the test ends it
        instance = (data_dir / "instance-id").read_text().strip()
        RegistryPublishing(data_dir, instance, LocalCA.for_data_dir(data_dir)).withdraw()
        subprocess.run(["docker", "logout", HOST], capture_output=True, check=False, timeout=60)
    assert "Traceback" not in server.log(), server.log()


def wait_for_registry(server: SkiffServer, times: int = 1) -> None:
    deadline = time.monotonic() + 30
    while server.log().count("registry front on") < times:
        assert time.monotonic() < deadline, server.log()
        time.sleep(0.1)


@pytest.fixture(scope="module")
def aws(registry_server: SkiffServer, tmp_path_factory: pytest.TempPathFactory) -> Callable[..., CliResult]:
    return aws_runner(registry_server.endpoint, tmp_path_factory.mktemp("aws-home"))


@pytest.fixture(scope="module")
def clients(registry_server: SkiffServer) -> dict[str, Any]:
    return {s: boto_client(registry_server.endpoint, s) for s in ("ecs", "ec2", "ecr", "iam")}


@pytest.fixture
def images() -> Iterator[list[str]]:
    """Local image names a test made; removed at its end."""
    made: list[str] = []
    yield made
    for name in made:
        subprocess.run(["docker", "rmi", "-f", name], capture_output=True, check=False, timeout=60)


def build(tmp_path: Path, tag: str, images: list[str], size: int = 1 << 20) -> None:
    """An image built offline from busybox with `size` random bytes of its own (a layer of its own)."""
    context = tmp_path / uuid.uuid4().hex
    (context / "www").mkdir(parents=True)
    (context / "www" / "index.html").write_text(f"hello from {tag}\n")
    (context / "www" / "noise.bin").write_bytes(os.urandom(size))
    (context / "Dockerfile").write_text(
        'FROM busybox:latest\nCOPY www /www\nCMD ["httpd", "-f", "-p", "8080", "-h", "/www"]\n'
    )
    image_id = docker("build", "-q", "-t", tag, str(context), timeout=300).strip()
    images.extend([tag, image_id])  # by id too: a tag built again leaves the older image untagged


def push(tag: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", "push", tag], capture_output=True, text=True, timeout=300, check=False)


def pushed_digest(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    line = next(w for w in result.stdout.split() if w.startswith("sha256:"))
    return line


def login_with_get_login(aws: Callable[..., CliResult]) -> None:
    """`$(aws ecr get-login --region us-east-1 --no-include-email)`, as the walkthrough runs it."""
    command = aws("ecr", "get-login", "--region", "us-east-1", "--no-include-email").stdout.strip()
    assert command.startswith("docker login -u AWS -p ") and command.endswith(f"https://{HOST}"), command
    done = subprocess.run(shlex.split(command), capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0 and "Login Succeeded" in done.stdout, done.stderr


def execution_role(clients: dict[str, Any]) -> str:
    iam = clients["iam"]
    with contextlib.suppress(iam.exceptions.EntityAlreadyExistsException):
        iam.create_role(RoleName="ecsTaskExecutionRole", AssumeRolePolicyDocument=ROLE_POLICY)
    return str(iam.get_role(RoleName="ecsTaskExecutionRole")["Role"]["Arn"])


def register(clients: dict[str, Any], family: str, image: str) -> str:
    reply = clients["ecs"].register_task_definition(
        family=family,
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        executionRoleArn=execution_role(clients),
        containerDefinitions=[{"name": family, "image": image, "portMappings": [{"containerPort": 8080}]}],
    )
    return str(reply["taskDefinition"]["taskDefinitionArn"])


def wait_stable(clients: dict[str, Any], cluster: str, service: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = clients["ecs"].describe_services(cluster=cluster, services=[service])["services"][0]
        primary = next(d for d in found["deployments"] if d["status"] == "PRIMARY")
        if found["runningCount"] == found["desiredCount"] and primary.get("rolloutState") == "COMPLETED":
            return
        time.sleep(0.5)
    raise AssertionError(f"{service} did not become stable: {found['events'][:5]}")


def remove_service(clients: dict[str, Any], cluster: str, service: str) -> None:
    with contextlib.suppress(Exception):
        clients["ecs"].delete_service(cluster=cluster, service=service, force=True)
        clients["ecs"].get_waiter("services_inactive").wait(
            cluster=cluster, services=[service], WaiterConfig={"Delay": 1, "MaxAttempts": 60}
        )


def task_of(clients: dict[str, Any], cluster: str, service: str) -> dict[str, Any]:
    arns = clients["ecs"].list_tasks(cluster=cluster, serviceName=service)["taskArns"]
    task: dict[str, Any] = clients["ecs"].describe_tasks(cluster=cluster, tasks=arns[:1])["tasks"][0]
    return task


# -- the walkthrough -----------------------------------------------------------------------------
def test_walkthrough_push_and_a_service_running_the_image(
    aws: Callable[..., CliResult], clients: dict[str, Any], tmp_path: Path, images: list[str]
) -> None:
    aws("ecr", "create-repository", "--repository-name", "static-app", "--tags", "Key=Environment,Value=Demo")
    url = aws(
        "ecr", "describe-repositories", "--repository-names", "static-app",
        "--query", "repositories[0].repositoryUri", "--output", "text",
    ).stdout.strip()  # fmt: skip
    assert url == f"{HOST}/static-app"
    login_with_get_login(aws)
    build(tmp_path, f"{url}:0.1", images)
    digest = pushed_digest(push(f"{url}:0.1"))
    described = clients["ecr"].describe_images(repositoryName="static-app")["imageDetails"]
    assert [(i["imageDigest"], i["imageTags"]) for i in described] == [(digest, ["0.1"])]
    assert described[0]["imageSizeInBytes"] > 1 << 20
    docker("rmi", f"{url}:0.1")  # the task must pull it from the registry

    ecs = clients["ecs"]
    ecs.create_cluster(clusterName="demo-cluster")
    definition = register(clients, "static-app", f"{url}:0.1")
    subnet = clients["ec2"].describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])[
        "Subnets"
    ][0]
    open_default_group(clients["ec2"], subnet["VpcId"], (8080,))  # security groups are enforced
    ecs.create_service(
        cluster="demo-cluster", serviceName="static-app-service", taskDefinition=definition, desiredCount=1,
        launchType="FARGATE",
        networkConfiguration={
            "awsvpcConfiguration": {"subnets": [subnet["SubnetId"]], "assignPublicIp": "ENABLED"}
        },
    )  # fmt: skip
    try:
        wait_stable(clients, "demo-cluster", "static-app-service", 90)
        task = task_of(clients, "demo-cluster", "static-app-service")
        assert task["containers"][0]["imageDigest"] == digest
        ip = task["containers"][0]["networkInterfaces"][0]["privateIpv4Address"]
        page = subprocess.run(["curl", "-s", "-m", "5", f"http://{ip}:8080/"], capture_output=True, text=True)
        assert page.stdout == f"hello from {url}:0.1\n"
        images.append(f"{url}:0.1")
    finally:
        remove_service(clients, "demo-cluster", "static-app-service")


def test_get_login_password_and_a_missing_image(
    aws: Callable[..., CliResult], clients: dict[str, Any], tmp_path: Path
) -> None:
    password = aws("ecr", "get-login-password").stdout.strip()
    login = subprocess.run(
        ["docker", "login", "--username", "AWS", "--password-stdin", HOST],
        input=password, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert login.returncode == 0 and "Login Succeeded" in login.stdout, login.stderr
    wrong = subprocess.run(
        ["docker", "login", "--username", "AWS", "--password-stdin", HOST],
        input="skf1.bad.token", capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert wrong.returncode != 0
    login_with_get_login(aws)  # leave docker logged in with a good token
    clients["ecr"].create_repository(repositoryName="empty-app")
    ecs = clients["ecs"]
    ecs.create_cluster(clusterName="pull-cluster")
    definition = register(clients, "missing-image", f"{HOST}/empty-app:nope")
    subnet = clients["ec2"].describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])[
        "Subnets"
    ][0]
    task = ecs.run_task(
        cluster="pull-cluster", taskDefinition=definition, launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet["SubnetId"]]}},
    )["tasks"][0]  # fmt: skip
    stopped = wait_task_stopped(clients, "pull-cluster", task["taskArn"])
    assert stopped["stopCode"] == "TaskFailedToStart"
    assert stopped["containers"][0]["reason"] == (
        "CannotPullContainerError: pull image manifest has been retried 7 time(s): failed to resolve ref "
        f"{HOST}/empty-app:nope: not found"
    )


def wait_task_stopped(clients: dict[str, Any], cluster: str, arn: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        task: dict[str, Any] = clients["ecs"].describe_tasks(cluster=cluster, tasks=[arn])["tasks"][0]
        if task["lastStatus"] == "STOPPED":
            return task
        time.sleep(0.3)
    raise AssertionError(f"task {arn} did not stop")


# -- no path, no pull ----------------------------------------------------------------------------
def free_vpc_cidr() -> tuple[str, str]:
    held = docker_network_cidrs(set())
    for second in range(200, 250):
        if not overlapping(f"10.{second}.0.0/16", held):
            return f"10.{second}.0.0/16", f"10.{second}.3.0/24"
    raise AssertionError("no free 10.x.0.0/16 for the private VPC")


def test_private_subnet_pulls_only_through_the_endpoints(
    aws: Callable[..., CliResult], clients: dict[str, Any], tmp_path: Path, images: list[str]
) -> None:
    aws(
        "ecr",
        "create-repository",
        "--repository-name",
        "hostname-app",
        "--tags",
        "Key=Environment,Value=Demo",
    )
    url = aws(
        "ecr", "describe-repositories", "--repository-names", "hostname-app",
        "--query", "repositories[0].repositoryUri", "--output", "text",
    ).stdout.strip()  # fmt: skip
    login_with_get_login(aws)
    build(tmp_path, f"{url}:0.1", images)
    pushed_digest(push(f"{url}:0.1"))
    vpc_cidr, subnet_cidr = free_vpc_cidr()
    region = "us-east-1"
    vpc = aws(
        "ec2", "create-vpc", "--cidr-block", vpc_cidr, "--query", "Vpc.VpcId", "--output", "text"
    ).stdout.strip()
    aws("ec2", "modify-vpc-attribute", "--vpc-id", vpc, "--enable-dns-hostnames")
    aws("ec2", "modify-vpc-attribute", "--vpc-id", vpc, "--enable-dns-support")
    private = aws(
        "ec2", "create-subnet", "--vpc-id", vpc, "--cidr-block", subnet_cidr,
        "--availability-zone", f"{region}c",
        "--query", "Subnet.SubnetId", "--output", "text",
    ).stdout.strip()  # fmt: skip
    group = aws(
        "ec2", "describe-security-groups", "--filters", f"Name=vpc-id,Values={vpc}",
        "--query", "SecurityGroups[0].GroupId", "--output", "text",
    ).stdout.strip()  # fmt: skip
    definition = register(clients, "hostname-app", f"{url}:0.1")
    aws("ecs", "create-cluster", "--cluster-name", "private-cluster")
    network = (
        f'awsvpcConfiguration={{subnets=[{private}],securityGroups=[{group}],assignPublicIp="DISABLED"}}'
    )
    aws(
        "ecs", "create-service", "--cluster", "private-cluster", "--service-name", "hostname-app-service",
        "--task-definition", definition, "--desired-count", "2", "--launch-type", "FARGATE",
        "--scheduling-strategy", "REPLICA", "--deployment-controller", '{"type": "ECS"}',
        "--deployment-configuration", "minimumHealthyPercent=100,maximumPercent=200",
        "--network-configuration", network,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        reasons: list[str] = []
        while not reasons and time.monotonic() < deadline:
            stopped = clients["ecs"].list_tasks(
                cluster="private-cluster", serviceName="hostname-app-service", desiredStatus="STOPPED"
            )["taskArns"]
            if stopped:
                tasks = clients["ecs"].describe_tasks(cluster="private-cluster", tasks=stopped)["tasks"]
                reasons = [
                    t["containers"][0].get("reason", "") for t in tasks if t["lastStatus"] == "STOPPED"
                ]
            time.sleep(0.3)
        assert reasons and all(r == NO_PATH for r in reasons), reasons

        # the walkthrough's endpoints: ECR's registry (interface) and S3 (gateway) on the route table
        main_table = aws(
            "ec2", "describe-route-tables", "--filters", f"Name=vpc-id,Values={vpc}",
            "Name=association.main,Values=true", "--query", "RouteTables[0].RouteTableId", "--output", "text",
        ).stdout.strip()  # fmt: skip
        endpoint_group = aws(
            "ec2", "create-security-group", "--group-name", "endpoint-security-group",
            "--description", "VPC Endpoint SG", "--vpc-id", vpc, "--query", "GroupId", "--output", "text",
        ).stdout.strip()  # fmt: skip
        aws(
            "ec2", "create-vpc-endpoint", "--vpc-endpoint-type", "Interface", "--vpc-id", vpc,
            "--service-name", f"com.amazonaws.{region}.ecr.dkr", "--security-group-ids", endpoint_group,
            "--subnet-id", private, "--private-dns-enabled",
        )  # fmt: skip
        aws(
            "ec2", "create-vpc-endpoint", "--vpc-endpoint-type", "Gateway", "--vpc-id", vpc,
            "--service-name", f"com.amazonaws.{region}.s3", "--route-table-ids", main_table,
        )  # fmt: skip
        wait_stable(clients, "private-cluster", "hostname-app-service", 150)
    finally:
        remove_service(clients, "private-cluster", "hostname-app-service")


# -- tag immutability, lifecycle, garbage collection ----------------------------------------------
def test_an_immutable_repository_refuses_a_re_push(
    aws: Callable[..., CliResult], clients: dict[str, Any], tmp_path: Path, images: list[str]
) -> None:
    aws("ecr", "create-repository", "--repository-name", "fixed", "--image-tag-mutability", "IMMUTABLE")
    login_with_get_login(aws)
    build(tmp_path, f"{HOST}/fixed:0.0.7", images)
    first = pushed_digest(push(f"{HOST}/fixed:0.0.7"))
    build(tmp_path, f"{HOST}/fixed:0.0.7", images)
    again = push(f"{HOST}/fixed:0.0.7")
    assert again.returncode != 0
    assert (
        "tag invalid: The image tag '0.0.7' already exists in the 'fixed' repository and cannot be "
        "overwritten because the repository is immutable."
    ) in again.stderr + again.stdout
    listed = clients["ecr"].list_images(repositoryName="fixed")["imageIds"]
    assert listed == [{"imageDigest": first, "imageTag": "0.0.7"}]
    clients["ecr"].put_image_tag_mutability(repositoryName="fixed", imageTagMutability="MUTABLE")
    pushed_digest(push(f"{HOST}/fixed:0.0.7"))  # a mutable tag moves


def test_lifecycle_expires_untagged_images_and_collection_shrinks_storage(
    registry_server: SkiffServer, aws: Callable[..., CliResult], clients: dict[str, Any], tmp_path: Path,
    images: list[str],
) -> None:  # fmt: skip
    ecr = clients["ecr"]
    ecr.create_repository(repositoryName="churn")
    login_with_get_login(aws)
    digests = []
    for _ in range(3):  # the same tag moves on: the older two images are left untagged
        build(tmp_path, f"{HOST}/churn:latest", images, size=4 << 20)
        digests.append(pushed_digest(push(f"{HOST}/churn:latest")))
    untagged = ecr.list_images(repositoryName="churn", filter={"tagStatus": "UNTAGGED"})["imageIds"]
    assert sorted(i["imageDigest"] for i in untagged) == sorted(digests[:2])
    storage = registry_server.data_dir / "registry" / "storage"
    before = storage_bytes(storage)
    policy = {
        "rules": [
            {
                "rulePriority": 1,
                "description": "keep one untagged image",
                "selection": {"tagStatus": "untagged", "countType": "imageCountMoreThan", "countNumber": 1},
                "action": {"type": "expire"},
            }
        ]
    }
    aws(
        "ecr",
        "put-lifecycle-policy",
        "--repository-name",
        "churn",
        "--lifecycle-policy-text",
        json.dumps(policy),
    )
    deadline = time.monotonic() + 30
    left: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        left = ecr.list_images(repositoryName="churn")["imageIds"]
        if len(left) == 2:
            break
        time.sleep(0.3)
    assert sorted(i["imageDigest"] for i in left) == sorted(digests[1:]), left  # the oldest one expired
    gone = subprocess.run(["docker", "pull", f"{HOST}/churn@{digests[0]}"], capture_output=True, text=True)
    assert gone.returncode != 0
    deleted = ecr.batch_delete_image(repositoryName="churn", imageIds=[{"imageDigest": digests[1]}])
    assert deleted["imageIds"] == [{"imageDigest": digests[1]}] and deleted["failures"] == []
    deadline = time.monotonic() + 30
    while storage_bytes(storage) > before - (7 << 20) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert storage_bytes(storage) <= before - (7 << 20), (before, storage_bytes(storage))
    assert ecr.describe_images(repositoryName="churn")["imageDetails"][0]["imageDigest"] == digests[2]


def storage_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


# -- restart ---------------------------------------------------------------------------------------
def test_after_a_kill_the_registry_is_adopted_and_logins_still_hold(
    registry_server: SkiffServer, clients: dict[str, Any], images: list[str]
) -> None:
    pid_file = registry_server.data_dir / "registry" / "registry.pid"
    pid = pid_file.read_text().strip()
    registry_server.stop(kill=True)
    pulled = subprocess.run(["docker", "pull", f"{HOST}/static-app:0.1"], capture_output=True, text=True)
    assert pulled.returncode != 0  # the front is skiff's: no logins are checked while skiff is down
    again = start_server(registry_server.data_dir, registry_server.port, env=SERVER_ENV)
    registry_server.process = again.process  # the module's teardown stops this one
    wait_for_registry(registry_server, times=2)
    assert pid_file.read_text().strip() == pid and Path(f"/proc/{pid}").exists()  # adopted, not restarted
    assert "adopted the registry" in registry_server.log()
    tags = [
        i.get("imageTags")
        for i in clients["ecr"].describe_images(repositoryName="static-app")["imageDetails"]
    ]
    assert tags == [["0.1"]]
    pulled = subprocess.run(["docker", "pull", f"{HOST}/static-app:0.1"], capture_output=True, text=True)
    assert pulled.returncode == 0, pulled.stderr  # docker's stored login (issued before the kill) still holds
    images.append(f"{HOST}/static-app:0.1")
