"""Tags of ECS resources, kept per resource ARN, and the rules ECS applies to them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from skiff.services.ecs.arns import parse_arn
from skiff.services.ecs.exceptions import invalid_parameter, resource_not_found
from skiff.state.scope import Scope
from skiff.store.base import Store

MAX_TAGS = 50
TAGS = "tags"

Tag = dict[str, str]
# resource type in the ARN -> does a resource with this ARN exist?
ExistsCheck = Callable[[Scope, str], bool]


def check_tags(tags: list[dict[str, Any]]) -> list[Tag]:
    """Normalise user tags; `aws:` keys are reserved, at most 50 per resource."""
    clean: dict[str, str] = {}
    for tag in tags:
        key = str(tag.get("key", ""))
        value = str(tag.get("value", ""))
        if key.lower().startswith("aws:"):
            raise invalid_parameter("Tag key must not start with aws:")
        clean[key] = value
    if len(clean) > MAX_TAGS:
        raise invalid_parameter(f"A resource may have at most {MAX_TAGS} tags.")
    return [{"key": k, "value": v} for k, v in clean.items()]


class TagBackend:
    """TagResource, UntagResource and ListTagsForResource over every ECS resource type."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.resource_types: dict[str, ExistsCheck] = {}

    def register_type(self, resource_type: str, exists: ExistsCheck) -> None:
        self.resource_types[resource_type] = exists

    def get(self, arn: str) -> list[Tag]:
        doc = self.store.get(TAGS, arn)
        return list(doc["tags"]) if doc else []

    def replace(self, arn: str, tags: list[Tag]) -> None:
        if tags:
            self.store.put(TAGS, arn, {"tags": tags})
        else:
            self.store.delete(TAGS, arn)

    def _require(self, scope: Scope, arn: str) -> None:
        parsed = parse_arn(arn)
        if parsed is None or parsed.resource_type not in self.resource_types:
            raise invalid_parameter("The ARN provided is invalid.")
        if (parsed.account, parsed.region) != (scope.account, scope.region) or not self.resource_types[
            parsed.resource_type
        ](scope, arn):
            raise resource_not_found("The specified resource could not be found.")

    def tag(self, scope: Scope, arn: str, tags: list[dict[str, Any]]) -> None:
        self._require(scope, arn)
        merged = {t["key"]: t["value"] for t in self.get(arn)}
        merged.update({t["key"]: t["value"] for t in check_tags(tags)})
        self.replace(arn, check_tags([{"key": k, "value": v} for k, v in merged.items()]))

    def untag(self, scope: Scope, arn: str, keys: list[str]) -> None:
        self._require(scope, arn)
        drop = set(keys)
        self.replace(arn, [t for t in self.get(arn) if t["key"] not in drop])

    def list(self, scope: Scope, arn: str) -> list[Tag]:
        self._require(scope, arn)
        return self.get(arn)
