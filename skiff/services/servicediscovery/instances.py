"""Cloud Map instances: registration (the attributes a service's DnsConfig needs), health, and
discovery by namespace and service name.

Health: a service with HealthCheckCustomConfig starts each instance at AWS_INIT_HEALTH_STATUS
(HEALTHY unless told otherwise) and changes it on UpdateInstanceCustomHealthStatus; a service
without health checks reports UNKNOWN and answers with every instance; Route 53 health checks
(HealthCheckConfig, public namespaces) are not probed: such instances count as HEALTHY.
Every change moves the service's revision (DiscoverInstancesRevision) and the DNS generation.
"""

from __future__ import annotations

import ipaddress
import random
from typing import Any

from skiff.services.pagination import BadToken, paginate
from skiff.services.servicediscovery.exceptions import (
    bad_token,
    custom_health_not_found,
    instance_not_found,
    invalid_input,
    namespace_not_found,
    service_not_found,
)
from skiff.services.servicediscovery.namespaces import NamespaceBackend
from skiff.services.servicediscovery.operations import OperationBackend
from skiff.services.servicediscovery.sd_services import ServiceBackend
from skiff.state.discovery import (
    INSTANCES,
    INTERNAL,
    health_of,
    instance_key,
    instances_of,
    now,
    save_instance,
    save_service,
    touch,
)
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

MAX_ATTRIBUTES = 30
RESERVED = ("AWS_INSTANCE_IPV4", "AWS_INSTANCE_IPV6", "AWS_INSTANCE_PORT", "AWS_INSTANCE_CNAME",
            "AWS_ALIAS_DNS_NAME", "AWS_INIT_HEALTH_STATUS", "AWS_EC2_INSTANCE_ID")  # fmt: skip


def initial_health(service: Document, attributes: dict[str, str]) -> str:
    wanted = attributes.get("AWS_INIT_HEALTH_STATUS")
    if "HealthCheckCustomConfig" in service:
        return wanted or "HEALTHY"
    if "HealthCheckConfig" in service:
        return "HEALTHY"
    return "UNKNOWN"


def check_attributes(service: Document, attributes: dict[str, str]) -> None:
    if len(attributes) > MAX_ATTRIBUTES:
        raise invalid_input(f"An instance can have at most {MAX_ATTRIBUTES} attributes.")
    for key, family in (("AWS_INSTANCE_IPV4", 4), ("AWS_INSTANCE_IPV6", 6)):
        if key in attributes:
            try:
                address = ipaddress.ip_address(attributes[key])
            except ValueError as exc:
                raise invalid_input(f"{key} is not a valid IPv{family} address.") from exc
            if address.version != family:
                raise invalid_input(f"{key} is not a valid IPv{family} address.")
    if "AWS_INSTANCE_PORT" in attributes:
        port = attributes["AWS_INSTANCE_PORT"]
        if not (port.isascii() and port.isdigit()) or not 0 < int(port) < 65536:
            raise invalid_input("AWS_INSTANCE_PORT must be a port number from 1 to 65535.")
    init = attributes.get("AWS_INIT_HEALTH_STATUS")
    if init is not None:
        if init not in ("HEALTHY", "UNHEALTHY"):
            raise invalid_input("AWS_INIT_HEALTH_STATUS must be HEALTHY or UNHEALTHY.")
        if "HealthCheckCustomConfig" not in service:
            raise invalid_input("AWS_INIT_HEALTH_STATUS needs a service with HealthCheckCustomConfig.")
    types = {r["Type"] for r in (service.get("DnsConfig") or {}).get("DnsRecords") or []}
    if "AWS_ALIAS_DNS_NAME" in attributes:
        return  # an alias to a load balancer stands for the address records
    if types & {"A", "SRV"} and not ({"AWS_INSTANCE_IPV4", "AWS_INSTANCE_IPV6"} & attributes.keys()):
        if "A" in types:
            raise invalid_input("The service has A records: AWS_INSTANCE_IPV4 is required.")
        raise invalid_input("SRV records need AWS_INSTANCE_IPV4 or AWS_INSTANCE_IPV6.")
    if "AAAA" in types and "AWS_INSTANCE_IPV6" not in attributes and "A" not in types:
        raise invalid_input("The service has AAAA records: AWS_INSTANCE_IPV6 is required.")
    if "SRV" in types and "AWS_INSTANCE_PORT" not in attributes:
        raise invalid_input("The service has SRV records: AWS_INSTANCE_PORT is required.")
    if "CNAME" in types and "AWS_INSTANCE_CNAME" not in attributes:
        raise invalid_input("The service has a CNAME record: AWS_INSTANCE_CNAME is required.")


