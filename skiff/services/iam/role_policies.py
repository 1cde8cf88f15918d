"""A role's permissions: attached managed policies and inline policies.

Attachments are stored one row per (role, policy ARN), inline policies one row per (role,
policy name); both are keyed by the role's lower-case name, as roles are. This backend tells
the policy backend how often each policy is attached, and refuses to let a role that still has
policies be deleted.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from skiff.services.iam import documents
from skiff.services.iam.exceptions import (
    delete_conflict,
    limit_exceeded,
    policy_not_attachable,
    policy_not_found,
    quota,
    role_policy_not_found,
)
from skiff.services.iam.paging import page
from skiff.services.iam.policies import PolicyBackend, parse_arn
from skiff.services.iam.roles import RoleBackend, account_of
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

ATTACHMENTS = "iam_role_attachments"
INLINE = "iam_role_inline_policies"
MAX_ATTACHED = 10


def _attached_key(policy: Document) -> tuple[str, str]:
    return (policy["PolicyName"].lower(), policy["PolicyArn"])


class RolePolicyBackend:
    def __init__(self, store: Store, roles: RoleBackend, policies: PolicyBackend) -> None:
        self.store = store
        self.roles = roles
        self.policies = policies
        policies.attachment_counts = self._attachment_counts
        roles.delete_guards.append(self._refuse_delete)

    # -- attached managed policies ------------------------------------------------------------
    def attach(self, scope: Scope, role_name: str, arn: str) -> None:
        role = self.roles.require(scope, role_name)
        if not self.policies.exists(scope, arn):
            raise policy_not_attachable(arn)
        account, name_key = account_of(role), role["RoleName"].lower()
        pk = f"{account}|{name_key}|{arn}"
        if self.store.get(ATTACHMENTS, pk) is not None:
            return
        if len(self._attached(account, name_key)) >= MAX_ATTACHED:
            raise quota("PoliciesPerRole", MAX_ATTACHED)
        doc = {"PolicyName": parse_arn(arn)[2], "PolicyArn": arn, "Path": self.policies.path_of(scope, arn)}
        self.store.put(ATTACHMENTS, pk, doc, account=account, role_key=name_key, policy_arn=arn)

    def detach(self, scope: Scope, role_name: str, arn: str) -> None:
        role = self.roles.require(scope, role_name)
        parse_arn(arn)
        if not self.store.delete(ATTACHMENTS, f"{account_of(role)}|{role['RoleName'].lower()}|{arn}"):
            raise policy_not_found(arn)

    def list_attached(
        self, scope: Scope, role_name: str, params: dict[str, Any]
    ) -> tuple[list[Document], dict[str, Any]]:
        role = self.roles.require(scope, role_name)
        prefix = params.get("PathPrefix") or "/"
        found = [
            d
            for d in self._attached(account_of(role), role["RoleName"].lower())
            if d["Path"].startswith(prefix)
        ]
        found.sort(key=_attached_key)
        items, extra = page(found, _attached_key, params.get("Marker"), params.get("MaxItems"))
        return [{"PolicyName": d["PolicyName"], "PolicyArn": d["PolicyArn"]} for d in items], extra

    def _attached(self, account: str, name_key: str) -> list[Document]:
        return self.store.find(ATTACHMENTS, {"account": account, "role_key": name_key})

    def policies_of(self, role: Document) -> tuple[list[Document], list[Document]]:
        """A stored role's inline policies and attached-policy rows."""
        account, name_key = account_of(role), role["RoleName"].lower()
        return self._inline(account, name_key), self._attached(account, name_key)

    def _attachment_counts(self, scope: Scope) -> Counter[str]:
        return Counter(d["PolicyArn"] for d in self.store.find(ATTACHMENTS, {"account": scope.account}))

    # -- inline policies ----------------------------------------------------------------------
    def put_inline(self, scope: Scope, role_name: str, policy_name: str, document: str) -> None:
        """Create or replace an inline policy. All of a role's inline policies share one quota."""
        role = self.roles.require(scope, role_name)
        name = role["RoleName"]
        limit = documents.ROLE_POLICY_SIZE
        documents.check_identity_policy(document, limit, role=name)
        account, name_key = account_of(role), name.lower()
        others = sum(
            documents.packed_size(d["PolicyDocument"])
            for d in self._inline(account, name_key)
            if d["PolicyName"] != policy_name
        )
        if others + documents.packed_size(document) > limit:
            raise limit_exceeded(f"Maximum policy size of {limit} bytes exceeded for role {name}")
        self.store.put(
            INLINE,
            f"{account}|{name_key}|{policy_name}",
            {"PolicyName": policy_name, "PolicyDocument": document},
            account=account,
            role_key=name_key,
            name=policy_name,
        )

    def get_inline(self, scope: Scope, role_name: str, policy_name: str) -> Document:
        role = self.roles.require(scope, role_name)
        doc = self.store.get(INLINE, f"{account_of(role)}|{role['RoleName'].lower()}|{policy_name}")
        if doc is None:
            raise role_policy_not_found(policy_name)
        return {
            "RoleName": role["RoleName"],
            "PolicyName": doc["PolicyName"],
            "PolicyDocument": documents.encode(doc["PolicyDocument"]),
        }

    def delete_inline(self, scope: Scope, role_name: str, policy_name: str) -> None:
        role = self.roles.require(scope, role_name)
        if not self.store.delete(INLINE, f"{account_of(role)}|{role['RoleName'].lower()}|{policy_name}"):
            raise role_policy_not_found(policy_name)

    def list_inline(
        self, scope: Scope, role_name: str, marker: str | None, max_items: int | None
    ) -> tuple[list[str], dict[str, Any]]:
        role = self.roles.require(scope, role_name)
        names = [d["PolicyName"] for d in self._inline(account_of(role), role["RoleName"].lower())]
        return page(names, lambda name: name, marker, max_items)

    def _inline(self, account: str, name_key: str) -> list[Document]:
        return self.store.find(INLINE, {"account": account, "role_key": name_key}, order_by=("name",))

    # -- role deletion ------------------------------------------------------------------------
    def _refuse_delete(self, scope: Scope, role: Document) -> None:
        account, name_key = account_of(role), role["RoleName"].lower()
        if self._attached(account, name_key):
            raise delete_conflict("Cannot delete entity, must detach all policies first.")
        if self._inline(account, name_key):
            raise delete_conflict("Cannot delete entity, must delete policies first.")
