"""Parameters: put (versions, tiers, allowed patterns), get with selectors, delete, history, labels.

Overwriting makes version N+1; AWS keeps 100 versions and drops the oldest, unless a label holds it.
A label is on one version of a parameter at a time: labelling another version moves it.
"""

from __future__ import annotations

import re
from typing import Any

from skiff.api.errors import AwsError
from skiff.services.pagination import BadToken, paginate
from skiff.services.ssm.exceptions import (
    already_exists,
    invalid_allowed_pattern,
    invalid_next_token,
    invalid_resource_id,
    invalid_resource_type,
    label_limit,
    max_versions,
    parameter_not_found,
    pattern_mismatch,
    too_many_tags,
    validation,
    version_not_found,
)
from skiff.services.ssm.names import check_name, parse_reference, valid_label
from skiff.services.ssm.records import METADATA, SECURE, ParameterRecords
from skiff.state.scope import Scope
from skiff.store.base import Document

Params = dict[str, Any]

MAX_VERSIONS = 100
MAX_LABELS = 10
VALUE_LIMITS = {"Standard": 4096, "Advanced": 8192}
DATA_TYPES = ("text", "aws:ec2:image", "aws:ssm:integration")
DEFAULT_KEY = "alias/aws/ssm"
TAGS_WITH_OVERWRITE = (
    "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please "
    "remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or "
    "RemoveTagsFromResource."
)
DOWNGRADE = (
    "This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the "
    "advanced-parameter tier to the standard-parameter tier. If necessary, you can delete the advanced "
    "parameter and recreate it as a standard parameter."
)
STANDARD_TOO_LARGE = (
    "Standard tier parameters support a maximum parameter value of 4096 characters. To create a larger "
    "parameter value, upgrade the parameter to use the advanced-parameter tier. For more information, see "
    "https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html"
)
ADVANCED_TOO_LARGE = "Advanced tier parameters support a maximum parameter value of 8192 characters."
NOT_FOUND_CODES = ("ParameterNotFound", "ParameterVersionNotFound")


def choose_tier(requested: str | None, current: str | None, size: int) -> str:
    """The tier a new version gets; Intelligent-Tiering picks Advanced only when it must."""
    if requested is None:
        tier = current or "Standard"
    elif requested == "Intelligent-Tiering":
        tier = "Advanced" if size > VALUE_LIMITS["Standard"] or current == "Advanced" else "Standard"
    else:
        tier = requested
    if current == "Advanced" and tier == "Standard":
        raise validation(DOWNGRADE)
    if size > VALUE_LIMITS[tier]:
        raise validation(STANDARD_TOO_LARGE if tier == "Standard" else ADVANCED_TOO_LARGE)
    return tier


def check_allowed_pattern(pattern: str | None, value: str) -> None:
    if not pattern:
        return
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise invalid_allowed_pattern(pattern) from exc
    if compiled.fullmatch(value) is None:
        raise pattern_mismatch(pattern)


def _inherited(params: Params, existing: Document | None, member: str) -> Any:
    if member in params:
        return params[member]
    return existing.get(member) if existing else None


