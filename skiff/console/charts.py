"""The console's charts: CloudWatch series read through GetMetricData with the caller's identity.

- a service: CPU and memory utilization (`AWS/ECS`) and network bytes (`ECS/ContainerInsights`)
  with {ClusterName, ServiceName};
- a task: TaskCpuUtilization, TaskMemoryUtilization, NetworkRxBytes and NetworkTxBytes
  (`ECS/ContainerInsights`) with {ClusterName, TaskDefinitionFamily, TaskId}, which skiff publishes
  only for clusters with enhanced observability; for the others the reply says so and carries
  the aws CLI command that turns it on.

A shortened collector period (SKIFF_METRICS_PERIOD_SECONDS) is read at its own resolution beside
one-minute data; the finer series wins when it has more points.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from skiff.console.access import Caller
from skiff.console.backend import ConsoleBackend

Chart = tuple[str, str, str, str]  # id, namespace, metric name, statistic

SERVICE_CHARTS: tuple[Chart, ...] = (
    ("cpu", "AWS/ECS", "CPUUtilization", "Average"),
    ("memory", "AWS/ECS", "MemoryUtilization", "Average"),
    ("rx", "ECS/ContainerInsights", "NetworkRxBytes", "Average"),
    ("tx", "ECS/ContainerInsights", "NetworkTxBytes", "Average"),
)
TASK_CHARTS: tuple[Chart, ...] = (
    ("cpu", "ECS/ContainerInsights", "TaskCpuUtilization", "Average"),
    ("memory", "ECS/ContainerInsights", "TaskMemoryUtilization", "Average"),
    ("rx", "ECS/ContainerInsights", "NetworkRxBytes", "Average"),
    ("tx", "ECS/ContainerInsights", "NetworkTxBytes", "Average"),
)


def enhance_command(cluster: str) -> str:
    """The aws CLI command that turns enhanced observability on for `cluster`."""
    setting = "name=containerInsights,value=enhanced"
    return f"aws ecs update-cluster-settings --cluster {cluster} --settings {setting}"


def chart_period(seconds: int) -> int:
    """The GetMetricData period nearest above `seconds` that CloudWatch accepts (1, 5, 10, 20, 30 or a
    multiple of 60)."""
    for allowed in (1, 5, 10, 20, 30):
        if seconds <= allowed:
            return allowed
    return max(60, -(-seconds // 60) * 60)


class Charts:
    def __init__(self, backend: ConsoleBackend, period: int = 60) -> None:
        self.backend = backend
        self.period = max(1, period)

    async def service_metrics(
        self, caller: Caller, cluster: str, service: str, minutes: int
    ) -> dict[str, Any]:
        dimensions = {"ClusterName": cluster, "ServiceName": service}
        return await self.series(caller, SERVICE_CHARTS, dimensions, minutes)

    async def task_metrics(self, caller: Caller, cluster: str, task: str, minutes: int) -> dict[str, Any]:
        """The task's charts when its cluster is enhanced; else `enhanced: false` and the hint."""
        found = await self.backend.call(caller, "ecs", "DescribeTasks", {"cluster": cluster, "tasks": [task]})
        tasks = found.get("tasks") or []
        clusters = await self.backend.call(
            caller, "ecs", "DescribeClusters", {"clusters": [cluster], "include": ["SETTINGS"]}
        )
        described: dict[str, Any] = next(iter(clusters.get("clusters") or []), {})
        settings = described.get("settings") or []
        mode = next((s.get("value") for s in settings if s.get("name") == "containerInsights"), "disabled")
        name = str(described.get("clusterName", cluster))
        if mode != "enhanced" or not tasks:
            empty: dict[str, dict[str, list[float]]] = {
                ident: {"t": [], "v": []} for ident, *_ in TASK_CHARTS
            }
            hint = None if mode == "enhanced" else enhance_command(name)
            return {"enhanced": mode == "enhanced", "insights": mode, "hint": hint, "series": empty}
        record = tasks[0]
        family = str(record.get("taskDefinitionArn", "")).rsplit("/", 1)[-1].split(":", 1)[0]
        dimensions = {
            "ClusterName": name,
            "TaskDefinitionFamily": family,
            "TaskId": str(record["taskArn"]).rsplit("/", 1)[-1],
        }
        reply = await self.series(caller, TASK_CHARTS, dimensions, minutes)
        return {"enhanced": True, "insights": mode, "hint": None, **reply}

    async def series(
        self, caller: Caller, charts: tuple[Chart, ...], dims: dict[str, str], minutes: int
    ) -> dict[str, Any]:
        """The charts' series over the last `minutes` (1 minute to a day)."""
        minutes = min(max(1, minutes), 24 * 60)
        end = dt.datetime.now(dt.UTC)
        start = end - dt.timedelta(minutes=minutes)
        period = chart_period(self.period) if minutes <= 180 else 60
        dimensions = [{"Name": k, "Value": v} for k, v in dims.items()]
        periods = sorted({period, 60})
        queries = [
            {
                "Id": f"{ident}_{each}",
                "MetricStat": {
                    "Metric": {"Namespace": namespace, "MetricName": name, "Dimensions": dimensions},
                    "Period": each,
                    "Stat": stat,
                },
            }
            for ident, namespace, name, stat in charts
            for each in periods
        ]
        found = await self.backend.call(
            caller,
            "cloudwatch",
            "GetMetricData",
            {
                "MetricDataQueries": queries,
                "StartTime": start,
                "EndTime": end,
                "ScanBy": "TimestampAscending",
            },
        )
        series: dict[str, dict[str, list[float]]] = {ident: {"t": [], "v": []} for ident, *_ in charts}
        for result in found.get("MetricDataResults") or []:
            ident = str(result.get("Id", "")).rsplit("_", 1)[0]
            target = series.get(ident)
            pairs = sorted(zip(result.get("Timestamps") or [], result.get("Values") or [], strict=False))
            if target is None or len(pairs) <= len(target["t"]):
                continue  # the finer series when it has more points
            target["t"] = [
                when.timestamp() if isinstance(when, dt.datetime) else float(when) for when, _ in pairs
            ]
            target["v"] = [float(value) for _, value in pairs]
        return {"period": period, "start": start.timestamp(), "end": end.timestamp(), "series": series}
