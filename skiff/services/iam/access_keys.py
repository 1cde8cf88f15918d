"""IAM users' long-term access keys (`AKIA…`): at most two per user, Active or Inactive.

The secret access key is returned once, by CreateAccessKey, and stored sealed (AES-GCM bound to
the key id), so the gateway can verify signatures made with it; nothing else ever shows it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from skiff.security.sealing import Sealer, SealingError
from skiff.services.iam.exceptions import access_key_not_found, delete_conflict, quota
from skiff.services.iam.ids import access_key_id, secret_access_key
from skiff.services.iam.paging import page
from skiff.services.iam.users import UserBackend
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

ACCESS_KEYS = "iam_access_keys"
MAX_KEYS_PER_USER = 2


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _context(key_id: str) -> str:
    return f"iam-access-key|{key_id}"


class AccessKeyBackend:
    def __init__(self, store: Store, users: UserBackend, sealer: Sealer) -> None:
        self.store = store
        self.users = users
        self.sealer = sealer
        users.delete_guards.append(self._refuse_delete)

    def _keys(self, account: str, user_name: str) -> list[Document]:
        return self.store.find(
            ACCESS_KEYS, {"account": account, "user_key": user_name.lower()}, order_by=("pk",)
        )

    def create(self, scope: Scope, user_name: str) -> Document:
        user = self.users.require(scope, user_name)
        if len(self._keys(scope.account, user["UserName"])) >= MAX_KEYS_PER_USER:
            raise quota("AccessKeysPerUser", MAX_KEYS_PER_USER)
        key_id, secret = access_key_id(), secret_access_key()
        doc: Document = {
            "UserName": user["UserName"],
            "AccessKeyId": key_id,
            "Account": scope.account,
            "Status": "Active",
            "CreateDate": _now(),
            "SealedSecret": self.sealer.seal(secret.encode(), _context(key_id)),
        }
        self.store.put(ACCESS_KEYS, key_id, doc, account=scope.account, user_key=user["UserName"].lower())
        return {**_metadata(doc), "SecretAccessKey": secret}

    def list_keys(
        self, scope: Scope, user_name: str, marker: str | None, max_items: int | None
    ) -> tuple[list[Document], dict[str, Any]]:
        user = self.users.require(scope, user_name)
        keys = self._keys(scope.account, user["UserName"])
        found, extra = page(keys, lambda d: d["AccessKeyId"], marker, max_items)
        return [_metadata(d) for d in found], extra

    def _require(self, scope: Scope, user_name: str, key_id: str) -> Document:
        user = self.users.require(scope, user_name)
        doc = self.store.get(ACCESS_KEYS, key_id)
        if doc is None or doc["UserName"].lower() != user["UserName"].lower():
            raise access_key_not_found(key_id)
        return doc

    def update(self, scope: Scope, user_name: str, key_id: str, status: str) -> None:
        doc = self._require(scope, user_name, key_id)
        doc["Status"] = status
        self.store.put(ACCESS_KEYS, key_id, doc, account=scope.account, user_key=doc["UserName"].lower())

    def delete(self, scope: Scope, user_name: str, key_id: str) -> None:
        self._require(scope, user_name, key_id)
        self.store.delete(ACCESS_KEYS, key_id)

    def last_used(self, scope: Scope, key_id: str) -> Document:
        doc = self.store.get(ACCESS_KEYS, key_id)
        if doc is None:
            raise access_key_not_found(key_id)
        used = doc.get("LastUsed") or {"ServiceName": "N/A", "Region": "N/A"}
        return {"UserName": doc["UserName"], "AccessKeyLastUsed": used}

    def secret_of(self, key_id: str) -> tuple[Document, str] | None:
        """The key's record and opened secret; None for a key no user has."""
        doc = self.store.get(ACCESS_KEYS, key_id)
        if doc is None:
            return None
        try:
            return doc, self.sealer.open(doc["SealedSecret"], _context(key_id)).decode()
        except SealingError:
            return None

    def _refuse_delete(self, scope: Scope, user: Document) -> None:
        if self._keys(scope.account, user["UserName"]):
            raise delete_conflict("Cannot delete entity, must delete access keys first.")


def _metadata(doc: Document) -> Document:
    return {k: doc[k] for k in ("UserName", "AccessKeyId", "Status", "CreateDate")}
