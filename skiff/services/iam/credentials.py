"""Temporary credentials skiff issues for roles (STS AssumeRole, and the task credentials endpoint).

`issue` returns the secret access key and session token once; the store keeps the secret
sealed (AES-GCM, `skiff/security/sealing.py`, bound to the key id) so signatures made with it
can be verified, and only the SHA-256 digest of the session token, next to who the credentials
speak for (role, session, expiry, session policy). `identity_of` answers who a temporary access
key id belongs to, and refuses expired ones. Nothing here logs. Rows written before secrets
were sealed (schema version 4's `SecretDigest`) still identify, but no signature verifies with
them.

When a role session is issued again, that session's expired keys are removed, so a task whose
credentials are refreshed for hours keeps a bounded number of rows.
"""

from __future__ import annotations

import datetime as dt
import hmac
from typing import Any

from skiff.api.errors import AwsError
from skiff.security.sealing import Sealer, SealingError
from skiff.services.iam.exceptions import invalid_arn, role_not_found
from skiff.services.iam.ids import digest, secret_access_key, session_token, temporary_access_key_id
from skiff.services.iam.roles import RoleBackend, account_of, parse_role_arn
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

CREDENTIALS = "iam_credentials"
MIN_DURATION = 900
MAX_DURATION = 43200


def assumed_role_arn(account: str, role_name: str, session_name: str) -> str:
    return f"arn:aws:sts::{account}:assumed-role/{role_name}/{session_name}"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _epoch(when: dt.datetime) -> int:
    return int(when.timestamp())


