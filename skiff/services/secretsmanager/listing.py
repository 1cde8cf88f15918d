"""ListSecrets and BatchGetSecretValue: filters, sorting and pages.

Filters follow AWS: `name`, `tag-key` and `tag-value` match a prefix, case-sensitively;
`description` matches a prefix of the description or of one of its words, ignoring case; `all`
breaks the value into words (at case changes, letter/digit changes and punctuation) and matches
any of them against the words of the name, description, tag keys and tag values, ignoring case.
A value starting with `!` negates. Values of one filter are alternatives; filters all apply.
"""

from __future__ import annotations

import re
from typing import Any

from skiff.api.errors import AwsError
from skiff.services.pagination import BadToken, paginate
from skiff.services.secretsmanager.exceptions import invalid_next_token, invalid_parameter
from skiff.services.secretsmanager.records import SecretRecords
from skiff.services.secretsmanager.secrets import list_entry
from skiff.services.secretsmanager.values import SecretValues
from skiff.state.scope import Scope
from skiff.store.base import Document

Params = dict[str, Any]

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
SORT_KEYS = {
    "created-date": "CreatedDate",
    "last-accessed-date": "LastAccessedDate",
    "last-changed-date": "LastChangedDate",
}


def words(text: str) -> list[str]:
    """Search words as AWS splits them: `credsDatabase#892` -> creds, database, 892."""
    return [word.lower() for word in _WORD.findall(text)]


def _tags(doc: Document) -> list[Document]:
    return list(doc.get("Tags") or [])


def _matches(doc: Document, key: str, term: str) -> bool:
    if key == "name":
        return str(doc["Name"]).startswith(term)
    if key == "description":
        text = str(doc.get("Description") or "").lower()
        lowered = term.lower()
        return text.startswith(lowered) or any(word.startswith(lowered) for word in text.split())
    if key == "tag-key":
        return any(str(tag["Key"]).startswith(term) for tag in _tags(doc))
    if key == "tag-value":
        return any(str(tag.get("Value", "")).startswith(term) for tag in _tags(doc))
    if key == "all":
        texts = [doc["Name"], doc.get("Description") or ""]
        for tag in _tags(doc):
            texts.extend((tag["Key"], tag.get("Value", "")))
        known = [word for text in texts for word in words(str(text))]
        return any(any(word.startswith(wanted) for word in known) for wanted in words(term))
    return False  # primary-region, owning-service: skiff's secrets are neither replicated nor managed


def matches(doc: Document, filters: list[Document]) -> bool:
    for item in filters:
        key = item.get("Key", "all")
        values: list[str] = item.get("Values") or []
        hit = False
        for value in values:
            negate = value.startswith("!")
            if _matches(doc, key, value[1:] if negate else value) != negate:
                hit = True
                break
        if not hit:
            return False
    return True


def _sort_key(sort_by: str) -> Any:
    member = SORT_KEYS.get(sort_by)

    def key(doc: Document) -> tuple[Any, ...]:
        if member is None:
            return (doc["Name"], doc["ARN"])
        moment = doc.get(member)
        return (moment.timestamp() if moment is not None else 0.0, doc["ARN"])

    return key


class SecretListing:
    def __init__(self, records: SecretRecords, values: SecretValues) -> None:
        self.records = records
        self.values = values

    def _selected(self, scope: Scope, filters: list[Document], include_deleted: bool) -> list[Document]:
        return [
            doc
            for doc in self.records.all(scope)
            if (include_deleted or doc.get("DeletedDate") is None) and matches(doc, filters)
        ]

    def list(self, scope: Scope, params: Params) -> Document:
        docs = self._selected(scope, params.get("Filters") or [], bool(params.get("IncludePlannedDeletion")))
        key = _sort_key(params.get("SortBy") or "created-date")
        descending = params.get("SortOrder") == "desc"
        docs.sort(key=key, reverse=descending)
        try:
            page, token = paginate(
                docs,
                key,
                int(params.get("MaxResults") or 100),
                params.get("NextToken"),
                descending=descending,
            )
        except BadToken as exc:
            raise invalid_next_token() from exc
        return {"SecretList": [list_entry(doc) for doc in page], "NextToken": token}

    def batch_get(self, scope: Scope, params: Params) -> Document:
        ids: list[str] | None = params.get("SecretIdList")
        filters: list[Document] | None = params.get("Filters")
        if (ids is None) == (filters is None):
            raise invalid_parameter("Either 'SecretIdList' or 'Filters' must be provided, but not both.")
        token: str | None = None
        if ids is None:
            docs = self._selected(scope, filters or [], False)
            key = _sort_key("name")
            docs.sort(key=key)
            try:
                page, token = paginate(
                    docs, key, int(params.get("MaxResults") or 20), params.get("NextToken")
                )
            except BadToken as exc:
                raise invalid_next_token() from exc
            ids = [doc["ARN"] for doc in page]
        elif params.get("MaxResults") is not None:
            raise invalid_parameter(
                "'Filters' not specified. 'Filters' must also be specified when 'MaxResults' is provided."
            )
        found: list[Document] = []
        errors: list[Document] = []
        for secret_id in dict.fromkeys(ids):
            try:
                found.append(self.values.get(scope, secret_id))
            except AwsError as error:
                errors.append({"SecretId": secret_id, "ErrorCode": error.code, "Message": error.message})
        return {"SecretValues": found, "Errors": errors, "NextToken": token}
