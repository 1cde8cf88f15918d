"""Availability zones of a region: names `<region>a`, `<region>b`, ... and ids like `use1-az1`.

us-east-1 has six zones, every other region three. Zone ids abbreviate the region as AWS does
(`us-east-1` -> `use1`, `ap-southeast-2` -> `apse2`, `eu-central-1` -> `euc1`).
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any

from skiff.services.ec2.exceptions import invalid_value
from skiff.services.ec2.filters import FilterSpec, field, select
from skiff.store.base import Document

ZONE_COUNTS = {"us-east-1": 6}
DEFAULT_ZONE_COUNT = 3
_DIRECTIONS = {
    "east": "e",
    "west": "w",
    "north": "n",
    "south": "s",
    "central": "c",
    "northeast": "ne",
    "northwest": "nw",
    "southeast": "se",
    "southwest": "sw",
}

ZONE_FILTERS: FilterSpec = {
    "group-name": field("GroupName"),
    "message": field("Messages", "Message"),
    "opt-in-status": field("OptInStatus"),
    "region-name": field("RegionName"),
    "state": field("State"),
    "zone-id": field("ZoneId"),
    "zone-name": field("ZoneName"),
    "zone-type": field("ZoneType"),
    "network-border-group": field("NetworkBorderGroup"),
}


@dataclass(frozen=True)
class Zone:
    name: str
    zone_id: str
    region: str

    def view(self) -> Document:
        return {
            "OptInStatus": "opt-in-not-required",
            "Messages": [],
            "RegionName": self.region,
            "ZoneName": self.name,
            "ZoneId": self.zone_id,
            "GroupName": self.region,
            "NetworkBorderGroup": self.region,
            "ZoneType": "availability-zone",
            "State": "available",
        }


def region_code(region: str) -> str:
    """`us-east-1` -> `use1`: the region part of zone ids."""
    parts = region.split("-")
    if len(parts) < 3:
        return region.replace("-", "")
    area, number = parts[0], parts[-1]
    middle = "".join(_DIRECTIONS.get(p, p[:1]) for p in parts[1:-1])
    return f"{area}{middle}{number}"


def zones(region: str) -> list[Zone]:
    count = ZONE_COUNTS.get(region, DEFAULT_ZONE_COUNT)
    code = region_code(region)
    return [Zone(f"{region}{string.ascii_lowercase[i]}", f"{code}-az{i + 1}", region) for i in range(count)]


def zone_named(region: str, name: str | None = None, zone_id: str | None = None) -> Zone:
    """The zone by name or id (the first zone when neither is given); unknown -> InvalidParameterValue."""
    all_zones = zones(region)
    if name is None and zone_id is None:
        return all_zones[0]
    for zone in all_zones:
        if zone.name == name or (name is None and zone.zone_id == zone_id):
            return zone
    names = ", ".join(z.name for z in all_zones)
    parameter = "availabilityZone" if name is not None else "availabilityZoneId"
    raise invalid_value(
        f"Value ({name if name is not None else zone_id}) for parameter {parameter} is invalid. "
        f"Subnets can currently only be created in the following availability zones: {names}."
    )


def describe_zones(
    region: str, names: list[str] | None, ids: list[str] | None, filters: list[dict[str, Any]] | None
) -> list[Document]:
    """DescribeAvailabilityZones: unknown names or ids are an InvalidParameterValue."""
    views = [z.view() for z in zones(region)]
    for wanted, key in ((names, "ZoneName"), (ids, "ZoneId")):
        if wanted:
            known = {v[key] for v in views}
            unknown = [w for w in wanted if w not in known]
            if unknown:
                raise invalid_value(f"Invalid availability zone: [{', '.join(unknown)}]")
            views = [v for v in views if v[key] in wanted]
    return select(views, filters, ZONE_FILTERS, tags_key=None)
