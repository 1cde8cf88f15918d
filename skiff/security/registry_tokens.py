"""Registry login tokens: what `aws ecr get-login-password` prints and skiff's registry accepts.

ECR's GetAuthorizationToken hands out a password valid for 12 hours, for one registry (account and
region), that `docker login -u AWS` presents as HTTP Basic credentials. skiff's token is
stateless: `skf1.<payload>.<mac>`, the payload base64url JSON naming the account, region,
principal (who asked: the account root, or the task's execution role) and expiry, the MAC an
HMAC-SHA256 under a key made once in the data dir (`registry/token.key`, mode 0600). So a token
survives a restart, needs no table, and nothing that reads the database can forge one.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

LIFETIME = dt.timedelta(hours=12)
USERNAME = "AWS"
_PREFIX = "skf1"


@dataclass(frozen=True)
class TokenClaims:
    account: str
    region: str
    principal: str
    expires_at: dt.datetime


class TokenError(ValueError):
    """Why a presented password is refused: malformed, forged, or expired (`expired` True)."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode((text + "=" * (-len(text) % 4)).encode("ascii"))


def _load_key(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_bytes()
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(32))
            handle.flush()
            os.fsync(handle.fileno())
    return path.read_bytes()


class RegistryTokens:
    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("a registry token key needs at least 16 bytes")
        self._key = key

    @classmethod
    def for_data_dir(cls, data_dir: Path) -> RegistryTokens:
        return cls(_load_key(data_dir / "registry" / "token.key"))

    def _mac(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode("ascii"), hashlib.sha256).digest())

    def issue(
        self, account: str, region: str, principal: str, now: dt.datetime | None = None
    ) -> tuple[str, dt.datetime]:
        """A password for the registry of `account` in `region`, and when it expires."""
        issued = now or dt.datetime.now(dt.UTC)
        expires = (issued + LIFETIME).replace(microsecond=0)
        body = {"a": account, "r": region, "p": principal, "e": int(expires.timestamp())}
        payload = _b64(json.dumps(body, separators=(",", ":")).encode())
        return f"{_PREFIX}.{payload}.{self._mac(payload)}", expires

    def verify(self, token: str, now: dt.datetime | None = None) -> TokenClaims:
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != _PREFIX:
            raise TokenError("not a registry token")
        payload, mac = parts[1], parts[2]
        if not hmac.compare_digest(self._mac(payload), mac):
            raise TokenError("the token's signature does not match")
        try:
            body = json.loads(_unb64(payload))
            claims = TokenClaims(
                str(body["a"]),
                str(body["r"]),
                str(body["p"]),
                dt.datetime.fromtimestamp(int(body["e"]), dt.UTC),
            )
        except (binascii.Error, ValueError, KeyError, TypeError, UnicodeError) as exc:
            raise TokenError("the token's payload is unreadable") from exc
        if (now or dt.datetime.now(dt.UTC)) >= claims.expires_at:
            raise TokenError("the token has expired", expired=True)
        return claims


def basic_password(authorization: str) -> str | None:
    """The password of an `Authorization: Basic ...` header whose user is `AWS`, else None."""
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, password = base64.b64decode(value.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeError, ValueError):
        return None
    return password if sep and user == USERNAME else None
