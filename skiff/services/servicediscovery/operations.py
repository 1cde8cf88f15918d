"""Cloud Map operations: what CreateNamespace, RegisterInstance and the like hand back.

On AWS these run asynchronously: GetOperation reports SUBMITTED, then PENDING, then SUCCESS. skiff
applies the change when the request is acknowledged (so a script that goes on at once finds what
it created) and reports the status by the operation's age, so the walk SUBMITTED → PENDING →
SUCCESS is what clients see, the same after a restart.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from skiff.services.pagination import BadToken, paginate
from skiff.services.servicediscovery.exceptions import bad_token, invalid_input, operation_not_found
from skiff.services.servicediscovery.ids import operation_id
from skiff.state.discovery import INTERNAL, OPERATIONS, now
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

SUBMITTED_FOR = dt.timedelta(seconds=0.3)
PENDING_UNTIL = dt.timedelta(seconds=1.0)
FILTERS = {"NAMESPACE_ID", "SERVICE_ID", "STATUS", "TYPE", "UPDATE_DATE"}


def status_at(created: dt.datetime, at: dt.datetime) -> tuple[str, dt.datetime]:
    """The status of an operation created at `created`, and when it took it."""
    age = at - created
    if age < SUBMITTED_FOR:
        return "SUBMITTED", created
    if age < PENDING_UNTIL:
        return "PENDING", created + SUBMITTED_FOR
    return "SUCCESS", created + PENDING_UNTIL


class OperationBackend:
    def __init__(self, store: Store) -> None:
        self.store = store

    def record(self, scope: Scope, kind: str, targets: dict[str, str]) -> str:
        """Record an operation (inside the caller's transaction); its id."""
        ident = operation_id()
        created = now()
        doc = {
            "Id": ident,
            "OwnerAccount": scope.account,
            "Type": kind,
            "Targets": targets,
            "CreateDate": created,
            INTERNAL: {"account": scope.account, "region": scope.region},
        }
        self.store.put(
            OPERATIONS, ident, doc, account=scope.account, region=scope.region, created=created.isoformat()
        )
        return ident

    def view(self, doc: Document) -> Document:
        status, updated = status_at(doc["CreateDate"], now())
        out = {k: v for k, v in doc.items() if k != INTERNAL}
        out.update(Status=status, UpdateDate=updated)
        return out

    def get(self, scope: Scope, ident: str) -> Document:
        doc = self.store.get(OPERATIONS, ident)
        if (
            doc is None
            or doc[INTERNAL]["account"] != scope.account
            or doc[INTERNAL]["region"] != scope.region
        ):
            raise operation_not_found(ident)
        return self.view(doc)

    def list(self, scope: Scope, params: dict[str, Any]) -> Document:
        docs = self.store.find(
            OPERATIONS, {"account": scope.account, "region": scope.region}, order_by=("created", "pk")
        )
        views = [self.view(d) for d in docs]
        for spec in params.get("Filters") or []:
            views = [v for v in views if _matches(v, spec)]
        try:
            page, token = paginate(
                views, lambda v: [v["CreateDate"].isoformat(), v["Id"]], int(params.get("MaxResults") or 100),
                params.get("NextToken"),
            )  # fmt: skip
        except BadToken as exc:
            raise bad_token() from exc
        out: Document = {"Operations": [{"Id": v["Id"], "Status": v["Status"]} for v in page]}
        if token:
            out["NextToken"] = token
        return out


def _matches(view: Document, spec: dict[str, Any]) -> bool:
    name, values = spec["Name"], [str(v) for v in spec.get("Values") or []]
    condition = spec.get("Condition") or "EQ"
    if name not in FILTERS:
        raise invalid_input(f"Unknown filter name: {name}.")
    if not values:
        raise invalid_input("A filter needs at least one value.")
    if name == "UPDATE_DATE":
        if condition != "BETWEEN" or len(values) != 2:
            raise invalid_input("UPDATE_DATE takes the BETWEEN condition with two values (epoch seconds).")
        try:
            low, high = (float(v) for v in values)
        except ValueError as exc:
            raise invalid_input("UPDATE_DATE values are epoch seconds.") from exc
        stamp = float(view["UpdateDate"].timestamp())
        return low <= stamp <= high
    if condition not in ("EQ", "IN"):
        raise invalid_input(f"The {name} filter takes the EQ or IN condition.")
    if condition == "EQ" and len(values) != 1:
        raise invalid_input("The EQ condition takes one value.")
    field = {"STATUS": view["Status"], "TYPE": view["Type"]}.get(name)
    if field is None:
        target = {"NAMESPACE_ID": "NAMESPACE", "SERVICE_ID": "SERVICE"}[name]
        field = view["Targets"].get(target, "")
    return str(field) in values
