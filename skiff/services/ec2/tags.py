"""EC2 tags: CreateTags, DeleteTags, DescribeTags and the TagSpecifications of Create* calls.

Tags are kept per resource id in `ec2_tags` (one document per tagged resource), so any EC2 id
can carry them. Resource types come from the id prefix. Keys are unique per resource, at most
50 per resource, and `aws:` keys are reserved.
"""

from __future__ import annotations

from typing import Any

from skiff.services.ec2.exceptions import error, invalid_value
from skiff.services.ec2.filters import FilterSpec, field, select
from skiff.services.ec2.ids import resource_type
from skiff.services.ec2.records import public
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

TAGS = "ec2_tags"
MAX_TAGS = 50
Tag = dict[str, str]

TAG_FILTERS: FilterSpec = {
    "key": field("Key"),
    "value": field("Value"),
    "resource-id": field("ResourceId"),
    "resource-type": field("ResourceType"),
}


def check_tags(tags: list[dict[str, Any]] | None) -> list[Tag]:
    """User tags in EC2's form, validated; later keys win over earlier ones."""
    clean: dict[str, str] = {}
    for tag in tags or []:
        key = str(tag.get("Key", ""))
        value = str(tag.get("Value", ""))
        if not key:
            raise invalid_value("Tag key must not be empty.")
        if len(key) > 128 or len(value) > 256:
            raise invalid_value("Tag keys may have 128 characters and tag values 256 at most.")
        if key.lower().startswith("aws:"):
            raise invalid_value("Tag keys starting with 'aws:' are reserved for internal use")
        clean[key] = value
    return [{"Key": k, "Value": v} for k, v in clean.items()]


def specified_tags(specifications: list[dict[str, Any]] | None, expected_type: str) -> list[Tag]:
    """The tags of `TagSpecifications` for a resource of `expected_type`; others are refused."""
    tags: list[dict[str, Any]] = []
    for spec in specifications or []:
        kind = spec.get("ResourceType")
        if kind and kind != expected_type:
            raise invalid_value(f"'{kind}' is not a valid taggable resource type for this operation.")
        tags.extend(spec.get("Tags") or [])
    return check_tags(tags)


class TagBackend:
    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, resource_id: str) -> list[Tag]:
        doc = self.store.get(TAGS, resource_id)
        return [dict(t) for t in doc["tags"]] if doc else []

    def replace(self, scope: Scope, resource_id: str, tags: list[Tag]) -> None:
        if len(tags) > MAX_TAGS:
            raise error(
                "TagLimitExceeded",
                f"The maximum number of tags for resource '{resource_id}' has been reached.",
            )
        if tags:
            self.store.put(
                TAGS,
                resource_id,
                {"tags": tags},
                account=scope.account,
                region=scope.region,
                resource_type=resource_type(resource_id) or "",
            )
        else:
            self.store.delete(TAGS, resource_id)

    def add(self, scope: Scope, resource_id: str, tags: list[Tag]) -> None:
        merged = {t["Key"]: t["Value"] for t in self.get(resource_id)}
        merged.update({t["Key"]: t["Value"] for t in tags})
        self.replace(scope, resource_id, [{"Key": k, "Value": v} for k, v in merged.items()])

    def remove(self, scope: Scope, resource_id: str, tags: list[dict[str, Any]] | None) -> None:
        """DeleteTags: no tags drops all; a tag with a Value drops the key only at that value."""
        if not tags:
            self.replace(scope, resource_id, [])
            return
        kept = []
        for tag in self.get(resource_id):
            drop = any(
                spec.get("Key") == tag["Key"] and ("Value" not in spec or spec["Value"] == tag["Value"])
                for spec in tags
            )
            if not drop:
                kept.append(tag)
        self.replace(scope, resource_id, kept)

    def drop(self, resource_id: str) -> None:
        self.store.delete(TAGS, resource_id)

    def attach(self, doc: Document, id_key: str, tags_key: str = "Tags", *, always: bool = False) -> Document:
        """Puts the resource's tags into its view (EC2 leaves `tagSet` out when it is empty)."""
        tags = self.get(str(doc[id_key]))
        if tags or always:
            doc[tags_key] = tags
        return doc

    def describe(self, scope: Scope, filters: list[dict[str, Any]] | None) -> list[Document]:
        rows: list[Document] = []
        for pk, doc in self.store.scan(TAGS, {"account": scope.account, "region": scope.region}):
            kind = resource_type(pk) or ""
            for tag in doc["tags"]:
                row = {"ResourceId": pk, "ResourceType": kind, "Key": tag["Key"], "Value": tag["Value"]}
                rows.append({**row, "_tags": [tag]})
        found = select(rows, filters, TAG_FILTERS, tags_key="_tags")
        return sorted((public(r) for r in found), key=lambda r: (r["ResourceId"], r["Key"]))
