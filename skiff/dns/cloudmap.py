"""Cloud Map's zones as a record source: private DNS namespaces answer inside their VPC, public
ones for every client, with healthy instances only.

The zones come from `skiff.state.discovery.zones` (the same view Route 53 shows) and are indexed
in memory; the index is rebuilt when the discovery generation moves, which is checked at most
every `poll` seconds, so a change reaches DNS answers within that time.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

from skiff.dns.sources import Lookup, Record
from skiff.dns.wire import NOERROR, NXDOMAIN
from skiff.state.discovery import Zone, generation, zones
from skiff.store.base import Store

POLL_SECONDS = 0.1
ADDRESS_TYPES = ("A", "AAAA")


@dataclass
class ZoneIndex:
    zone: Zone
    soa: Record
    records: dict[str, dict[str, list[Record]]] = field(default_factory=dict)  # name -> type -> records
    weighted: set[tuple[str, str]] = field(default_factory=set)
    names: set[str] = field(default_factory=set)  # names that exist, parents of records included


def index_zone(zone: Zone) -> ZoneIndex:
    soa_value = f"ns-1.awsdns-skiff.internal. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 {zone.soa_ttl}"
    index = ZoneIndex(zone, Record(zone.name, "SOA", zone.soa_ttl, soa_value))
    index.names.add(zone.name)
    records: dict[str, dict[str, list[Record]]] = defaultdict(lambda: defaultdict(list))
    for record_set in zone.records:
        name = record_set.name
        while name != zone.name and zone.contains(name):
            index.names.add(name)
            name = name.split(".", 1)[1]
        healthy = [v for v in record_set.values if v.healthy]
        records[record_set.name][record_set.type] += [
            Record(record_set.name, record_set.type, record_set.ttl, v.text) for v in healthy
        ]
        if record_set.routing == "WEIGHTED":
            index.weighted.add((record_set.name, record_set.type))
    index.records = {name: dict(types) for name, types in records.items()}
    return index


class CloudMapSource:
    def __init__(self, store: Store, poll: float = POLL_SECONDS) -> None:
        self.store = store
        self.poll = poll
        self._generation = -1
        self._checked = 0.0
        self._private: dict[str, list[ZoneIndex]] = {}
        self._public: list[ZoneIndex] = []

    def forget(self) -> None:
        """After a state reset: read the zones again at the next query."""
        self._generation = -1
        self._checked = 0.0
        self._private, self._public = {}, []

    def version(self) -> object:
        now = time.monotonic()
        if now - self._checked >= self.poll:
            self._checked = now
            current = generation(self.store)
            if current != self._generation:
                self._rebuild()
                self._generation = current
        return self._generation

    def _rebuild(self) -> None:
        private: dict[str, list[ZoneIndex]] = defaultdict(list)
        public: list[ZoneIndex] = []
        for zone in zones(self.store):
            index = index_zone(zone)
            if zone.private:
                private[zone.vpc].append(index)
            else:
                public.append(index)
        for found in (*private.values(), public):  # the longest zone name wins (sub-namespaces)
            found.sort(key=lambda i: -len(i.zone.name))
        self._private, self._public = dict(private), public

    def lookup(self, vpc_id: str | None, name: str, qtype: str) -> Lookup | None:
        self.version()
        candidates = [*(self._private.get(vpc_id, []) if vpc_id else []), *self._public]
        for index in candidates:
            if index.zone.contains(name):
                return answer(index, name, qtype)
        return None


def answer(index: ZoneIndex, name: str, qtype: str) -> Lookup:
    authority = (index.soa,)
    at_name = index.records.get(name, {})
    if name == index.zone.name and qtype in ("SOA", "ANY"):
        return Lookup(NOERROR, (index.soa,), limit=None)
    if qtype == "ANY":
        found = tuple(r for records in at_name.values() for r in records)
        if found:
            return Lookup(NOERROR, found, limit=None)
    elif at_name.get(qtype):
        return Lookup(NOERROR, tuple(at_name[qtype]), pick_one=(name, qtype) in index.weighted)
    elif qtype in ADDRESS_TYPES and at_name.get("CNAME"):
        return Lookup(NOERROR, tuple(at_name["CNAME"]), pick_one=True)
    if name in index.names:
        return Lookup(NOERROR, authority=authority)  # the name exists, not with this type (or healthy)
    return Lookup(NXDOMAIN, authority=authority)
