"""AWS-managed prefix lists: `com.amazonaws.<region>.s3` and `com.amazonaws.<region>.dynamodb`.

Gateway VPC endpoints route to them and security group rules may name them. Their ids are
stable per region (`pl-` and 8 hex digits, as AWS's are); us-east-1 uses AWS's real ids. The
address blocks are representative public ranges of the services, not a live copy.
"""

from __future__ import annotations

import hashlib
from typing import Any

from skiff.services.ec2.exceptions import not_found
from skiff.services.ec2.filters import FilterSpec, field, select
from skiff.store.base import Document

GATEWAY_SERVICES = ("s3", "dynamodb")
_KNOWN_IDS = {
    "com.amazonaws.us-east-1.s3": "pl-63a5400a",
    "com.amazonaws.us-east-1.dynamodb": "pl-02cd2c6b",
}
_CIDRS = {
    "s3": ["52.216.0.0/15", "54.231.0.0/16", "3.5.0.0/19", "18.34.0.0/19", "16.182.0.0/16"],
    "dynamodb": ["52.94.0.0/22", "52.119.224.0/20", "3.218.176.0/20"],
}

PREFIX_LIST_FILTERS: FilterSpec = {
    "prefix-list-id": field("PrefixListId"),
    "prefix-list-name": field("PrefixListName"),
}


def prefix_list_name(region: str, service: str) -> str:
    return f"com.amazonaws.{region}.{service}"


def prefix_list_id(region: str, service: str) -> str:
    name = prefix_list_name(region, service)
    return _KNOWN_IDS.get(name) or "pl-" + hashlib.sha256(name.encode()).hexdigest()[:8]


def prefix_lists(region: str) -> list[Document]:
    return [
        {
            "PrefixListId": prefix_list_id(region, service),
            "PrefixListName": prefix_list_name(region, service),
            "Cidrs": list(_CIDRS[service]),
        }
        for service in GATEWAY_SERVICES
    ]


def prefix_list_exists(region: str, pl_id: str) -> bool:
    return any(p["PrefixListId"] == pl_id for p in prefix_lists(region))


def describe_prefix_lists(
    region: str, ids: list[str] | None, filters: list[dict[str, Any]] | None
) -> list[Document]:
    """DescribePrefixLists: unknown ids -> InvalidPrefixListID.NotFound."""
    found = prefix_lists(region)
    if ids:
        known = {p["PrefixListId"] for p in found}
        for pl_id in ids:
            if pl_id not in known:
                raise not_found("prefix-list", pl_id)
        found = [p for p in found if p["PrefixListId"] in ids]
    return select(found, filters, PREFIX_LIST_FILTERS, tags_key=None)
