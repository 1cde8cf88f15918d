"""Log groups: create, delete, describe (prefix, pattern, identifiers, pages), retention, tags.

A group is found by its name or, where the model allows an identifier, by its ARN (with or
without the trailing `:*`). Retention is stored on the group and applied by the sweep in
controllers/logs_retention.py; DescribeLogGroups reports the bytes its streams hold.
"""

from __future__ import annotations

from typing import Any

from skiff.services.logs import exceptions as exc
from skiff.services.pagination import BadToken, paginate
from skiff.state import logs as records
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)
MAX_TAGS = 50
Params = dict[str, Any]


def name_from_identifier(scope: Scope, identifier: str) -> str:
    """A log group name from a name or an ARN of this account and region."""
    if not identifier.startswith("arn:"):
        return identifier
    parts = identifier.split(":", 6)
    if len(parts) < 7 or parts[2] != "logs" or parts[5] != "log-group":
        raise exc.invalid_parameter(f"Invalid log group identifier: {identifier}")
    name = parts[6]
    if name.endswith(":*"):
        name = name[:-2]
    if parts[3] != scope.region or parts[4] != scope.account:
        raise exc.group_not_found()
    return name


def group_name(scope: Scope, params: Params, name_member: str = "logGroupName") -> str:
    """The group an operation names by `logGroupName` or `logGroupIdentifier` (exactly one)."""
    name, identifier = params.get(name_member), params.get("logGroupIdentifier")
    if name is not None and identifier is not None:
        raise exc.invalid_parameter("LogGroup name and LogGroup ARN are mutually exclusive parameters.")
    if identifier is not None:
        return name_from_identifier(scope, str(identifier))
    if name is None:
        raise exc.invalid_parameter("Either the logGroupName or the logGroupIdentifier must be specified.")
    return str(name)


def public(store: Store, group: Document) -> Document:
    shown = {k: v for k, v in group.items() if k != records.INTERNAL}
    shown["storedBytes"] = records.stored_bytes(store, records.gid_of(group))
    return shown


class GroupBackend:
    def __init__(self, store: Store) -> None:
        self.store = store

    def require(self, scope: Scope, name: str) -> Document:
        group = records.get_group(self.store, scope, name)
        if group is None:
            raise exc.group_not_found()
        return group

    def create(self, scope: Scope, params: Params) -> None:
        tags = params.get("tags") or {}
        if len(tags) > MAX_TAGS:
            raise exc.too_many_tags()
        kms = params.get("kmsKeyId")
        if kms is not None and not str(kms).startswith("arn:"):
            raise exc.invalid_parameter("Specified KMS key ARN is invalid.")
        created = records.create_group(
            self.store,
            scope,
            params["logGroupName"],
            tags=tags,
            kms_key_id=kms,
            group_class=params.get("logGroupClass") or "STANDARD",
            deletion_protection=bool(params.get("deletionProtectionEnabled")),
        )
        if created is None:
            raise exc.group_exists()

    def delete(self, scope: Scope, name: str) -> None:
        group = self.require(scope, name)
        if group.get("deletionProtectionEnabled"):
            raise exc.deletion_protected(name)
        records.delete_group(self.store, scope, group)

    def describe(self, scope: Scope, params: Params) -> Params:
        prefix, pattern = params.get("logGroupNamePrefix"), params.get("logGroupNamePattern")
        identifiers = params.get("logGroupIdentifiers")
        if prefix is not None and pattern is not None:
            raise exc.invalid_parameter(
                "LogGroupNamePrefix and LogGroupNamePattern are mutually exclusive parameters."
            )
        if identifiers is not None and (prefix is not None or pattern is not None):
            raise exc.invalid_parameter(
                "LogGroupIdentifiers and LogGroupNamePrefix/LogGroupNamePattern are mutually exclusive "
                "parameters."
            )
        found = records.groups(self.store, scope)
        if prefix is not None:
            found = [g for g in found if g["logGroupName"].startswith(prefix)]
        if pattern is not None:
            needle = str(pattern).lower()
            found = [g for g in found if needle in g["logGroupName"].lower()]
        if identifiers is not None:
            wanted = {name_from_identifier(scope, str(i)) for i in identifiers}
            found = [g for g in found if g["logGroupName"] in wanted]
        group_class = params.get("logGroupClass")
        if group_class is not None:
            found = [g for g in found if g.get("logGroupClass", "STANDARD") == group_class]
        try:
            page, token = paginate(
                found, lambda g: g["logGroupName"], int(params.get("limit") or 50), params.get("nextToken")
            )
        except BadToken:
            raise exc.bad_token() from None
        out: Params = {"logGroups": [public(self.store, g) for g in page]}
        if token:
            out["nextToken"] = token
        return out

    # -- retention ----------------------------------------------------------------------------
    def put_retention(self, scope: Scope, name: str, days: int) -> None:
        if days not in RETENTION_DAYS:
            raise exc.invalid_parameter(
                f"1 validation error detected: Value '{days}' at 'retentionInDays' failed to satisfy "
                f"constraint: Member must satisfy enum value set: [{', '.join(map(str, RETENTION_DAYS))}]"
            )
        with self.store.transaction():
            group = self.require(scope, name)
            group["retentionInDays"] = days
            records.save_group(self.store, group)

    def delete_retention(self, scope: Scope, name: str) -> None:
        with self.store.transaction():
            group = self.require(scope, name)
            group.pop("retentionInDays", None)
            records.save_group(self.store, group)

    # -- tags ---------------------------------------------------------------------------------
    def group_for_arn(self, scope: Scope, arn: str) -> Document:
        parts = arn.split(":", 6)
        if len(parts) < 7 or parts[0] != "arn" or parts[2] != "logs":
            raise exc.invalid_parameter(f"Invalid resource ARN: {arn}")
        if parts[5] != "log-group":
            raise exc.resource_not_found()
        return self.require(scope, name_from_identifier(scope, arn))

    def tags(self, group: Document) -> dict[str, str]:
        return dict(group[records.INTERNAL].get("tags") or {})

    def tag(self, scope: Scope, group: Document, tags: dict[str, str]) -> None:
        with self.store.transaction():
            current = self.tags(group)
            current.update(tags)
            if len(current) > MAX_TAGS:
                raise exc.too_many_tags()
            group[records.INTERNAL]["tags"] = current
            records.save_group(self.store, group)

    def untag(self, scope: Scope, group: Document, keys: list[str]) -> None:
        with self.store.transaction():
            current = self.tags(group)
            for key in keys:
                current.pop(key, None)
            group[records.INTERNAL]["tags"] = current
            records.save_group(self.store, group)
