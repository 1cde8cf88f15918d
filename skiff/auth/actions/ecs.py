"""ECS: `ecs:<Operation>` on the cluster, service, task, task definition or container instance
an operation names (many at once for the Describe* calls), with `ecs:cluster` as a condition
key, and iam:PassRole for the task, execution and service roles a request hands to ECS."""

from __future__ import annotations

from skiff.auth.actions import Call, Check, Rule, ServiceTable

PASSED_TO = "ecs-tasks.amazonaws.com"
DEFAULT_CLUSTER = "default"


def _arn(call: Call, kind: str, rest: str) -> str:
    if rest.startswith("arn:"):
        return rest
    return f"arn:aws:ecs:{call.region}:{call.account}:{kind}/{rest}"


def _tail(name_or_arn: str) -> str:
    return name_or_arn.rsplit("/", 1)[-1] if name_or_arn.startswith("arn:") else name_or_arn


def cluster_arn(call: Call) -> str:
    return _arn(call, "cluster", str(call.get("cluster") or call.get("clusterArn") or DEFAULT_CLUSTER))


def _cluster_name(call: Call) -> str:
    return _tail(cluster_arn(call))


def _cluster_key(call: Call) -> dict[str, list[str]]:
    return {"ecs:cluster": [cluster_arn(call)]}


def _family_revision(text: str) -> str:
    tail = _tail(text)
    return tail if ":" in tail else f"{tail}:*"


def _pass_role(call: Call, *members: str, service: str = PASSED_TO) -> list[Check]:
    out = []
    sources = [call.params, call.get("overrides") or {}]
    seen: set[str] = set()
    for source in sources:
        for member in members:
            role = source.get(member) if isinstance(source, dict) else None
            if isinstance(role, str) and role and role not in seen:
                seen.add(role)
                arn = role if role.startswith("arn:") else f"arn:aws:iam::{call.account}:role/{role}"
                out.append(Check("iam:PassRole", arn, {"iam:passedtoservice": [service]}))
    return out


def _action(call: Call) -> str:
    return f"ecs:{call.operation}"


def on_cluster(call: Call) -> list[Check]:
    return [Check(_action(call), cluster_arn(call))]


def on_clusters(call: Call) -> list[Check]:
    names = call.get("clusters") or [DEFAULT_CLUSTER]
    return [Check(_action(call), _arn(call, "cluster", str(n))) for n in names]


def on_service(call: Call) -> list[Check]:
    name = _tail(str(call.get("service") or call.get("serviceName") or "*"))
    arn = _arn(call, "service", f"{_cluster_name(call)}/{name}")
    return [Check(_action(call), arn, _cluster_key(call))]


def on_services(call: Call) -> list[Check]:
    cluster = _cluster_name(call)
    names = call.get("services") or ["*"]
    return [Check(_action(call), _arn(call, "service", f"{cluster}/{_tail(str(n))}")) for n in names]


def on_tasks(call: Call) -> list[Check]:
    cluster = _cluster_name(call)
    ids = call.get("tasks") or [call.get("task") or "*"]
    return [
        Check(_action(call), _arn(call, "task", f"{cluster}/{_tail(str(t))}"), _cluster_key(call))
        for t in ids
    ]


def on_container_instances(call: Call) -> list[Check]:
    cluster = _cluster_name(call)
    ids = call.get("containerInstances") or [
        call.get("containerInstance") or call.get("containerInstanceArn") or "*"
    ]
    return [Check(_action(call), _arn(call, "container-instance", f"{cluster}/{_tail(str(i))}")) for i in ids]


def on_task_definition(call: Call) -> list[Check]:
    return [
        Check(
            _action(call),
            _arn(call, "task-definition", _family_revision(str(call.get("taskDefinition") or "*"))),
        )
    ]


def on_task_definitions(call: Call) -> list[Check]:
    return [
        Check(_action(call), _arn(call, "task-definition", _family_revision(str(t))))
        for t in call.get("taskDefinitions") or ["*"]
    ]


def on_resource_arn(call: Call) -> list[Check]:
    return [Check(_action(call), str(call.get("resourceArn") or "*"))]


def on_anything(call: Call) -> list[Check]:
    return [Check(_action(call))]


def on_named(member: str, kind: str) -> Rule:
    def rule(call: Call) -> list[Check]:
        value = call.get(member)
        return [Check(_action(call), _arn(call, kind, _tail(str(value))) if value else "*")]

    return rule


def register_task_definition(call: Call) -> list[Check]:
    return [Check(_action(call)), *_pass_role(call, "taskRoleArn", "executionRoleArn")]


