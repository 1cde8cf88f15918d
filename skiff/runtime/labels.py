"""Label names on the containers skiff creates: the ones ECS sets, plus skiff's own for reconciling."""

from __future__ import annotations

ECS_CLUSTER = "com.amazonaws.ecs.cluster"
ECS_TASK_ARN = "com.amazonaws.ecs.task-arn"
ECS_CONTAINER_NAME = "com.amazonaws.ecs.container-name"
ECS_FAMILY = "com.amazonaws.ecs.task-definition-family"
ECS_VERSION = "com.amazonaws.ecs.task-definition-version"

MANAGED = "skiff.managed"
INSTANCE = "skiff.instance"  # which skiff server (data dir) owns it: servers on one host keep apart
ROLE = "skiff.role"  # "task" | "pause"
TASK_ARN = "skiff.task-arn"
SUBNET = "skiff.subnet"
POOL = "skiff.pool"  # pause containers prepared ahead of demand
