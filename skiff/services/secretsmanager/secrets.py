"""The life of a secret: create, describe, update, delete (with a recovery window), restore, tags.

A name is unique per account and region, also while its secret waits out its recovery window.
The ARN ends in `-` and six random letters and digits, as AWS's do.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from skiff.api.errors import AwsError
from skiff.services.secretsmanager.exceptions import (
    invalid_parameter,
    invalid_request,
    secret_exists,
)
from skiff.services.secretsmanager.records import SecretRecords, SecretValue
from skiff.services.secretsmanager.stages import CURRENT, version_ids_to_stages
from skiff.services.secretsmanager.values import SecretValues
from skiff.state.scope import Scope
from skiff.store.base import Document

Params = dict[str, Any]

_NAME = re.compile(r"^[A-Za-z0-9/_+=.@-]{1,512}$")
MAX_TAGS = 50
DEFAULT_RECOVERY_DAYS = 30


def check_name(name: str) -> None:
    if not _NAME.match(name):
        raise invalid_parameter(
            "Invalid name. Must be a valid name containing alphanumeric characters, or any of the "
            "following: -/_+=.@!"
        )


def merge_tags(existing: list[Document], new: list[Document]) -> list[Document]:
    """`new` tags replace those with the same key; order of first appearance is kept."""
    merged = {tag["Key"]: tag.get("Value", "") for tag in existing}
    for tag in new:
        if not tag.get("Key"):
            raise invalid_parameter("You must provide a tag key for each tag.")
        merged[tag["Key"]] = tag.get("Value", "")
    if len(merged) > MAX_TAGS:
        raise invalid_parameter(f"A secret can have at most {MAX_TAGS} tags.")
    return [{"Key": key, "Value": value} for key, value in merged.items()]


def _compact(out: Document) -> Document:
    return {key: value for key, value in out.items() if value is not None}


def describe_view(doc: Document) -> Document:
    """DescribeSecret's reply for a stored secret."""
    return _compact(
        {
            "ARN": doc["ARN"],
            "Name": doc["Name"],
            "Description": doc.get("Description"),
            "KmsKeyId": doc.get("KmsKeyId"),
            "RotationEnabled": False,
            "LastChangedDate": doc.get("LastChangedDate"),
            "LastAccessedDate": doc.get("LastAccessedDate"),
            "DeletedDate": doc.get("DeletedDate"),
            "Tags": list(doc.get("Tags") or []) or None,
            "VersionIdsToStages": version_ids_to_stages(doc.get("Versions", {})),
            "CreatedDate": doc["CreatedDate"],
        }
    )


def list_entry(doc: Document) -> Document:
    """A ListSecrets entry: DescribeSecret's members, the version map under its list name."""
    out = describe_view(doc)
    out["SecretVersionsToStages"] = out.pop("VersionIdsToStages")
    return out