def run_task(call: Call) -> list[Check]:
    checks = on_task_definition(call)
    checks = [Check(c.action, c.resource, _cluster_key(call)) for c in checks]
    return [*checks, *_pass_role(call, "taskRoleArn", "executionRoleArn")]


def create_service(call: Call) -> list[Check]:
    checks = on_service(call)
    return [*checks, *_pass_role(call, "role", service="ecs.amazonaws.com")]


def create_express_gateway_service(call: Call) -> list[Check]:
    return [*on_service(call), *_pass_role(call, "taskRoleArn", "executionRoleArn", "infrastructureRoleArn")]


def _daemon(call: Call) -> list[Check]:
    arn = call.get("daemonArn")
    return [Check(_action(call), str(arn) if arn else "*")]


_BY_RULE: dict[Rule, tuple[str, ...]] = {
    on_cluster: (
        "CreateCluster",
        "DeleteCluster",
        "UpdateCluster",
        "UpdateClusterSettings",
        "PutClusterCapacityProviders",
        "ListServices",
        "ListContainerInstances",
        "ListTasks",
        "ListAttributes",
        "PutAttributes",
        "DeleteAttributes",
        "SubmitAttachmentStateChanges",
        "AssociateGatewayWithCluster",
        "DisassociateGatewayFromCluster",
        "ListServiceDeployments",
    ),
    on_clusters: ("DescribeClusters",),
    on_service: (
        "DeleteService",
        "UpdateService",
        "CreateTaskSet",
        "DeleteTaskSet",
        "DescribeTaskSets",
        "UpdateTaskSet",
        "UpdateServicePrimaryTaskSet",
    ),
    create_service: ("CreateService",),
    create_express_gateway_service: ("CreateExpressGatewayService", "UpdateExpressGatewayService"),
    on_services: ("DescribeServices",),
    on_tasks: (
        "StopTask",
        "DescribeTasks",
        "GetTaskProtection",
        "UpdateTaskProtection",
        "ExecuteCommand",
        "SubmitTaskStateChange",
        "SubmitContainerStateChange",
    ),
    on_container_instances: (
        "DescribeContainerInstances",
        "DeregisterContainerInstance",
        "RegisterContainerInstance",
        "UpdateContainerAgent",
        "UpdateContainerInstancesState",
        "DiscoverPollEndpoint",
        "StartTask",
    ),
    on_task_definition: ("DescribeTaskDefinition", "DeregisterTaskDefinition"),
    on_task_definitions: ("DeleteTaskDefinitions",),
    register_task_definition: ("RegisterTaskDefinition", "RegisterDaemonTaskDefinition"),
    run_task: ("RunTask",),
    on_resource_arn: ("TagResource", "UntagResource", "ListTagsForResource"),
    on_named("name", "capacity-provider"): ("CreateCapacityProvider", "UpdateCapacityProvider"),
    on_named("capacityProvider", "capacity-provider"): ("DeleteCapacityProvider",),
    on_named("serviceArn", "service"): ("DeleteExpressGatewayService", "DescribeExpressGatewayService"),
    on_named("gateway", "gateway"): (
        "DeleteGateway",
        "DescribeGateway",
        "DescribeGatewayResources",
        "UpdateGateway",
    ),
    on_named("name", "gateway"): ("CreateGateway",),
    on_named("daemonTaskDefinition", "daemon-task-definition"): (
        "DeleteDaemonTaskDefinition",
        "DescribeDaemonTaskDefinition",
    ),
    _daemon: ("DeleteDaemon", "DescribeDaemon", "UpdateDaemon", "ListDaemonDeployments"),
    on_anything: (
        "CreateDaemon",
        "ContinueServiceDeployment",
        "StopServiceDeployment",
        "DescribeCapacityProviders",
        "DescribeDaemonDeployments",
        "DescribeDaemonRevisions",
        "DescribeGatewayRoute",
        "DescribeServiceDeployments",
        "DescribeServiceRevisions",
        "ListAccountSettings",
        "PutAccountSetting",
        "PutAccountSettingDefault",
        "DeleteAccountSetting",
        "ListClusters",
        "ListDaemonTaskDefinitions",
        "ListDaemons",
        "ListGatewayClusterAssociations",
        "ListGatewayRoutes",
        "ListGateways",
        "ListServicesByNamespace",
        "ListTaskDefinitionFamilies",
        "ListTaskDefinitions",
    ),
}

TABLE = ServiceTable(
    "ecs", "ecs", {operation: rule for rule, operations in _BY_RULE.items() for operation in operations}
)
