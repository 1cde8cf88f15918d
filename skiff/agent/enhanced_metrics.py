"""The task- and container-level `ECS/ContainerInsights` metrics of enhanced observability
(clusters whose `containerInsights` setting is `enhanced`), on top of the standard set of
skiff/agent/task_metrics.py. Names, dimension sets and units follow the CloudWatch User Guide's
"Amazon ECS Container Insights with enhanced observability metrics":

* per task, with {ClusterName, ServiceName, TaskId} (service tasks) and {ClusterName,
  TaskDefinitionFamily, TaskId}: CpuUtilized, CpuReserved, MemoryUtilized, MemoryReserved,
  NetworkRxBytes, NetworkTxBytes, StorageReadBytes, StorageWriteBytes, and TaskCpuUtilization /
  TaskMemoryUtilization (Percent), the latter two also per {ClusterName}, {ClusterName,
  ServiceName} and {ClusterName, TaskDefinitionFamily};
* per container, with {ClusterName}, {ClusterName, ServiceName, ContainerName}, {ClusterName,
  TaskDefinitionFamily, ContainerName}, and those two with TaskId: ContainerCpuUtilized,
  ContainerCpuReserved, ContainerMemoryUtilized, ContainerMemoryReserved,
  ContainerMemoryUtilization, ContainerStorageReadBytes, ContainerStorageWriteBytes,
  UnHealthyContainerHealthStatus (containers with a health check: 1 UNHEALTHY, 0 HEALTHY);
* ContainerCpuUtilization, ContainerNetworkRxBytes and ContainerNetworkTxBytes with the task-level
  sets (the guide lists no ContainerName for them). A task's containers share one network
  namespace, so the container network figures are the task's, one sample per task.

A container's reservation is its own `cpu` / `memoryReservation` (else `memory`), else the task's
(Fargate's containers without one share the task's). RestartCount is not published: skiff's
containers have no restart policy.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from skiff.agent.task_metrics import INSIGHTS, Batch, Entry, TaskReading
from skiff.agent.task_stats import ContainerUse, percent, reservation
from skiff.state.metrics import MetricKey
from skiff.state.tasks import INTERNAL
from skiff.store.base import Document

ENHANCED = "enhanced"
HEALTH_VALUES = {"UNHEALTHY": 1.0, "HEALTHY": 0.0}

Dims = dict[str, str]


def enhanced(cluster: Document | None) -> bool:
    """The cluster's `containerInsights` setting is `enhanced`."""
    for setting in (cluster or {}).get("settings") or []:
        if setting.get("name") == "containerInsights":
            return bool(setting.get("value") == ENHANCED)
    return False


def task_id(task: Document) -> str:
    return str(task["taskArn"]).rsplit("/", 1)[-1]


def _task_sets(r: TaskReading) -> list[Dims]:
    """{ClusterName, ServiceName, TaskId} (service tasks) and {ClusterName, TaskDefinitionFamily, TaskId}."""
    tid = task_id(r.task)
    sets: list[Dims] = []
    if r.service is not None:
        sets.append({"ClusterName": r.cluster, "ServiceName": r.service, "TaskId": tid})
    sets.append({"ClusterName": r.cluster, "TaskDefinitionFamily": r.family, "TaskId": tid})
    return sets


def _aggregate_sets(r: TaskReading) -> list[Dims]:
    """{ClusterName}, {ClusterName, ServiceName} (service tasks), {ClusterName, TaskDefinitionFamily}."""
    sets: list[Dims] = [{"ClusterName": r.cluster}]
    if r.service is not None:
        sets.append({"ClusterName": r.cluster, "ServiceName": r.service})
    sets.append({"ClusterName": r.cluster, "TaskDefinitionFamily": r.family})
    return sets


def _container_sets(r: TaskReading, name: str) -> list[Dims]:
    sets: list[Dims] = [{"ClusterName": r.cluster}]
    tid = task_id(r.task)
    if r.service is not None:
        sets.append({"ClusterName": r.cluster, "ServiceName": r.service, "ContainerName": name})
        sets.append(
            {"ClusterName": r.cluster, "ServiceName": r.service, "TaskId": tid, "ContainerName": name}
        )
    sets.append({"ClusterName": r.cluster, "TaskDefinitionFamily": r.family, "ContainerName": name})
    sets.append(
        {"ClusterName": r.cluster, "TaskDefinitionFamily": r.family, "TaskId": tid, "ContainerName": name}
    )
    return sets


