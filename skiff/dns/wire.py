"""The few pieces of the DNS wire format the resolver's fast path needs (RFC 1035).

A query's question is read by hand (names in queries are never compressed), and answers are built
from pre-encoded resource records: a record whose owner is the question's name points back at it
(`0xC00C`), so an answer is the header, the question as the client sent it, and record bytes.
Anything unusual (no question, several, a response, another opcode) is left to dnslib.
"""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28, "SRV": 33,
         "OPT": 41, "ANY": 255}  # fmt: skip
TYPE_NAMES = {number: name for name, number in TYPES.items()}
CLASS_IN = 1
NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP, REFUSED = 0, 1, 2, 3, 4, 5
QUESTION_POINTER = b"\xc0\x0c"


class WireError(ValueError):
    """Not a query the fast path reads."""


@dataclass(frozen=True)
class Question:
    ident: int
    flags: int
    name: str  # lower case, with the trailing dot
    qtype: int
    qclass: int
    end: int  # offset just past the question

    @property
    def recursion_desired(self) -> bool:
        return bool(self.flags & 0x0100)


def read_question(packet: bytes) -> Question:
    if len(packet) < 17:
        raise WireError("short packet")
    ident, flags, qdcount = struct.unpack_from("!HHH", packet, 0)
    if flags & 0x8000 or (flags >> 11) & 0xF or qdcount != 1:
        raise WireError("not a standard query with one question")
    labels: list[str] = []
    offset = 12
    while True:
        if offset >= len(packet):
            raise WireError("name runs past the packet")
        size = packet[offset]
        offset += 1
        if size == 0:
            break
        if size & 0xC0 or offset + size > len(packet):
            raise WireError("compressed or truncated name")
        labels.append(packet[offset : offset + size].decode("latin-1").lower())
        offset += size
    if offset + 4 > len(packet):
        raise WireError("no type and class")
    qtype, qclass = struct.unpack_from("!HH", packet, offset)
    name = ".".join(labels) + "." if labels else "."
    return Question(ident, flags, name, qtype, qclass, offset + 4)


def encode_name(name: str) -> bytes:
    out = bytearray()
    for label in name.rstrip(".").split("."):
        if label:
            raw = label.encode("idna") if not label.isascii() else label.encode("ascii")
            if len(raw) > 63:
                raise WireError(f"label too long: {label}")
            out.append(len(raw))
            out += raw
    out.append(0)
    return bytes(out)


def rdata(record_type: str, value: str) -> bytes:
    """RDATA of A, AAAA, CNAME, NS, PTR, SRV ("priority weight port target") and SOA records."""
    if record_type == "A":
        return ipaddress.IPv4Address(value).packed
    if record_type == "AAAA":
        return ipaddress.IPv6Address(value).packed
    if record_type in ("CNAME", "NS", "PTR"):
        return encode_name(value)
    if record_type == "SRV":
        priority, weight, port, target = value.split()
        return struct.pack("!HHH", int(priority), int(weight), int(port)) + encode_name(target)
    if record_type == "SOA":
        mname, rname, *numbers = value.split()
        return encode_name(mname) + encode_name(rname) + struct.pack("!IIIII", *(int(n) for n in numbers))
    raise WireError(f"record type {record_type} is not encoded here")


def encode_record(owner: str, record_type: str, ttl: int, value: str, question_name: str) -> bytes:
    """One resource record; its owner points at the question when it is the question's name."""
    head = QUESTION_POINTER if owner == question_name else encode_name(owner)
    data = rdata(record_type, value)
    return head + struct.pack("!HHIH", TYPES[record_type], CLASS_IN, max(0, ttl), len(data)) + data


def response(
    packet: bytes,
    question: Question,
    rcode: int,
    answers: list[bytes],
    authority: list[bytes] = (),  # type: ignore[assignment]
    *,
    authoritative: bool = True,
) -> bytes:
    flags = 0x8000 | (question.flags & 0x0100) | 0x0080 | rcode  # QR, RD copied, RA
    if authoritative:
        flags |= 0x0400
    header = struct.pack("!HHHHHH", question.ident, flags, 1, len(answers), len(authority), 0)
    return b"".join((header, packet[12 : question.end], *answers, *authority))


def error_reply(packet: bytes, rcode: int) -> bytes | None:
    """A bare reply with `rcode` to whatever header the packet has (None if it has none)."""
    if len(packet) < 12:
        return None
    ident, flags = struct.unpack_from("!HH", packet, 0)
    if flags & 0x8000:
        return None  # never answer a response
    return struct.pack("!HHHHHH", ident, 0x8000 | (flags & 0x7900) | 0x0080 | rcode, 0, 0, 0, 0)
