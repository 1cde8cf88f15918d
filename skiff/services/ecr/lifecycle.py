"""ECR lifecycle policies: checked when put, stored on the repository, applied by a controller.

Rules are evaluated from the lowest `rulePriority` up. A rule selects the images its
`tagStatus` (and `tagPrefixList` / `tagPatternList`) match that no earlier rule selected; of
those, `imageCountMoreThan` N expires all but the N most recently pushed, `sinceImagePushed` N
days expires those pushed longer ago. An image selected by one rule is never expired by a later
one. A rule with tagStatus `any` must have the highest priority.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
from typing import Any

from skiff.services.ecr import exceptions as errors
from skiff.services.ecr.repositories import RepositoryBackend
from skiff.state import ecr
from skiff.state.scope import Scope
from skiff.store.base import Document

TAG_STATUSES = ("tagged", "untagged", "any")
COUNT_TYPES = ("imageCountMoreThan", "sinceImagePushed")


def parse_policy(text: str) -> list[Document]:
    """The policy's rules, sorted by priority, or InvalidParameterException saying what is wrong."""
    try:
        policy = json.loads(text)
    except ValueError as exc:
        raise errors.invalid_lifecycle_policy("Could not parse the policy as JSON") from exc
    rules = policy.get("rules") if isinstance(policy, dict) else None
    if not isinstance(rules, list) or not rules:
        raise errors.invalid_lifecycle_policy('object has missing required properties (["rules"])')
    seen: set[int] = set()
    for rule in rules:
        _check_rule(rule, seen)
    ordered = sorted(rules, key=lambda r: r["rulePriority"])
    for rule in ordered[:-1]:
        if rule["selection"]["tagStatus"] == "any":
            raise errors.invalid_lifecycle_policy(
                "Rule with tagStatus 'any' must have the highest value for rulePriority"
            )
    return ordered


def _check_rule(rule: Any, seen: set[int]) -> None:
    if not isinstance(rule, dict):
        raise errors.invalid_lifecycle_policy("each rule must be an object")
    priority = rule.get("rulePriority")
    if not isinstance(priority, int) or isinstance(priority, bool) or priority < 1:
        raise errors.invalid_lifecycle_policy("rulePriority must be an integer of at least 1")
    if priority in seen:
        raise errors.invalid_lifecycle_policy(f"The rule priority {priority} is used more than once")
    seen.add(priority)
    selection = rule.get("selection")
    if not isinstance(selection, dict):
        raise errors.invalid_lifecycle_policy('object has missing required properties (["selection"])')
    status = selection.get("tagStatus")
    if status not in TAG_STATUSES:
        raise errors.invalid_lifecycle_policy("tagStatus must be one of tagged, untagged, any")
    prefixes, patterns = selection.get("tagPrefixList"), selection.get("tagPatternList")
    if status == "tagged" and not prefixes and not patterns:
        raise errors.invalid_lifecycle_policy(
            "tagPrefixList or tagPatternList is required when tagStatus is tagged"
        )
    if status != "tagged" and (prefixes or patterns):
        raise errors.invalid_lifecycle_policy("tagPrefixList and tagPatternList are only allowed when tagged")
    for items in (prefixes, patterns):
        if items is not None and (not isinstance(items, list) or not all(isinstance(i, str) for i in items)):
            raise errors.invalid_lifecycle_policy("tag lists must be lists of strings")
    count_type, number = selection.get("countType"), selection.get("countNumber")
    if count_type not in COUNT_TYPES:
        raise errors.invalid_lifecycle_policy("countType must be imageCountMoreThan or sinceImagePushed")
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        raise errors.invalid_lifecycle_policy("countNumber must be an integer of at least 1")
    unit = selection.get("countUnit")
    if count_type == "sinceImagePushed" and unit != "days":
        raise errors.invalid_lifecycle_policy("countUnit must be days when countType is sinceImagePushed")
    if count_type == "imageCountMoreThan" and unit is not None:
        raise errors.invalid_lifecycle_policy("countUnit is not allowed when countType is imageCountMoreThan")
    action = rule.get("action")
    if not isinstance(action, dict) or action.get("type") != "expire":
        raise errors.invalid_lifecycle_policy("action type must be expire")


def _selects(selection: Document, image: Document) -> bool:
    tags: list[str] = image.get("imageTags") or []
    status = selection["tagStatus"]
    if status == "untagged":
        return not tags
    if status == "any":
        return True
    if not tags:
        return False
    prefixes = selection.get("tagPrefixList") or []
    patterns = selection.get("tagPatternList") or []
    return all(any(t.startswith(p) for t in tags) for p in prefixes) and all(
        any(fnmatch.fnmatchcase(t, p) for t in tags) for p in patterns
    )


def expired_images(rules: list[Document], images: list[Document], now: dt.datetime) -> list[Document]:
    """The images the rules expire, in the order the rules reach them."""
    claimed: set[str] = set()
    expired: list[Document] = []
    for rule in rules:
        selection = rule["selection"]
        chosen = [i for i in images if i["imageDigest"] not in claimed and _selects(selection, i)]
        claimed.update(i["imageDigest"] for i in chosen)
        newest_first = sorted(chosen, key=lambda i: (i["imagePushedAt"], i["imageDigest"]), reverse=True)
        if selection["countType"] == "imageCountMoreThan":
            expired.extend(newest_first[selection["countNumber"] :])
        else:
            cutoff = now - dt.timedelta(days=selection["countNumber"])
            expired.extend(i for i in newest_first if i["imagePushedAt"] < cutoff)
    return expired


class LifecycleBackend:
    def __init__(self, repositories: RepositoryBackend) -> None:
        self.repositories = repositories

    def put(self, scope: Scope, name: str, text: str) -> Document:
        parse_policy(text)
        doc = self.repositories.require(scope, name)
        doc["lifecyclePolicy"] = text
        doc["lifecyclePolicyAt"] = dt.datetime.now(dt.UTC)
        self.repositories.save(doc)
        return {"registryId": scope.account, "repositoryName": name, "lifecyclePolicyText": text}

    def get(self, scope: Scope, name: str) -> Document:
        doc = self.repositories.require(scope, name)
        if "lifecyclePolicy" not in doc:
            raise errors.lifecycle_policy_not_found(name, scope.account)
        return {
            "registryId": scope.account,
            "repositoryName": name,
            "lifecyclePolicyText": doc["lifecyclePolicy"],
            "lastEvaluatedAt": doc.get("lifecycleEvaluatedAt") or doc["lifecyclePolicyAt"],
        }

    def delete(self, scope: Scope, name: str) -> Document:
        out = self.get(scope, name)
        doc = self.repositories.require(scope, name)
        for key in ("lifecyclePolicy", "lifecyclePolicyAt", "lifecycleEvaluatedAt"):
            doc.pop(key, None)
        self.repositories.save(doc)
        return out

    def due(self, scope: Scope, repository: Document, now: dt.datetime) -> list[Document]:
        """What the repository's policy expires now (nothing without a policy)."""
        text = repository.get("lifecyclePolicy")
        if not text:
            return []
        return expired_images(
            parse_policy(text), ecr.images_of(self.repositories.store, repository["repositoryArn"]), now
        )
