"""Route 53, as far as Cloud Map makes it: each DNS namespace's hosted zone and its records.

Cloud Map creates and owns these zones (`LinkedService` servicediscovery.amazonaws.com), so they
are read-only here: ListHostedZones, ListHostedZonesByName, GetHostedZone, GetHostedZoneCount and
ListResourceRecordSets. Route 53 is global: every region's namespaces of the account are listed.
The records are the ones the resolver tasks use answers from (`skiff.state.discovery.zones`):
the zone's SOA and NS, and per instance a multivalue record set (SetIdentifier = instance id),
or a weighted one for WEIGHTED routing; SRV targets' address records.
"""

from __future__ import annotations

from typing import Any

from skiff.api.context import RequestContext
from skiff.api.errors import AwsError
from skiff.api.provider import Provider
from skiff.state.discovery import RecordSet, Zone, zones
from skiff.store.base import Store

Params = dict[str, Any]
NAME_SERVERS = ["ns-1.awsdns-skiff.internal", "ns-2.awsdns-skiff.internal"]
LINKED = "servicediscovery.amazonaws.com"
DEFAULT_MAX_ITEMS = 100


def no_such_zone(zone_id: str) -> AwsError:
    return AwsError(f"No hosted zone found with ID: {zone_id}", code="NoSuchHostedZone", status=404)


def invalid_input(message: str) -> AwsError:
    return AwsError(message, code="InvalidInput")


def max_items(params: Params) -> int:
    text = params.get("MaxItems")
    if text is None:
        return DEFAULT_MAX_ITEMS
    if not (str(text).isascii() and str(text).isdigit()) or not 0 < int(text) <= 1000:
        raise invalid_input("MaxItems must be a number from 1 to 1000.")
    return int(text)


def bare_id(zone_id: str) -> str:
    return zone_id.rsplit("/", 1)[-1]


def namespace_arn(zone: Zone) -> str:
    return f"arn:aws:servicediscovery:{zone.region}:{zone.account}:namespace/{zone.namespace_id}"


def zone_view(zone: Zone) -> Params:
    return {
        "Id": f"/hostedzone/{zone.hosted_zone_id}",
        "Name": zone.name,
        "CallerReference": zone.namespace_id,
        "Config": {
            "Comment": f"Created by AWS Cloud Map namespace with ARN {namespace_arn(zone)}",
            "PrivateZone": zone.private,
        },
        "ResourceRecordSetCount": len(record_sets(zone)),
        "LinkedService": {"ServicePrincipal": LINKED, "Description": namespace_arn(zone)},
    }


def record_sets(zone: Zone) -> list[Params]:
    """The zone's record sets as ListResourceRecordSets shows them, in Route 53's order."""
    out: list[Params] = [
        {"Name": zone.name, "Type": "NS", "TTL": 172800,
         "ResourceRecords": [{"Value": f"{n}."} for n in NAME_SERVERS]},
        {"Name": zone.name, "Type": "SOA", "TTL": 900, "ResourceRecords": [{"Value":
         f"{NAME_SERVERS[0]}. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 {zone.soa_ttl}"}]},
    ]  # fmt: skip
    for record_set in zone.records:
        out += _cloud_map_sets(record_set)
    return sorted(out, key=lambda r: (_order(r["Name"]), r["Type"], r.get("SetIdentifier", "")))


def _cloud_map_sets(record_set: RecordSet) -> list[Params]:
    if (
        len(record_set.values) == 1
        and record_set.name.split(".", 1)[0] == record_set.values[0].instance_id.lower()
    ):
        value = record_set.values[0]  # an SRV target's own address record
        return [{"Name": record_set.name, "Type": record_set.type, "TTL": record_set.ttl,
                 "ResourceRecords": [{"Value": value.text}]}]  # fmt: skip
    found = []
    for value in record_set.values:
        entry: Params = {"Name": record_set.name, "Type": record_set.type, "SetIdentifier": value.instance_id,
                         "TTL": record_set.ttl, "ResourceRecords": [{"Value": value.text}]}  # fmt: skip
        if record_set.routing == "WEIGHTED":
            entry["Weight"] = 1
        else:
            entry["MultiValueAnswer"] = True
        found.append(entry)
    return found


