"""Cloud Map records: namespaces, services, instances, and the DNS zones they make.

The Cloud Map backend (services/servicediscovery) writes these collections; the resolver tasks use
(skiff/dns) and the Route 53 view (services/route53) read the zones through `zones()`, so the
three agree on every name. A DNS namespace is a zone; a service with a DnsConfig gets, for every
registered instance, the records its DnsConfig names (A, AAAA, CNAME at `<service>.<namespace>`;
SRV there pointing at `<instance>.<service>.<namespace>`, which gets the instance's A/AAAA
records). Each record value carries the instance's health, so DNS answers can leave unhealthy
instances out.

Every write bumps a generation number (`touch`), so a reader can cache the zones and rebuild
them only when something changed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from skiff.store.base import Document, Store

NAMESPACES = "sd_namespaces"
SERVICES = "sd_services"
INSTANCES = "sd_instances"
OPERATIONS = "sd_operations"
META = "sd_meta"
INTERNAL = "_skiff"
GENERATION_KEY = "generation"

DNS_TYPES = ("DNS_PRIVATE", "DNS_PUBLIC")
HEALTHY_STATES = ("HEALTHY", "UNKNOWN")  # UNKNOWN: the service checks no health; it answers


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def fqdn(name: str) -> str:
    """Lower case with the trailing dot, as DNS names are compared."""
    return name.strip().rstrip(".").lower() + "."


# -- writes -----------------------------------------------------------------------------------------
def touch(store: Store) -> int:
    """Record that discovery records changed; returns the new generation."""
    generation = store.next_number("sd-generation")
    store.put(META, GENERATION_KEY, {"value": generation})
    return generation


def generation(store: Store) -> int:
    doc = store.get(META, GENERATION_KEY)
    return int(doc["value"]) if doc else 0


def save_namespace(store: Store, doc: Document) -> None:
    internal = doc[INTERNAL]
    store.put(
        NAMESPACES,
        doc["Id"],
        doc,
        account=internal["account"],
        region=internal["region"],
        name=fqdn(doc["Name"]) if doc["Type"] in DNS_TYPES else doc["Name"],
        type=doc["Type"],
        vpc=internal.get("vpc") or "",
    )


def save_service(store: Store, doc: Document) -> None:
    internal = doc[INTERNAL]
    store.put(
        SERVICES,
        doc["Id"],
        doc,
        account=internal["account"],
        region=internal["region"],
        namespace_id=doc.get("NamespaceId") or "",
        name=doc["Name"].lower(),
    )


def instance_key(service_id: str, instance_id: str) -> str:
    return f"{service_id}/{instance_id}"


def save_instance(store: Store, service_id: str, doc: Document) -> None:
    """`_skiff.ecs_service`: the ECS service that registered the instance (one of its tasks)."""
    store.put(
        INSTANCES,
        instance_key(service_id, doc["Id"]),
        doc,
        service_id=service_id,
        instance_id=doc["Id"],
        ecs_service=str(doc.get(INTERNAL, {}).get("ecs_service") or ""),
    )


def registrations_of(store: Store, instance_id: str) -> list[Document]:
    """Every service's instance with this id (an ECS task is registered under its task id)."""
    return store.find(INSTANCES, {"instance_id": instance_id})


def registered_by(store: Store, ecs_service_arn: str) -> list[Document]:
    return store.find(INSTANCES, {"ecs_service": ecs_service_arn})


def service_id_of(instance: Document) -> str:
    """The Cloud Map service an instance document belongs to (its key is `<service>/<instance>`)."""
    return str(instance.get(INTERNAL, {}).get("service_id", ""))


def instances_of(store: Store, service_id: str) -> list[Document]:
    return store.find(INSTANCES, {"service_id": service_id})


def health_of(instance: Document) -> str:
    return str(instance.get(INTERNAL, {}).get("health", "UNKNOWN"))


# -- zones ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RecordValue:
    text: str  # an address, a host name, or "priority weight port target" for SRV
    healthy: bool
    instance_id: str


@dataclass(frozen=True)
class RecordSet:
    name: str  # fully qualified, lower case, trailing dot
    type: str  # A, AAAA, CNAME, SRV
    ttl: int
    values: tuple[RecordValue, ...]
    routing: str = "MULTIVALUE"  # or WEIGHTED: one value per answer