class ParameterBackend:
    def __init__(self, records: ParameterRecords) -> None:
        self.records = records

    # -- put ----------------------------------------------------------------------------------
    def put(self, scope: Scope, params: Params) -> Document:
        name: str = params["Name"]
        check_name(name)
        value: str = params["Value"]
        if value == "":
            raise validation(
                "1 validation error detected: Value '' at 'value' failed to satisfy constraint: "
                "Member must have length greater than or equal to 1."
            )
        overwrite = bool(params.get("Overwrite"))
        if overwrite and params.get("Tags"):
            raise validation(TAGS_WITH_OVERWRITE)
        if params.get("Policies"):
            raise validation("skiff does not support parameter policies.")
        with self.records.store.transaction():
            existing = self.records.get(scope, name)
            if existing is not None and not overwrite:
                raise already_exists()
            version = self._version_doc(scope, params, existing, value)
            doc: Document = dict(existing) if existing else {"Name": name, "Tags": [], "Labels": {}}
            for member in METADATA:
                doc.pop(member, None)
            doc.update(version)
            doc.setdefault("FirstVersion", 1)
            if existing is None:
                doc["Tags"] = _tag_list(params.get("Tags") or [])
            self._make_room(scope, doc)
            self.records.add_version(scope, doc, version, value)
            self.records.save(scope, doc)
        return {"Version": version["Version"], "Tier": version["Tier"]}

    def _version_doc(self, scope: Scope, params: Params, existing: Document | None, value: str) -> Document:
        kind = params.get("Type") or (existing["Type"] if existing else None)
        if kind is None:
            raise validation("A parameter type is required when you create a parameter.")
        key_id = params.get("KeyId")
        if kind == SECURE:
            key_id = key_id or (existing.get("KeyId") if existing else None) or DEFAULT_KEY
        elif key_id is not None:
            raise validation("KeyId is required for SecureString type parameter only.")
        allowed = _inherited(params, existing, "AllowedPattern")
        check_allowed_pattern(allowed, value)
        data_type = params.get("DataType") or (existing.get("DataType") if existing else None) or "text"
        if data_type not in DATA_TYPES:
            raise validation(
                f"The following data type is not supported: {data_type} (Data type names are all lowercase.)"
            )
        if data_type == "aws:ec2:image" and kind != "String":
            raise validation("The aws:ec2:image data type is supported only for String type parameters.")
        size = len(value.encode("utf-8"))
        tier = choose_tier(params.get("Tier"), existing.get("Tier") if existing else None, size)
        version: Document = {
            "Version": int(existing["Version"]) + 1 if existing else 1,
            "Type": kind,
            "KeyId": key_id,
            "Description": _inherited(params, existing, "Description"),
            "AllowedPattern": allowed,
            "Tier": tier,
            "DataType": data_type,
            "LastModifiedDate": self.records.now(),
            "LastModifiedUser": scope.root_arn,
        }
        return {k: v for k, v in version.items() if v is not None}

    def _make_room(self, scope: Scope, doc: Document) -> None:
        """Drop the oldest version when the parameter would exceed the versions AWS keeps."""
        first, latest = int(doc["FirstVersion"]), int(doc["Version"])
        if latest - first + 1 <= MAX_VERSIONS:
            return
        if first in (doc.get("Labels") or {}).values():
            raise max_versions(doc["Name"], first)
        self.records.delete_version(scope, doc, first)
        doc["FirstVersion"] = first + 1

    # -- get ----------------------------------------------------------------------------------
    def get(self, scope: Scope, reference: str, decrypt: bool) -> Document:
        """GetParameter: a name or ARN, optionally with `:version` or `:label`."""
        ref = parse_reference(reference)
        if ref.scope is not None and ref.scope != scope:
            raise parameter_not_found()
        doc = self.records.require(scope, ref.name)
        if ref.selector is None:
            version = self.records.latest(scope, doc)
        else:
            version = self._selected(scope, doc, ref.name, ref.selector)
        return self.records.view(scope, doc, version, decrypt, ref.selector)

    def _selected(self, scope: Scope, doc: Document, name: str, selector: str) -> Document:
        number = (
            int(selector)
            if (selector.isascii() and selector.isdigit())
            else (doc.get("Labels") or {}).get(selector)
        )
        found = self.records.version(scope, doc, int(number)) if number is not None else None
        if found is None:
            raise version_not_found(selector, name)
        return found

    def get_many(self, scope: Scope, names: list[str], decrypt: bool) -> Document:
        found: list[Document] = []
        invalid: list[str] = []
        for name in dict.fromkeys(names):
            try:
                found.append(self.get(scope, name, decrypt))
            except AwsError as error:
                if error.code not in NOT_FOUND_CODES:
                    raise
                invalid.append(name)
        return {"Parameters": found, "InvalidParameters": invalid}

    # -- delete -------------------------------------------------------------------------------
    def delete(self, scope: Scope, name: str) -> None:
        self.records.delete(scope, self.records.require(scope, name))

    def delete_many(self, scope: Scope, names: list[str]) -> Document:
        deleted: list[str] = []
        invalid: list[str] = []
        for name in dict.fromkeys(names):
            doc = self.records.get(scope, name)
            if doc is None:
                invalid.append(name)
            else:
                self.records.delete(scope, doc)
                deleted.append(name)
        return {"DeletedParameters": deleted, "InvalidParameters": invalid}

    # -- history ------------------------------------------------------------------------------
    def history(self, scope: Scope, params: Params) -> Document:
        doc = self.records.require(scope, params["Name"])
        versions = self.records.versions(scope, doc)
        try:
            page, token = paginate(
                versions,
                lambda v: int(v["Version"]),
                int(params.get("MaxResults") or 50),
                params.get("NextToken"),
            )
        except BadToken as exc:
            raise invalid_next_token() from exc
        decrypt = bool(params.get("WithDecryption"))
        return {
            "Parameters": [self.records.history_view(scope, doc, v, decrypt) for v in page],
            "NextToken": token,
        }

    # -- labels -------------------------------------------------------------------------------
    def label(self, scope: Scope, params: Params) -> Document:
        labels: list[str] = params["Labels"]
        with self.records.store.transaction():
            doc = self.records.require(scope, params["Name"])
            number = int(params.get("ParameterVersion") or doc["Version"])
            if self.records.version(scope, doc, number) is None:
                raise version_not_found(str(number), params["Name"])
            for label in labels:
                if len(label) > 100:
                    raise validation(
                        f"1 validation error detected: Value '[{label}]' at 'labels' failed to satisfy "
                        "constraint: Member must satisfy constraint: [Member must have length less than or "
                        "equal to 100, Member must have length greater than or equal to 1]"
                    )
            good = [label for label in dict.fromkeys(labels) if valid_label(label)]
            current: dict[str, int] = dict(doc.get("Labels") or {})
            on_version = {label for label, at in current.items() if at == number} | set(good)
            if len(on_version) > MAX_LABELS:
                raise label_limit()
            for label in good:
                current[label] = number
            doc["Labels"] = current
            self.records.save(scope, doc)
        return {
            "InvalidLabels": [label for label in labels if not valid_label(label)],
            "ParameterVersion": number,
        }

    def unlabel(self, scope: Scope, params: Params) -> Document:
        labels: list[str] = params["Labels"]
        number = int(params["ParameterVersion"])
        with self.records.store.transaction():
            doc = self.records.require(scope, params["Name"])
            if self.records.version(scope, doc, number) is None:
                raise version_not_found(str(number), params["Name"])
            current: dict[str, int] = dict(doc.get("Labels") or {})
            removed = [label for label in dict.fromkeys(labels) if current.get(label) == number]
            for label in removed:
                del current[label]
            doc["Labels"] = current
            self.records.save(scope, doc)
        return {
            "RemovedLabels": removed,
            "InvalidLabels": [label for label in labels if label not in removed],
        }

    # -- tags ---------------------------------------------------------------------------------
    def tags(self, scope: Scope, name: str) -> list[Document]:
        return list(self.records.require(scope, name).get("Tags") or [])

    def add_tags(self, scope: Scope, name: str, tags: list[Document]) -> None:
        with self.records.store.transaction():
            doc = self.records.require(scope, name)
            doc["Tags"] = _tag_list([*(doc.get("Tags") or []), *tags])
            self.records.save(scope, doc)

    def remove_tags(self, scope: Scope, name: str, keys: list[str]) -> None:
        with self.records.store.transaction():
            doc = self.records.require(scope, name)
            drop = set(keys)
            doc["Tags"] = [tag for tag in doc.get("Tags") or [] if tag["Key"] not in drop]
            self.records.save(scope, doc)

    def tag_target(self, scope: Scope, resource_type: str, resource_id: str) -> str:
        """The parameter name a tagging request's ResourceType and ResourceId (name or ARN) mean."""
        if resource_type != "Parameter":
            raise invalid_resource_type()
        ref = parse_reference(resource_id)
        if ref.selector is not None or (ref.scope is not None and ref.scope != scope):
            raise invalid_resource_id()
        if self.records.get(scope, ref.name) is None:
            raise invalid_resource_id()
        return ref.name


def _tag_list(tags: list[Document]) -> list[Document]:
    """Later tags replace earlier ones with the same key; at most 50."""
    merged = {tag["Key"]: tag.get("Value", "") for tag in tags}
    if len(merged) > 50:
        raise too_many_tags()
    return [{"Key": key, "Value": value} for key, value in merged.items()]
