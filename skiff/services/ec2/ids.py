"""EC2 resource identifiers and ARNs.

IDs look like AWS's own: a type prefix and 17 lower-case hex digits (`vpc-0a1b2c3d4e5f60718`).
The prefix tells the resource type, which is how CreateTags and DescribeTags know what an id
names without a lookup table.
"""

from __future__ import annotations

import re
import secrets

from skiff.state.scope import Scope

# id prefix -> the `ResourceType` EC2 reports for it (DescribeTags, TagSpecifications)
RESOURCE_TYPES: dict[str, str] = {
    "vpc": "vpc",
    "subnet": "subnet",
    "sg": "security-group",
    "sgr": "security-group-rule",
    "igw": "internet-gateway",
    "rtb": "route-table",
    "acl": "network-acl",
    "eni": "network-interface",
    "vpce": "vpc-endpoint",
    "dopt": "dhcp-options",
    "pl": "prefix-list",
    "i": "instance",
    "ami": "image",
    "vol": "volume",
    "snap": "snapshot",
    "eipalloc": "elastic-ip",
    "nat": "natgateway",
    "pcx": "vpc-peering-connection",
    "tgw": "transit-gateway",
    "eigw": "egress-only-internet-gateway",
    "lt": "launch-template",
    "key": "key-pair",
}

_ID = re.compile(r"^([a-z]+)-([0-9a-f]{8}|[0-9a-f]{17})$")


def new_id(prefix: str) -> str:
    """A fresh id: `prefix-` and 17 random hex digits."""
    return f"{prefix}-{secrets.token_hex(9)[:17]}"


def id_prefix(resource_id: str) -> str | None:
    """The type prefix of a well-formed EC2 id, else None."""
    match = _ID.match(resource_id)
    return match.group(1) if match else None


def resource_type(resource_id: str) -> str | None:
    """The EC2 resource type of an id (`vpc-...` -> "vpc"), or None when it is not an EC2 id."""
    prefix = id_prefix(resource_id)
    return RESOURCE_TYPES.get(prefix) if prefix else None


def arn(scope: Scope, kind: str, resource_id: str) -> str:
    """`arn:aws:ec2:<region>:<account>:<kind>/<id>` as EC2 writes SubnetArn, SecurityGroupArn ..."""
    return f"arn:aws:ec2:{scope.region}:{scope.account}:{kind}/{resource_id}"


def mac_address() -> str:
    """A locally administered unicast MAC, as ENIs get (`0e:` and five random bytes)."""
    return "0e:" + ":".join(f"{b:02x}" for b in secrets.token_bytes(5))


def private_dns_name(region: str, ip: str) -> str:
    """`ip-10-0-1-5.ec2.internal` in us-east-1, `ip-10-0-1-5.<region>.compute.internal` elsewhere."""
    host = "ip-" + ip.replace(".", "-")
    return f"{host}.ec2.internal" if region == "us-east-1" else f"{host}.{region}.compute.internal"
