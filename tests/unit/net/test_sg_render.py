"""skiff/net/sg_render.py: a policy rendered to iptables chains, judged by walking a new packet
through them (a small evaluator of the rule words the renderer uses), and the chains' names."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import pytest

from skiff.net.sg_render import ALLOWED, Rendered, chain, entry_chains, protocol_match, render
from skiff.state.firewall import Balancer, Group, Interface, Permission, Policy

TAG = "abcd1234"
APP_IP, CLIENT_IP, PRIVATE_IP = "172.31.0.10", "172.31.0.11", "172.31.250.5"
LB_HOST, LB_TWIN = "127.77.0.5", "169.254.77.5"


@dataclass(frozen=True)
class Packet:
    src: str
    dst: str
    protocol: str = "tcp"
    port: int = 8080
    in_if: str = ""
    out_if: str = ""


def _in(address: str, cidr: str) -> bool:
    return ipaddress.IPv4Address(address) in ipaddress.IPv4Network(cidr, strict=False)


def _matches(words: list[str], packet: Packet, mark: int) -> tuple[bool, list[str]]:
    """Whether the match words hold; the target words left over."""
    rest = list(words)
    while rest and rest[0] not in ("-j", "-g"):
        word = rest.pop(0)
        if word == "-s" and not _in(packet.src, rest.pop(0)):
            return False, []
        if word == "-d" and not _in(packet.dst, rest.pop(0)):
            return False, []
        if word == "-p" and rest.pop(0) != packet.protocol:
            return False, []
        if word == "--dport":
            low, _, high = rest.pop(0).partition(":")
            if not int(low) <= packet.port <= int(high or low):
                return False, []
        if word in ("-i", "-o"):
            name = rest.pop(0)
            actual = packet.in_if if word == "-i" else packet.out_if
            if not (actual.startswith(name[:-1]) if name.endswith("+") else actual == name):
                return False, []
        if word == "-m":
            module = rest.pop(0)
            if module == "conntrack":
                rest.pop(0), rest.pop(0)
                return False, []  # a new connection is never established or related
            if module == "mark":
                rest.pop(0)
                value, mask = (int(x, 16) for x in rest.pop(0).split("/"))
                if mark & mask != value:
                    return False, []
        if word == "--icmp-type":
            rest.pop(0)
    return True, rest


def verdict(rendered: Rendered, builtin: str, packet: Packet) -> str:
    """ACCEPT (returned to the built-in chain, whose policy lets it on) or DROP."""
    mark = 0

    def walk(name: str) -> str | None:
        nonlocal mark
        for rule in rendered.chains[name]:
            matched, target = _matches(list(rule), packet, mark)
            if not matched:
                continue
            kind, where = target[0], target[1]
            if where == "MARK":
                value, mask = (int(x, 16) for x in target[3].split("/"))
                mark = (mark & ~mask) | value
            elif where == "RETURN":
                return None
            elif where == "DROP":
                return "DROP"
            else:
                outcome = walk(where)
                if outcome is not None or kind == "-g":
                    return outcome or "RETURNED"
        return None

    if builtin not in rendered.jumps:
        return "ACCEPT"
    outcome = walk(rendered.jumps[builtin])
    return "DROP" if outcome == "DROP" else "ACCEPT"


def tcp(port: int, *peers: str) -> Permission:
    return Permission("tcp", port, port, peers)


ALL_OUT = Permission("-1", -1, -1, ("0.0.0.0/0",))


def world(app_ingress: tuple[Permission, ...] = (), lb_ingress: tuple[Permission, ...] = ()) -> Policy:
    app = Group("sg-app", app_ingress, (ALL_OUT,))
    default = Group("sg-default", (Permission("-1", -1, -1, (CLIENT_IP,)),), (ALL_OUT,))
    lb = Group("sg-lb", lb_ingress, (ALL_OUT,))
    return Policy(
        (app, default, lb),
        (
            Interface("eni-app", APP_IP, ("sg-app",)),
            Interface("eni-client", CLIENT_IP, ("sg-default",)),
            Interface("eni-private", PRIVATE_IP, ("sg-default",), private=True, reachable=("172.31.0.0/16",)),
        ),
        (Balancer("arn:lb", (LB_HOST, LB_TWIN), LB_TWIN, ("sg-lb",), (80,)),),
    )


def from_client(dst: str = APP_IP, port: int = 8080) -> Packet:
    return Packet(CLIENT_IP, dst, port=port, in_if="skabc", out_if="skabc")


def from_host(dst: str = APP_IP, port: int = 8080) -> Packet:
    return Packet("127.0.0.1" if dst.startswith("127.") else "172.31.0.1", dst, port=port, out_if="skabc")


def from_balancer(dst: str = APP_IP) -> Packet:
    return Packet(LB_TWIN, dst, out_if="skabc")


def test_a_group_without_ingress_refuses_everyone() -> None:
    rendered = render(world(), TAG)
    assert verdict(rendered, "FORWARD", from_client()) == "DROP"
    assert verdict(rendered, "OUTPUT", from_host()) == "DROP"
    assert verdict(rendered, "OUTPUT", from_balancer()) == "DROP"


def test_a_cidr_rule_opens_the_port_to_the_host_and_tasks_and_no_other_port() -> None:
    rendered = render(world(app_ingress=(tcp(8080, "0.0.0.0/0"),)), TAG)
    assert verdict(rendered, "FORWARD", from_client()) == "ACCEPT"
    assert verdict(rendered, "OUTPUT", from_host()) == "ACCEPT"
    assert verdict(rendered, "FORWARD", from_client(port=22)) == "DROP"
    assert verdict(rendered, "OUTPUT", from_host(port=22)) == "DROP"


def test_a_rule_naming_the_balancers_address_opens_to_the_balancer_only() -> None:
    rendered = render(world(app_ingress=(tcp(8080, LB_TWIN, LB_HOST),)), TAG)
    assert verdict(rendered, "OUTPUT", from_balancer()) == "ACCEPT"
    assert verdict(rendered, "OUTPUT", from_host()) == "DROP"
    assert verdict(rendered, "FORWARD", from_client()) == "DROP"


def test_a_narrow_cidr_does_not_let_the_host_in() -> None:
    rendered = render(world(app_ingress=(tcp(8080, "172.31.0.0/16"),)), TAG)
    assert verdict(rendered, "FORWARD", from_client()) == "ACCEPT"
    assert verdict(rendered, "OUTPUT", from_host()) == "DROP"


def test_the_balancers_group_guards_its_addresses_from_the_host_and_tasks() -> None:
    closed = render(world(), TAG)
    opened = render(world(lb_ingress=(tcp(80, "0.0.0.0/0"),)), TAG)
    to_host_side = Packet("127.0.0.1", LB_HOST, port=80, out_if="lo")
    to_twin = Packet(CLIENT_IP, LB_TWIN, port=80, in_if="skabc")
    assert verdict(closed, "OUTPUT", to_host_side) == "DROP"
    assert verdict(closed, "INPUT", to_twin) == "DROP"
    assert verdict(opened, "OUTPUT", to_host_side) == "ACCEPT"
    assert verdict(opened, "INPUT", to_twin) == "ACCEPT"
    assert verdict(opened, "INPUT", Packet(CLIENT_IP, LB_TWIN, port=81, in_if="skabc")) == "DROP"


def test_egress_rules_bind_tasks_and_the_default_allows_all() -> None:
    policy = world(app_ingress=(tcp(8080, "0.0.0.0/0"),))
    assert (
        verdict(render(policy, TAG), "FORWARD", Packet(APP_IP, "10.9.9.9", port=443, in_if="skabc"))
        == "ACCEPT"
    )
    narrowed = Group("sg-app", policy.groups[0].ingress, (tcp(443, "10.0.0.0/8"),))
    rendered = render(Policy((narrowed, *policy.groups[1:]), policy.interfaces, policy.balancers), TAG)
    assert verdict(rendered, "FORWARD", Packet(APP_IP, "10.9.9.9", port=443, in_if="skabc")) == "ACCEPT"
    assert verdict(rendered, "FORWARD", Packet(APP_IP, "10.9.9.9", port=80, in_if="skabc")) == "DROP"
    assert verdict(rendered, "FORWARD", Packet(APP_IP, "192.0.2.1", port=443, in_if="skabc")) == "DROP"


def test_groups_are_ored_and_the_mark_never_leaks_between_enis() -> None:
    second = Group("sg-web", (tcp(80, "0.0.0.0/0"),), (ALL_OUT,))
    policy = world(app_ingress=(tcp(8080, "0.0.0.0/0"),))
    app = Interface("eni-app", APP_IP, ("sg-app", "sg-web"))
    rendered = render(Policy((*policy.groups, second), (app, *policy.interfaces[1:]), policy.balancers), TAG)
    assert verdict(rendered, "FORWARD", from_client(port=80)) == "ACCEPT"
    assert verdict(rendered, "FORWARD", from_client(port=8080)) == "ACCEPT"
    assert verdict(rendered, "FORWARD", from_client(port=81)) == "DROP"
    # the client's own egress marks the packet; the app's ingress check must clear it first
    closed = render(world(), TAG)
    assert verdict(closed, "FORWARD", from_client()) == "DROP"


def test_a_private_task_reaches_its_vpc_and_the_endpoint_only() -> None:
    rendered = render(world(app_ingress=(tcp(8080, "172.31.0.0/16"),)), TAG)
    out = Packet(PRIVATE_IP, "198.18.77.2", port=8099, in_if="skabc")
    assert verdict(rendered, "FORWARD", out) == "DROP"
    assert verdict(rendered, "INPUT", Packet(PRIVATE_IP, "192.168.1.1", port=22, in_if="skabc")) == "DROP"
    assert verdict(rendered, "INPUT", Packet(PRIVATE_IP, "169.254.170.2", port=80, in_if="skabc")) == "ACCEPT"
    assert verdict(rendered, "FORWARD", Packet(PRIVATE_IP, APP_IP, in_if="skabc")) == "ACCEPT"
    public_out = Packet(CLIENT_IP, "198.18.77.2", port=8099, in_if="skabc")
    assert verdict(rendered, "FORWARD", public_out) == "ACCEPT"


def test_established_traffic_returns_before_any_check() -> None:
    rendered = render(world(), TAG)
    for name in entry_chains(TAG).values():
        assert rendered.chains[name][0] == (
            "-m",
            "conntrack",
            "--ctstate",
            "RELATED,ESTABLISHED",
            "-j",
            "RETURN",
        )


def test_nothing_to_guard_renders_nothing() -> None:
    assert render(Policy(), TAG) == Rendered({}, {})
    only_groups = Policy((Group("sg-a", (tcp(80, "0.0.0.0/0"),)),))
    assert render(only_groups, TAG) == Rendered({}, {})


def test_chains_carry_the_tag_and_fit_iptables_names() -> None:
    rendered = render(world(), TAG)
    assert set(rendered.jumps) == {"INPUT", "FORWARD", "OUTPUT"}
    for name in rendered.chains:
        assert name.startswith("SK") and f"-{TAG}-" in name and len(name) <= 28, name
    # unused groups get no chains; a deleted group (unknown) allows nothing through it
    assert chain("GI", TAG, "sg-unused") not in rendered.chains
    orphan = Policy((), (Interface("eni-x", APP_IP, ("sg-gone",)),))
    assert verdict(render(orphan, TAG), "FORWARD", from_client()) == "DROP"


@pytest.mark.parametrize(
    ("permission", "words"),
    [
        (Permission("-1", -1, -1, ()), ()),
        (Permission("tcp", 0, 65535, ()), ("-p", "tcp")),
        (Permission("tcp", 80, 80, ()), ("-p", "tcp", "--dport", "80")),
        (Permission("udp", 1000, 2000, ()), ("-p", "udp", "--dport", "1000:2000")),
        (Permission("icmp", -1, -1, ()), ("-p", "icmp")),
        (Permission("icmp", 8, -1, ()), ("-p", "icmp", "--icmp-type", "8")),
        (Permission("icmp", 3, 4, ()), ("-p", "icmp", "--icmp-type", "3/4")),
        (Permission("icmpv6", -1, -1, ()), None),
        (Permission("47", -1, -1, ()), ("-p", "47")),
    ],
)
def test_protocols_and_ports(permission: Permission, words: tuple[str, ...] | None) -> None:
    assert protocol_match(permission) == words


def test_the_mark_bit_is_one_bit() -> None:
    value = int(ALLOWED, 16)
    assert value and value & (value - 1) == 0
