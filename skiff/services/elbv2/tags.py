"""Tags of balancers, target groups, listeners and rules (AddTags, RemoveTags, DescribeTags)."""

from __future__ import annotations

from typing import Any

from skiff.api.errors import AwsError
from skiff.services.elbv2 import exceptions as err
from skiff.services.elbv2.common import MAX_TAGS, check_tags, in_scope
from skiff.state import balancers as records
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

MAX_RESOURCES = 20


def _kind(arn: str) -> tuple[str, AwsError]:
    resource = arn.split(":", 5)[-1] if arn.count(":") >= 5 else ""
    if resource.startswith("loadbalancer/"):
        return records.LOAD_BALANCERS, err.load_balancer_not_found()
    if resource.startswith("targetgroup/"):
        return records.TARGET_GROUPS, err.target_group_not_found()
    if resource.startswith("listener/"):
        return records.LISTENERS, err.listener_not_found()
    if resource.startswith("listener-rule/"):
        return records.RULES, err.rule_not_found()
    raise err.validation(f"'{arn}' is not a valid resource ARN")


class TagBackend:
    def __init__(self, store: Store) -> None:
        self.store = store

    def _require(self, scope: Scope, arn: str) -> None:
        collection, missing = _kind(arn)
        if in_scope(self.store.get(collection, arn), scope) is None:
            raise missing

    def add(self, scope: Scope, arns: list[str], tags: list[dict[str, Any]]) -> None:
        new = check_tags(tags)
        with self.store.transaction():
            for arn in arns:
                self._require(scope, arn)
                current = {t["Key"]: t["Value"] for t in records.tags_of(self.store, arn)}
                current.update({t["Key"]: t["Value"] for t in new})
                if len(current) > MAX_TAGS:
                    raise err.too_many_tags()
                records.save_tags(self.store, arn, [{"Key": k, "Value": v} for k, v in current.items()])

    def remove(self, scope: Scope, arns: list[str], keys: list[str]) -> None:
        with self.store.transaction():
            for arn in arns:
                self._require(scope, arn)
                kept = [t for t in records.tags_of(self.store, arn) if t["Key"] not in keys]
                records.save_tags(self.store, arn, kept)

    def describe(self, scope: Scope, arns: list[str]) -> list[Document]:
        if len(arns) > MAX_RESOURCES:
            raise err.validation(f"A maximum of {MAX_RESOURCES} resources can be described")
        out: list[Document] = []
        for arn in dict.fromkeys(arns):
            self._require(scope, arn)
            out.append({"ResourceArn": arn, "Tags": records.tags_of(self.store, arn)})
        return out
