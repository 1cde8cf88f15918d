"""The resolver tasks use, against a real store filled through the Cloud Map backends: answers of
private zones inside their VPC only, healthy instances only (at most 8, shuffled), TTLs, SRV with
the port and its target's address, NXDOMAIN/NODATA with the SOA, weighted routing, the hosts file,
forwarding to an upstream (UDP and TCP), malformed queries, and the server over UDP and TCP."""

from __future__ import annotations

import asyncio
import socket
import struct
import time
from pathlib import Path
from typing import Any

import dnslib
import pytest

from skiff.dns.cloudmap import CloudMapSource
from skiff.dns.forwarding import Forwarder, HostsFile
from skiff.dns.resolver import Resolver
from skiff.dns.server import DnsServer
from skiff.services.servicediscovery.provider import ServiceDiscoveryProvider
from skiff.state.scope import Scope
from skiff.store import SqliteStore

SCOPE = Scope("000000000000", "us-east-1")
TASK_IP, OTHER_VPC_IP, HOST_IP = "172.31.0.9", "10.1.0.9", "192.0.2.1"


class World:
    def __init__(self, tmp_path: Path) -> None:
        self.store = SqliteStore(":memory:")
        self.sd = ServiceDiscoveryProvider(self.store)
        self.hosts_path = tmp_path / "hosts"
        self.hosts_path.write_text("127.0.0.1 localhost\n127.77.0.5 my-lb-1.us-east-1.elb.amazonaws.com\n")
        self.forwarder = Forwarder(servers=[])
        self.source = CloudMapSource(self.store, poll=0)
        clients = {TASK_IP: "vpc-a", OTHER_VPC_IP: "vpc-b"}
        self.resolver = Resolver([self.source], clients.get, HostsFile(self.hosts_path), self.forwarder)
        op = self.sd.namespaces.create(SCOPE, "DNS_PRIVATE", {"Name": "local", "Vpc": "vpc-a"})
        self.namespace = self.sd.operations.get(SCOPE, op)["Targets"]["NAMESPACE"]

    def service(self, name: str, records: list[dict[str, Any]], **extra: Any) -> str:
        dns = {"NamespaceId": self.namespace, "DnsRecords": records, **extra.pop("dns", {})}
        params = {"Name": name, "DnsConfig": dns, "HealthCheckCustomConfig": {"FailureThreshold": 1}, **extra}
        return str(self.sd.services.create(SCOPE, params)["Id"])

    def register(self, service_id: str, instance_id: str, **attributes: str) -> None:
        params = {"ServiceId": service_id, "InstanceId": instance_id, "Attributes": attributes}
        self.sd.instances.register(SCOPE, params)

    def ask(self, name: str, qtype: str = "A", client: str = TASK_IP) -> dnslib.DNSRecord:
        query = dnslib.DNSRecord.question(name, qtype)
        reply = self.resolver.local(query.pack(), client)
        assert reply is not None, f"{name} was not answered locally"
        parsed = dnslib.DNSRecord.parse(reply)
        assert parsed.header.id == query.header.id
        return parsed


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


def addresses(reply: dnslib.DNSRecord) -> list[str]:
    return [str(rr.rdata) for rr in reply.rr]


def test_a_records_of_healthy_instances_inside_the_vpc(world: World) -> None:
    service = world.service("random-quote", [{"Type": "A", "TTL": 300}])
    world.register(service, "t1", AWS_INSTANCE_IPV4="172.31.0.20")
    world.register(service, "t2", AWS_INSTANCE_IPV4="172.31.0.21")
    world.register(service, "t3", AWS_INSTANCE_IPV4="172.31.0.22", AWS_INIT_HEALTH_STATUS="UNHEALTHY")
    reply = world.ask("random-quote.local")
    assert reply.header.rcode == dnslib.RCODE.NOERROR and reply.header.aa
    assert sorted(addresses(reply)) == ["172.31.0.20", "172.31.0.21"]
    assert {rr.ttl for rr in reply.rr} == {300}
    assert str(reply.rr[0].rname) == "random-quote.local."
    assert world.ask("RANDOM-QUOTE.Local.").rr  # names compare without case
    # another VPC, or a client that is no task, does not see the private zone: forwarded
    for client in (OTHER_VPC_IP, HOST_IP):
        assert world.resolver.local(dnslib.DNSRecord.question("random-quote.local").pack(), client) is None
    world.sd.instances.set_custom_health(SCOPE, service, "t1", "UNHEALTHY")
    assert addresses(world.ask("random-quote.local")) == ["172.31.0.21"]
    world.sd.instances.deregister(SCOPE, service, "t2")
    emptied = world.ask("random-quote.local")  # the name exists, with no healthy address: NODATA
    assert emptied.header.rcode == dnslib.RCODE.NOERROR and not emptied.rr
    assert emptied.auth[0].rtype == dnslib.QTYPE.SOA and emptied.auth[0].ttl == 15


