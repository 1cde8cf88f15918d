"""Security group rules: reading `IpPermissions` (and the old top-level form), one stored rule
per peer, rule identity for duplicates and revocation, and `IpPermissions` built back from rules.

A permission `{IpProtocol, FromPort, ToPort, IpRanges, Ipv6Ranges, PrefixListIds,
UserIdGroupPairs}` becomes one rule (`sgr-...`) per CIDR, prefix list or group, the way
DescribeSecurityGroupRules shows them. Protocols are stored as EC2 does: `tcp`, `udp`, `icmp`,
`icmpv6`, `-1` (all) or another protocol number; ports are -1 where they do not apply.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

from skiff.services.ec2.exceptions import invalid_value, missing_parameter
from skiff.store.base import Document

PROTOCOL_NAMES = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "-1": "-1", "all": "-1"}
PORTED = ("tcp", "udp")
TYPED = ("icmp", "icmpv6")
PEER_KEYS = ("CidrIpv4", "CidrIpv6", "PrefixListId", "ReferencedGroupInfo")
# (group id or None, group name or None) -> the group id, or raise NotFound
GroupResolver = Callable[[str | None, str | None], str]


def normalize_protocol(value: Any) -> str:
    text = str(value if value is not None else "").strip().lower()
    if text in PROTOCOL_NAMES:
        return PROTOCOL_NAMES[text]
    if text in PORTED or text in TYPED:
        return text
    if (text.isascii() and text.isdigit()) and 0 <= int(text) <= 255:
        return text
    raise invalid_value(f"Invalid value '{value}' for IP protocol. Unknown protocol.")


def port_range(protocol: str, from_port: Any, to_port: Any) -> tuple[int, int]:
    if protocol in PORTED:
        if from_port is None or to_port is None:
            raise invalid_value(
                "Invalid value 'null' for portRange. Must specify both from and to ports with TCP/UDP."
            )
        low, high = int(from_port), int(to_port)
        if not 0 <= low <= high <= 65535:
            raise invalid_value(f"Invalid value '{low}-{high}' for portRange. Ports must be 0-65535.")
        return low, high
    if protocol in TYPED:
        icmp_type = -1 if from_port is None else int(from_port)
        icmp_code = -1 if to_port is None else int(to_port)
        if not (-1 <= icmp_type <= 255 and -1 <= icmp_code <= 255):
            raise invalid_value(f"Invalid value '{icmp_type}' for ICMP type or '{icmp_code}' for ICMP code.")
        return icmp_type, icmp_code
    return -1, -1


def _cidr(value: Any, version: int) -> str:
    text = str(value or "")
    try:
        network = ipaddress.ip_network(text, strict=True)
    except ValueError:
        network = None
    if "/" not in text or network is None or network.version != version:
        raise invalid_value(f"CIDR block {text} is malformed")
    return str(network)


def permissions_from_params(params: dict[str, Any]) -> list[dict[str, Any]]:
    """`IpPermissions`, plus the old top-level IpProtocol/FromPort/ToPort/CidrIp/SourceSecurityGroup*."""
    permissions = [dict(p) for p in params.get("IpPermissions") or []]
    source = params.get("SourceSecurityGroupName")
    if params.get("CidrIp") or source or params.get("IpProtocol") is not None:
        permission: dict[str, Any] = {
            "IpProtocol": params.get("IpProtocol", "-1"),
            "FromPort": params.get("FromPort"),
            "ToPort": params.get("ToPort"),
        }
        if params.get("CidrIp"):
            permission["IpRanges"] = [{"CidrIp": params["CidrIp"]}]
        if source:
            pair = {"GroupName": source}
            if params.get("SourceSecurityGroupOwnerId"):
                pair["UserId"] = params["SourceSecurityGroupOwnerId"]
            permission["UserIdGroupPairs"] = [pair]
        permissions.append(permission)
    if not permissions:
        raise missing_parameter("The request must contain the parameter ipPermissions")
    return permissions


def expand(permission: dict[str, Any], account: str, resolve: GroupResolver) -> list[Document]:
    """The rules one permission stands for: one per CIDR, IPv6 CIDR, prefix list and group."""
    protocol = normalize_protocol(permission.get("IpProtocol"))
    low, high = port_range(protocol, permission.get("FromPort"), permission.get("ToPort"))
    base = {"IpProtocol": protocol, "FromPort": low, "ToPort": high}
    peers: list[Document] = []
    for item in permission.get("IpRanges") or []:
        peers.append({"CidrIpv4": _cidr(item.get("CidrIp"), 4), "Description": item.get("Description")})
    for item in permission.get("Ipv6Ranges") or []:
        peers.append({"CidrIpv6": _cidr(item.get("CidrIpv6"), 6), "Description": item.get("Description")})
    for item in permission.get("PrefixListIds") or []:
        peers.append({"PrefixListId": str(item.get("PrefixListId")), "Description": item.get("Description")})
    for item in permission.get("UserIdGroupPairs") or []:
        group_id = resolve(item.get("GroupId"), item.get("GroupName"))
        info = {"GroupId": group_id, "UserId": item.get("UserId") or account}
        peers.append({"ReferencedGroupInfo": info, "Description": item.get("Description")})
    if not peers:
        raise missing_parameter(
            "The request must contain a peer: a CIDR range, an IPv6 range, a prefix list or a security group"
        )
    rules = []
    for peer in peers:
        if peer["Description"] is None:
            del peer["Description"]
        elif len(str(peer["Description"])) > 255:
            raise invalid_value("Description can be up to 255 characters long.")
        rules.append({**base, **peer})
    return rules


def peer_of(rule: Document) -> tuple[str, str]:
    for key in PEER_KEYS:
        if key in rule:
            value = rule[key]
            return key, str(value["GroupId"] if isinstance(value, dict) else value)
    return "", ""


def identity(rule: Document) -> tuple[Any, ...]:
    """What makes two rules the same rule (descriptions do not count)."""
    return (bool(rule.get("IsEgress")), rule["IpProtocol"], rule["FromPort"], rule["ToPort"], *peer_of(rule))


def rule_text(rule: Document) -> str:
    """EC2's wording of a rule in InvalidPermission.Duplicate messages."""
    peer = peer_of(rule)[1]
    protocol = rule["IpProtocol"]
    if protocol == "-1":
        return f"peer: {peer}, ALL, ALLOW"
    if protocol in PORTED:
        ports = f"from port: {rule['FromPort']}, to port: {rule['ToPort']}"
        return f"peer: {peer}, {protocol.upper()}, {ports}, ALLOW"
    if protocol in TYPED:
        return f"peer: {peer}, {protocol.upper()}, type: {rule['FromPort']}, code: {rule['ToPort']}, ALLOW"
    return f"peer: {peer}, {protocol}, ALLOW"


