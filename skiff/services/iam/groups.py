"""IAM groups and their members: a user's group memberships add the groups' policies to its own.

Groups are stored like users (`<account>|<lower-case name>`); memberships one row per (group,
user). A user in a group, or a group with members, cannot be deleted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from skiff.services.iam.exceptions import (
    already_exists,
    delete_conflict,
    group_not_found,
    no_such_entity,
    quota,
)
from skiff.services.iam.ids import group_id
from skiff.services.iam.paging import page
from skiff.services.iam.users import UserBackend
from skiff.services.iam.users import view as user_view
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

GROUPS = "iam_groups"
MEMBERS = "iam_group_members"
MAX_GROUPS = 300
MAX_GROUPS_PER_USER = 10


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def group_key(account: str, name: str) -> str:
    return f"{account}|{name.lower()}"


class GroupBackend:
    def __init__(self, store: Store, users: UserBackend) -> None:
        self.store = store
        self.users = users
        self.delete_guards: list[Callable[[Scope, Document], None]] = []
        users.delete_guards.append(self._refuse_user_delete)

    def create(self, scope: Scope, name: str, path: str | None) -> Document:
        path = path or "/"
        if self.find(scope, name) is not None:
            raise already_exists(f"Group with name {name} already exists.")
        if len(self.store.find(GROUPS, {"account": scope.account})) >= MAX_GROUPS:
            raise quota("GroupsPerAccount", MAX_GROUPS)
        doc: Document = {
            "Path": path,
            "GroupName": name,
            "GroupId": group_id(),
            "Arn": f"arn:aws:iam::{scope.account}:group{path}{name}",
            "CreateDate": _now(),
        }
        self.store.put(
            GROUPS, group_key(scope.account, name), doc, account=scope.account, name_key=name.lower()
        )
        return doc

    def find(self, scope: Scope, name: str) -> Document | None:
        return self.store.get(GROUPS, group_key(scope.account, name))

    def require(self, scope: Scope, name: str) -> Document:
        doc = self.find(scope, name)
        if doc is None:
            raise group_not_found(name)
        return doc

    def get(
        self, scope: Scope, name: str, marker: str | None, max_items: int | None
    ) -> tuple[Document, list[Document], dict[str, Any]]:
        group = self.require(scope, name)
        users = [
            self.users.find(scope, row["UserName"])
            for row in self.store.find(MEMBERS, {"account": scope.account, "group_key": name.lower()})
        ]
        present = sorted((u for u in users if u is not None), key=lambda u: u["UserName"].lower())
        found, extra = page(present, lambda u: u["UserName"].lower(), marker, max_items)
        return group, [user_view(u, listing=True) for u in found], extra

    def list_groups(
        self, scope: Scope, path_prefix: str | None, marker: str | None, max_items: int | None
    ) -> tuple[list[Document], dict[str, Any]]:
        prefix = path_prefix or "/"
        docs = [
            d
            for d in self.store.find(GROUPS, {"account": scope.account}, order_by=("name_key",))
            if d["Path"].startswith(prefix)
        ]
        return page(docs, lambda d: d["GroupName"].lower(), marker, max_items)

    def delete(self, scope: Scope, name: str) -> None:
        group = self.require(scope, name)
        if self.store.find(MEMBERS, {"account": scope.account, "group_key": name.lower()}, limit=1):
            raise delete_conflict("Cannot delete entity, must remove users from group first.")
        for guard in self.delete_guards:
            guard(scope, group)
        self.store.delete(GROUPS, group_key(scope.account, name))

    def add_user(self, scope: Scope, group_name: str, user_name: str) -> None:
        group = self.require(scope, group_name)
        user = self.users.require(scope, user_name)
        if len(self.groups_of(scope, user["UserName"])) >= MAX_GROUPS_PER_USER:
            raise quota("GroupsPerUser", MAX_GROUPS_PER_USER)
        pk = f"{scope.account}|{group['GroupName'].lower()}|{user['UserName'].lower()}"
        self.store.put(
            MEMBERS,
            pk,
            {"GroupName": group["GroupName"], "UserName": user["UserName"]},
            account=scope.account,
            group_key=group["GroupName"].lower(),
            user_key=user["UserName"].lower(),
        )

    def remove_user(self, scope: Scope, group_name: str, user_name: str) -> None:
        group = self.require(scope, group_name)
        user = self.users.require(scope, user_name)
        pk = f"{scope.account}|{group['GroupName'].lower()}|{user['UserName'].lower()}"
        if not self.store.delete(MEMBERS, pk):
            raise no_such_entity(f"The user with name {user_name} cannot be found in group {group_name}.")

    def groups_of(self, scope: Scope, user_name: str) -> list[Document]:
        rows = self.store.find(MEMBERS, {"account": scope.account, "user_key": user_name.lower()})
        groups = [self.find(scope, row["GroupName"]) for row in rows]
        return sorted((g for g in groups if g is not None), key=lambda g: g["GroupName"].lower())

    def list_for_user(
        self, scope: Scope, user_name: str, marker: str | None, max_items: int | None
    ) -> tuple[list[Document], dict[str, Any]]:
        user = self.users.require(scope, user_name)
        return page(
            self.groups_of(scope, user["UserName"]), lambda g: g["GroupName"].lower(), marker, max_items
        )

    def _refuse_user_delete(self, scope: Scope, user: Document) -> None:
        if self.store.find(
            MEMBERS, {"account": scope.account, "user_key": user["UserName"].lower()}, limit=1
        ):
            raise delete_conflict("Cannot delete entity, must remove user from all groups first.")