class InstanceBackend:
    def __init__(
        self,
        store: Store,
        namespaces: NamespaceBackend,
        services: ServiceBackend,
        operations: OperationBackend,
    ) -> None:
        self.store = store
        self.namespaces = namespaces
        self.services = services
        self.operations = operations

    # -- registration ---------------------------------------------------------------------------
    def register(self, scope: Scope, params: dict[str, Any], ecs_service: str = "") -> str:
        """Register (or re-register) an instance; `ecs_service` names the ECS service whose task it is."""
        service = self.services.require(scope, params["ServiceId"])
        attributes = {str(k): str(v) for k, v in (params.get("Attributes") or {}).items()}
        check_attributes(service, attributes)
        ident = str(params["InstanceId"])
        existing = self.store.get(INSTANCES, instance_key(service["Id"], ident))
        doc: Document = {"Id": ident, "Attributes": attributes, "CreatedByAccount": scope.account}
        if params.get("CreatorRequestId"):
            doc["CreatorRequestId"] = params["CreatorRequestId"]
        health = initial_health(service, attributes)
        if (
            existing is not None
            and "AWS_INIT_HEALTH_STATUS" not in attributes
            and "HealthCheckCustomConfig" in service
        ):
            health = health_of(existing)  # re-registering keeps the reported health
        doc[INTERNAL] = {"health": health, "registered_at": now(), "service_id": service["Id"],
                         "ecs_service": ecs_service}  # fmt: skip
        with self.store.transaction():
            operation = self.operations.record(
                scope, "REGISTER_INSTANCE", {"INSTANCE": ident, "SERVICE": service["Id"]}
            )
            save_instance(self.store, service["Id"], doc)
            self._changed(service)
        return operation

    def deregister(self, scope: Scope, service_id: str, instance_id: str) -> str:
        service = self.services.require(scope, service_id)
        key = instance_key(service["Id"], instance_id)
        if self.store.get(INSTANCES, key) is None:
            raise instance_not_found(instance_id)
        with self.store.transaction():
            operation = self.operations.record(
                scope, "DEREGISTER_INSTANCE", {"INSTANCE": instance_id, "SERVICE": service["Id"]}
            )
            self.store.delete(INSTANCES, key)
            self._changed(service)
        return operation

    def _changed(self, service: Document) -> None:
        service[INTERNAL]["revision"] = int(service[INTERNAL].get("revision", 1)) + 1
        save_service(self.store, service)
        touch(self.store)

    # -- reads ----------------------------------------------------------------------------------
    def require(self, scope: Scope, service_id: str, instance_id: str) -> tuple[Document, Document]:
        service = self.services.require(scope, service_id)
        doc = self.store.get(INSTANCES, instance_key(service["Id"], instance_id))
        if doc is None:
            raise instance_not_found(instance_id)
        return service, doc

    @staticmethod
    def view(doc: Document) -> Document:
        return {k: v for k, v in doc.items() if k != INTERNAL}

    def get(self, scope: Scope, service_id: str, instance_id: str) -> Document:
        service, doc = self.require(scope, service_id, instance_id)
        return {"ResourceOwner": service["ResourceOwner"], "Instance": self.view(doc)}

    def list(self, scope: Scope, params: dict[str, Any]) -> Document:
        service = self.services.require(scope, params["ServiceId"])
        docs = sorted(instances_of(self.store, service["Id"]), key=lambda d: str(d["Id"]))
        try:
            page, token = paginate(docs, lambda d: d["Id"], int(params.get("MaxResults") or 100),
                                   params.get("NextToken"))  # fmt: skip
        except BadToken as exc:
            raise bad_token() from exc
        summaries = [{k: d[k] for k in ("Id", "Attributes", "CreatedByAccount") if k in d} for d in page]
        out: Document = {"ResourceOwner": service["ResourceOwner"], "Instances": summaries}
        if token:
            out["NextToken"] = token
        return out

    # -- health ---------------------------------------------------------------------------------
    def health_status(self, scope: Scope, params: dict[str, Any]) -> Document:
        service = self.services.require(scope, params["ServiceId"])
        docs = {d["Id"]: d for d in instances_of(self.store, service["Id"])}
        wanted = params.get("Instances")
        if wanted:
            missing = [i for i in wanted if i not in docs]
            if missing:
                raise instance_not_found(missing[0])
            ids = list(dict.fromkeys(wanted))
        else:
            ids = sorted(docs)
        try:
            page, token = paginate(ids, lambda i: i, int(params.get("MaxResults") or 100),
                                   params.get("NextToken"))  # fmt: skip
        except BadToken as exc:
            raise bad_token() from exc
        out: Document = {"Status": {i: health_of(docs[i]) for i in page}}
        if token:
            out["NextToken"] = token
        return out

    def set_custom_health(self, scope: Scope, service_id: str, instance_id: str, status: str) -> None:
        service, doc = self.require(scope, service_id, instance_id)
        if "HealthCheckCustomConfig" not in service:
            raise custom_health_not_found(service["Id"])
        if health_of(doc) == status:
            return
        doc[INTERNAL]["health"] = status
        with self.store.transaction():
            save_instance(self.store, service["Id"], doc)
            self._changed(service)

    # -- discovery ------------------------------------------------------------------------------
    def _service_named(self, scope: Scope, namespace_name: str, service_name: str) -> Document:
        namespace = self.namespaces.by_http_name(scope, namespace_name)
        if namespace is None:
            raise namespace_not_found(namespace_name)
        service = self.services.by_name(scope, namespace["Id"], service_name)
        if service is None:
            raise service_not_found(service_name)
        return service

    def discover(self, scope: Scope, params: dict[str, Any]) -> Document:
        service = self._service_named(scope, str(params["NamespaceName"]), str(params["ServiceName"]))
        docs = instances_of(self.store, service["Id"])
        query = params.get("QueryParameters") or {}
        docs = [d for d in docs if all(d["Attributes"].get(k) == v for k, v in query.items())]
        optional = params.get("OptionalParameters") or {}
        if optional:
            narrowed = [d for d in docs if all(d["Attributes"].get(k) == v for k, v in optional.items())]
            docs = narrowed or docs
        docs = _by_health(docs, str(params.get("HealthStatus") or "HEALTHY"))
        random.shuffle(docs)
        docs = docs[: int(params.get("MaxResults") or 100)]
        namespace = self.namespaces.find(scope, service["NamespaceId"]) or {}
        namespace_name = (
            (namespace.get("Properties") or {})
            .get("HttpProperties", {})
            .get("HttpName", params["NamespaceName"])
        )
        return {
            "Instances": [
                {
                    "InstanceId": d["Id"],
                    "NamespaceName": namespace_name,
                    "ServiceName": service["Name"],
                    "HealthStatus": health_of(d),
                    "Attributes": d["Attributes"],
                }
                for d in docs
            ],
            "InstancesRevision": int(service[INTERNAL].get("revision", 1)),
        }

    def revision(self, scope: Scope, params: dict[str, Any]) -> Document:
        service = self._service_named(scope, str(params["NamespaceName"]), str(params["ServiceName"]))
        return {"InstancesRevision": int(service[INTERNAL].get("revision", 1))}


def _by_health(docs: list[Document], wanted: str) -> list[Document]:
    if wanted == "ALL":
        return docs
    healthy = [d for d in docs if health_of(d) in ("HEALTHY", "UNKNOWN")]
    if wanted == "HEALTHY":
        return healthy
    if wanted == "UNHEALTHY":
        return [d for d in docs if health_of(d) == "UNHEALTHY"]
    return healthy or docs  # HEALTHY_OR_ELSE_ALL
