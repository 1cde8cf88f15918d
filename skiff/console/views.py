"""What each console page shows, gathered from the services through `ConsoleBackend`.

Every view is a JSON document the page renders (and polls): clusters; a cluster's services and
tasks; a service with its deployments (rollout progress), events, tasks, target health and auto
scaling activities; a task with its containers, exit codes, health, stop reason, environment
variable names (never values) and log streams; load balancers with listeners, rules and target
health; Cloud Map namespaces, services and instances; ECR repositories and images; secrets and
parameters by name only.
"""

from __future__ import annotations

from typing import Any

from skiff.api.errors import AwsError
from skiff.console.access import Caller
from skiff.console.backend import ConsoleBackend

Doc = dict[str, Any]


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def task_id(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


class Views:
    def __init__(self, backend: ConsoleBackend) -> None:
        self.backend = backend

    async def _ecs(self, caller: Caller, operation: str, params: Doc) -> Doc:
        return await self.backend.call(caller, "ecs", operation, params)

    # -- ECS --------------------------------------------------------------------------------------
    async def clusters(self, caller: Caller) -> Doc:
        arns = await self.backend.pages(caller, "ecs", "ListClusters", "clusterArns")
        clusters: list[Doc] = []
        for chunk in _chunks(arns, 100):
            found = await self._ecs(caller, "DescribeClusters", {"clusters": chunk, "include": ["SETTINGS"]})
            clusters.extend(found.get("clusters") or [])
        return {"clusters": sorted(clusters, key=lambda c: str(c.get("clusterName")))}

    async def cluster(self, caller: Caller, cluster: str) -> Doc:
        found = await self._ecs(caller, "DescribeClusters", {"clusters": [cluster], "include": ["SETTINGS"]})
        if not found.get("clusters"):
            raise AwsError(f"Cluster {cluster} not found.", code="ClusterNotFoundException")
        arns = await self.backend.pages(caller, "ecs", "ListServices", "serviceArns", {"cluster": cluster})
        services: list[Doc] = []
        for chunk in _chunks(arns, 10):
            described = await self._ecs(caller, "DescribeServices", {"cluster": cluster, "services": chunk})
            services.extend(described.get("services") or [])
        for service in services:
            service.pop("events", None)
        tasks = await self.tasks(caller, cluster, None)
        return {
            "cluster": found["clusters"][0],
            "services": sorted(services, key=lambda s: str(s.get("serviceName"))),
            "tasks": tasks,
        }

    async def tasks(
        self, caller: Caller, cluster: str, service: str | None, stopped: bool = True
    ) -> list[Doc]:
        arns: list[str] = []
        statuses = ["RUNNING", "STOPPED"] if stopped else ["RUNNING"]
        for status in statuses:
            params: Doc = {"cluster": cluster, "desiredStatus": status}
            if service:
                params["serviceName"] = service
            arns += await self.backend.pages(caller, "ecs", "ListTasks", "taskArns", params)
        tasks: list[Doc] = []
        for chunk in _chunks(arns, 100):
            tasks.extend(
                (await self._ecs(caller, "DescribeTasks", {"cluster": cluster, "tasks": chunk}))["tasks"]
            )
        tasks.sort(key=lambda t: str(t.get("createdAt") or ""), reverse=True)
        return [summary(t) for t in tasks]

    async def service(self, caller: Caller, cluster: str, name: str) -> Doc:
        found = await self._ecs(caller, "DescribeServices", {"cluster": cluster, "services": [name]})
        services = [s for s in found.get("services") or [] if s.get("status") != "INACTIVE"]
        if not services:
            raise AwsError(f"Service {name} not found.", code="ServiceNotFoundException")
        service = services[0]
        service["events"] = (service.get("events") or [])[:50]
        cluster_name = str(service.get("clusterArn", cluster)).rsplit("/", 1)[-1]
        targets: list[Doc] = []
        for lb in service.get("loadBalancers") or []:
            arn = lb.get("targetGroupArn")
            if arn:
                health = await self.backend.attempt(
                    caller, "elbv2", "DescribeTargetHealth", {"TargetGroupArn": arn}
                )
                targets.append({"targetGroupArn": arn, **health})
        activities = await self.backend.attempt(
            caller,
            "application-autoscaling",
            "DescribeScalingActivities",
            {"ServiceNamespace": "ecs", "ResourceId": f"service/{cluster_name}/{service['serviceName']}"},
        )
        return {
            "service": service,
            "tasks": await self.tasks(caller, cluster, str(service["serviceName"])),
            "targetHealth": targets,
            "scalingActivities": (activities.get("ScalingActivities") or [])[:20],
            "clusterName": cluster_name,
        }

    async def task(self, caller: Caller, cluster: str, task: str) -> Doc:
        found = await self._ecs(
            caller, "DescribeTasks", {"cluster": cluster, "tasks": [task], "include": ["TAGS"]}
        )
        if not found.get("tasks"):
            raise AwsError(f"Task {task} not found.", code="InvalidParameterException")
        record = found["tasks"][0]
        definition = (
            await self._ecs(caller, "DescribeTaskDefinition", {"taskDefinition": record["taskDefinitionArn"]})
        )["taskDefinition"]
        overrides = {
            o.get("name"): o for o in (record.get("overrides") or {}).get("containerOverrides") or []
        }
        containers: list[Doc] = []
        by_name = {c.get("name"): c for c in record.get("containers") or []}
        for spec in definition.get("containerDefinitions") or []:
            running = by_name.get(spec["name"], {})
            override = overrides.get(spec["name"]) or {}
            names = {e["name"] for e in spec.get("environment") or []}
            names |= {e["name"] for e in override.get("environment") or []}
            containers.append(
                {
                    "name": spec["name"],
                    "image": spec.get("image"),
                    "essential": spec.get("essential", True),
                    "lastStatus": running.get("lastStatus"),
                    "exitCode": running.get("exitCode"),
                    "reason": running.get("reason"),
                    "healthStatus": running.get("healthStatus"),
                    "runtimeId": running.get("runtimeId"),
                    "environmentNames": sorted(names),
                    "secretNames": sorted(s["name"] for s in spec.get("secrets") or []),
                    "environmentFiles": len(spec.get("environmentFiles") or []),
                    "log": log_target(spec, task_id(record["taskArn"]), running.get("runtimeId")),
                    "logNote": log_note(spec, running.get("runtimeId")),
                }
            )
        detail = summary(record)
        detail.update(
            {
                "containers": containers,
                "cpu": record.get("cpu"),
                "memory": record.get("memory"),
                "launchType": record.get("launchType"),
                "platformVersion": record.get("platformVersion"),
                "availabilityZone": record.get("availabilityZone"),
                "stopCode": record.get("stopCode"),
                "stoppingAt": record.get("stoppingAt"),
                "stoppedAt": record.get("stoppedAt"),
                "startedAt": record.get("startedAt"),
                "pullStartedAt": record.get("pullStartedAt"),
                "executionStoppedAt": record.get("executionStoppedAt"),
                "connectivity": record.get("connectivity"),
                "clusterArn": record.get("clusterArn"),
                "taskRoleArn": definition.get("taskRoleArn"),
                "networkMode": definition.get("networkMode"),
                "network": network_details(record),
                "tags": record.get("tags") or [],
            }
        )
        return {"task": detail}

    # -- the other services ---------------------------------------------------------------------
    async def balancers(self, caller: Caller) -> Doc:
        call = self.backend.call
        balancers = await self.backend.pages(
            caller, "elbv2", "DescribeLoadBalancers", "LoadBalancers", token="Marker"
        )
        groups = await self.backend.pages(
            caller, "elbv2", "DescribeTargetGroups", "TargetGroups", token="Marker"
        )
        for balancer in balancers:
            listeners = await call(
                caller, "elbv2", "DescribeListeners", {"LoadBalancerArn": balancer["LoadBalancerArn"]}
            )
            balancer["Listeners"] = listeners.get("Listeners") or []
            for listener in balancer["Listeners"]:
                rules = await call(caller, "elbv2", "DescribeRules", {"ListenerArn": listener["ListenerArn"]})
                listener["Rules"] = rules.get("Rules") or []
        for group in groups:
            health = await self.backend.attempt(
                caller, "elbv2", "DescribeTargetHealth", {"TargetGroupArn": group["TargetGroupArn"]}
            )
            group["TargetHealthDescriptions"] = health.get("TargetHealthDescriptions") or []
        return {"loadBalancers": balancers, "targetGroups": groups}

    async def discovery(self, caller: Caller) -> Doc:
        namespaces = await self.backend.pages(
            caller, "servicediscovery", "ListNamespaces", "Namespaces", token="NextToken"
        )
        services = await self.backend.pages(
            caller, "servicediscovery", "ListServices", "Services", token="NextToken"
        )
        for service in services:
            service["Instances"] = await self.backend.pages(
                caller,
                "servicediscovery",
                "ListInstances",
                "Instances",
                {"ServiceId": service["Id"]},
                token="NextToken",
            )
        return {"namespaces": namespaces, "services": services}

    async def images(self, caller: Caller) -> Doc:
        repositories = await self.backend.pages(caller, "ecr", "DescribeRepositories", "repositories")
        for repository in repositories:
            repository["images"] = await self.backend.pages(
                caller,
                "ecr",
                "DescribeImages",
                "imageDetails",
                {"repositoryName": repository["repositoryName"]},
            )
        return {"repositories": repositories}

    async def configuration(self, caller: Caller) -> Doc:
        """Secrets and parameters by name: no value is ever read."""
        secrets = await self.backend.pages(
            caller, "secretsmanager", "ListSecrets", "SecretList", token="NextToken"
        )
        parameters = await self.backend.pages(
            caller, "ssm", "DescribeParameters", "Parameters", token="NextToken"
        )
        keep_secret = ("Name", "ARN", "Description", "LastChangedDate", "CreatedDate", "KmsKeyId")
        keep_parameter = ("Name", "Type", "Version", "LastModifiedDate", "Tier", "DataType")
        return {
            "secrets": [{k: s.get(k) for k in keep_secret if k in s} for s in secrets],
            "parameters": [{k: p.get(k) for k in keep_parameter if k in p} for p in parameters],
        }


def summary(task: Doc) -> Doc:
    """What a table row of a task shows."""
    address = None
    for attachment in task.get("attachments") or []:
        for detail in attachment.get("details") or []:
            if detail.get("name") == "privateIPv4Address":
                address = detail.get("value")
    group = str(task.get("group") or "")
    return {
        "taskArn": task["taskArn"],
        "taskId": task_id(task["taskArn"]),
        "service": group.split(":", 1)[1] if group.startswith("service:") else None,
        "group": group,
        "lastStatus": task.get("lastStatus"),
        "desiredStatus": task.get("desiredStatus"),
        "healthStatus": task.get("healthStatus"),
        "taskDefinition": str(task.get("taskDefinitionArn", "")).rsplit("/", 1)[-1],
        "address": address,
        "createdAt": task.get("createdAt"),
        "stoppedReason": task.get("stoppedReason"),
        "containers": [
            {"name": c.get("name"), "lastStatus": c.get("lastStatus"), "exitCode": c.get("exitCode")}
            for c in task.get("containers") or []
        ],
    }


def log_target(container: Doc, task: str, runtime_id: str | None) -> Doc | None:
    """The awslogs group and stream of a container (None when it logs elsewhere)."""
    config = container.get("logConfiguration") or {}
    if config.get("logDriver") != "awslogs":
        return None
    options = config.get("options") or {}
    group = options.get("awslogs-group")
    if not group:
        return None
    prefix = options.get("awslogs-stream-prefix")
    stream = f"{prefix}/{container['name']}/{task}" if prefix else runtime_id
    return {"group": group, "stream": stream, "region": options.get("awslogs-region")} if stream else None


def log_note(container: Doc, runtime_id: str | None) -> Doc | None:
    """Why a container has no CloudWatch log stream to follow now (None when it has one):
    `pending` while the stream's name waits for the container's id, else never."""
    config = container.get("logConfiguration") or {}
    driver = config.get("logDriver")
    if driver != "awslogs":
        set_to = f"logDriver {driver}" if driver else "no logConfiguration"
        return {"pending": False, "why": f"its logConfiguration is not awslogs ({set_to})"}
    options = config.get("options") or {}
    if not options.get("awslogs-group"):
        return {"pending": False, "why": "its awslogs logConfiguration names no awslogs-group"}
    if not options.get("awslogs-stream-prefix") and not runtime_id:
        return {
            "pending": True,
            "why": "the container has not started: its log stream is named after its container id",
        }
    return None


def network_details(task: Doc) -> Doc:
    """The task's ENI attachment details (subnet, interface id, MAC, addresses)."""
    details: Doc = {}
    for attachment in task.get("attachments") or []:
        if attachment.get("type") == "ElasticNetworkInterface":
            details.update(
                {d["name"]: d.get("value") for d in attachment.get("details") or [] if "name" in d}
            )
    return details
