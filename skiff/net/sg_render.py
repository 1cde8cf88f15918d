"""Security groups as iptables chains: a pure function from a `Policy` to chains and their rules.

Chains of one server carry its tag (the first 8 characters of its instance id), so a server
recognises its own and sweeps those that no longer match its state:

- `SKGI-<tag>-<h>` / `SKGE-<tag>-<h>`: one pair per group (h: a hash of the group id), each
  permission's peers marking the packet allowed (`MARK` bit `ALLOWED`); groups are OR'ed, so
  they mark rather than accept.
- `SKEI-` / `SKEE-<tag>-<h>` per ENI: clear the mark, jump to each group's chain, RETURN when one
  marked the packet, else DROP. `SKEH-` (the host's traffic to the ENI, judged as coming from
  127.0.0.1 when the chains are drawn) and `SKEP-` (a private subnet's ENI: only its VPC's CIDRs
  and internal balancers) complete it.
- `SKBI-` / `SKBE-` / `SKBH-<tag>-<h>` per balancer: tasks to its twin, HAProxy to targets (from
  the twin), the host to its addresses.
- `SKF-<tag>-FWD` (from FORWARD: task to task, bridged or routed, and to the outside),
  `SKF-<tag>-IN` (from INPUT: tasks to the host), `SKF-<tag>-OUT` (from OUTPUT: the host and
  HAProxy to tasks and balancers), `SKF-<tag>-LBS` (HAProxy's connections): the entry points,
  stateful (established and related traffic returns at once, as security groups are).

Allowed traffic RETURNs to the built-in chain (Docker's rules and the host guard still apply);
refused traffic is dropped.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass

from skiff.state.firewall import ENDPOINT, HOST_SOURCE, Balancer, Group, Interface, Permission, Policy

ALLOWED = "0x200000"
MARK_ALLOWED = ("-j", "MARK", "--set-xmark", f"{ALLOWED}/{ALLOWED}")
CLEAR = ("-j", "MARK", "--set-xmark", f"0x0/{ALLOWED}")
IS_ALLOWED = ("-m", "mark", "--mark", f"{ALLOWED}/{ALLOWED}")
ESTABLISHED = ("-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "RETURN")
BRIDGES = "sk+"
LINK_LOCAL = "169.254.0.0/16"
EVERYWHERE = "0.0.0.0/0"

Rule = tuple[str, ...]


@dataclass(frozen=True)
class Rendered:
    """Chains in the order they are declared, each with its rules; `jumps`: built-in chain →
    this server's entry chain."""

    chains: dict[str, list[Rule]]
    jumps: dict[str, str]


