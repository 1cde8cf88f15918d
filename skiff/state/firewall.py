"""What security groups enforce, resolved to addresses: the model between the records and iptables.

The security groups controller (skiff/controllers/security_groups.py) builds a `Policy` from the
EC2 and ELBv2 records; skiff/net/sg_render.py turns it into iptables chains (a pure function);
skiff/net/firewall.py applies them. Everything here is already resolved: a permission's peers are
IPv4 CIDRs (a referenced group's members' addresses as /32s, a prefix list's blocks, balancers
whose subnets a CIDR covers as their source addresses), so rendering needs no lookups.
"""

from __future__ import annotations

from dataclasses import dataclass

# the host's own traffic (curl on the host, to a task or a balancer) counts as coming from here
HOST_SOURCE = "127.0.0.1"
# tasks may always reach the task endpoint (metadata, credentials, skiff's API, their resolver)
ENDPOINT = "169.254.170.2"


@dataclass(frozen=True)
class Permission:
    """One rule: `protocol` as EC2 stores it (tcp, udp, icmp, -1, or a number), ports (or ICMP
    type/code) -1 where they do not apply, and the peers it allows (sources for ingress,
    destinations for egress)."""

    protocol: str
    from_port: int
    to_port: int
    peers: tuple[str, ...]
    rule_id: str = ""


@dataclass(frozen=True)
class Group:
    group_id: str
    ingress: tuple[Permission, ...] = ()
    egress: tuple[Permission, ...] = ()


@dataclass(frozen=True)
class Interface:
    """A task's ENI. `private`: its subnet has no route to the internet (no internet gateway or
    NAT) or the task has no public IP: it reaches only `reachable` (its VPC's CIDRs, internal
    balancers' task-facing addresses in its VPC) besides the task endpoint."""

    eni_id: str
    ip: str
    groups: tuple[str, ...]
    private: bool = False
    reachable: tuple[str, ...] = ()


@dataclass(frozen=True)
class Balancer:
    """A load balancer with security groups: `addresses` it listens on (127.77.A.B for the host,
    its 169.254.A.B twin for tasks), `source` HAProxy connects to targets from (the twin), the
    listener `ports`."""

    key: str
    addresses: tuple[str, ...]
    source: str | None
    groups: tuple[str, ...]
    ports: tuple[int, ...]


@dataclass(frozen=True)
class Policy:
    groups: tuple[Group, ...] = ()
    interfaces: tuple[Interface, ...] = ()
    balancers: tuple[Balancer, ...] = ()

    def empty(self) -> bool:
        return not self.interfaces and not self.balancers
