"""Cloud Map services: a name inside a namespace, the DNS records its instances get, and how their
health is judged (a custom health status the owner reports, or none).

DnsConfig rules as Cloud Map states them: record types A, AAAA, SRV, CNAME, each at most once;
CNAME alone and only with WEIGHTED routing; DNS records only in DNS namespaces; Route 53 health
checks (HealthCheckConfig) only in public ones, never with HealthCheckCustomConfig. A service with
registered instances cannot go.
"""

from __future__ import annotations

import builtins
from typing import Any

from skiff.api.errors import AwsError
from skiff.services.pagination import BadToken, paginate
from skiff.services.servicediscovery.exceptions import (
    bad_token,
    invalid_input,
    resource_in_use,
    service_exists,
    service_not_found,
)
from skiff.services.servicediscovery.ids import id_from, service_arn, service_id
from skiff.services.servicediscovery.names import check_condition, check_tags, matches
from skiff.services.servicediscovery.namespaces import NamespaceBackend
from skiff.services.servicediscovery.operations import OperationBackend
from skiff.state.discovery import (
    DNS_TYPES,
    INSTANCES,
    INTERNAL,
    SERVICES,
    instances_of,
    now,
    save_service,
    touch,
)
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

SUMMARY_KEYS = ("Id", "Arn", "ResourceOwner", "Name", "Type", "Description", "InstanceCount", "DnsConfig",
                "HealthCheckConfig", "HealthCheckCustomConfig", "CreateDate", "CreatedByAccount")  # fmt: skip
FILTER_CONDITIONS = {"NAMESPACE_ID": ("EQ", "IN"), "RESOURCE_OWNER": ("EQ",)}
MAX_SERVICE_ATTRIBUTES = 30


def check_records(records: list[dict[str, Any]], routing: str) -> None:
    types = [str(r["Type"]) for r in records]
    if not types:
        raise invalid_input("DnsRecords must name at least one record type.")
    if len(set(types)) != len(types):
        raise invalid_input("DnsRecords may name each record type only once.")
    if "CNAME" in types and (len(types) > 1 or routing != "WEIGHTED"):
        raise invalid_input("A CNAME record must be the only record and needs the WEIGHTED routing policy.")
    for record in records:
        if int(record["TTL"]) < 0:
            raise invalid_input("TTL must be at least 0.")


