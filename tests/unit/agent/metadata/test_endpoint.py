"""The metadata endpoint's shapes, field by field against shared/reference §1-2, and its rules
(404 for unknown ids, 400 for unknown callers on v2, credentials only for their own task)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from skiff.agent.metadata.server import MetadataEndpoint
from skiff.agent.metadata.state import ContainerRef, metadata_id
from skiff.services.ecs.task_model import new_task
from skiff.state.scope import Scope
from skiff.store.base import Document

V4_TASK_FIELDS = {
    "Cluster", "TaskARN", "Family", "Revision", "DesiredStatus", "KnownStatus", "Containers", "Limits",
    "PullStartedAt", "PullStoppedAt", "AvailabilityZone", "LaunchType", "VPCID", "ClockDrift",
    "EphemeralStorageMetrics",
}  # fmt: skip
V4_CONTAINER_FIELDS = {
    "DockerId", "Name", "DockerName", "Image", "ImageID", "Ports", "Labels", "DesiredStatus", "KnownStatus",
    "Limits", "CreatedAt", "StartedAt", "Type", "Networks", "Health", "LogDriver", "LogOptions",
    "ContainerARN", "RestartCount",
}  # fmt: skip
V4_NETWORK_FIELDS = {
    "NetworkMode", "IPv4Addresses", "AttachmentIndex", "MACAddress", "IPv4SubnetCIDRBlock",
    "DomainNameServers", "PrivateDNSName", "SubnetGatewayIpv4Address",
}  # fmt: skip
V3_ONLY_DROPPED = {"LaunchType", "LogDriver", "LogOptions", "ContainerARN"}
NOW = dt.datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=dt.UTC)


def running_task(ip: str = "127.0.0.1", role: str | None = "arn:aws:iam::000000000000:role/app") -> Document:
    definition = {
        "family": "web",
        "revision": 3,
        "taskDefinitionArn": "arn:aws:ecs:us-east-1:000000000000:task-definition/web:3",
        "cpu": "256",
        "memory": "512",
        "taskRoleArn": role,
        "containerDefinitions": [
            {
                "name": "app",
                "image": "busybox",
                "cpu": 10,
                "memory": 256,
                "portMappings": [{"containerPort": 8080, "hostPort": 8080, "protocol": "tcp"}],
                "healthCheck": {"command": ["CMD", "true"]},
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "g",
                        "awslogs-stream-prefix": "web",
                        "awslogs-create-group": "true",
                    },
                },
            }
        ],
    }
    subnet = {
        "SubnetId": "subnet-1",
        "CidrBlock": "10.0.1.0/24",
        "VpcId": "vpc-1",
        "AvailabilityZone": "us-east-1a",
    }
    task = new_task(
        Scope("000000000000", "us-east-1"),
        cluster_arn="arn:aws:ecs:us-east-1:000000000000:cluster/c",
        definition=definition,
        overrides={},
        network={
            "subnet": subnet,
            "security_groups": [],
            "subnets": ["subnet-1"],
            "availability_zone": "us-east-1a",
        },
        started_by=None,
        group="service:front",
        tags=[{"key": "team", "value": "a"}],
        availability_zone="us-east-1a",
    )
    task["_skiff"]["eni"] = {"id": "eni-1", "ip": ip, "mac": "02:42:0a:00:01:04"}
    task["attachments"][0]["details"] = [{"name": "privateDnsName", "value": "ip-10-0-1-4.ec2.internal"}]
    task["pullStartedAt"] = task["pullStoppedAt"] = NOW
    task["lastStatus"] = "RUNNING"
    task["containers"][0].update(lastStatus="RUNNING", runtimeId="d0cker", healthStatus="HEALTHY")
    task["_skiff"]["container_times"] = {"app": {"created": NOW, "started": NOW}}
    task["_skiff"]["health"] = {"app": {"since": NOW}}
    return task


class FakeState:
    def __init__(self, tasks: list[Document]) -> None:
        self.tasks = tasks

    def container(self, metadata: str) -> ContainerRef | None:
        for task in self.tasks:
            for c in task["_skiff"]["containers"]:
                if metadata_id(task, c["name"]) == metadata:
                    return ContainerRef(task, c["name"])
        return None

    def task_by_ip(self, ip: str) -> Document | None:
        return next((t for t in self.tasks if t["_skiff"]["eni"]["ip"] == ip), None)

    def docker_id(self, task: Document, name: str) -> str | None:
        return None

    def pause_id(self, task: Document) -> str | None:
        return None


async def no_stats(*_: Any, **__: Any) -> dict[str, Any]:
    return {}


class FakeSampler:
    sample = staticmethod(no_stats)


def serve(tasks: list[Document], check: Callable[[TestClient[Any, Any]], Awaitable[None]]) -> None:
    async def credentials(task: Document) -> dict[str, Any]:
        return {
            "RoleArn": task["_skiff"]["definition"]["taskRoleArn"],
            "AccessKeyId": "ASIA",
            "SecretAccessKey": "s",
            "Token": "t",
            "Expiration": "2030-01-01T00:00:00Z",
        }

    endpoint = MetadataEndpoint(FakeState(tasks), FakeSampler(), credentials)  # type: ignore[arg-type]

    async def run() -> None:
        async with TestClient(TestServer(endpoint.app())) as client:
            await check(client)

    asyncio.run(run())


def test_v4_fields_match_the_reference() -> None:
    task = running_task()
    mid = metadata_id(task, "app")

    async def check(client: TestClient[Any, Any]) -> None:
        body = await (await client.get(f"/v4/{mid}/task")).json()
        assert set(body) >= V4_TASK_FIELDS
        assert body["LaunchType"] == "FARGATE"
        assert body["Revision"] == "3"
        assert body["Limits"] == {"CPU": 0.25, "Memory": 512}
        assert body["ServiceName"] == "front"
        assert body["EphemeralStorageMetrics"]["Reserved"] == 20496
        assert body["PullStartedAt"] == "2024-01-02T03:04:05.123456000Z"
        container = body["Containers"][0]
        assert set(container) >= V4_CONTAINER_FIELDS
        assert container["DockerId"] == mid
        assert container["DockerName"] == "app"
        assert container["Ports"] == [
            {"ContainerPort": 8080, "Protocol": "tcp", "HostPort": 8080, "HostIp": "0.0.0.0"}
        ]
        assert container["Limits"] == {"CPU": 10, "Memory": 256}
        assert container["Health"]["status"] == "HEALTHY"
        assert container["LogDriver"] == "awslogs"
        # as Fargate shows them: the stream written to instead of its prefix, and the region
        assert container["LogOptions"] == {
            "awslogs-group": "g",
            "awslogs-create-group": "true",
            "awslogs-region": "us-east-1",
            "awslogs-stream": f"web/app/{body['TaskARN'].rsplit('/', 1)[-1]}",
        }
        network = container["Networks"][0]
        assert set(network) >= V4_NETWORK_FIELDS
        assert network["SubnetGatewayIpv4Address"] == "10.0.1.1/24"
        assert network["IPv4SubnetCIDRBlock"] == "10.0.1.0/24"
        assert set(container["Labels"]) == {
            "com.amazonaws.ecs.cluster", "com.amazonaws.ecs.container-name", "com.amazonaws.ecs.task-arn",
            "com.amazonaws.ecs.task-definition-family", "com.amazonaws.ecs.task-definition-version",
        }  # fmt: skip
        tagged = await (await client.get(f"/v4/{mid}/taskWithTags")).json()
        assert tagged["TaskTags"] == {"team": "a"}
        alone = await (await client.get(f"/v4/{mid}")).json()
        assert alone == container

    serve([task], check)


def test_v3_and_v2_omit_the_v4_extras() -> None:
    task = running_task()
    mid = metadata_id(task, "app")

    async def check(client: TestClient[Any, Any]) -> None:
        v3 = await (await client.get(f"/v3/{mid}/task")).json()
        v2 = await (await client.get("/v2/metadata")).json()
        for body in (v3, v2):
            assert not V3_ONLY_DROPPED & set(body)
            assert not V3_ONLY_DROPPED & set(body["Containers"][0])
            assert body["Containers"][0]["Networks"] == [
                {"NetworkMode": "awsvpc", "IPv4Addresses": ["127.0.0.1"]}
            ]
        v2_container = await (await client.get(f"/v2/metadata/{mid}")).json()
        assert v2_container["Name"] == "app"

    serve([task], check)


def test_unknown_ids_and_callers() -> None:
    async def check(client: TestClient[Any, Any]) -> None:
        missing = await client.get("/v4/0123-9999999999/task")
        assert missing.status == 404
        assert isinstance(await missing.json(), str)
        stranger = await client.get("/v2/metadata")
        assert stranger.status == 400
        assert isinstance(await stranger.json(), str)

    serve([running_task(ip="10.9.9.9")], check)


def test_credentials_only_for_their_own_task() -> None:
    mine, other = running_task(), running_task(ip="10.0.1.9")

    async def check(client: TestClient[Any, Any]) -> None:
        good = await client.get(f"/v2/credentials/{mine['_skiff']['credentials_id']}")
        assert good.status == 200
        assert set(await good.json()) == {"RoleArn", "AccessKeyId", "SecretAccessKey", "Token", "Expiration"}
        stolen = await client.get(f"/v2/credentials/{other['_skiff']['credentials_id']}")
        assert stolen.status == 400
        assert (await stolen.json())["code"] == "InvalidIdInRequest"
        empty = await client.get("/v2/credentials/")
        assert (empty.status, (await empty.json())["code"]) == (400, "NoIdInRequest")

    serve([mine, other], check)


def test_rate_limit_per_task() -> None:
    task = running_task()
    mid = metadata_id(task, "app")

    async def check(client: TestClient[Any, Any]) -> None:
        statuses = [(await client.get(f"/v4/{mid}")).status for _ in range(70)]
        assert statuses[:60] == [200] * 60
        assert 429 in statuses[60:]

    serve([task], check)


def test_credentials_ids_are_unguessable() -> None:
    ids = {running_task()["_skiff"]["credentials_id"] for _ in range(50)}
    assert len(ids) == 50
    assert all(len(i) == 36 for i in ids)  # uuid4: 122 random bits
    assert running_task(role=None)["_skiff"]["credentials_id"] is None
