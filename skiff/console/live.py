"""The console's live parts: a container's log as server-sent events, and a service's charts.

Logs: `follow` sends the stream's last lines, then every new line as it reaches CloudWatch Logs
(GetLogEvents with the forward token, polled), one SSE `data:` event per log event; a comment
line keeps idle connections open. A stream that does not exist yet (the task has not started its
container) is waited for: an SSE `waiting` event says so, an `open` event says when it appears
(the page shows "waiting for the first line..." until a line comes). Charts:
`service_metrics` reads CPU and memory utilization (`AWS/ECS`) and network bytes
(`ECS/ContainerInsights`) of one service through GetMetricData.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from typing import Any

from aiohttp import web

from skiff.api.errors import AwsError
from skiff.console.access import Caller
from skiff.console.backend import ConsoleBackend

POLL_SECONDS = 0.5
KEEPALIVE_SECONDS = 15.0
BACKLOG = 200

CHARTS: tuple[tuple[str, str, str, str], ...] = (
    # id, namespace, metric name, statistic
    ("cpu", "AWS/ECS", "CPUUtilization", "Average"),
    ("memory", "AWS/ECS", "MemoryUtilization", "Average"),
    ("rx", "ECS/ContainerInsights", "NetworkRxBytes", "Average"),
    ("tx", "ECS/ContainerInsights", "NetworkTxBytes", "Average"),
)


class Live:
    def __init__(self, backend: ConsoleBackend, period: int = 60) -> None:
        self.backend = backend
        self.period = max(1, period)

    async def follow(
        self, caller: Caller, request: web.Request, group: str, stream: str
    ) -> web.StreamResponse:
        # the first read answers refusals and bad names as a JSON error, before the stream opens
        params: dict[str, Any] = {"logGroupName": group, "logStreamName": stream, "limit": BACKLOG}
        first = await self._read(caller, params)
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-store",
                "X-Accel-Buffering": "no",
            }
        )
        await response.prepare(request)
        last_write = time.monotonic()
        page = first
        present = first is not None
        try:
            await response.write(
                sse_event("open" if present else "waiting", {"group": group, "stream": stream})
            )
            while True:
                if page is not None and not present:
                    present = True
                    await response.write(sse_event("open", {"group": group, "stream": stream}))
                if page is not None:
                    for event in page.get("events") or []:
                        line = json.dumps(
                            {"timestamp": event.get("timestamp"), "message": event.get("message")}
                        )
                        await response.write(f"data: {line}\n\n".encode())
                        last_write = time.monotonic()
                    token = page.get("nextForwardToken")
                    params = {"logGroupName": group, "logStreamName": stream, "startFromHead": True}
                    if token:
                        params["nextToken"] = token
                if time.monotonic() - last_write > KEEPALIVE_SECONDS:
                    await response.write(b": keep-alive\n\n")
                    last_write = time.monotonic()
                await asyncio.sleep(POLL_SECONDS)
                if request.transport is None or request.transport.is_closing():
                    break
                following = await self._read(caller, params)
                page = following if following is not None or "nextToken" in params else None
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        return response

    async def _read(self, caller: Caller, params: dict[str, Any]) -> dict[str, Any] | None:
        """A page of events; None while the stream does not exist yet."""
        try:
            return await self.backend.call(caller, "logs", "GetLogEvents", dict(params))
        except AwsError as error:
            if error.code == "ResourceNotFoundException":
                return None
            raise

    async def service_metrics(
        self, caller: Caller, cluster: str, service: str, minutes: int
    ) -> dict[str, Any]:
        minutes = min(max(1, minutes), 24 * 60)
        end = dt.datetime.now(dt.UTC)
        start = end - dt.timedelta(minutes=minutes)
        period = chart_period(self.period) if minutes <= 180 else 60
        dimensions = [{"Name": "ClusterName", "Value": cluster}, {"Name": "ServiceName", "Value": service}]
        # a shortened period (SKIFF_METRICS_PERIOD_SECONDS) reads the collector's per-second data;
        # one-minute data (PutMetricData's standard resolution) is read at 60 s beside it
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
            for ident, namespace, name, stat in CHARTS
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
        series: dict[str, dict[str, list[float]]] = {ident: {"t": [], "v": []} for ident, *_ in CHARTS}
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


def sse_event(kind: str, data: dict[str, Any]) -> bytes:
    """One named server-sent event (the page's EventSource listens for `open` and `waiting`)."""
    return f"event: {kind}\ndata: {json.dumps(data)}\n\n".encode()


def chart_period(seconds: int) -> int:
    """The GetMetricData period nearest above `seconds` that CloudWatch accepts (1, 5, 10, 20, 30 or a
    multiple of 60)."""
    for allowed in (1, 5, 10, 20, 30):
        if seconds <= allowed:
            return allowed
    return max(60, -(-seconds // 60) * 60)
