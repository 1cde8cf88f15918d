"""IAM users: create, read, list, delete, tags and permissions boundaries.

Users are global to an account, stored under `<account>|<lower-case name>` like roles. Other
backends (access keys, groups, policies) register checks that must pass before a user is
deleted (`delete_guards`), so this module depends on none of them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from skiff.services.iam import tags as iam_tags
from skiff.services.iam.exceptions import already_exists, policy_not_attachable, quota, user_not_found
from skiff.services.iam.ids import user_id
from skiff.services.iam.paging import page
from skiff.services.iam.policies import PolicyBackend
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

USERS = "iam_users"
MAX_USERS = 5000
_ARN = re.compile(r"^arn:aws:iam::([^:]+):user(/(?:[^/]+/)*)([\w+=,.@-]+)$")
DeleteGuard = Callable[[Scope, Document], None]


def user_key(account: str, name: str) -> str:
    return f"{account}|{name.lower()}"


def user_arn(account: str, path: str, name: str) -> str:
    return f"arn:aws:iam::{account}:user{path}{name}"


def parse_user_arn(arn: str) -> tuple[str, str, str] | None:
    match = _ARN.match(arn)
    return (match.group(1), match.group(2), match.group(3)) if match else None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


class UserBackend:
    def __init__(self, store: Store, policies: PolicyBackend) -> None:
        self.store = store
        self.policies = policies
        self.delete_guards: list[DeleteGuard] = []
        roles_boundaries = policies.boundary_counts
        policies.boundary_counts = lambda scope: roles_boundaries(scope) + self._boundary_counts(scope)

    def create(self, scope: Scope, params: dict[str, Any]) -> Document:
        name: str = params["UserName"]
        path: str = params.get("Path") or "/"
        tags = iam_tags.check(params.get("Tags"))
        boundary = params.get("PermissionsBoundary")
        if boundary is not None and not self.policies.exists(scope, boundary):
            raise policy_not_attachable(boundary)
        if self.find(scope, name) is not None:
            raise already_exists(f"User with name {name} already exists.")
        if len(self.store.find(USERS, {"account": scope.account})) >= MAX_USERS:
            raise quota("UsersPerAccount", MAX_USERS)
        doc: Document = {
            "Path": path,
            "UserName": name,
            "UserId": user_id(),
            "Arn": user_arn(scope.account, path, name),
            "CreateDate": _now(),
            "Tags": tags,
        }
        if boundary is not None:
            doc["PermissionsBoundary"] = _boundary(boundary)
        self._put(scope.account, doc)
        return view(doc)

    def _put(self, account: str, doc: Document) -> None:
        self.store.put(
            USERS, user_key(account, doc["UserName"]), doc, account=account, name_key=doc["UserName"].lower()
        )

    def find(self, scope: Scope, name: str) -> Document | None:
        return self.store.get(USERS, user_key(scope.account, name))

    def require(self, scope: Scope, name: str) -> Document:
        doc = self.find(scope, name)
        if doc is None:
            raise user_not_found(name)
        return doc

    def get(self, scope: Scope, name: str) -> Document:
        return view(self.require(scope, name))

    def list_users(
        self, scope: Scope, path_prefix: str | None, marker: str | None, max_items: int | None
    ) -> tuple[list[Document], dict[str, Any]]:
        prefix = path_prefix or "/"
        docs = [
            d
            for d in self.store.find(USERS, {"account": scope.account}, order_by=("name_key",))
            if d["Path"].startswith(prefix)
        ]
        found, extra = page(docs, lambda d: d["UserName"].lower(), marker, max_items)
        return [view(d, listing=True) for d in found], extra

    def delete(self, scope: Scope, name: str) -> None:
        doc = self.require(scope, name)
        for guard in self.delete_guards:
            guard(scope, doc)
        self.store.delete(USERS, user_key(scope.account, name))

    def tag(self, scope: Scope, name: str, tags: list[iam_tags.Tag]) -> None:
        doc = self.require(scope, name)
        doc["Tags"] = iam_tags.merge(doc.get("Tags", []), tags, "TagsPerUser")
        self._put(scope.account, doc)

    def untag(self, scope: Scope, name: str, keys: list[str]) -> None:
        doc = self.require(scope, name)
        doc["Tags"] = iam_tags.remove(doc.get("Tags", []), keys)
        self._put(scope.account, doc)

    def list_tags(
        self, scope: Scope, name: str, marker: str | None, max_items: int | None
    ) -> tuple[list[iam_tags.Tag], dict[str, Any]]:
        tags = list(enumerate(self.require(scope, name).get("Tags", [])))
        found, extra = page(tags, lambda item: item[0], marker, max_items)
        return [tag for _, tag in found], extra

    def set_boundary(self, scope: Scope, name: str, arn: str | None) -> None:
        doc = self.require(scope, name)
        if arn is None:
            doc.pop("PermissionsBoundary", None)
        else:
            if not self.policies.exists(scope, arn):
                raise policy_not_attachable(arn)
            doc["PermissionsBoundary"] = _boundary(arn)
        self._put(scope.account, doc)

    def _boundary_counts(self, scope: Scope) -> Counter[str]:
        return Counter(
            doc["PermissionsBoundary"]["PermissionsBoundaryArn"]
            for doc in self.store.find(USERS, {"account": scope.account})
            if "PermissionsBoundary" in doc
        )


def _boundary(arn: str) -> Document:
    return {"PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": arn}


def view(doc: Document, *, listing: bool = False) -> Document:
    """The User shape (ListUsers' without tags and boundary)."""
    out: Document = {k: doc[k] for k in ("Path", "UserName", "UserId", "Arn", "CreateDate")}
    if listing:
        return out
    if "PermissionsBoundary" in doc:
        out["PermissionsBoundary"] = doc["PermissionsBoundary"]
    if doc.get("Tags"):
        out["Tags"] = doc["Tags"]
    return out
