"""ECS resource ARNs and the identifiers users pass instead of them."""

from __future__ import annotations

import re
from dataclasses import dataclass

_ARN = re.compile(r"^arn:aws[a-z-]*:ecs:([a-z0-9-]+):(\d{12}):([a-z-]+)/(.+)$")


@dataclass(frozen=True)
class EcsArn:
    region: str
    account: str
    resource_type: str
    resource: str


def parse_arn(text: str) -> EcsArn | None:
    match = _ARN.match(text)
    if match is None:
        return None
    return EcsArn(*match.groups())


def cluster_arn(region: str, account: str, name: str) -> str:
    return f"arn:aws:ecs:{region}:{account}:cluster/{name}"


def task_definition_arn(region: str, account: str, family: str, revision: int) -> str:
    return f"arn:aws:ecs:{region}:{account}:task-definition/{family}:{revision}"


def cluster_name(identifier: str) -> str:
    """The name in a cluster ARN, or the identifier itself when it is a plain name."""
    if identifier.startswith("arn:"):
        parsed = parse_arn(identifier)
        if parsed is not None and parsed.resource_type == "cluster":
            return parsed.resource
    return identifier
