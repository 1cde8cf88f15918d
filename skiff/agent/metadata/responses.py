"""The JSON bodies of the task metadata endpoint, field for field as Fargate answers.

v4 is the full form; v3 drops LaunchType, LogDriver, LogOptions, ContainerARN and the awsvpc
extras of `Networks`; v2 is v3's shape found by source IP. Timestamps are RFC 3339 with
nanoseconds in UTC.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from typing import Any

from skiff.agent import awslogs
from skiff.agent.metadata.state import metadata_id
from skiff.runtime.labels import ECS_CLUSTER, ECS_CONTAINER_NAME, ECS_FAMILY, ECS_TASK_ARN, ECS_VERSION
from skiff.store.base import Document

KNOWN_STATUS = {"PENDING": "NONE", "RUNNING": "RUNNING", "STOPPED": "STOPPED"}


def rfc3339(value: Any) -> str | None:
    if not isinstance(value, dt.datetime):
        return None
    utc = value.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond * 1000:09d}Z"


def _definition(task: Document) -> dict[str, Any]:
    found: dict[str, Any] = task["_skiff"]["definition"]
    return found


def _container_def(task: Document, name: str) -> dict[str, Any]:
    for container in task["_skiff"]["containers"]:
        if container["name"] == name:
            found: dict[str, Any] = container
            return found
    raise KeyError(name)


def _entry(task: Document, name: str) -> dict[str, Any]:
    for entry in task["containers"]:
        if entry["name"] == name:
            found: dict[str, Any] = entry
            return found
    raise KeyError(name)


def _times(task: Document, name: str) -> dict[str, Any]:
    found: dict[str, Any] = task["_skiff"].get("container_times", {}).get(name, {})
    return found


def _drop_empty(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def networks(task: Document, full: bool) -> list[dict[str, Any]]:
    internal = task["_skiff"]
    eni = internal.get("eni")
    if not eni:
        return []
    network: dict[str, Any] = {"NetworkMode": "awsvpc", "IPv4Addresses": [eni["ip"]]}
    if not full:
        return [network]
    subnet = internal["network"].get("subnet") or {}
    cidr = subnet.get("CidrBlock", f"{eni['ip']}/32")
    block = ipaddress.ip_network(cidr, strict=False)
    hosts = block.hosts()
    gateway = next(hosts, block.network_address)
    region = internal["region"]
    suffix = "ec2.internal" if region == "us-east-1" else f"{region}.compute.internal"
    details = {d["name"]: d["value"] for d in task["attachments"][0].get("details", [])}
    network.update(
        {
            "AttachmentIndex": 0,
            "MACAddress": eni.get("mac", ""),
            "IPv4SubnetCIDRBlock": str(block),
            "DomainNameServers": [str(next(hosts, gateway))],
            "DomainNameSearchList": [suffix],
            "PrivateDNSName": details.get("privateDnsName", ""),
            "SubnetGatewayIpv4Address": f"{gateway}/{block.prefixlen}",
        }
    )
    return [network]


def log_options(task: Document, container: dict[str, Any], entry: dict[str, Any]) -> dict[str, str]:
    """`LogOptions` as Fargate shows them: for awslogs the stream the driver writes to
    (`awslogs-stream`, in place of `awslogs-stream-prefix`) and the region it resolved."""
    log = container.get("logConfiguration") or {}
    options = {str(k): str(v) for k, v in (log.get("options") or {}).items()}
    if not awslogs.uses_awslogs(container):
        return options
    task_id = str(task["taskArn"]).rsplit("/", 1)[-1]
    region = str(task["_skiff"].get("region") or "")
    try:
        config = awslogs.config_for(container, task_id, region, str(entry.get("runtimeId") or ""))
    except awslogs.OptionError:
        return options
    options.pop("awslogs-stream-prefix", None)
    options["awslogs-region"] = config.region
    options["awslogs-stream"] = config.stream
    return options


def container_body(task: Document, name: str, version: int) -> dict[str, Any]:
    definition = _definition(task)
    container = _container_def(task, name)
    entry = _entry(task, name)
    times = _times(task, name)
    known = KNOWN_STATUS.get(entry.get("lastStatus", "PENDING"), "NONE")
    if known == "NONE" and entry.get("runtimeId"):
        known = "CREATED"
    body: dict[str, Any] = {
        "DockerId": metadata_id(task, name),
        "Name": name,
        "DockerName": name,
        "Image": container["image"],
        "ImageID": task["_skiff"].get("image_ids", {}).get(name, ""),
        "Labels": {
            ECS_CLUSTER: task["clusterArn"],
            ECS_CONTAINER_NAME: name,
            ECS_TASK_ARN: task["taskArn"],
            ECS_FAMILY: definition["family"],
            ECS_VERSION: str(definition["revision"]),
        },
        "DesiredStatus": task["desiredStatus"] if task["desiredStatus"] == "STOPPED" else "RUNNING",
        "KnownStatus": known,
        "Limits": _drop_empty({"CPU": int(container.get("cpu") or 0), "Memory": container.get("memory")}),
        "CreatedAt": rfc3339(times.get("created")),
        "StartedAt": rfc3339(times.get("started")),
        "FinishedAt": rfc3339(times.get("finished")),
        "Type": "NORMAL",
        "Networks": networks(task, full=version >= 4),
    }
    if "exitCode" in entry:
        body["ExitCode"] = entry["exitCode"]
    if container.get("portMappings"):
        body["Ports"] = [
            {
                "ContainerPort": p.get("containerPort"),
                "Protocol": p.get("protocol", "tcp"),
                "HostPort": p.get("hostPort", p.get("containerPort")),
                "HostIp": "0.0.0.0",
            }
            for p in container["portMappings"]
        ]
    if container.get("healthCheck"):
        health = task["_skiff"].get("health", {}).get(name, {})
        body["Health"] = _drop_empty(
            {
                "status": entry.get("healthStatus", "UNKNOWN"),
                "statusSince": rfc3339(health.get("since")),
                "exitCode": health.get("exitCode"),
                "output": health.get("output"),
            }
        )
    if version >= 4:
        log = container.get("logConfiguration") or {}
        body["LogDriver"] = log.get("logDriver", "awslogs" if log else "json-file")
        body["LogOptions"] = log_options(task, container, entry)
        body["ContainerARN"] = entry["containerArn"]
        body["RestartCount"] = 0
        body["Snapshotter"] = "overlayfs"
    return _drop_empty(body)


def task_body(task: Document, version: int, *, with_tags: bool = False) -> dict[str, Any]:
    definition = _definition(task)
    internal = task["_skiff"]
    storage = int((definition.get("ephemeralStorage") or {}).get("sizeInGiB", 20))
    body: dict[str, Any] = {
        "Cluster": task["clusterArn"],
        "TaskARN": task["taskArn"],
        "Family": definition["family"],
        "Revision": str(definition["revision"]),
        "DesiredStatus": task["desiredStatus"],
        "KnownStatus": task["lastStatus"],
        "Containers": [container_body(task, str(c["name"]), version) for c in internal["containers"]],
        "Limits": _drop_empty(
            {
                "CPU": int(task["cpu"]) / 1024 if task.get("cpu") else None,
                "Memory": int(task["memory"]) if task.get("memory") else None,
            }
        ),
        "PullStartedAt": rfc3339(task.get("pullStartedAt")),
        "PullStoppedAt": rfc3339(task.get("pullStoppedAt")),
        "ExecutionStoppedAt": rfc3339(task.get("executionStoppedAt")),
        "AvailabilityZone": task.get("availabilityZone"),
    }
    if version >= 4:
        subnet = internal["network"].get("subnet") or {}
        group = str(task.get("group", ""))
        body.update(
            {
                "LaunchType": "FARGATE",
                "VPCID": subnet.get("VpcId"),
                "ServiceName": group.split(":", 1)[1] if group.startswith("service:") else None,
                "ClockDrift": {
                    "ClockErrorBound": 0.5,
                    "ReferenceTimestamp": rfc3339(dt.datetime.now(dt.UTC)),
                    "ClockSynchronizationStatus": "SYNCHRONIZED",
                },
                "EphemeralStorageMetrics": {"Utilized": 0, "Reserved": storage * 1024 + 16},
            }
        )
    if with_tags:
        body["TaskTags"] = {t["key"]: t["value"] for t in task.get("tags", [])}
    return _drop_empty(body)
