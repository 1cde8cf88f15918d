"""Where the resolver's own answers come from: record sources.

A `RecordSource` answers the names it owns (a Cloud Map zone, later a load balancer's internal
name) for a client in a given VPC, and says nothing (None) about the rest, which the resolver then
forwards. `version()` changes whenever its answers may have changed, so the resolver can keep
encoded answers until then. Sources are asked in order; the first that owns a name answers.

To add names (the load-balancer helper's internal balancers, say): write a class with these two
methods reading your records from `skiff/state/`, and append it to `Resolver.sources` in
skiff/server/app.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Record:
    name: str  # fully qualified, lower case, trailing dot
    type: str  # A, AAAA, CNAME, SRV, SOA, NS
    ttl: int
    value: str  # an address, a name, "priority weight port target", or SOA's seven fields


@dataclass(frozen=True)
class Lookup:
    """A local answer: NOERROR with records (or none: NODATA) or NXDOMAIN, with the zone's SOA."""

    rcode: int
    answers: tuple[Record, ...] = ()
    authority: tuple[Record, ...] = field(default=())
    limit: int | None = 8  # at most this many answers, a random choice each time
    pick_one: bool = False  # weighted routing: one answer, chosen at random


class RecordSource(Protocol):
    def version(self) -> object:
        """A value that changes whenever `lookup` may answer differently."""

    def lookup(self, vpc_id: str | None, name: str, qtype: str) -> Lookup | None:
        """The answer for `name` (lower case, trailing dot) of type `qtype` asked from `vpc_id`
        (None: a client that is no task), or None when the name is not this source's."""
