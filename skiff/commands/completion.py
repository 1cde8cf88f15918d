"""Shell completion of what commands name, asked of the engine as the user types: a cluster's
services (`skiff wait`), its running tasks' ids (`skiff exec`), both (`skiff logs`). The cluster is
the `--cluster` typed before the name, else `default`; an engine that does not answer within
`common.COMPLETION_TIMEOUT` offers nothing. `--cluster` itself completes in common.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import typer

from skiff.commands.common import completing, paginate


def _cluster(ctx: typer.Context) -> str:
    cluster = ctx.params.get("cluster")
    return cluster if isinstance(cluster, str) and cluster else "default"


def _services(ecs: Any, ctx: typer.Context) -> Iterator[str]:
    for arn in paginate(ecs, "list_services", "serviceArns", cluster=_cluster(ctx)):
        yield str(arn).rsplit("/", 1)[-1]


def _tasks(ecs: Any, ctx: typer.Context) -> Iterator[str]:
    for arn in paginate(ecs, "list_tasks", "taskArns", cluster=_cluster(ctx), desiredStatus="RUNNING"):
        yield str(arn).rsplit("/", 1)[-1]


def complete_service(ctx: typer.Context, incomplete: str) -> list[str]:
    return completing(ctx, _services, incomplete)


def complete_task(ctx: typer.Context, incomplete: str) -> list[str]:
    return completing(ctx, _tasks, incomplete)


def complete_service_or_task(ctx: typer.Context, incomplete: str) -> list[str]:
    return completing(ctx, lambda ecs, c: [*_services(ecs, c), *_tasks(ecs, c)], incomplete)