def container_reservation(task: Document, name: str) -> tuple[float, float]:
    """(CPU units, memory MiB) one container reserves: its own, else the task's."""
    task_cpu, task_memory = reservation(task)
    definition = _definition(task, name)
    cpu = _number(definition.get("cpu")) or task_cpu
    memory = _number(definition.get("memoryReservation")) or _number(definition.get("memory")) or task_memory
    return cpu, memory


def _definition(task: Document, name: str) -> Mapping[str, Any]:
    internal: Mapping[str, Any] = task.get(INTERNAL) or {}
    for container in (internal.get("definition") or {}).get("containerDefinitions") or []:
        if container.get("name") == name:
            return dict(container)
    return {}


def _number(value: Any) -> float:
    try:
        return float(value) if value is not None else 0.0
    except (TypeError, ValueError):
        return 0.0


def _containers(task: Document, uses: Mapping[str, ContainerUse]) -> Iterable[tuple[Document, ContainerUse]]:
    """The task's containers that were sampled, with their use."""
    for container in task.get("containers") or []:
        use = uses.get(str(container.get("runtimeId") or ""))
        if use is not None:
            yield container, use


def enhanced_entries(readings: Iterable[TaskReading], when: dt.datetime, resolution: int = 60) -> list[Entry]:
    """The enhanced-observability metrics of one interval for the given tasks (all of them in
    enhanced clusters)."""
    batch = Batch(when, resolution)
    for r in readings:

        def add(name: str, sets: list[Dims], unit: str, value: float | None, r: TaskReading = r) -> None:
            for dims in sets:
                batch.add(MetricKey.of(r.account, r.region, INSIGHTS, name, dims), unit, value)

        cpu_reserved, memory_reserved = reservation(r.task)
        use = r.usage
        task_sets = _task_sets(r)
        add("CpuUtilized", task_sets, "None", use.cpu_units)
        add("CpuReserved", task_sets, "None", cpu_reserved)
        add("MemoryUtilized", task_sets, "Megabytes", use.memory_mib)
        add("MemoryReserved", task_sets, "Megabytes", memory_reserved)
        add("NetworkRxBytes", task_sets, "Bytes/Second", use.rx_per_second)
        add("NetworkTxBytes", task_sets, "Bytes/Second", use.tx_per_second)
        add("StorageReadBytes", task_sets, "Bytes/Second", use.read_per_second)
        add("StorageWriteBytes", task_sets, "Bytes/Second", use.write_per_second)
        cpu_percent = None if use.cpu_units is None else percent(use.cpu_units, cpu_reserved)
        all_sets = task_sets + _aggregate_sets(r)
        add("TaskCpuUtilization", all_sets, "Percent", cpu_percent)
        add("TaskMemoryUtilization", all_sets, "Percent", percent(use.memory_mib, memory_reserved))
        add("ContainerNetworkRxBytes", all_sets, "Bytes/Second", use.rx_per_second)
        add("ContainerNetworkTxBytes", all_sets, "Bytes/Second", use.tx_per_second)
        for container, own in _containers(r.task, use.containers):
            name = str(container.get("name"))
            c_cpu, c_memory = container_reservation(r.task, name)
            sets = _container_sets(r, name)
            add("ContainerCpuUtilized", sets, "None", own.cpu_units)
            add("ContainerCpuReserved", sets, "None", c_cpu)
            add("ContainerMemoryUtilized", sets, "Megabytes", own.memory_mib)
            add("ContainerMemoryReserved", sets, "Megabytes", c_memory)
            add("ContainerMemoryUtilization", sets, "Percent", percent(own.memory_mib, c_memory))
            add("ContainerStorageReadBytes", sets, "Bytes/Second", own.read_per_second)
            add("ContainerStorageWriteBytes", sets, "Bytes/Second", own.write_per_second)
            c_percent = None if own.cpu_units is None else percent(own.cpu_units, c_cpu)
            add("ContainerCpuUtilization", all_sets, "Percent", c_percent)
            if _definition(r.task, name).get("healthCheck"):
                add(
                    "UnHealthyContainerHealthStatus",
                    sets,
                    "Count",
                    HEALTH_VALUES.get(str(container.get("healthStatus"))),
                )
    return batch.entries()
