"""State reset with tasks running: their containers (pause containers too) are gone when
`POST /_skiff/reset` answers, the service that ran them is gone and does not come back, and a task
run after the reset (in the default network made again) runs."""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any

import pytest

from tests.e2e.task_support import (
    ECS_TASK_ARN,
    TaskLab,
    close_lab,
    container_def,
    containers_labelled,
    inspect,
    make_lab,
    volumes_labelled,
)

pytestmark = pytest.mark.e2e


def reset(endpoint: str) -> dict[str, Any]:
    request = urllib.request.Request(f"{endpoint}/_skiff/reset", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=60) as reply:
        assert reply.status == 200
        body: dict[str, Any] = json.loads(reply.read())
        return body


def test_reset_removes_running_tasks_containers_and_new_tasks_run(endpoint: str) -> None:
    lab = make_lab(endpoint)
    after: TaskLab | None = None
    try:
        definition = lab.register(
            [container_def("main"), container_def("side")],
            volumes=[{"name": "scratch"}],
        )
        standalone = lab.run_one(definition)["taskArn"]
        lab.ecs.create_service(
            cluster=lab.cluster,
            serviceName="web",
            taskDefinition=definition["taskDefinitionArn"],
            desiredCount=1,
            launchType="FARGATE",
            networkConfiguration=lab.network(),
        )
        lab.wait_running(standalone)
        deadline = time.monotonic() + 60
        while True:
            arns = lab.ecs.list_tasks(cluster=lab.cluster, serviceName="web")["taskArns"]
            if arns and lab.describe(arns[0])["lastStatus"] == "RUNNING":
                service_task = arns[0]
                lab.note_pauses(lab.describe(service_task))
                break
            assert time.monotonic() < deadline, "the service's task never ran"
            time.sleep(0.5)
        tasks = [standalone, service_task]
        assert all(containers_labelled(f"{ECS_TASK_ARN}={arn}") for arn in tasks)

        body = reset(endpoint)
        assert body["status"] == "ok", body
        assert body["seconds"] < 15, body

        for arn in tasks:
            assert containers_labelled(f"{ECS_TASK_ARN}={arn}") == [], arn
            assert volumes_labelled(f"skiff.task-arn={arn}") == [], arn
        assert [p for p in lab.pause_ids if inspect(p) is not None] == []
        assert lab.ecs.list_clusters()["clusterArns"] == []
        time.sleep(2)  # the scheduler is running again: the gone service starts nothing
        family = definition["family"]
        assert containers_labelled(f"com.amazonaws.ecs.task-definition-family={family}") == []

        after = make_lab(endpoint)  # the default network is made anew on first use
        again = after.register([container_def("main")])
        arn = after.run_one(again)["taskArn"]
        after.wait_running(arn)
    finally:
        for used in (lab, after):
            if used is not None:
                close_lab(used)