class ServiceBackend:
    def __init__(self, store: Store, namespaces: NamespaceBackend, operations: OperationBackend) -> None:
        self.store = store
        self.namespaces = namespaces
        self.operations = operations

    def create(self, scope: Scope, params: dict[str, Any]) -> Document:
        dns = params.get("DnsConfig")
        namespace_ref = params.get("NamespaceId") or (dns or {}).get("NamespaceId")
        if not namespace_ref:
            raise invalid_input("NamespaceId is required.")
        namespace = self.namespaces.require(scope, str(namespace_ref))
        name = str(params["Name"])
        kind = "HTTP" if params.get("Type") == "HTTP" or not dns else "DNS_HTTP"
        if dns:
            if namespace["Type"] not in DNS_TYPES:
                raise invalid_input("DnsConfig is not allowed in an HTTP namespace.")
            if params.get("Type") == "HTTP":
                raise invalid_input("A service of type HTTP takes no DnsConfig.")
            check_records(dns.get("DnsRecords") or [], str(dns.get("RoutingPolicy") or "MULTIVALUE"))
        if params.get("HealthCheckConfig"):
            if namespace["Type"] != "DNS_PUBLIC":
                raise invalid_input("HealthCheckConfig is allowed only in public DNS namespaces.")
            if params.get("HealthCheckCustomConfig"):
                raise invalid_input("HealthCheckConfig and HealthCheckCustomConfig exclude each other.")
        tags = check_tags(params.get("Tags"))
        creator = params.get("CreatorRequestId")
        for other in self.store.find(SERVICES, {"namespace_id": namespace["Id"], "name": name.lower()}):
            if creator and other.get("CreatorRequestId") == creator:
                return self.view(other)
            raise service_exists(name, other["Id"], other["Arn"], other.get("CreatorRequestId"))
        ident = service_id()
        doc: Document = {
            "Id": ident,
            "Arn": service_arn(scope, ident),
            "ResourceOwner": scope.account,
            "Name": name,
            "NamespaceId": namespace["Id"],
            "Type": kind,
            "CreateDate": now(),
            "CreatedByAccount": scope.account,
            INTERNAL: {"account": scope.account, "region": scope.region, "tags": tags, "attributes": {},
                       "revision": 1},
        }  # fmt: skip
        if dns:
            doc["DnsConfig"] = {
                "NamespaceId": namespace["Id"],
                "RoutingPolicy": dns.get("RoutingPolicy") or "MULTIVALUE",
                "DnsRecords": [{"Type": r["Type"], "TTL": int(r["TTL"])} for r in dns["DnsRecords"]],
            }
        for key in ("Description", "HealthCheckConfig", "HealthCheckCustomConfig", "CreatorRequestId"):
            if params.get(key) is not None:
                doc[key] = params[key]
        if "HealthCheckConfig" in doc:
            doc["HealthCheckConfig"].setdefault("FailureThreshold", 1)
        if "HealthCheckCustomConfig" in doc:
            doc["HealthCheckCustomConfig"] = {"FailureThreshold": 1}  # Cloud Map always uses 1
        with self.store.transaction():
            save_service(self.store, doc)
            touch(self.store)
        return self.view(doc)

    # -- read -----------------------------------------------------------------------------------
    def find(self, scope: Scope, ident: str) -> Document | None:
        doc = self.store.get(SERVICES, id_from(ident, "service"))
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
            raise service_not_found(ident)
        return doc

    def by_name(self, scope: Scope, namespace_id: str, name: str) -> Document | None:
        found = self.store.find(SERVICES, {"namespace_id": namespace_id, "name": name.lower()})
        return found[0] if found else None

    def view(self, doc: Document) -> Document:
        out = {k: v for k, v in doc.items() if k != INTERNAL}
        out["InstanceCount"] = len(self.store.find(INSTANCES, {"service_id": doc["Id"]}))
        return out

    def get(self, scope: Scope, ident: str) -> Document:
        return self.view(self.require(scope, ident))

    def list(self, scope: Scope, params: dict[str, Any]) -> Document:
        docs = self.store.find(SERVICES, {"account": scope.account, "region": scope.region}, order_by=("pk",))
        for spec in params.get("Filters") or []:
            docs = [d for d in docs if _matches(d, spec)]
        try:
            page, token = paginate(docs, lambda d: d["Id"], int(params.get("MaxResults") or 100),
                                   params.get("NextToken"))  # fmt: skip
        except BadToken as exc:
            raise bad_token() from exc
        views = [self.view(d) for d in page]
        out: Document = {"Services": [{k: v[k] for k in SUMMARY_KEYS if k in v} for v in views]}
        if token:
            out["NextToken"] = token
        return out

    # -- change ---------------------------------------------------------------------------------
    def update(self, scope: Scope, params: dict[str, Any]) -> str:
        doc = self.require(scope, params["Id"])
        change = params.get("Service") or {}
        if change.get("Description") is not None:
            doc["Description"] = change["Description"]
        records = (change.get("DnsConfig") or {}).get("DnsRecords")
        if records is not None:
            if "DnsConfig" not in doc:
                raise invalid_input("The service has no DnsConfig to change.")
            check_records(records, doc["DnsConfig"]["RoutingPolicy"])
            old = sorted(r["Type"] for r in doc["DnsConfig"]["DnsRecords"])
            if sorted(str(r["Type"]) for r in records) != old:
                raise invalid_input("UpdateService can change record TTLs, not record types.")
            doc["DnsConfig"]["DnsRecords"] = [{"Type": r["Type"], "TTL": int(r["TTL"])} for r in records]
        if change.get("HealthCheckConfig") is not None:
            if "HealthCheckConfig" not in doc:
                raise invalid_input("The service has no Route 53 health check to change.")
            doc["HealthCheckConfig"] = {"FailureThreshold": 1, **change["HealthCheckConfig"]}
        with self.store.transaction():
            operation = self.operations.record(scope, "UPDATE_SERVICE", {"SERVICE": doc["Id"]})
            save_service(self.store, doc)
            touch(self.store)
        return operation

    def delete(self, scope: Scope, ident: str) -> None:
        doc = self.require(scope, ident)
        if instances_of(self.store, doc["Id"]):
            raise resource_in_use(f"The service {doc['Id']} has registered instances; deregister them first.")
        with self.store.transaction():
            self.store.delete(SERVICES, doc["Id"])
            touch(self.store)

    # -- service attributes -----------------------------------------------------------------------
    def attributes(self, scope: Scope, ident: str) -> Document:
        doc = self.require(scope, ident)
        return {"ServiceArn": doc["Arn"], "ResourceOwner": doc["ResourceOwner"],
                "Attributes": dict(doc[INTERNAL].get("attributes") or {})}  # fmt: skip

    def update_attributes(self, scope: Scope, ident: str, attributes: dict[str, str]) -> None:
        doc = self.require(scope, ident)
        merged = {**(doc[INTERNAL].get("attributes") or {}), **attributes}
        if len(merged) > MAX_SERVICE_ATTRIBUTES:
            raise AwsError(
                f"A service can have at most {MAX_SERVICE_ATTRIBUTES} attributes.",
                code="ServiceAttributesLimitExceededException",
            )
        doc[INTERNAL]["attributes"] = merged
        save_service(self.store, doc)

    def delete_attributes(self, scope: Scope, ident: str, keys: builtins.list[str]) -> None:
        doc = self.require(scope, ident)
        attributes = doc[INTERNAL].get("attributes") or {}
        doc[INTERNAL]["attributes"] = {k: v for k, v in attributes.items() if k not in set(keys)}
        save_service(self.store, doc)


def _matches(doc: Document, spec: dict[str, Any]) -> bool:
    name = str(spec["Name"])
    if name not in FILTER_CONDITIONS:
        raise invalid_input(f"Unknown filter name: {name}.")
    condition, values = check_condition(name, spec, FILTER_CONDITIONS[name])
    field = doc.get("NamespaceId", "") if name == "NAMESPACE_ID" else doc.get("ResourceOwner", "")
    if name == "NAMESPACE_ID":
        values = [id_from(v, "namespace") for v in values]
    return matches(str(field), condition, values)
