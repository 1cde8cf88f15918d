"""The resolver: a query in, a reply out.

Local names first: each record source (Cloud Map zones, ...) is asked for the question's name as
seen from the client's VPC; their answers are encoded once per source version and only shuffled
and cut to size per reply (A/SRV: at most 8, in random order; weighted routing: one). Names no
source owns go the host's way: its hosts file, then its nameservers. Malformed queries get
FORMERR, other opcodes NOTIMP, and a reply too large for UDP is sent truncated (TC) so the client
asks again over TCP.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass

import dnslib

from skiff.dns.forwarding import Forwarder, HostsFile, hosts_answer
from skiff.dns.sources import Lookup, Record, RecordSource
from skiff.dns.wire import (
    FORMERR,
    NOTIMP,
    SERVFAIL,
    TYPE_NAMES,
    TYPES,
    Question,
    WireError,
    encode_record,
    error_reply,
    read_question,
    response,
)

log = logging.getLogger("skiff.dns")

UDP_LIMIT = 512
CACHE_LIMIT = 10_000


@dataclass(frozen=True)
class Encoded:
    rcode: int
    answers: tuple[bytes, ...]
    authority: tuple[bytes, ...]
    limit: int | None
    pick_one: bool


def encode(lookup: Lookup, question_name: str) -> Encoded:
    def records(found: tuple[Record, ...], negative: bool = False) -> tuple[bytes, ...]:
        out = []
        for r in found:
            ttl = min(r.ttl, int(r.value.split()[-1])) if negative and r.type == "SOA" else r.ttl
            out.append(encode_record(r.name, r.type, ttl, r.value, question_name))
        return tuple(out)

    negative = not lookup.answers
    return Encoded(
        lookup.rcode,
        records(lookup.answers),
        records(lookup.authority, negative),
        lookup.limit,
        lookup.pick_one,
    )


class Resolver:
    def __init__(
        self,
        sources: list[RecordSource],
        vpc_of: Callable[[str], str | None],
        hosts: HostsFile | None = None,
        forwarder: Forwarder | None = None,
    ) -> None:
        self.sources = sources
        self.vpc_of = vpc_of
        self.hosts = hosts or HostsFile()
        self.forwarder = forwarder or Forwarder()
        self._cache: dict[tuple[str | None, str, int], tuple[tuple[object, ...], Encoded | None]] = {}

    # -- the fast path: answers skiff knows ---------------------------------------------------------
    def local(self, packet: bytes, client_ip: str, tcp: bool = False) -> bytes | None:
        """The reply when skiff can give it at once; None when the query must be forwarded."""
        try:
            question = read_question(packet)
        except WireError:
            return self._odd(packet)
        if question.qclass != 1:
            return None
        vpc = self.vpc_of(client_ip)
        versions = tuple(source.version() for source in self.sources)
        key = (vpc, question.name, question.qtype)
        cached = self._cache.get(key)
        if cached is None or cached[0] != versions:
            encoded = self._lookup(vpc, question)
            if len(self._cache) >= CACHE_LIMIT:
                self._cache.clear()
            self._cache[key] = (versions, encoded)
        else:
            encoded = cached[1]
        if encoded is None:
            addresses = self.hosts.addresses(question.name)
            if addresses is not None and question.qtype in (TYPES["A"], TYPES["AAAA"]):
                return hosts_answer(packet, question, addresses)
            return None
        answers = list(encoded.answers)
        if encoded.pick_one and answers:
            answers = [random.choice(answers)]
        elif encoded.limit is not None and len(answers) > 1:
            answers = random.sample(answers, min(encoded.limit, len(answers)))
        reply = response(packet, question, encoded.rcode, answers, list(encoded.authority))
        if not tcp and len(reply) > UDP_LIMIT:
            return _truncated(packet, question)
        return reply

    def _lookup(self, vpc: str | None, question: Question) -> Encoded | None:
        qtype = TYPE_NAMES.get(question.qtype, str(question.qtype))
        for source in self.sources:
            try:
                found = source.lookup(vpc, question.name, qtype)
            except Exception:
                log.exception("record source %s failed on %s", type(source).__name__, question.name)
                continue
            if found is not None:
                return encode(found, question.name)
        return None

    @staticmethod
    def _odd(packet: bytes) -> bytes | None:
        """Queries the fast path does not read: NOTIMP for other opcodes, else FORMERR."""
        try:
            record = dnslib.DNSRecord.parse(packet)
        except Exception:
            return error_reply(packet, FORMERR)
        if record.header.qr:
            return None
        rcode = NOTIMP if record.header.opcode != 0 else FORMERR
        return error_reply(packet, rcode)

    # -- the rest: the host's resolver path -----------------------------------------------------------
    async def resolve(self, packet: bytes, client_ip: str, tcp: bool = False) -> bytes | None:
        reply = self.local(packet, client_ip, tcp)
        if reply is not None:
            return reply
        if len(packet) < 12:
            return None
        forwarded = await self.forwarder.forward(packet, tcp)
        return forwarded if forwarded is not None else error_reply(packet, SERVFAIL)


def _truncated(packet: bytes, question: Question) -> bytes:
    reply = bytearray(response(packet, question, 0, [], [], authoritative=True))
    reply[2] |= 0x02  # TC
    return bytes(reply)
