"""Security groups enforced: the records resolved to a `Policy` and handed to the firewall.

A pass a second (`PeriodicLoop`), and at once when EC2 says something changed (rules authorized or
revoked, groups deleted, an ENI recorded, changed or gone as tasks start and stop). The pass reads
the live tasks' ENIs (their groups from EC2's ENI record), the groups those use, and the load
balancers (their security groups, addresses and listener ports) when the data path serves them;
resolves every rule's peers to IPv4 CIDRs and hands the policy to `apply` (skiff/server/ passes the
renderer and iptables, skiff/net/): the firewall only writes when the rendering changed.

Peers: a CIDR (and, as a balancer's nodes sit in its subnets on AWS, the source address of every
balancer whose subnets that CIDR covers), a prefix list's blocks, a referenced group's members (its
task ENIs' addresses, other ENIs' recorded addresses, and the addresses of balancers in the group).
A task is private when it has no way out: no NAT route, and no internet gateway route or no public
IP; it then reaches only its VPC's CIDRs, the task endpoint and internal balancers of its VPC.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from skiff.periodic import PeriodicLoop
from skiff.services.ec2.backend import Ec2Backend
from skiff.services.ec2.interfaces import INTERFACES
from skiff.services.ec2.prefix_lists import prefix_lists
from skiff.services.ec2.reachability import route_table_of
from skiff.state import balancer_addresses
from skiff.state import balancers as lb_records
from skiff.state.firewall import Balancer, Group, Interface, Permission, Policy
from skiff.state.scope import Scope
from skiff.state.tasks import INTERNAL, live_tasks
from skiff.store.base import Document, Store

log = logging.getLogger("skiff.security_groups")

INTERVAL = 1.0
Apply = Callable[[Policy], Awaitable[bool]]


class SecurityGroupEnforcement:
    def __init__(self, store: Store, ec2: Ec2Backend, apply: Apply, *, balancers: bool = True) -> None:
        self.store = store
        self.ec2 = ec2
        self.apply = apply
        self.balancers = balancers  # False: no data path (SKIFF_LB=off), balancer addresses unguarded
        self.loop = PeriodicLoop("security groups", INTERVAL, self.run_once, pass_at_start=True)

    def wake(self) -> None:
        self.loop.wake()

    def start(self) -> None:
        if not self.loop.running:
            self.loop.start()

    async def stop(self) -> None:
        await self.loop.stop()

    async def run_once(self) -> None:
        await self.apply(build_policy(self.store, self.ec2, balancers=self.balancers))


# -- the records as a policy ------------------------------------------------------------------
def build_policy(store: Store, ec2: Ec2Backend, *, balancers: bool = True) -> Policy:
    enis = {pk: doc for pk, doc in store.scan(INTERFACES)}
    found = (
        [_balancer_facts(store, ec2, doc) for doc in lb_records.load_balancers(store)] if balancers else []
    )
    lbs = [facts for facts in found if facts is not None]
    interfaces: list[Interface] = []
    scopes: dict[str, Scope] = {}
    for task in live_tasks(store):
        internal = task[INTERNAL]
        eni = internal.get("eni") or {}
        subnet = (internal.get("network") or {}).get("subnet") or {}
        if not eni.get("ip") or not eni.get("id") or not subnet:
            continue
        scope = Scope(internal["account"], internal["region"])
        record = enis.get(eni["id"])
        if record is None:
            continue  # EC2 has no record (yet): its groups are unknown
        groups = tuple(g["GroupId"] for g in record.get("Groups") or [])
        for group_id in groups:
            scopes[group_id] = scope
        private, reachable = _confinement(ec2, scope, subnet, internal["network"], lbs)
        interfaces.append(Interface(eni["id"], eni["ip"], groups, private, reachable))
    guarded: list[Balancer] = []
    for facts in lbs:
        guarded.append(facts.balancer)
        for group_id in facts.balancer.groups:
            scopes[group_id] = facts.scope
    members = _members(enis.values(), lbs)
    resolved = [_group(ec2, scope, group_id, members, lbs) for group_id, scope in sorted(scopes.items())]
    return Policy(
        tuple(g for g in resolved if g is not None),
        tuple(sorted(interfaces, key=lambda i: i.ip)),
        tuple(sorted(guarded, key=lambda b: b.key)),
    )


class _BalancerFacts:
    def __init__(self, balancer: Balancer, scope: Scope, vpc: str, internal: bool, cidrs: list[str]) -> None:
        self.balancer = balancer
        self.scope = scope
        self.vpc = vpc
        self.internal = internal
        self.cidrs = cidrs  # its subnets' blocks: where its nodes would have addresses


def _balancer_facts(store: Store, ec2: Ec2Backend, doc: Document) -> _BalancerFacts | None:
    address = lb_records.address_of(doc)
    if not address:
        return None
    scope = lb_records.scope_of(doc)
    twin = balancer_addresses.task_address(address)
    ports = sorted(
        {int(listener["Port"]) for listener in lb_records.listeners_of(store, doc["LoadBalancerArn"])}
    )
    cidrs = []
    for zone in doc.get("AvailabilityZones") or []:
        subnet = ec2.subnets.records.get(scope, str(zone.get("SubnetId", "")))
        if subnet is not None:
            cidrs.append(str(subnet["CidrBlock"]))
    balancer = Balancer(
        doc["LoadBalancerArn"],
        tuple(a for a in (address, twin) if a),
        twin,
        tuple(doc.get("SecurityGroups") or []),
        tuple(ports),
    )
    return _BalancerFacts(balancer, scope, str(doc.get("VpcId", "")), doc.get("Scheme") == "internal", cidrs)


def _members(enis: Any, lbs: list[_BalancerFacts]) -> dict[str, list[str]]:
    """Group id → the addresses of its members."""
    found: dict[str, list[str]] = {}
    for eni in enis:
        for group in eni.get("Groups") or []:
            found.setdefault(group["GroupId"], []).append(str(eni["PrivateIpAddress"]))
    for facts in lbs:
        for group_id in facts.balancer.groups:
            found.setdefault(group_id, []).extend(facts.balancer.addresses)
    return found


def _overlaps(cidr: str, blocks: list[str]) -> bool:
    try:
        network = ipaddress.IPv4Network(cidr, strict=False)
        return any(network.overlaps(ipaddress.IPv4Network(b, strict=False)) for b in blocks)
    except ValueError:
        return False


def _peers(
    rule: Document, region: str, members: dict[str, list[str]], lbs: list[_BalancerFacts]
) -> list[str]:
    if "CidrIpv4" in rule:
        cidr = str(rule["CidrIpv4"])
        covered = [
            f.balancer.source
            for f in lbs
            if f.balancer.source and cidr != "0.0.0.0/0" and _overlaps(cidr, f.cidrs)
        ]
        return [cidr, *(c for c in covered if c)]
    if "PrefixListId" in rule:
        for listed in prefix_lists(region):
            if listed["PrefixListId"] == rule["PrefixListId"]:
                return [str(c) for c in listed["Cidrs"]]
        return []
    if "ReferencedGroupInfo" in rule:
        return sorted(set(members.get(rule["ReferencedGroupInfo"]["GroupId"], [])))
    return []  # IPv6: not filtered here


def _group(
    ec2: Ec2Backend, scope: Scope, group_id: str, members: dict[str, list[str]], lbs: list[_BalancerFacts]
) -> Group | None:
    if ec2.groups.records.get(scope, group_id) is None:
        return None  # deleted: an ENI naming it allows nothing through it
    ingress: list[Permission] = []
    egress: list[Permission] = []
    for rule in ec2.groups.rules_of(scope, group_id):
        peers = _peers(rule, scope.region, members, lbs)
        if not peers:
            continue
        permission = Permission(
            str(rule["IpProtocol"]),
            int(rule["FromPort"]),
            int(rule["ToPort"]),
            tuple(peers),
            str(rule["SecurityGroupRuleId"]),
        )
        (egress if rule["IsEgress"] else ingress).append(permission)
    return Group(group_id, tuple(ingress), tuple(egress))


def _confinement(
    ec2: Ec2Backend, scope: Scope, subnet: Document, network: Document, lbs: list[_BalancerFacts]
) -> tuple[bool, tuple[str, ...]]:
    """(private, what it may reach besides the endpoint) for a task in `subnet`."""
    vpc_id = str(subnet.get("VpcId", ""))
    table = route_table_of(ec2, scope, vpc_id, str(subnet.get("SubnetId", "")))
    public_ip = network.get("assign_public_ip") == "ENABLED"
    for route in (table or {}).get("Routes") or []:
        if route.get("DestinationCidrBlock") != "0.0.0.0/0":
            continue
        if route.get("NatGatewayId"):
            return False, ()
        gateway = str(route.get("GatewayId", ""))
        if public_ip and gateway.startswith("igw-") and ec2.gateways.is_attached(scope, gateway, vpc_id):
            return False, ()
    vpc = ec2.vpcs.records.get(scope, vpc_id) or {}
    blocks = [str(a["CidrBlock"]) for a in vpc.get("CidrBlockAssociationSet") or [] if a.get("CidrBlock")]
    blocks = blocks or ([str(vpc["CidrBlock"])] if vpc.get("CidrBlock") else [])
    inside = [f.balancer.source for f in lbs if f.internal and f.vpc == vpc_id and f.balancer.source]
    return True, tuple(dict.fromkeys([*blocks, *(s for s in inside if s)]))
