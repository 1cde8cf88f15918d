"""Managed policies: the customer managed ones of each account, and AWS's (see `managed.py`).

A customer managed policy is stored under its ARN (`arn:aws:iam::<acct>:policy<path><name>`)
with its versions (CreatePolicy makes `v1`, the default). Names are unique in an account
regardless of case. Attachment and permissions-boundary counts come from callbacks the role
backends register, so this module depends on neither.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from skiff.services.iam import documents, managed
from skiff.services.iam import tags as iam_tags
from skiff.services.iam.exceptions import (
    access_denied,
    already_exists,
    delete_conflict,
    invalid_arn,
    policy_not_found,
    policy_version_not_found,
)
from skiff.services.iam.ids import policy_id
from skiff.services.iam.paging import page
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

POLICIES = "iam_policies"
_ARN = re.compile(r"^arn:aws:iam::([^:]+):policy(/(?:[^/]+/)*)([\w+=,.@-]+)$")
# account -> how many times each policy ARN is used (as a permissions policy / a boundary)
UsageFn = Callable[[Scope], Counter[str]]


def _no_usage(scope: Scope) -> Counter[str]:
    return Counter()


def policy_arn(account: str, path: str, name: str) -> str:
    return f"arn:aws:iam::{account}:policy{path}{name}"


def parse_arn(arn: str) -> tuple[str, str, str]:
    """(account, path, name) of a policy ARN; `InvalidInput` when it is none."""
    match = _ARN.match(arn)
    if match is None:
        raise invalid_arn(arn)
    return match.group(1), match.group(2), match.group(3)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


class PolicyBackend:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.attachment_counts: UsageFn = _no_usage
        self.boundary_counts: UsageFn = _no_usage

    # -- create, read -------------------------------------------------------------------------
    def create(self, scope: Scope, params: dict[str, Any]) -> Document:
        name: str = params["PolicyName"]
        path: str = params.get("Path") or "/"
        document: str = params["PolicyDocument"]
        documents.check_identity_policy(document, documents.MANAGED_POLICY_SIZE)
        tags = iam_tags.check(params.get("Tags"))
        if self.store.find(POLICIES, {"account": scope.account, "name_key": name.lower()}, limit=1):
            raise already_exists(f"A policy called {name} already exists. Duplicate names are not allowed.")
        now = _now()
        arn = policy_arn(scope.account, path, name)
        doc: Document = {
            "PolicyName": name,
            "PolicyId": policy_id(),
            "Arn": arn,
            "Path": path,
            "DefaultVersionId": "v1",
            "CreateDate": now,
            "UpdateDate": now,
            "Tags": tags,
            "Versions": [
                {"VersionId": "v1", "Document": document, "IsDefaultVersion": True, "CreateDate": now}
            ],
        }
        if params.get("Description") is not None:
            doc["Description"] = params["Description"]
        self.store.put(POLICIES, arn, doc, account=scope.account, name_key=name.lower(), path=path)
        return self._view(doc, 0, 0, detailed=True)

    def _stored(self, scope: Scope, arn: str) -> Document | None:
        account, _, _ = parse_arn(arn)
        if account != scope.account:
            return None
        return self.store.get(POLICIES, arn)

    def exists(self, scope: Scope, arn: str) -> bool:
        """Whether `arn` names a policy the account can attach (`InvalidInput` if it is no ARN)."""
        parse_arn(arn)
        return managed.find(arn) is not None or self._stored(scope, arn) is not None

    def document_of(self, arn: str) -> str | None:
        """The default version's document of a managed policy (AWS's or any account's)."""
        aws = managed.find(arn)
        if aws is not None:
            return aws.document
        doc = self.store.get(POLICIES, arn)
        if doc is None:
            return None
        for version in doc["Versions"]:
            if version["VersionId"] == doc["DefaultVersionId"]:
                return str(version["Document"])
        return None

    def path_of(self, scope: Scope, arn: str) -> str:
        aws = managed.find(arn)
        if aws is not None:
            return aws.path
        return parse_arn(arn)[1]

    def get(self, scope: Scope, arn: str) -> Document:
        aws = managed.find(arn)
        if aws is not None:
            return managed.view(aws, self.attachment_counts(scope)[arn])
        doc = self._stored(scope, arn)
        if doc is None:
            raise policy_not_found(arn)
        return self._view(
            doc, self.attachment_counts(scope)[arn], self.boundary_counts(scope)[arn], detailed=True
        )

    def get_version(self, scope: Scope, arn: str, version_id: str) -> Document:
        aws = managed.find(arn)
        if aws is not None:
            if version_id != aws.version_id:
                raise policy_version_not_found(arn, version_id)
            return {
                "Document": documents.encode(aws.document),
                "VersionId": aws.version_id,
                "IsDefaultVersion": True,
                "CreateDate": aws.updated,
            }
        doc = self._stored(scope, arn)
        if doc is None:
            raise policy_not_found(arn)
        for version in doc["Versions"]:
            if version["VersionId"] == version_id:
                return {**version, "Document": documents.encode(version["Document"])}
        raise policy_version_not_found(arn, version_id)

    @staticmethod
    def _view(doc: Document, attachments: int, boundaries: int, *, detailed: bool) -> Document:
        out = {key: value for key, value in doc.items() if key not in ("Versions", "Tags", "Description")}
        out.update(AttachmentCount=attachments, PermissionsBoundaryUsageCount=boundaries, IsAttachable=True)
        if detailed:
            if "Description" in doc:
                out["Description"] = doc["Description"]
            if doc.get("Tags"):
                out["Tags"] = doc["Tags"]
        return out

    # -- list ---------------------------------------------------------------------------------
    def list_policies(self, scope: Scope, params: dict[str, Any]) -> tuple[list[Document], dict[str, Any]]:
        which = params.get("Scope") or "All"
        attached = self.attachment_counts(scope)
        boundaries = self.boundary_counts(scope)
        found: list[Document] = []
        if which in ("All", "AWS"):
            found.extend(managed.view(p, attached[p.arn]) for p in managed.aws_policies().values())
        if which in ("All", "Local"):
            found.extend(
                self._view(doc, attached[doc["Arn"]], boundaries[doc["Arn"]], detailed=False)
                for doc in self.store.find(POLICIES, {"account": scope.account}, order_by=("name_key",))
            )
        for policy in found:
            policy.pop("Description", None)
        prefix = params.get("PathPrefix") or "/"
        found = [p for p in found if p["Path"].startswith(prefix)]
        if params.get("OnlyAttached"):
            found = [p for p in found if p["AttachmentCount"] > 0]
        if params.get("PolicyUsageFilter") == "PermissionsBoundary":
            found = [p for p in found if p["PermissionsBoundaryUsageCount"] > 0]
        found.sort(key=_sort_key)
        return page(found, _sort_key, params.get("Marker"), params.get("MaxItems"))

    # -- delete -------------------------------------------------------------------------------
    def delete(self, scope: Scope, arn: str, caller_arn: str) -> None:
        if managed.find(arn) is not None:
            raise access_denied(
                f"User: {caller_arn} is not authorized to perform: iam:DeletePolicy on resource: "
                f"policy {arn} because no identity-based policy allows the iam:DeletePolicy action"
            )
        doc = self._stored(scope, arn)
        if doc is None:
            raise policy_not_found(arn)
        if self.attachment_counts(scope)[arn] or self.boundary_counts(scope)[arn]:
            raise delete_conflict("Cannot delete a policy attached to entities.")
        self.store.delete(POLICIES, arn)


def _sort_key(policy: Document) -> tuple[str, str]:
    return (policy["PolicyName"].lower(), policy["Arn"])