def to_permissions(rules: list[Document]) -> list[Document]:
    """IpPermissions as DescribeSecurityGroups shows them: rules grouped by protocol and ports."""
    grouped: dict[tuple[str, int, int], Document] = {}
    for rule in rules:
        key = (rule["IpProtocol"], rule["FromPort"], rule["ToPort"])
        permission = grouped.get(key)
        if permission is None:
            permission = {"IpProtocol": rule["IpProtocol"]}
            if rule["IpProtocol"] in PORTED or rule["IpProtocol"] in TYPED:
                permission.update(FromPort=rule["FromPort"], ToPort=rule["ToPort"])
            permission.update(IpRanges=[], Ipv6Ranges=[], PrefixListIds=[], UserIdGroupPairs=[])
            grouped[key] = permission
        described = {"Description": rule["Description"]} if "Description" in rule else {}
        if "CidrIpv4" in rule:
            permission["IpRanges"].append({"CidrIp": rule["CidrIpv4"], **described})
        elif "CidrIpv6" in rule:
            permission["Ipv6Ranges"].append({"CidrIpv6": rule["CidrIpv6"], **described})
        elif "PrefixListId" in rule:
            permission["PrefixListIds"].append({"PrefixListId": rule["PrefixListId"], **described})
        else:
            info = rule["ReferencedGroupInfo"]
            permission["UserIdGroupPairs"].append(
                {"UserId": info["UserId"], "GroupId": info["GroupId"], **described}
            )
    return list(grouped.values())


def revoked_view(rule: Document) -> Document:
    """A rule as RevokedSecurityGroupRules lists it (the referenced group flattened)."""
    out = {k: v for k, v in rule.items() if k != "ReferencedGroupInfo" and not k.startswith("_")}
    out.pop("GroupOwnerId", None)
    out.pop("SecurityGroupRuleArn", None)
    out.pop("Tags", None)
    if "ReferencedGroupInfo" in rule:
        out["ReferencedGroupId"] = rule["ReferencedGroupInfo"]["GroupId"]
    return out


def unknown_permission(rule: Document) -> Document:
    """A rule that did not exist, written back as an IpPermission (UnknownIpPermissions)."""
    return to_permissions([rule])[0]
