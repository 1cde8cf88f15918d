"""Storage of parameters: one metadata document per parameter, one row per version.

The parameter document (collection `ssm_parameters`, keyed `<account>|<region>|<key>`) holds the
latest version's metadata, the tags, the labels (`{label: version}`) and the range of versions
kept (`FirstVersion`..`Version`). Each version row holds that version's metadata and its value: in
the clear for String and StringList, and for SecureString only as
`Sealer.seal(value, "<parameter ARN>|<version>")`. A SecureString read without decryption shows
the ciphertext (base64), never the plaintext.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from skiff.security.sealing import PREFIX, Sealer
from skiff.services.ssm.exceptions import parameter_not_found
from skiff.services.ssm.names import key_of, parameter_arn
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

PARAMETERS = "ssm_parameters"
VERSIONS = "ssm_parameter_versions"
SECURE = "SecureString"
# Metadata members a version carries and the parameter document repeats for its latest version.
METADATA = ("Type", "KeyId", "Description", "AllowedPattern", "Tier", "DataType", "LastModifiedDate")

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def parameter_pk(scope: Scope, name: str) -> str:
    return f"{scope.account}|{scope.region}|{key_of(name)}"


def _version_pk(parameter: str, version: int) -> str:
    return f"{parameter}|{version:010d}"


def _compact(out: Document) -> Document:
    return {key: value for key, value in out.items() if value is not None}


class ParameterRecords:
    """Loads and saves parameters and their versions; seals and opens SecureString values."""

    def __init__(self, store: Store, sealer: Sealer, clock: Clock = utc_now) -> None:
        self.store = store
        self.sealer = sealer
        self.clock = clock

    def now(self) -> dt.datetime:
        moment = self.clock()
        return moment.replace(microsecond=moment.microsecond // 1000 * 1000)

    # -- parameters ---------------------------------------------------------------------------
    def get(self, scope: Scope, name: str) -> Document | None:
        return self.store.get(PARAMETERS, parameter_pk(scope, name))

    def require(self, scope: Scope, name: str) -> Document:
        doc = self.get(scope, name)
        if doc is None:
            raise parameter_not_found()
        return doc

    def all(self, scope: Scope) -> list[Document]:
        """Every parameter of the account and region, by name."""
        return self.store.find(
            PARAMETERS, {"account": scope.account, "region": scope.region}, order_by=("name",)
        )

    def save(self, scope: Scope, doc: Document) -> None:
        key = key_of(doc["Name"])
        self.store.put(
            PARAMETERS, parameter_pk(scope, key), doc, account=scope.account, region=scope.region, name=key
        )

    def delete(self, scope: Scope, doc: Document) -> None:
        pk = parameter_pk(scope, doc["Name"])
        with self.store.transaction():
            for version_pk, _ in list(self.store.scan(VERSIONS, {"parameter": pk})):
                self.store.delete(VERSIONS, version_pk)
            self.store.delete(PARAMETERS, pk)

    # -- versions -----------------------------------------------------------------------------
    def add_version(self, scope: Scope, doc: Document, version: Document, value: str) -> None:
        """Store `version` (its metadata) with `value`, sealed when the type is SecureString."""
        row = dict(version)
        if row["Type"] == SECURE:
            row["Sealed"] = self.sealer.seal(value.encode("utf-8"), self._context(scope, doc, row["Version"]))
        else:
            row["Value"] = value
        pk = parameter_pk(scope, doc["Name"])
        self.store.put(VERSIONS, _version_pk(pk, row["Version"]), row, parameter=pk, version=row["Version"])

    def version(self, scope: Scope, doc: Document, number: int) -> Document | None:
        return self.store.get(VERSIONS, _version_pk(parameter_pk(scope, doc["Name"]), number))

    def latest(self, scope: Scope, doc: Document) -> Document:
        found = self.version(scope, doc, int(doc["Version"]))
        if found is None:
            raise parameter_not_found()
        return found

    def versions(self, scope: Scope, doc: Document) -> list[Document]:
        pk = parameter_pk(scope, doc["Name"])
        return self.store.find(VERSIONS, {"parameter": pk}, order_by=("version",))

    def delete_version(self, scope: Scope, doc: Document, number: int) -> None:
        self.store.delete(VERSIONS, _version_pk(parameter_pk(scope, doc["Name"]), number))

    # -- values and views ---------------------------------------------------------------------
    def _context(self, scope: Scope, doc: Document, number: int) -> str:
        return f"{parameter_arn(scope, doc['Name'])}|{number}"

    def value(self, scope: Scope, doc: Document, version: Document, decrypt: bool) -> str:
        """The value of `version`: SecureStrings decrypted only when asked, else their ciphertext."""
        if version["Type"] != SECURE:
            return str(version["Value"])
        sealed: str = version["Sealed"]
        if not decrypt:
            return sealed[len(PREFIX) :]
        return self.sealer.open(sealed, self._context(scope, doc, int(version["Version"]))).decode("utf-8")

    def view(
        self, scope: Scope, doc: Document, version: Document, decrypt: bool, selector: str | None = None
    ) -> Document:
        """The Parameter shape GetParameter and friends return."""
        return _compact(
            {
                "Name": doc["Name"],
                "Type": version["Type"],
                "Value": self.value(scope, doc, version, decrypt),
                "Version": version["Version"],
                "Selector": f":{selector}" if selector is not None else None,
                "LastModifiedDate": version["LastModifiedDate"],
                "ARN": parameter_arn(scope, doc["Name"]),
                "DataType": version.get("DataType", "text"),
            }
        )

    def history_view(self, scope: Scope, doc: Document, version: Document, decrypt: bool) -> Document:
        number = int(version["Version"])
        labels = sorted(label for label, at in (doc.get("Labels") or {}).items() if at == number)
        out: dict[str, Any] = {"Name": doc["Name"], "Version": number}
        for member in (*METADATA, "LastModifiedUser"):
            out[member] = version.get(member)
        out["Value"] = self.value(scope, doc, version, decrypt)
        out["Labels"] = labels
        out["Policies"] = []
        return _compact(out)

    @staticmethod
    def metadata_view(scope: Scope, doc: Document) -> Document:
        """The ParameterMetadata shape DescribeParameters returns."""
        out: dict[str, Any] = {"Name": doc["Name"], "ARN": parameter_arn(scope, doc["Name"])}
        for member in (*METADATA, "LastModifiedUser", "Version"):
            out[member] = doc.get(member)
        out["Policies"] = []
        return _compact(out)
