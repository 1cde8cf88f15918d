"""ECS account settings: per-principal values over account defaults over AWS defaults."""

from __future__ import annotations

from typing import Any

from skiff.services.ecs.exceptions import invalid_parameter, invalid_token
from skiff.services.pagination import BadToken, paginate
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

SETTINGS = "account_settings"
DEFAULT_PRINCIPAL = "default"

# name -> (AWS default value, allowed values or None for free text checked elsewhere)
AWS_DEFAULTS: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "serviceLongArnFormat": ("enabled", ("enabled", "disabled")),
    "taskLongArnFormat": ("enabled", ("enabled", "disabled")),
    "containerInstanceLongArnFormat": ("enabled", ("enabled", "disabled")),
    "awsvpcTrunking": ("disabled", ("enabled", "disabled")),
    "containerInsights": ("disabled", ("enabled", "disabled", "enhanced")),
    "fargateFIPSMode": ("disabled", ("enabled", "disabled")),
    "tagResourceAuthorization": ("on", ("on", "off")),
    "fargateTaskRetirementWaitPeriod": ("7", ("0", "7", "14")),
    "guardDutyActivate": ("off", ("on", "off")),
    "defaultLogDriverMode": ("non-blocking", ("blocking", "non-blocking")),
}


class AccountSettingsBackend:
    def __init__(self, store: Store) -> None:
        self.store = store

    @staticmethod
    def _check(name: str, value: str) -> None:
        allowed = AWS_DEFAULTS.get(name, ("", None))[1]
        if allowed is not None and value not in allowed:
            raise invalid_parameter("Invalid setting 'value'")

    def put(self, scope: Scope, name: str, value: str, principal: str | None) -> Document:
        self._check(name, value)
        principal_arn = principal or scope.root_arn
        return self._store(scope, principal_arn, name, value)

    def put_default(self, scope: Scope, name: str, value: str) -> Document:
        self._check(name, value)
        self._store(scope, DEFAULT_PRINCIPAL, name, value)
        return self._setting(scope, name, value, scope.root_arn)

    def delete(self, scope: Scope, name: str, principal: str | None) -> Document:
        principal_arn = principal or scope.root_arn
        pk = self._pk(scope, principal_arn, name)
        doc = self.store.get(SETTINGS, pk)
        if doc is None:
            raise invalid_parameter(f"The account setting {name} is not set for {principal_arn}.")
        self.store.delete(SETTINGS, pk)
        return doc

    def effective(self, scope: Scope, name: str, principal: str | None = None) -> str:
        principal_arn = principal or scope.root_arn
        for who in (principal_arn, DEFAULT_PRINCIPAL):
            doc = self.store.get(SETTINGS, self._pk(scope, who, name))
            if doc is not None:
                return str(doc["value"])
        return AWS_DEFAULTS.get(name, ("", None))[0]

    def list(self, scope: Scope, params: dict[str, Any]) -> tuple[list[Document], str | None]:
        principal_arn = params.get("principalArn") or scope.root_arn
        name_filter = params.get("name")
        value_filter = params.get("value")
        if params.get("effectiveSettings"):
            names = [name_filter] if name_filter else sorted(AWS_DEFAULTS)
            rows = [
                self._setting(scope, n, self.effective(scope, n, principal_arn), principal_arn) for n in names
            ]
            rows = [r for r in rows if r["value"]]
        else:
            rows = [
                doc
                for doc in self.store.find(
                    SETTINGS,
                    {"account": scope.account, "region": scope.region, "principal": principal_arn},
                    order_by=("name",),
                )
            ]
            if name_filter:
                rows = [r for r in rows if r["name"] == name_filter]
        if value_filter is not None:
            rows = [r for r in rows if r["value"] == value_filter]
        try:
            return paginate(
                rows, lambda r: r["name"], int(params.get("maxResults") or 10), params.get("nextToken")
            )
        except BadToken as exc:
            raise invalid_token() from exc

    def _store(self, scope: Scope, principal: str, name: str, value: str) -> Document:
        doc = self._setting(
            scope, name, value, scope.root_arn if principal == DEFAULT_PRINCIPAL else principal
        )
        self.store.put(
            SETTINGS,
            self._pk(scope, principal, name),
            doc,
            account=scope.account,
            region=scope.region,
            principal=principal,
            name=name,
        )
        return doc

    @staticmethod
    def _setting(scope: Scope, name: str, value: str, principal_arn: str) -> Document:
        return {"name": name, "value": value, "principalArn": principal_arn, "type": "user"}

    @staticmethod
    def _pk(scope: Scope, principal: str, name: str) -> str:
        return f"{scope.account}|{scope.region}|{principal}|{name}"