def test_at_most_eight_shuffled(world: World) -> None:
    service = world.service("many", [{"Type": "A", "TTL": 10}])
    for index in range(12):
        world.register(service, f"t{index}", AWS_INSTANCE_IPV4=f"172.31.1.{index + 1}")
    orders = set()
    seen: set[str] = set()
    for _ in range(40):
        found = addresses(world.ask("many.local"))
        assert len(found) == 8 and len(set(found)) == 8
        orders.add(tuple(found))
        seen |= set(found)
    assert len(orders) > 1 and len(seen) == 12


def test_srv_carries_the_port_and_its_target_resolves(world: World) -> None:
    service = world.service("api", [{"Type": "SRV", "TTL": 7}, {"Type": "A", "TTL": 7}])
    world.register(service, "abc123", AWS_INSTANCE_IPV4="172.31.2.5", AWS_INSTANCE_PORT="8080")
    srv = world.ask("api.local", "SRV")
    (record,) = srv.rr
    assert (record.rdata.priority, record.rdata.weight, record.rdata.port) == (1, 1, 8080)
    assert str(record.rdata.target) == "abc123.api.local." and record.ttl == 7
    assert addresses(world.ask("abc123.api.local")) == ["172.31.2.5"]
    assert addresses(world.ask("api.local")) == ["172.31.2.5"]


def test_unknown_names_in_a_namespace_are_nxdomain(world: World) -> None:
    world.service("known", [{"Type": "A", "TTL": 5}])
    reply = world.ask("nothing-here.local")
    assert reply.header.rcode == dnslib.RCODE.NXDOMAIN and reply.header.aa
    assert reply.auth[0].rtype == dnslib.QTYPE.SOA and str(reply.auth[0].rname) == "local."
    apex = world.ask("local", "SOA")
    assert apex.rr[0].rtype == dnslib.QTYPE.SOA
    no_aaaa = world.ask("local", "AAAA")
    assert no_aaaa.header.rcode == dnslib.RCODE.NOERROR and not no_aaaa.rr


def test_weighted_cname(world: World) -> None:
    service = world.service("alias", [{"Type": "CNAME", "TTL": 30}], dns={"RoutingPolicy": "WEIGHTED"})
    world.register(service, "c1", AWS_INSTANCE_CNAME="backend.example.com")
    reply = world.ask("alias.local")
    assert [(rr.rtype, str(rr.rdata)) for rr in reply.rr] == [(dnslib.QTYPE.CNAME, "backend.example.com.")]


