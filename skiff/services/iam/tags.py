"""IAM tags (`[{Key, Value}]`): keys are unique regardless of case, at most 50 per resource."""

from __future__ import annotations

from skiff.services.iam.exceptions import invalid_input, quota

Tag = dict[str, str]
MAX_TAGS = 50
DUPLICATE_KEYS = "Duplicate tag keys found. Please note that Tag keys are case insensitive."


def check(tags: list[Tag] | None) -> list[Tag]:
    """Tags of one request, refused when two keys differ only by case."""
    tags = [{"Key": tag["Key"], "Value": tag.get("Value", "")} for tag in tags or []]
    keys = [tag["Key"].lower() for tag in tags]
    if len(set(keys)) != len(keys):
        raise invalid_input(DUPLICATE_KEYS)
    return tags


def merge(existing: list[Tag], new: list[Tag], quota_name: str) -> list[Tag]:
    """`existing` with `new` added; a new value replaces the one of the same key (any case)."""
    new = check(new)
    replaced = {tag["Key"].lower() for tag in new}
    merged = [tag for tag in existing if tag["Key"].lower() not in replaced] + new
    if len(merged) > MAX_TAGS:
        raise quota(quota_name, MAX_TAGS)
    return merged


def remove(existing: list[Tag], keys: list[str]) -> list[Tag]:
    gone = {key.lower() for key in keys}
    return [tag for tag in existing if tag["Key"].lower() not in gone]
