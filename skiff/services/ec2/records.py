"""Scoped access to the EC2 collections of the store, and the helpers every backend shares.

Each EC2 resource is one document in its own collection (`ec2_vpcs`, `ec2_subnets`, ...), with
the indexed columns `account` and `region` plus what backends look resources up by. Documents
hold the resource as the EC2 output shape names it (`VpcId`, `CidrBlock`, ...); keys starting
with `_` are skiff's own bookkeeping and never leave the backend (see `public`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from skiff.services.ec2.exceptions import invalid_token, not_found
from skiff.services.pagination import BadToken, paginate
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

T = TypeVar("T")


class Records:
    """One EC2 collection, read and written within a `Scope`."""

    def __init__(self, store: Store, collection: str, kind: str) -> None:
        self.store = store
        self.collection = collection
        self.kind = kind  # resource type for NotFound errors ("vpc", "subnet", ...)

    def get(self, scope: Scope, resource_id: str) -> Document | None:
        rows = self.store.find(
            self.collection, {"pk": resource_id, "account": scope.account, "region": scope.region}
        )
        return rows[0] if rows else None

    def require(self, scope: Scope, resource_id: str) -> Document:
        doc = self.get(scope, resource_id)
        if doc is None:
            raise not_found(self.kind, resource_id)
        return doc

    def put(self, scope: Scope, resource_id: str, doc: Document, **columns: Any) -> None:
        self.store.put(
            self.collection, resource_id, doc, account=scope.account, region=scope.region, **columns
        )

    def all(self, scope: Scope, **where: Any) -> list[Document]:
        return self.store.find(self.collection, {"account": scope.account, "region": scope.region, **where})

    def delete(self, resource_id: str) -> bool:
        return self.store.delete(self.collection, resource_id)

    def lookup(self, scope: Scope, ids: Sequence[str] | None, id_key: str) -> list[Document]:
        """The documents named by `ids` (NotFound for the first unknown one), else all."""
        if not ids:
            return self.all(scope)
        found: list[Document] = []
        seen: set[str] = set()
        for resource_id in ids:
            if resource_id in seen:
                continue
            seen.add(resource_id)
            found.append(self.require(scope, resource_id))
        return sorted(found, key=lambda d: str(d[id_key]))


def public(doc: Document) -> Document:
    """A deep copy of the document without skiff's `_` bookkeeping keys."""
    return {k: copy.deepcopy(v) for k, v in doc.items() if not k.startswith("_")}


def page(
    items: Sequence[T], key: Callable[[T], Any], max_results: int | None, next_token: str | None
) -> tuple[list[T], str | None]:
    """EC2 pagination: everything when MaxResults is absent, else pages with an opaque token."""
    if max_results is None and not next_token:
        return list(items), None
    ordered = sorted(items, key=key)
    try:
        return paginate(ordered, key, max_results or 1000, next_token)
    except BadToken as exc:
        raise invalid_token(next_token or "") from exc


def boolean_attribute(params: dict[str, Any], name: str) -> bool | None:
    """The value of an `AttributeBooleanValue` member (`{"Value": true}`), None when absent."""
    attribute = params.get(name)
    if not isinstance(attribute, dict) or "Value" not in attribute:
        return None
    return bool(attribute["Value"])
