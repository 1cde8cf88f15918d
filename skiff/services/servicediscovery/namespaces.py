"""Cloud Map namespaces: private DNS (a zone answered inside one VPC), public DNS, and HTTP.

A DNS namespace gets a hosted zone (its id in `Properties.DnsProperties.HostedZoneId`, seen by the
Route 53 view); the names under it are answered by the resolver tasks use. Names are unique per
account and region (private DNS namespaces: per VPC). A namespace with services cannot go.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from skiff.services.pagination import BadToken, paginate
from skiff.services.servicediscovery.exceptions import (
    bad_token,
    invalid_input,
    namespace_exists,
    namespace_not_found,
    resource_in_use,
)
from skiff.services.servicediscovery.ids import hosted_zone_id, id_from, namespace_arn, namespace_id
from skiff.services.servicediscovery.names import check_condition, check_domain, check_tags, matches
from skiff.services.servicediscovery.operations import OperationBackend
from skiff.state.discovery import DNS_TYPES, INTERNAL, NAMESPACES, SERVICES, fqdn, now, save_namespace, touch
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

DEFAULT_SOA_TTL = 15
SUMMARY_KEYS = ("Id", "Arn", "ResourceOwner", "Name", "Type", "Description", "ServiceCount", "Properties",
                "CreateDate")  # fmt: skip
FILTER_CONDITIONS = {
    "TYPE": ("EQ", "IN"),
    "NAME": ("EQ", "BEGINS_WITH"),
    "HTTP_NAME": ("EQ", "BEGINS_WITH"),
    "RESOURCE_OWNER": ("EQ",),
}


class NamespaceBackend:
    def __init__(self, store: Store, operations: OperationBackend) -> None:
        self.store = store
        self.operations = operations
        # Does the VPC exist in this scope? skiff/server/ connects EC2; None accepts any VPC id.
        self.vpc_exists: Callable[[Scope, str], bool] | None = None

    # -- create ---------------------------------------------------------------------------------
    def create(self, scope: Scope, kind: str, params: dict[str, Any]) -> str:
        """Create a namespace of `kind` (DNS_PRIVATE, DNS_PUBLIC, HTTP); the operation id."""
        name = str(params["Name"])
        vpc = str(params.get("Vpc") or "")
        if kind in DNS_TYPES:
            name = check_domain(name)
        if kind == "DNS_PRIVATE" and self.vpc_exists is not None and not self.vpc_exists(scope, vpc):
            raise invalid_input(f"The VPC {vpc} does not exist.")
        tags = check_tags(params.get("Tags"))
        creator = params.get("CreatorRequestId")
        for other in self._named(scope, name, kind):
            if kind == "DNS_PRIVATE" and other[INTERNAL].get("vpc") != vpc:
                continue
            if creator and other.get("CreatorRequestId") == creator:
                return str(other[INTERNAL]["operation"])  # a retry of the same request
            raise namespace_exists(name, other["Id"], other.get("CreatorRequestId"))
        ident = namespace_id()
        properties: Document = {"DnsProperties": {}, "HttpProperties": {"HttpName": name}}
        if kind in DNS_TYPES:
            soa = ((params.get("Properties") or {}).get("DnsProperties") or {}).get("SOA") or {}
            properties["DnsProperties"] = {
                "HostedZoneId": hosted_zone_id(),
                "SOA": {"TTL": int(soa.get("TTL", DEFAULT_SOA_TTL))},
            }
        doc: Document = {
            "Id": ident,
            "Arn": namespace_arn(scope, ident),
            "ResourceOwner": scope.account,
            "Name": name,
            "Type": kind,
            "Properties": properties,
            "CreateDate": now(),
            INTERNAL: {"account": scope.account, "region": scope.region, "vpc": vpc, "tags": tags},
        }
        if params.get("Description") is not None:
            doc["Description"] = params["Description"]
        if creator:
            doc["CreatorRequestId"] = creator
        with self.store.transaction():
            operation = self.operations.record(scope, "CREATE_NAMESPACE", {"NAMESPACE": ident})
            doc[INTERNAL]["operation"] = operation
            save_namespace(self.store, doc)
            touch(self.store)
        return operation

    def _named(self, scope: Scope, name: str, kind: str) -> list[Document]:
        """Namespaces of the scope this name collides with (DNS names compare without case)."""
        keys = (fqdn(name), name)
        return self.store.find(NAMESPACES, {"account": scope.account, "region": scope.region, "name": keys})

    # -- read -----------------------------------------------------------------------------------
    def find(self, scope: Scope, ident: str) -> Document | None:
        doc = self.store.get(NAMESPACES, id_from(ident, "namespace"))
        if (
            doc is None
            or doc[INTERNAL]["account"] != scope.account
            or doc[INTERNAL]["region"] != scope.region
        ):
            return None
        return doc

    def require(self, scope: Scope, ident: str) -> Document:
        doc = self.find(scope, ident)
        if doc is None:
            raise namespace_not_found(ident)
        return doc

    def by_http_name(self, scope: Scope, name: str) -> Document | None:
        docs = self.store.find(NAMESPACES, {"account": scope.account, "region": scope.region})
        for doc in docs:
            if (
                doc["Properties"].get("HttpProperties", {}).get("HttpName", doc["Name"]).lower()
                == name.lower()
            ):
                return doc
        return None

    def service_count(self, ident: str) -> int:
        return len(self.store.find(SERVICES, {"namespace_id": ident}))

    def view(self, doc: Document) -> Document:
        out = {k: v for k, v in doc.items() if k != INTERNAL}
        out["ServiceCount"] = self.service_count(doc["Id"])
        return out

    def get(self, scope: Scope, ident: str) -> Document:
        return self.view(self.require(scope, ident))

    def list(self, scope: Scope, params: dict[str, Any]) -> Document:
        docs = [self.view(d) for d in self.store.find(
            NAMESPACES, {"account": scope.account, "region": scope.region}, order_by=("pk",)
        )]  # fmt: skip
        for spec in params.get("Filters") or []:
            docs = [d for d in docs if _matches(d, spec)]
        try:
            page, token = paginate(docs, lambda d: d["Id"], int(params.get("MaxResults") or 100),
                                   params.get("NextToken"))  # fmt: skip
        except BadToken as exc:
            raise bad_token() from exc
        out: Document = {"Namespaces": [{k: d[k] for k in SUMMARY_KEYS if k in d} for d in page]}
        if token:
            out["NextToken"] = token
        return out

    # -- change ---------------------------------------------------------------------------------
    def update(self, scope: Scope, kind: str, params: dict[str, Any]) -> str:
        doc = self.require(scope, params["Id"])
        if doc["Type"] != kind:
            raise invalid_input(f"The namespace {doc['Id']} is of type {doc['Type']}, not {kind}.")
        change = params.get("Namespace") or {}
        if change.get("Description") is not None:
            doc["Description"] = change["Description"]
        soa = ((change.get("Properties") or {}).get("DnsProperties") or {}).get("SOA")
        if soa and kind in DNS_TYPES:
            doc["Properties"]["DnsProperties"]["SOA"] = {"TTL": int(soa["TTL"])}
        with self.store.transaction():
            operation = self.operations.record(scope, "UPDATE_NAMESPACE", {"NAMESPACE": doc["Id"]})
            save_namespace(self.store, doc)
            touch(self.store)
        return operation

    def delete(self, scope: Scope, ident: str) -> str:
        doc = self.require(scope, ident)
        if self.service_count(doc["Id"]):
            raise resource_in_use(f"The namespace {doc['Id']} has services; delete them first.")
        with self.store.transaction():
            operation = self.operations.record(scope, "DELETE_NAMESPACE", {"NAMESPACE": doc["Id"]})
            self.store.delete(NAMESPACES, doc["Id"])
            touch(self.store)
        return operation


def _matches(doc: Document, spec: dict[str, Any]) -> bool:
    name = str(spec["Name"])
    if name not in FILTER_CONDITIONS:
        raise invalid_input(f"Unknown filter name: {name}.")
    condition, values = check_condition(name, spec, FILTER_CONDITIONS[name])
    field = {
        "TYPE": doc["Type"],
        "NAME": doc["Name"],
        "HTTP_NAME": doc["Properties"].get("HttpProperties", {}).get("HttpName", ""),
        "RESOURCE_OWNER": doc.get("ResourceOwner", ""),
    }[name]
    return matches(str(field), condition, values)
