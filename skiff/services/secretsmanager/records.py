"""Storage of secrets: one metadata document per secret, one sealed row per version.

The metadata document (collection `sm_secrets`, keyed by ARN) holds the name, description, KMS
key id, tags, dates and the version map `{version id: {Stages, CreatedDate, Seq, KmsKeyId}}`.
Each version's value lives in `sm_secret_versions` only as `Sealer.seal(value, "<arn>|<version
id>")`, so nothing readable of it reaches the database, and a sealed value moved onto another
secret or version does not open. A secret whose recovery window has passed is purged the next
time it is looked up or listed.
"""

from __future__ import annotations

import datetime as dt
import secrets
import string
from collections.abc import Callable
from typing import Any

from skiff.security.sealing import Sealer
from skiff.services.secretsmanager.exceptions import (
    invalid_parameter,
    marked_for_deletion,
    secret_not_found,
)
from skiff.services.secretsmanager.stages import deprecated_oldest_first
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

SECRETS = "sm_secrets"
VERSIONS = "sm_secret_versions"
MAX_VERSIONS = 100
_SUFFIX_CHARS = string.ascii_letters + string.digits

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class SecretValue:
    """A secret's value, a string or bytes. Its repr never shows the value."""

    __slots__ = ("binary", "string")

    def __init__(self, string: str | None = None, binary: bytes | None = None) -> None:
        if (string is None) == (binary is None):
            raise ValueError("a secret value is a string or bytes")
        self.string = string
        self.binary = binary

    def __repr__(self) -> str:
        return f"SecretValue({self.kind}, <redacted>)"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SecretValue):
            return NotImplemented
        return self.string == other.string and self.binary == other.binary

    def __hash__(self) -> int:
        return hash((self.string, self.binary))

    @property
    def kind(self) -> str:
        """The member this value travels in: `SecretString` or `SecretBinary`."""
        return "SecretString" if self.string is not None else "SecretBinary"

    def to_bytes(self) -> bytes:
        return self.string.encode("utf-8") if self.string is not None else bytes(self.binary or b"")

    @classmethod
    def from_bytes(cls, kind: str, raw: bytes) -> SecretValue:
        return cls(string=raw.decode("utf-8")) if kind == "SecretString" else cls(binary=raw)

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> SecretValue | None:
        """The value a request carries, if any; both kinds at once is AWS's InvalidParameterException."""
        text, blob = params.get("SecretString"), params.get("SecretBinary")
        if text is not None and blob is not None:
            raise invalid_parameter(
                "You can't specify both a binary secret value and a string secret value in the same secret."
            )
        if text is not None:
            return cls(string=text)
        if blob is not None:
            return cls(binary=bytes(blob))
        return None

    def output(self) -> dict[str, Any]:
        """The `SecretString` or `SecretBinary` member of a reply."""
        return {self.kind: self.string if self.string is not None else self.binary}


def arn_prefix(scope: Scope) -> str:
    return f"arn:aws:secretsmanager:{scope.region}:{scope.account}:secret:"


def _scope_of(arn: str) -> Scope:
    parts = arn.split(":")
    return Scope(parts[4], parts[3])


def _seal_context(arn: str, version_id: str) -> str:
    return f"{arn}|{version_id}"