class SecretBackend:
    def __init__(self, records: SecretRecords, values: SecretValues) -> None:
        self.records = records
        self.values = values

    def create(self, scope: Scope, params: Params) -> Document:
        name: str = params["Name"]
        check_name(name)
        value = SecretValue.from_params(params)
        token: str | None = params.get("ClientRequestToken")
        tags = merge_tags([], params.get("Tags") or [])
        with self.records.store.transaction():
            existing = self.records.by_name(scope, name)
            if existing is not None:
                return self._repeat_of_create(existing, token, value)
            now = self.records.now()
            doc: Document = {
                "ARN": self.records.new_arn(scope, name),
                "Name": name,
                "Tags": tags,
                "CreatedDate": now,
                "LastChangedDate": now,
                "Versions": {},
                "NextSeq": 1,
            }
            for member in ("Description", "KmsKeyId"):
                if params.get(member) is not None:
                    doc[member] = params[member]
            version_id = None
            if value is not None:
                version_id = self.values.new_version(doc, token, value, [CURRENT], now)
            self.records.save(doc)
        return _compact({"ARN": doc["ARN"], "Name": name, "VersionId": version_id})

    def _repeat_of_create(self, doc: Document, token: str | None, value: SecretValue | None) -> Document:
        """CreateSecret again with the same token and value answers as the first time did."""
        if doc.get("DeletedDate") is not None:
            raise invalid_request(
                "You can't create this secret because a secret with this name is already scheduled for "
                "deletion."
            )
        versions = doc.get("Versions", {})
        if (
            token is not None
            and value is not None
            and token in versions
            and self.records.open_value(doc, token) == value
        ):
            return {"ARN": doc["ARN"], "Name": doc["Name"], "VersionId": token}
        raise secret_exists(doc["Name"])

    def describe(self, scope: Scope, secret_id: str) -> Document:
        return describe_view(self.records.require(scope, secret_id))

    def update(self, scope: Scope, params: Params) -> Document:
        """UpdateSecret: a value makes a new AWSCURRENT version; description and key change in place."""
        value = SecretValue.from_params(params)
        with self.records.store.transaction():
            doc = self.records.require_live(scope, params["SecretId"])
            now = self.records.now()
            for member in ("Description", "KmsKeyId"):
                if params.get(member) is not None:
                    doc[member] = params[member]
            version_id = None
            if value is not None:
                token = params.get("ClientRequestToken")
                version_id = self.values.new_version(doc, token, value, [CURRENT], now)
            doc["LastChangedDate"] = now
            self.records.save(doc)
        return _compact({"ARN": doc["ARN"], "Name": doc["Name"], "VersionId": version_id})

    def delete(self, scope: Scope, params: Params) -> Document:
        window: int | None = params.get("RecoveryWindowInDays")
        force = bool(params.get("ForceDeleteWithoutRecovery"))
        if force and window is not None:
            raise invalid_parameter(
                "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays."
            )
        days = DEFAULT_RECOVERY_DAYS if window is None else window
        if not force and not 7 <= days <= 30:
            raise invalid_parameter(
                "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive)."
            )
        with self.records.store.transaction():
            doc = self.records.require(scope, params["SecretId"])
            now = self.records.now()
            if force:
                self.records.purge(doc)
                return {"ARN": doc["ARN"], "Name": doc["Name"], "DeletionDate": now}
            if doc.get("DeletedDate") is not None:
                raise invalid_request(
                    "You can't perform this operation on the secret because it was already scheduled "
                    "for deletion."
                )
            doc["DeletedDate"] = now
            doc["DeletionDate"] = now + dt.timedelta(days=days)
            self.records.save(doc)
        return {"ARN": doc["ARN"], "Name": doc["Name"], "DeletionDate": doc["DeletionDate"]}

    def restore(self, scope: Scope, secret_id: str) -> Document:
        with self.records.store.transaction():
            doc = self.records.require(scope, secret_id)
            if doc.get("DeletedDate") is not None:
                doc.pop("DeletedDate", None)
                doc.pop("DeletionDate", None)
                self.records.save(doc)
        return {"ARN": doc["ARN"], "Name": doc["Name"]}

    def tag(self, scope: Scope, secret_id: str, tags: list[Document]) -> None:
        with self.records.store.transaction():
            doc = self.records.require_live(scope, secret_id)
            doc["Tags"] = merge_tags(doc.get("Tags") or [], tags)
            self.records.save(doc)

    def untag(self, scope: Scope, secret_id: str, keys: list[str]) -> None:
        with self.records.store.transaction():
            doc = self.records.require_live(scope, secret_id)
            drop = set(keys)
            doc["Tags"] = [tag for tag in doc.get("Tags") or [] if tag["Key"] not in drop]
            self.records.save(doc)

    # -- resource policy ----------------------------------------------------------------------
    def put_policy(self, scope: Scope, secret_id: str, policy: str | None) -> Document:
        """Attach (or with None, remove) the secret's resource-based policy."""
        doc = self.records.require(scope, secret_id)
        if policy is None:
            doc.pop("ResourcePolicy", None)
        else:
            try:
                parsed = json.loads(policy)
            except ValueError:
                parsed = None
            if not isinstance(parsed, dict) or not isinstance(parsed.get("Statement"), (list, dict)):
                raise AwsError(
                    "This resource policy contains a syntax error.", code="MalformedPolicyDocumentException"
                )
            doc["ResourcePolicy"] = policy
        self.records.save(doc)
        return {"ARN": doc["ARN"], "Name": doc["Name"]}

    def get_policy(self, scope: Scope, secret_id: str) -> Document:
        doc = self.records.require(scope, secret_id)
        out: Document = {"ARN": doc["ARN"], "Name": doc["Name"]}
        if doc.get("ResourcePolicy"):
            out["ResourcePolicy"] = doc["ResourcePolicy"]
        return out
