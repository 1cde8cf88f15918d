"""IAM roles: create, read, list, update, delete and tags.

Roles are global to an account (no region). A role is stored under `<account>|<lower-case
name>`, since IAM names are unique regardless of case; its trust policy is kept as the caller
sent it and returned URL-encoded. Other backends add checks that must pass before a role is
deleted (`delete_guards`), so this module does not depend on them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from skiff.services.iam import documents
from skiff.services.iam import tags as iam_tags
from skiff.services.iam.exceptions import already_exists, policy_not_attachable, quota, role_not_found
from skiff.services.iam.ids import role_id
from skiff.services.iam.paging import page
from skiff.services.iam.policies import PolicyBackend
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

ROLES = "iam_roles"
MAX_ROLES = 1000
DEFAULT_MAX_SESSION = 3600
_ARN = re.compile(r"^arn:aws:iam::([^:]+):role(/(?:[^/]+/)*)([\w+=,.@-]+)$")
# Called with the role document before it is deleted; raises to refuse.
DeleteGuard = Callable[[Scope, Document], None]


def role_key(account: str, name: str) -> str:
    return f"{account}|{name.lower()}"


def role_arn(account: str, path: str, name: str) -> str:
    return f"arn:aws:iam::{account}:role{path}{name}"


def parse_role_arn(arn: str) -> tuple[str, str, str] | None:
    """(account, path, name) of a role ARN, or None."""
    match = _ARN.match(arn)
    return (match.group(1), match.group(2), match.group(3)) if match else None


def account_of(doc: Document) -> str:
    """The account a stored role belongs to (from its ARN)."""
    return str(doc["Arn"].split(":")[4])


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


class RoleBackend:
    def __init__(self, store: Store, policies: PolicyBackend) -> None:
        self.store = store
        self.policies = policies
        self.delete_guards: list[DeleteGuard] = []
        policies.boundary_counts = self._boundary_counts

    # -- create -------------------------------------------------------------------------------
    def create(self, scope: Scope, params: dict[str, Any]) -> Document:
        name: str = params["RoleName"]
        path: str = params.get("Path") or "/"
        trust: str = params["AssumeRolePolicyDocument"]
        documents.check_trust_policy(trust)
        tags = iam_tags.check(params.get("Tags"))
        boundary = params.get("PermissionsBoundary")
        if boundary is not None and not self.policies.exists(scope, boundary):
            raise policy_not_attachable(boundary)
        key = role_key(scope.account, name)
        if self.store.get(ROLES, key) is not None:
            raise already_exists(f"Role with name {name} already exists.")
        if len(self.store.find(ROLES, {"account": scope.account})) >= MAX_ROLES:
            raise quota("RolesPerAccount", MAX_ROLES)
        doc: Document = {
            "Path": path,
            "RoleName": name,
            "RoleId": role_id(),
            "Arn": role_arn(scope.account, path, name),
            "CreateDate": _now(),
            "AssumeRolePolicyDocument": trust,
            "MaxSessionDuration": params.get("MaxSessionDuration") or DEFAULT_MAX_SESSION,
            "Tags": tags,
        }
        if params.get("Description") is not None:
            doc["Description"] = params["Description"]
        if boundary is not None:
            doc["PermissionsBoundary"] = {
                "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
                "PermissionsBoundaryArn": boundary,
            }
        self._put(scope.account, doc)
        out = view(doc)
        out.pop("RoleLastUsed")
        return out

    def _put(self, account: str, doc: Document) -> None:
        self.store.put(
            ROLES,
            role_key(account, doc["RoleName"]),
            doc,
            account=account,
            name_key=doc["RoleName"].lower(),
            path=doc["Path"],
        )

    # -- read ---------------------------------------------------------------------------------
    def find(self, scope: Scope, name: str) -> Document | None:
        return self.store.get(ROLES, role_key(scope.account, name))

    def require(self, scope: Scope, name: str) -> Document:
        doc = self.find(scope, name)
        if doc is None:
            raise role_not_found(name)
        return doc

    def find_by_arn(self, arn: str) -> Document | None:
        """The stored role an ARN names (path included), in whichever account it names."""
        parts = parse_role_arn(arn)
        if parts is None:
            return None
        account, path, name = parts
        doc = self.store.get(ROLES, role_key(account, name))
        if doc is None or doc["Path"] != path:
            return None
        return doc

    def get(self, scope: Scope, name: str) -> Document:
        return view(self.require(scope, name))

    def list_roles(
        self, scope: Scope, path_prefix: str | None, marker: str | None, max_items: int | None
    ) -> tuple[list[Document], dict[str, Any]]:
        prefix = path_prefix or "/"
        docs = [
            d
            for d in self.store.find(ROLES, {"account": scope.account}, order_by=("name_key",))
            if d["Path"].startswith(prefix)
        ]
        found, extra = page(docs, lambda d: d["RoleName"].lower(), marker, max_items)
        return [view(d, listing=True) for d in found], extra

    # -- update -------------------------------------------------------------------------------
    def update(
        self, scope: Scope, name: str, description: str | None, max_session_duration: int | None
    ) -> Document:
        doc = self.require(scope, name)
        if description is not None:
            doc["Description"] = description
        if max_session_duration is not None:
            doc["MaxSessionDuration"] = max_session_duration
        self._put(scope.account, doc)
        return view(doc)

    def update_trust_policy(self, scope: Scope, name: str, document: str) -> None:
        doc = self.require(scope, name)
        documents.check_trust_policy(document)
        doc["AssumeRolePolicyDocument"] = document
        self._put(scope.account, doc)

    def set_boundary(self, scope: Scope, name: str, arn: str | None) -> None:
        """Put (or with None, delete) the role's permissions boundary."""
        doc = self.require(scope, name)
        if arn is None:
            doc.pop("PermissionsBoundary", None)
        else:
            if not self.policies.exists(scope, arn):
                raise policy_not_attachable(arn)
            doc["PermissionsBoundary"] = {
                "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
                "PermissionsBoundaryArn": arn,
            }
        self._put(scope.account, doc)

    def record_use(self, doc: Document, region: str) -> None:
        """Note that the role was just assumed in `region` (GetRole's `RoleLastUsed`)."""
        doc["RoleLastUsed"] = {"LastUsedDate": _now(), "Region": region}
        self._put(account_of(doc), doc)

    # -- delete -------------------------------------------------------------------------------
    def delete(self, scope: Scope, name: str) -> None:
        doc = self.require(scope, name)
        for guard in self.delete_guards:
            guard(scope, doc)
        self.store.delete(ROLES, role_key(scope.account, name))

    # -- tags ---------------------------------------------------------------------------------
    def tag(self, scope: Scope, name: str, tags: list[iam_tags.Tag]) -> None:
        doc = self.require(scope, name)
        doc["Tags"] = iam_tags.merge(doc.get("Tags", []), tags, "TagsPerRole")
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

    def _boundary_counts(self, scope: Scope) -> Counter[str]:
        return Counter(
            doc["PermissionsBoundary"]["PermissionsBoundaryArn"]
            for doc in self.store.find(ROLES, {"account": scope.account})
            if "PermissionsBoundary" in doc
        )


def view(doc: Document, *, listing: bool = False) -> Document:
    """The Role shape: GetRole's, or ListRoles' (without tags, boundary and last use)."""
    out: Document = {
        "Path": doc["Path"],
        "RoleName": doc["RoleName"],
        "RoleId": doc["RoleId"],
        "Arn": doc["Arn"],
        "CreateDate": doc["CreateDate"],
        "AssumeRolePolicyDocument": documents.encode(doc["AssumeRolePolicyDocument"]),
        "MaxSessionDuration": doc["MaxSessionDuration"],
    }
    if "Description" in doc:
        out["Description"] = doc["Description"]
    if listing:
        return out
    if "PermissionsBoundary" in doc:
        out["PermissionsBoundary"] = doc["PermissionsBoundary"]
    if doc.get("Tags"):
        out["Tags"] = doc["Tags"]
    out["RoleLastUsed"] = doc.get("RoleLastUsed", {})
    return out