def test_changes_reach_answers_within_the_poll(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.source.poll = 0.2
    service = world.service("later", [{"Type": "A", "TTL": 1}])
    world.register(service, "t1", AWS_INSTANCE_IPV4="172.31.3.1")
    time.sleep(0.25)
    assert addresses(world.ask("later.local")) == ["172.31.3.1"]
    world.sd.instances.deregister(SCOPE, service, "t1")
    time.sleep(0.25)
    assert world.ask("later.local").rr == []


def test_hosts_file_names(world: World) -> None:
    reply = world.ask("my-lb-1.us-east-1.elb.amazonaws.com", client=TASK_IP)
    assert addresses(reply) == ["127.77.0.5"] and not reply.header.aa
    assert world.ask("localhost", "AAAA").rr == []  # known to the hosts file: no IPv6, not forwarded


def test_malformed_queries(world: World) -> None:
    assert world.resolver.local(b"\x00", TASK_IP) is None
    garbage = world.resolver.local(b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xff", TASK_IP)
    assert garbage is not None and dnslib.DNSRecord.parse(garbage).header.rcode == dnslib.RCODE.FORMERR
    notify = dnslib.DNSRecord.question("local")
    notify.header.opcode = 4
    reply = world.resolver.local(notify.pack(), TASK_IP)
    assert reply is not None and dnslib.DNSRecord.parse(reply).header.rcode == dnslib.RCODE.NOTIMP
    answer = dnslib.DNSRecord.question("local").reply()
    assert world.resolver.local(answer.pack(), TASK_IP) is None  # a response is never answered


class Upstream(asyncio.DatagramProtocol):
    """A nameserver on localhost that answers every A query with 203.0.113.7."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: Any = transport
        self.queries: list[str] = []

    def datagram_received(self, data: bytes, addr: Any) -> None:
        query = dnslib.DNSRecord.parse(data)
        self.queries.append(str(query.q.qname))
        reply = query.reply()
        reply.add_answer(dnslib.RR(query.q.qname, rdata=dnslib.A("203.0.113.7"), ttl=42))
        self.transport.sendto(reply.pack(), addr)


async def _tcp_upstream(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    (size,) = struct.unpack("!H", await reader.readexactly(2))
    query = dnslib.DNSRecord.parse(await reader.readexactly(size))
    reply = query.reply()
    reply.add_answer(dnslib.RR(query.q.qname, rdata=dnslib.A("203.0.113.8"), ttl=9))
    packed = reply.pack()
    writer.write(struct.pack("!H", len(packed)) + packed)
    await writer.drain()
    writer.close()


async def _upstream_on_one_port() -> tuple[asyncio.DatagramTransport, Upstream, asyncio.Server, int]:
    """A fake upstream on UDP and TCP of one port: the kernel picks the UDP port, and when that
    number is taken for TCP (another socket's local port) the next free one is tried."""
    loop = asyncio.get_running_loop()
    for _ in range(20):
        transport, upstream = await loop.create_datagram_endpoint(Upstream, local_addr=("127.0.0.1", 0))
        port = int(transport.get_extra_info("sockname")[1])
        try:
            tcp_upstream = await asyncio.start_server(_tcp_upstream, "127.0.0.1", port)
        except OSError:
            transport.close()
            continue
        return transport, upstream, tcp_upstream, port
    raise OSError("no port free on both UDP and TCP")


def test_forwarding_and_the_server(world: World) -> None:
    service = world.service("random-quote", [{"Type": "A", "TTL": 60}])
    world.register(service, "t1", AWS_INSTANCE_IPV4="172.31.0.20")

    async def run() -> None:
        loop = asyncio.get_running_loop()
        transport, upstream, tcp_upstream, port = await _upstream_on_one_port()
        world.forwarder.servers = [("127.0.0.1", port)]
        # outside any namespace: the upstream's answer, with the client's id
        query = dnslib.DNSRecord.question("example.org")
        reply = dnslib.DNSRecord.parse(await world.resolver.resolve(query.pack(), TASK_IP) or b"")
        assert reply.header.id == query.header.id and addresses(reply) == ["203.0.113.7"]
        assert upstream.queries == ["example.org."]
        over_tcp = await world.resolver.resolve(query.pack(), TASK_IP, tcp=True)
        assert addresses(dnslib.DNSRecord.parse(over_tcp or b"")) == ["203.0.113.8"]
        # a private zone asked from another VPC goes upstream too
        other = dnslib.DNSRecord.question("random-quote.local")
        assert addresses(
            dnslib.DNSRecord.parse(await world.resolver.resolve(other.pack(), OTHER_VPC_IP) or b"")
        )
        # the server itself, over UDP and TCP (the test asks from 127.0.0.1: map it to the VPC)
        world.resolver.vpc_of = {"127.0.0.1": "vpc-a"}.get
        server = DnsServer(world.resolver, "127.0.0.1", 0)
        dns_port = await server.start()
        local = dnslib.DNSRecord.question("random-quote.local")
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setblocking(False)
        await loop.sock_sendto(sock, local.pack(), ("127.0.0.1", dns_port))
        data = await asyncio.wait_for(loop.sock_recv(sock, 4096), 5)
        assert addresses(dnslib.DNSRecord.parse(data)) == ["172.31.0.20"]
        await loop.sock_sendto(sock, dnslib.DNSRecord.question("example.org").pack(), ("127.0.0.1", dns_port))
        data = await asyncio.wait_for(loop.sock_recv(sock, 4096), 5)
        assert addresses(dnslib.DNSRecord.parse(data)) == ["203.0.113.7"]
        sock.close()
        reader, writer = await asyncio.open_connection("127.0.0.1", dns_port)
        packed = local.pack()
        writer.write(struct.pack("!H", len(packed)) + packed)
        (size,) = struct.unpack("!H", await reader.readexactly(2))
        assert addresses(dnslib.DNSRecord.parse(await reader.readexactly(size))) == ["172.31.0.20"]
        writer.close()
        # no upstream answers: SERVFAIL
        world.forwarder.servers = [("127.0.0.1", 9)]
        world.forwarder.timeout = 0.2
        failed = await world.resolver.resolve(dnslib.DNSRecord.question("gone.example").pack(), TASK_IP)
        assert dnslib.DNSRecord.parse(failed or b"").header.rcode == dnslib.RCODE.SERVFAIL
        await server.stop()
        transport.close()
        tcp_upstream.close()

    asyncio.run(run())
