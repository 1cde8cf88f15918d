"""The permissions of users and groups: attached managed policies and inline policies.

One backend per kind ("user", "group") over shared collections, rows keyed by the owner
(`<kind>|<lower-case name>`). Like the role's, these tell the policy backend how often each
policy is attached and refuse deleting an owner that still has policies.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from skiff.services.iam import documents
from skiff.services.iam.exceptions import (
    delete_conflict,
    entity_policy_not_found,
    limit_exceeded,
    policy_not_attachable,
    policy_not_found,
    quota,
)
from skiff.services.iam.paging import page
from skiff.services.iam.policies import PolicyBackend, parse_arn
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

ATTACHMENTS = "iam_principal_attachments"
INLINE = "iam_principal_inline_policies"
MAX_ATTACHED = 10
INLINE_SIZE = {"user": 2048, "group": 5120}
NAME_MEMBER = {"user": "UserName", "group": "GroupName"}

Require = Callable[[Scope, str], Document]


class EntityPolicyBackend:
    def __init__(
        self,
        store: Store,
        kind: str,
        require: Require,
        policies: PolicyBackend,
        delete_guards: list[Callable[[Scope, Document], None]],
    ) -> None:
        self.store = store
        self.kind = kind
        self.require = require
        self.policies = policies
        counted = policies.attachment_counts
        policies.attachment_counts = lambda scope: counted(scope) + self._attachment_counts(scope)
        delete_guards.append(self._refuse_delete)

    def _owner(self, scope: Scope, name: str) -> tuple[Document, str]:
        doc = self.require(scope, name)
        return doc, f"{self.kind}|{doc[NAME_MEMBER[self.kind]].lower()}"

    # -- attached -----------------------------------------------------------------------------
    def attach(self, scope: Scope, name: str, arn: str) -> None:
        _, owner = self._owner(scope, name)
        if not self.policies.exists(scope, arn):
            raise policy_not_attachable(arn)
        pk = f"{scope.account}|{owner}|{arn}"
        if self.store.get(ATTACHMENTS, pk) is not None:
            return
        if len(self.attached(scope, owner)) >= MAX_ATTACHED:
            raise quota(f"PoliciesPer{self.kind.capitalize()}", MAX_ATTACHED)
        doc = {"PolicyName": parse_arn(arn)[2], "PolicyArn": arn, "Path": self.policies.path_of(scope, arn)}
        self.store.put(ATTACHMENTS, pk, doc, account=scope.account, owner=owner, policy_arn=arn)

    def detach(self, scope: Scope, name: str, arn: str) -> None:
        _, owner = self._owner(scope, name)
        parse_arn(arn)
        if not self.store.delete(ATTACHMENTS, f"{scope.account}|{owner}|{arn}"):
            raise policy_not_found(arn)

    def attached(self, scope: Scope, owner: str) -> list[Document]:
        return self.store.find(ATTACHMENTS, {"account": scope.account, "owner": owner}, order_by=("pk",))

    def list_attached(
        self, scope: Scope, name: str, params: dict[str, Any]
    ) -> tuple[list[Document], dict[str, Any]]:
        _, owner = self._owner(scope, name)
        prefix = params.get("PathPrefix") or "/"
        found = sorted(
            (d for d in self.attached(scope, owner) if d["Path"].startswith(prefix)),
            key=lambda d: (d["PolicyName"].lower(), d["PolicyArn"]),
        )
        items, extra = page(
            found,
            lambda d: (d["PolicyName"].lower(), d["PolicyArn"]),
            params.get("Marker"),
            params.get("MaxItems"),
        )
        return [{"PolicyName": d["PolicyName"], "PolicyArn": d["PolicyArn"]} for d in items], extra

    def _attachment_counts(self, scope: Scope) -> Counter[str]:
        mine = f"{self.kind}|"
        return Counter(
            d["PolicyArn"]
            for pk, d in self.store.scan(ATTACHMENTS, {"account": scope.account})
            if pk.split("|", 1)[1].startswith(mine)
        )

    # -- inline -------------------------------------------------------------------------------
    def put_inline(self, scope: Scope, name: str, policy_name: str, document: str) -> None:
        doc, owner = self._owner(scope, name)
        limit = INLINE_SIZE[self.kind]
        documents.check_identity_policy(document, documents.ROLE_POLICY_SIZE)
        others = sum(
            documents.packed_size(d["PolicyDocument"])
            for d in self.inline(scope, owner)
            if d["PolicyName"] != policy_name
        )
        if others + documents.packed_size(document) > limit:
            raise limit_exceeded(
                f"Maximum policy size of {limit} bytes exceeded for {self.kind} {doc[NAME_MEMBER[self.kind]]}"
            )
        self.store.put(
            INLINE,
            f"{scope.account}|{owner}|{policy_name}",
            {"PolicyName": policy_name, "PolicyDocument": document},
            account=scope.account,
            owner=owner,
            name=policy_name,
        )

    def get_inline(self, scope: Scope, name: str, policy_name: str) -> Document:
        doc, owner = self._owner(scope, name)
        found = self.store.get(INLINE, f"{scope.account}|{owner}|{policy_name}")
        if found is None:
            raise entity_policy_not_found(self.kind, policy_name)
        member = NAME_MEMBER[self.kind]
        return {
            member: doc[member],
            "PolicyName": found["PolicyName"],
            "PolicyDocument": documents.encode(found["PolicyDocument"]),
        }

    def delete_inline(self, scope: Scope, name: str, policy_name: str) -> None:
        _, owner = self._owner(scope, name)
        if not self.store.delete(INLINE, f"{scope.account}|{owner}|{policy_name}"):
            raise entity_policy_not_found(self.kind, policy_name)

    def inline(self, scope: Scope, owner: str) -> list[Document]:
        return self.store.find(INLINE, {"account": scope.account, "owner": owner}, order_by=("name",))

    def list_inline(
        self, scope: Scope, name: str, marker: str | None, max_items: int | None
    ) -> tuple[list[str], dict[str, Any]]:
        _, owner = self._owner(scope, name)
        return page([d["PolicyName"] for d in self.inline(scope, owner)], lambda n: n, marker, max_items)

    def _refuse_delete(self, scope: Scope, entity: Document) -> None:
        owner = f"{self.kind}|{entity[NAME_MEMBER[self.kind]].lower()}"
        if self.attached(scope, owner):
            raise delete_conflict("Cannot delete entity, must detach all policies first.")
        if self.inline(scope, owner):
            raise delete_conflict("Cannot delete entity, must delete policies first.")