class CredentialBackend:
    def __init__(self, store: Store, roles: RoleBackend, sealer: Sealer) -> None:
        self.store = store
        self.roles = roles
        self.sealer = sealer

    def issue(
        self,
        scope: Scope,
        role_arn: str,
        session_name: str,
        duration_seconds: int,
        *,
        now: dt.datetime | None = None,
        session_policy: str | None = None,
    ) -> dict[str, Any]:
        """New credentials for a session of the role `role_arn` in the scope's account.

        Returns AccessKeyId, SecretAccessKey, SessionToken, Expiration (the only time the secret
        and token are seen), and RoleArn, RoleId, SessionName, AssumedRoleId, AssumedRoleArn.
        Raises `NoSuchEntity` when the account has no such role, `ValueError` for a duration
        outside 900..43200 seconds.
        """
        if not MIN_DURATION <= duration_seconds <= MAX_DURATION:
            raise ValueError(f"duration_seconds must be {MIN_DURATION}..{MAX_DURATION}")
        parts = parse_role_arn(role_arn)
        if parts is None:
            raise invalid_arn(role_arn)
        role = self.roles.find_by_arn(role_arn)
        if role is None or account_of(role) != scope.account:
            raise role_not_found(parts[2])
        issued = (now or _now()).replace(microsecond=0)
        expiration = issued + dt.timedelta(seconds=duration_seconds)
        account, name = account_of(role), role["RoleName"]
        principal = assumed_role_arn(account, name, session_name)
        key_id, secret, token = temporary_access_key_id(), secret_access_key(), session_token()
        record: Document = {
            "AccessKeyId": key_id,
            "Account": account,
            "RoleArn": role["Arn"],
            "RoleId": role["RoleId"],
            "RoleName": name,
            "SessionName": session_name,
            "AssumedRoleId": f"{role['RoleId']}:{session_name}",
            "AssumedRoleArn": principal,
            "IssuedAt": issued,
            "Expiration": expiration,
            "SealedSecret": self.sealer.seal(secret.encode(), _context(key_id)),
            "TokenDigest": digest(token),
        }
        if session_policy is not None:
            record["SessionPolicy"] = session_policy
        with self.store.transaction():
            self._forget_expired(principal, issued)
            self.store.put(
                CREDENTIALS, key_id, record, account=account, principal=principal, expires=_epoch(expiration)
            )
        return {
            "AccessKeyId": key_id,
            "SecretAccessKey": secret,
            "SessionToken": token,
            "Expiration": expiration,
            "RoleArn": role["Arn"],
            "RoleId": role["RoleId"],
            "SessionName": session_name,
            "AssumedRoleId": record["AssumedRoleId"],
            "AssumedRoleArn": principal,
        }

    def issue_for_task(
        self, scope: Scope, role_arn: str, session_name: str, duration_seconds: int
    ) -> dict[str, Any] | None:
        """`issue` for the task credentials endpoint: None when the role cannot be assumed."""
        try:
            return self.issue(scope, role_arn, session_name, duration_seconds)
        except (AwsError, ValueError):
            return None

    def _forget_expired(self, principal: str, now: dt.datetime) -> None:
        for old in self.store.find(CREDENTIALS, {"principal": principal}):
            if old["Expiration"] <= now:
                self.store.delete(CREDENTIALS, old["AccessKeyId"])

    def purge_expired(self, *, now: dt.datetime | None = None, limit: int = 500) -> int:
        """Remove up to `limit` expired credentials (sessions that were never issued again)."""
        cutoff = _epoch(now or _now())
        removed = 0
        for old in self.store.find(CREDENTIALS, order_by=("expires",), limit=limit):
            if _epoch(old["Expiration"]) > cutoff:
                break
            removed += self.store.delete(CREDENTIALS, old["AccessKeyId"])
        return removed

    def find(self, access_key_id: str) -> dict[str, Any] | None:
        """The record of a key skiff issued, expired or not, without the secrets' digests."""
        record = self.store.get(CREDENTIALS, access_key_id)
        if record is None:
            return None
        return {k: v for k, v in record.items() if k not in _SECRETS}

    def identity_of(self, access_key_id: str, *, now: dt.datetime | None = None) -> dict[str, Any] | None:
        """Who an unexpired temporary key speaks for: Account, RoleArn, RoleId, RoleName,
        SessionName, Expiration, Arn (the assumed-role ARN) and UserId (`<RoleId>:<session>`).
        None for keys skiff did not issue and for expired ones."""
        record = self.find(access_key_id)
        if record is None or record["Expiration"] <= (now or _now()):
            return None
        return {
            "Account": record["Account"],
            "RoleArn": record["RoleArn"],
            "RoleId": record["RoleId"],
            "RoleName": record["RoleName"],
            "SessionName": record["SessionName"],
            "Expiration": record["Expiration"],
            "Arn": record["AssumedRoleArn"],
            "UserId": record["AssumedRoleId"],
        }

    def secret_of(self, access_key_id: str) -> tuple[dict[str, Any], str] | None:
        """The record (without secrets) and the opened secret key of an issued key; None when
        skiff did not issue it or its secret was never sealed (rows older than sealing)."""
        record = self.store.get(CREDENTIALS, access_key_id)
        if record is None or "SealedSecret" not in record:
            return None
        try:
            secret = self.sealer.open(record["SealedSecret"], _context(access_key_id)).decode()
        except SealingError:
            return None
        return record, secret

    def verify(self, access_key_id: str, secret: str, token: str | None) -> bool:
        """Whether a secret key (and session token, when given) are the ones issued with the key."""
        record = self.store.get(CREDENTIALS, access_key_id)
        if record is None:
            return False
        if "SealedSecret" in record:
            opened = self.secret_of(access_key_id)
            if opened is None or not hmac.compare_digest(opened[1].encode(), secret.encode()):
                return False
        elif not hmac.compare_digest(record.get("SecretDigest", ""), digest(secret)):
            return False
        return token is None or hmac.compare_digest(record["TokenDigest"], digest(token))


_SECRETS = ("SecretDigest", "SealedSecret", "TokenDigest")


def _context(access_key_id: str) -> str:
    return f"iam-credentials|{access_key_id}"