def short(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def chain(kind: str, tag: str, key: str = "") -> str:
    return f"SK{kind}-{tag}-{short(key)}" if key else f"SKF-{tag}-{kind}"


def entry_chains(tag: str) -> dict[str, str]:
    return {"INPUT": chain("IN", tag), "FORWARD": chain("FWD", tag), "OUTPUT": chain("OUT", tag)}


def protocol_match(permission: Permission) -> Rule | None:
    """iptables' words for the permission's protocol and ports; None where IPv4 has no such
    traffic (icmpv6)."""
    protocol, low, high = permission.protocol, permission.from_port, permission.to_port
    if protocol == "-1":
        return ()
    if protocol in ("tcp", "udp"):
        if (low, high) == (0, 65535):
            return ("-p", protocol)
        return ("-p", protocol, "--dport", str(low) if low == high else f"{low}:{high}")
    if protocol == "icmp":
        if low == -1:
            return ("-p", "icmp")
        return ("-p", "icmp", "--icmp-type", str(low) if high == -1 else f"{low}/{high}")
    if protocol in ("icmpv6", "58"):
        return None
    return ("-p", protocol)


def peer_match(flag: str, peer: str) -> Rule:
    return () if peer == EVERYWHERE else (flag, peer if "/" in peer else f"{peer}/32")


def group_rules(permissions: tuple[Permission, ...], flag: str) -> list[Rule]:
    rules: list[Rule] = []
    for permission in permissions:
        protocol = protocol_match(permission)
        if protocol is None:
            continue
        for peer in permission.peers:
            rule = (*peer_match(flag, peer), *protocol, *MARK_ALLOWED)
            if rule not in rules:
                rules.append(rule)
    return rules


def host_allows(peers: tuple[str, ...]) -> bool:
    host = ipaddress.IPv4Address(HOST_SOURCE)
    for peer in peers:
        try:
            if host in ipaddress.IPv4Network(peer, strict=False):
                return True
        except ValueError:
            continue
    return False


def host_rules(groups: list[Group]) -> list[Rule]:
    """The host's connections, judged as from 127.0.0.1: RETURN what some ingress rule allows, then
    DROP."""
    rules: list[Rule] = []
    for group in groups:
        for permission in group.ingress:
            protocol = protocol_match(permission)
            if protocol is None or not host_allows(permission.peers):
                continue
            rule = (*protocol, "-j", "RETURN")
            if rule not in rules:
                rules.append(rule)
    return [*rules, ("-j", "DROP")]


def member_rules(tag: str, kind: str, group_ids: tuple[str, ...]) -> list[Rule]:
    """An ENI's or balancer's check: allowed when one of its groups' chains marks the packet."""
    return [
        CLEAR,
        *(("-j", chain(kind, tag, g)) for g in group_ids),
        (*IS_ALLOWED, "-j", "RETURN"),
        ("-j", "DROP"),
    ]


def render(policy: Policy, tag: str) -> Rendered:
    """Every chain of this server for `policy`; nothing at all when there is nothing to guard."""
    if policy.empty():
        return Rendered({}, {})
    known = {g.group_id: g for g in policy.groups}
    used: list[str] = []
    for owner_groups in [*(i.groups for i in policy.interfaces), *(b.groups for b in policy.balancers)]:
        used += [g for g in owner_groups if g in known and g not in used]
    chains: dict[str, list[Rule]] = {}
    entries = entry_chains(tag)
    forward, incoming, outgoing = entries["FORWARD"], entries["INPUT"], entries["OUTPUT"]
    from_balancers = chain("LBS", tag)
    chains[forward] = [ESTABLISHED]
    chains[incoming] = [ESTABLISHED, ("-d", f"{ENDPOINT}/32", "-j", "RETURN")]
    chains[outgoing] = [ESTABLISHED]
    chains[from_balancers] = []
    for group_id in used:
        group = known[group_id]
        chains[chain("GI", tag, group_id)] = group_rules(group.ingress, "-s")
        chains[chain("GE", tag, group_id)] = group_rules(group.egress, "-d")
    for eni in policy.interfaces:
        _interface(chains, tag, eni, [known[g] for g in eni.groups if g in known])
    _balancers(chains, tag, policy.balancers, known)
    chains[outgoing].append(("-o", "lo", "-j", "RETURN"))
    chains[outgoing].append(("-s", LINK_LOCAL, "-g", from_balancers))
    for eni in policy.interfaces:
        chains[outgoing].append(("-d", f"{eni.ip}/32", "-j", chain("EH", tag, eni.eni_id)))
    return Rendered(chains, entries)


def _interface(chains: dict[str, list[Rule]], tag: str, eni: Interface, groups: list[Group]) -> None:
    entries = entry_chains(tag)
    ip = f"{eni.ip}/32"
    known = tuple(g.group_id for g in groups)
    ingress, egress, host = (chain(kind, tag, eni.eni_id) for kind in ("EI", "EE", "EH"))
    chains[ingress] = member_rules(tag, "GI", known)
    chains[egress] = member_rules(tag, "GE", known)
    chains[host] = host_rules(groups)
    checks: list[Rule] = []
    if eni.private:
        private = chain("EP", tag, eni.eni_id)
        allowed = [("-d", c if "/" in c else f"{c}/32", "-j", "RETURN") for c in eni.reachable]
        chains[private] = [*allowed, ("-j", "DROP")]
        checks.append(("-s", ip, "-j", private))
    checks.append(("-s", ip, "-j", egress))
    chains[entries["FORWARD"]] += [*checks, ("-d", ip, "-j", ingress)]
    chains[entries["INPUT"]] += [(*check[:2], "-i", BRIDGES, *check[2:]) for check in checks]
    chains[chain("LBS", tag)].append(("-d", ip, "-j", ingress))


def _balancers(
    chains: dict[str, list[Rule]], tag: str, balancers: tuple[Balancer, ...], known: dict[str, Group]
) -> None:
    entries = entry_chains(tag)
    for balancer in balancers:
        groups = tuple(g for g in balancer.groups if g in known)
        if not balancer.groups:
            continue  # a network load balancer without groups: nothing filters its traffic
        ingress, egress, host = (chain(k, tag, balancer.key) for k in ("BI", "BE", "BH"))
        chains[ingress] = member_rules(tag, "GI", groups)
        chains[egress] = member_rules(tag, "GE", groups)
        chains[host] = host_rules([known[g] for g in groups])
        for address in balancer.addresses:
            chains[entries["OUTPUT"]].append(("-d", f"{address}/32", "-j", host))
        if balancer.source:
            source = f"{balancer.source}/32"
            chains[entries["INPUT"]].append(("-d", source, "-i", BRIDGES, "-j", ingress))
            chains[chain("LBS", tag)].insert(0, ("-s", source, "-j", egress))