@dataclass(frozen=True)
class Zone:
    namespace_id: str
    name: str  # fully qualified, lower case, trailing dot
    private: bool
    vpc: str  # the VPC a private zone answers in ("" for a public one)
    hosted_zone_id: str
    soa_ttl: int
    account: str
    region: str
    records: tuple[RecordSet, ...]

    def contains(self, name: str) -> bool:
        return name == self.name or name.endswith("." + self.name)


ADDRESS_ATTRIBUTES = {"A": "AWS_INSTANCE_IPV4", "AAAA": "AWS_INSTANCE_IPV6", "CNAME": "AWS_INSTANCE_CNAME"}


def _is_healthy(instance: Document) -> bool:
    return health_of(instance) in HEALTHY_STATES


def _values_for(name: str, instances: list[Document], record_type: str) -> list[RecordValue]:
    """The values of one record type at the service name `name`, one per instance that has one."""
    values: list[RecordValue] = []
    for instance in instances:
        attributes = instance.get("Attributes") or {}
        if record_type == "SRV":
            port = attributes.get("AWS_INSTANCE_PORT")
            if port is not None:
                target = f"{instance['Id'].lower()}.{name}"
                values.append(RecordValue(f"1 1 {port} {target}", _is_healthy(instance), instance["Id"]))
        elif attributes.get(ADDRESS_ATTRIBUTES[record_type]):
            text = str(attributes[ADDRESS_ATTRIBUTES[record_type]])
            values.append(RecordValue(text, _is_healthy(instance), instance["Id"]))
    return values


def service_records(zone_name: str, service: Document, instances: list[Document]) -> list[RecordSet]:
    """The record sets one service's instances make inside `zone_name`."""
    config = service.get("DnsConfig") or {}
    wanted = {str(r["Type"]): int(r.get("TTL", 60)) for r in config.get("DnsRecords") or []}
    if not wanted:
        return []
    routing = str(config.get("RoutingPolicy") or "MULTIVALUE")
    name = fqdn(f"{service['Name']}.{zone_name}")
    out: list[RecordSet] = []
    for record_type, ttl in wanted.items():
        values = _values_for(name, instances, record_type)
        if values:
            out.append(RecordSet(name, record_type, ttl, tuple(values), routing))
    if "SRV" in wanted:  # SRV targets resolve to the instance's own addresses
        for instance in instances:
            attributes = instance.get("Attributes") or {}
            if attributes.get("AWS_INSTANCE_PORT") is None:
                continue
            host = f"{instance['Id'].lower()}.{name}"
            for record_type in ("A", "AAAA"):
                address = attributes.get(ADDRESS_ATTRIBUTES[record_type])
                if address:
                    value = RecordValue(str(address), _is_healthy(instance), instance["Id"])
                    ttl = wanted.get(record_type, wanted["SRV"])
                    out.append(RecordSet(host, record_type, ttl, (value,)))
    return out


def zone_of(store: Store, namespace: Document) -> Zone:
    internal = namespace[INTERNAL]
    dns = (namespace.get("Properties") or {}).get("DnsProperties") or {}
    name = fqdn(namespace["Name"])
    records: list[RecordSet] = []
    for service in store.find(SERVICES, {"namespace_id": namespace["Id"]}):
        records += service_records(name, service, instances_of(store, service["Id"]))
    return Zone(
        namespace_id=namespace["Id"],
        name=name,
        private=namespace["Type"] == "DNS_PRIVATE",
        vpc=str(internal.get("vpc") or ""),
        hosted_zone_id=str(dns.get("HostedZoneId", "")),
        soa_ttl=int((dns.get("SOA") or {}).get("TTL", 15)),
        account=str(internal["account"]),
        region=str(internal["region"]),
        records=tuple(records),
    )


def zones(store: Store, where: dict[str, Any] | None = None) -> list[Zone]:
    """Every DNS namespace's zone (optionally only those matching `where` columns)."""
    found = store.find(NAMESPACES, {**(where or {}), "type": DNS_TYPES})
    return [zone_of(store, namespace) for namespace in found]
