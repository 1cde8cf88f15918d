"""GetParametersByPath and DescribeParameters: hierarchy walks, ParameterFilters, pages.

ParameterFilters: `Name` (Equals, BeginsWith, Contains), `Path` (OneLevel, Recursive; Describe
only), `Type`, `KeyId`, `Tier`, `DataType` (Equals, BeginsWith), `Label` (by path only) and
`tag:<key>` (the tag exists; with values, its value Equals/BeginsWith one of them). The legacy
`Filters` of DescribeParameters (Name, Type, KeyId) are read as ParameterFilters.
"""

from __future__ import annotations

from typing import Any

from skiff.services.pagination import BadToken, paginate
from skiff.services.ssm.exceptions import (
    invalid_filter_key,
    invalid_filter_option,
    invalid_filter_value,
    invalid_next_token,
    validation,
)
from skiff.services.ssm.names import check_path, in_path, key_of, path_form
from skiff.services.ssm.records import ParameterRecords
from skiff.state.scope import Scope
from skiff.store.base import Document

Params = dict[str, Any]

TYPES = ("String", "StringList", "SecureString")
TIERS = ("Standard", "Advanced", "Intelligent-Tiering")
NEEDS_VALUES = ("Name", "Type", "KeyId", "Path", "Tier", "DataType")
BY_PATH_REFUSED = ("Name", "Path", "Tier", "DataType")


def _options(key: str) -> tuple[str, ...]:
    if key == "Path":
        return ("Recursive", "OneLevel")
    if key == "Name":
        return ("BeginsWith", "Equals", "Contains")
    if key == "Label":
        return ("Equals",)
    return ("BeginsWith", "Equals")


def check_filters(filters: list[Document], *, by_path: bool) -> None:
    """Refuse filters as AWS does, before any parameter is looked at."""
    seen: set[str] = set()
    for item in filters:
        key: str = item["Key"]
        option: str | None = item.get("Option")
        values: list[str] = item.get("Values") or []
        if by_path and key in BY_PATH_REFUSED:
            raise invalid_filter_key(
                f"The following filter key is not valid: {key}. Valid filter keys include: [Type, KeyId]."
            )
        if not by_path and key == "Label":
            raise invalid_filter_key(
                "The following filter key is not valid: Label. Valid filter keys include: "
                "[Path, Name, Type, KeyId, Tier]."
            )
        if key in seen:
            raise invalid_filter_key(
                f"The following filter is duplicated in the request: {key}. A request can contain only one "
                "occurrence of a specific filter."
            )
        seen.add(key)
        if key in NEEDS_VALUES and not values:
            raise invalid_filter_value(
                f"The following filter values are missing : null for filter key {key}."
            )
        options = _options(key)
        if option is not None and option not in options:
            raise invalid_filter_option(
                f"The following filter option is not valid: {option}. Valid options include: "
                f"[{', '.join(options)}]."
            )
        allowed = TYPES if key == "Type" else TIERS if key == "Tier" else None
        for value in values if allowed else []:
            if value not in (allowed or ()):
                raise invalid_filter_value(
                    f"The following filter value is not valid: {value}. Valid values include: "
                    f"[{', '.join(allowed or ())}]."
                )
        if key == "Path":
            for value in values:
                check_path(value)


def _compare(field: str | None, values: list[str], option: str) -> bool:
    if field is None:
        return False
    if option == "BeginsWith":
        return any(field.startswith(value) for value in values)
    if option == "Contains":
        return any(value in field for value in values)
    return field in values


def matches(doc: Document, item: Document) -> bool:
    key: str = item["Key"]
    values: list[str] = item.get("Values") or []
    option: str = item.get("Option") or ("OneLevel" if key == "Path" else "Equals")
    if key.startswith("tag:"):
        tags = {tag["Key"]: tag.get("Value", "") for tag in doc.get("Tags") or []}
        wanted = key[len("tag:") :]
        return wanted in tags and (not values or _compare(tags[wanted], values, option))
    if key == "Path":
        return any(in_path(doc["Name"], value, option == "Recursive") for value in values)
    if key == "Label":
        return any(label in (doc.get("Labels") or {}) for label in values)
    if key == "Name":
        name = path_form(key_of(doc["Name"]))
        if option == "Equals":
            return any(path_form(key_of(value)) == name for value in values)
        return _compare(doc["Name"], values, option) or _compare(name, values, option)
    return _compare(doc.get(key), values, option)


class ParameterQueries:
    def __init__(self, records: ParameterRecords) -> None:
        self.records = records

    def by_path(self, scope: Scope, params: Params) -> Document:
        path: str = params["Path"]
        check_path(path, allow_reserved=True)
        filters: list[Document] = params.get("ParameterFilters") or []
        check_filters(filters, by_path=True)
        recursive = bool(params.get("Recursive"))
        docs = [
            doc
            for doc in self.records.all(scope)
            if in_path(doc["Name"], path, recursive) and all(matches(doc, f) for f in filters)
        ]
        docs.sort(key=lambda doc: path_form(key_of(doc["Name"])))
        try:
            page, token = paginate(
                docs,
                lambda doc: path_form(key_of(doc["Name"])),
                int(params.get("MaxResults") or 10),
                params.get("NextToken"),
            )
        except BadToken as exc:
            raise invalid_next_token() from exc
        labels = next((f.get("Values") or [] for f in filters if f["Key"] == "Label"), [])
        decrypt = bool(params.get("WithDecryption"))
        out = []
        for doc in page:
            number = next(
                (doc["Labels"][label] for label in labels if label in doc["Labels"]), doc["Version"]
            )
            version = self.records.version(scope, doc, int(number)) or self.records.latest(scope, doc)
            out.append(self.records.view(scope, doc, version, decrypt))
        return {"Parameters": out, "NextToken": token}

    def describe(self, scope: Scope, params: Params) -> Document:
        legacy: list[Document] = params.get("Filters") or []
        filters: list[Document] = params.get("ParameterFilters") or []
        if legacy and filters:
            raise validation("You can use either Filters or ParameterFilters in a single request.")
        if legacy:
            filters = [
                {
                    "Key": item["Key"],
                    "Option": "BeginsWith" if item["Key"] == "Name" else "Equals",
                    "Values": item.get("Values") or [],
                }
                for item in legacy
            ]
        check_filters(filters, by_path=False)
        docs = [] if params.get("Shared") else self.records.all(scope)
        docs = [doc for doc in docs if all(matches(doc, f) for f in filters)]
        docs.sort(key=lambda doc: key_of(doc["Name"]))
        try:
            page, token = paginate(
                docs,
                lambda doc: key_of(doc["Name"]),
                int(params.get("MaxResults") or 10),
                params.get("NextToken"),
            )
        except BadToken as exc:
            raise invalid_next_token() from exc
        return {"Parameters": [self.records.metadata_view(scope, doc) for doc in page], "NextToken": token}