class SecretRecords:
    """Loads and saves secret documents and seals/opens version values."""

    def __init__(self, store: Store, sealer: Sealer, clock: Clock = utc_now) -> None:
        self.store = store
        self.sealer = sealer
        self.clock = clock

    def now(self) -> dt.datetime:
        """The time of a change, to the millisecond as AWS reports it."""
        moment = self.clock()
        return moment.replace(microsecond=moment.microsecond // 1000 * 1000)

    # -- lookups ------------------------------------------------------------------------------
    def new_arn(self, scope: Scope, name: str) -> str:
        while True:
            suffix = "".join(secrets.choice(_SUFFIX_CHARS) for _ in range(6))
            arn = f"{arn_prefix(scope)}{name}-{suffix}"
            if self.store.get(SECRETS, arn) is None:
                return arn

    def by_name(self, scope: Scope, name: str) -> Document | None:
        docs = self.store.find(SECRETS, {"account": scope.account, "region": scope.region, "name": name})
        return self._unexpired(docs[0]) if docs else None

    def find(self, scope: Scope, secret_id: str) -> Document | None:
        """The secret a SecretId names: its name, its full ARN, or its ARN without the suffix."""
        if not secret_id.startswith("arn:"):
            return self.by_name(scope, secret_id)
        parts = secret_id.split(":", 6)
        if len(parts) != 7 or parts[2] != "secretsmanager" or parts[5] != "secret":
            return None
        if parts[3] != scope.region or parts[4] != scope.account:
            return None
        doc = self.store.get(SECRETS, secret_id)
        if doc is not None:
            return self._unexpired(doc)
        return self.by_name(scope, parts[6])

    def require(self, scope: Scope, secret_id: str) -> Document:
        doc = self.find(scope, secret_id)
        if doc is None:
            raise secret_not_found()
        return doc

    def require_live(self, scope: Scope, secret_id: str) -> Document:
        """The secret, which must not be scheduled for deletion."""
        doc = self.require(scope, secret_id)
        if doc.get("DeletedDate") is not None:
            raise marked_for_deletion()
        return doc

    def all(self, scope: Scope) -> list[Document]:
        docs = self.store.find(SECRETS, {"account": scope.account, "region": scope.region})
        return [doc for doc in map(self._unexpired, docs) if doc is not None]

    def _unexpired(self, doc: Document) -> Document | None:
        deletion = doc.get("DeletionDate")
        if doc.get("DeletedDate") is not None and deletion is not None and deletion <= self.clock():
            self.purge(doc)
            return None
        return doc

    # -- writes -------------------------------------------------------------------------------
    def save(self, doc: Document) -> None:
        scope = _scope_of(doc["ARN"])
        self.store.put(
            SECRETS,
            doc["ARN"],
            doc,
            account=scope.account,
            region=scope.region,
            name=doc["Name"],
            deleted=int(doc.get("DeletedDate") is not None),
        )

    def purge(self, doc: Document) -> None:
        """Remove the secret and every version value for good."""
        with self.store.transaction():
            for pk, _ in list(self.store.scan(VERSIONS, {"secret": doc["ARN"]})):
                self.store.delete(VERSIONS, pk)
            self.store.delete(SECRETS, doc["ARN"])

    def add_version(self, doc: Document, version_id: str, value: SecretValue, now: dt.datetime) -> None:
        """Seal and store a new version's value and enter it (without stages) in the document."""
        arn = doc["ARN"]
        context = _seal_context(arn, version_id)
        row = {
            "VersionId": version_id,
            "Kind": value.kind,
            "Sealed": self.sealer.seal(value.to_bytes(), context),
        }
        self.store.put(VERSIONS, context, row, secret=arn)
        seq = int(doc.get("NextSeq", 1))
        doc["NextSeq"] = seq + 1
        entry: Document = {"Stages": [], "CreatedDate": now, "Seq": seq}
        if doc.get("KmsKeyId"):
            entry["KmsKeyId"] = doc["KmsKeyId"]
        doc.setdefault("Versions", {})[version_id] = entry

    def open_value(self, doc: Document, version_id: str) -> SecretValue:
        context = _seal_context(doc["ARN"], version_id)
        row = self.store.get(VERSIONS, context)
        if row is None:
            raise secret_not_found()
        return SecretValue.from_bytes(row["Kind"], self.sealer.open(row["Sealed"], context))

    def prune(self, doc: Document) -> None:
        """Drop the oldest versions without stages while a secret has more than AWS keeps."""
        versions: dict[str, Document] = doc.get("Versions", {})
        excess = len(versions) - MAX_VERSIONS
        for version_id in deprecated_oldest_first(versions)[: max(excess, 0)]:
            del versions[version_id]
            self.store.delete(VERSIONS, _seal_context(doc["ARN"], version_id))