def _order(name: str) -> tuple[str, ...]:
    return tuple(reversed(name.rstrip(".").split(".")))


class Route53Provider(Provider):
    service = "route53"

    def __init__(self, store: Store) -> None:
        self.store = store

    def _zones(self, ctx: RequestContext) -> list[Zone]:
        found = zones(self.store, {"account": ctx.account_id})
        return sorted(found, key=lambda z: (z.name, z.hosted_zone_id))

    def _zone(self, ctx: RequestContext, zone_id: str) -> Zone:
        wanted = bare_id(zone_id)
        for zone in self._zones(ctx):
            if zone.hosted_zone_id == wanted:
                return zone
        raise no_such_zone(wanted)

    def list_hosted_zones(self, ctx: RequestContext, params: Params) -> Params:
        limit = max_items(params)
        found = self._zones(ctx)
        if params.get("HostedZoneType") not in (None, "PrivateHostedZone"):
            raise invalid_input("HostedZoneType must be PrivateHostedZone.")
        if params.get("HostedZoneType") == "PrivateHostedZone":
            found = [z for z in found if z.private]
        start = 0
        if params.get("Marker"):
            ids = [z.hosted_zone_id for z in found]
            if params["Marker"] not in ids:
                raise invalid_input("The marker is not valid.")
            start = ids.index(params["Marker"])
        page = found[start : start + limit]
        out: Params = {
            "HostedZones": [zone_view(z) for z in page],
            "Marker": params.get("Marker") or "",
            "IsTruncated": start + limit < len(found),
            "MaxItems": str(limit),
        }
        if out["IsTruncated"]:
            out["NextMarker"] = found[start + limit].hosted_zone_id
        return out

    def list_hosted_zones_by_name(self, ctx: RequestContext, params: Params) -> Params:
        limit = max_items(params)
        found = self._zones(ctx)
        name = params.get("DNSName")
        if name:
            wanted = name.rstrip(".").lower() + "."
            found = [z for z in found if z.name >= wanted]
        page = found[:limit]
        out: Params = {"HostedZones": [zone_view(z) for z in page], "IsTruncated": len(found) > limit,
                       "MaxItems": str(limit)}  # fmt: skip
        if name:
            out["DNSName"] = name
        if out["IsTruncated"]:
            out["NextDNSName"], out["NextHostedZoneId"] = found[limit].name, found[limit].hosted_zone_id
        return out

    def get_hosted_zone_count(self, ctx: RequestContext, params: Params) -> Params:
        return {"HostedZoneCount": len(self._zones(ctx))}

    def get_hosted_zone(self, ctx: RequestContext, params: Params) -> Params:
        zone = self._zone(ctx, params["Id"])
        out: Params = {"HostedZone": zone_view(zone)}
        if zone.private:
            out["VPCs"] = [{"VPCRegion": zone.region, "VPCId": zone.vpc}]
        else:
            out["DelegationSet"] = {"NameServers": list(NAME_SERVERS)}
        return out

    def list_resource_record_sets(self, ctx: RequestContext, params: Params) -> Params:
        zone = self._zone(ctx, params["HostedZoneId"])
        limit = max_items(params)
        sets = record_sets(zone)
        start = 0
        if params.get("StartRecordName"):
            key = (
                _order(params["StartRecordName"].lower().rstrip(".") + "."),
                params.get("StartRecordType") or "",
                params.get("StartRecordIdentifier") or "",
            )
            start = next(
                (
                    i
                    for i, r in enumerate(sets)
                    if (_order(r["Name"]), r["Type"], r.get("SetIdentifier", "")) >= key
                ),
                len(sets),
            )
        elif params.get("StartRecordType"):
            raise invalid_input("StartRecordType needs StartRecordName.")
        page = sets[start : start + limit]
        out: Params = {
            "ResourceRecordSets": page,
            "IsTruncated": start + limit < len(sets),
            "MaxItems": str(limit),
        }
        if out["IsTruncated"]:
            following = sets[start + limit]
            out["NextRecordName"], out["NextRecordType"] = following["Name"], following["Type"]
            if following.get("SetIdentifier"):
                out["NextRecordIdentifier"] = following["SetIdentifier"]
        return out
