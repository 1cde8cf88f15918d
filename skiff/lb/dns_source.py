"""Balancers' DNS names for tasks: a record source of the tasks' resolver (skiff/dns/).

On the host a balancer's name is in /etc/hosts, pointing at 127.77.A.B; a task cannot use that
address (see task_access.py), so the resolver answers tasks with the balancer's task-facing
address, 169.254.A.B. An internal balancer's name answers only for tasks of its VPC (others get
the hosts file's loopback address, as an internal ALB's private addresses are unroutable from
elsewhere); an internet-facing one answers every task. AAAA: no data.
"""

from __future__ import annotations

from skiff.dns.sources import Lookup, Record
from skiff.dns.wire import NOERROR
from skiff.lb.task_access import task_address
from skiff.state import balancers as records
from skiff.store.base import Store

TTL = 60


class BalancerNames:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._generation = -1
        self._names: dict[str, tuple[str, str, str]] = {}  # name. -> (address, scheme, vpc)

    def version(self) -> object:
        return records.generation(self.store)

    def forget(self) -> None:
        """Drop the cached names (state reset: generations start again from 0)."""
        self._generation, self._names = -1, {}

    def _index(self) -> dict[str, tuple[str, str, str]]:
        generation = records.generation(self.store)
        if generation != self._generation:
            names = {}
            for balancer in records.load_balancers(self.store):
                twin = task_address(records.address_of(balancer))
                if balancer.get("DNSName") and twin:
                    names[str(balancer["DNSName"]).lower().rstrip(".") + "."] = (
                        twin,
                        str(balancer.get("Scheme") or "internet-facing"),
                        str(balancer.get("VpcId") or ""),
                    )
            self._names, self._generation = names, generation
        return self._names

    def lookup(self, vpc_id: str | None, name: str, qtype: str) -> Lookup | None:
        found = self._index().get(name)
        if found is None:
            return None
        address, scheme, vpc = found
        if scheme == "internal" and vpc_id != vpc:
            return None
        if qtype != "A":
            return Lookup(NOERROR)
        return Lookup(NOERROR, (Record(name, "A", TTL, address),))
