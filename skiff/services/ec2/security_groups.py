"""Security groups and their rules: create, describe, delete, authorize, revoke, list rules.

A group document holds the `SecurityGroup` members but its permissions; those are rules in
`ec2_security_group_rules`, one per peer, and DescribeSecurityGroups builds `IpPermissions`
and `IpPermissionsEgress` from them. New groups allow all egress; a VPC's `default` group also
allows all traffic from itself. Group names are unique per VPC; GroupName parameters name
groups of the default VPC, as in EC2.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from skiff.services.ec2 import rules as rule_lib
from skiff.services.ec2.exceptions import (
    dependent_object,
    duplicate_group,
    duplicate_permission,
    error,
    group_not_in_default_vpc,
    invalid_value,
    not_found,
    permission_not_found,
)
from skiff.services.ec2.filters import FilterSpec, field, select
from skiff.services.ec2.ids import arn, new_id
from skiff.services.ec2.prefix_lists import prefix_list_exists
from skiff.services.ec2.records import Records, public
from skiff.services.ec2.tags import Tag, TagBackend
from skiff.services.ec2.vpcs import VpcBackend
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

GROUPS = "ec2_security_groups"
RULES = "ec2_security_group_rules"
DEFAULT_NAME = "default"


def _permission_filters(prefix: str, key: str) -> FilterSpec:
    return {
        f"{prefix}.cidr": field(key, "IpRanges", "CidrIp"),
        f"{prefix}.ipv6-cidr": field(key, "Ipv6Ranges", "CidrIpv6"),
        f"{prefix}.from-port": field(key, "FromPort"),
        f"{prefix}.to-port": field(key, "ToPort"),
        f"{prefix}.protocol": field(key, "IpProtocol"),
        f"{prefix}.group-id": field(key, "UserIdGroupPairs", "GroupId"),
        f"{prefix}.group-name": field(key, "UserIdGroupPairs", "GroupName"),
        f"{prefix}.prefix-list-id": field(key, "PrefixListIds", "PrefixListId"),
        f"{prefix}.user-id": field(key, "UserIdGroupPairs", "UserId"),
    }


GROUP_FILTERS: FilterSpec = {
    "description": field("Description"),
    "group-id": field("GroupId"),
    "group-name": field("GroupName"),
    "owner-id": field("OwnerId"),
    "vpc-id": field("VpcId"),
    **_permission_filters("ip-permission", "IpPermissions"),
    **_permission_filters("egress.ip-permission", "IpPermissionsEgress"),
}
RULE_FILTERS: FilterSpec = {
    "group-id": field("GroupId"),
    "security-group-rule-id": field("SecurityGroupRuleId"),
}


class SecurityGroupBackend:
    def __init__(self, store: Store, tags: TagBackend, vpcs: VpcBackend) -> None:
        self.store = store
        self.tags = tags
        self.vpcs = vpcs
        self.records = Records(store, GROUPS, "security-group")
        self.rules = Records(store, RULES, "security-group-rule")
        self.changed: Callable[[], None] = lambda: None  # Ec2Backend's: enforcement wakes up

    # -- groups -------------------------------------------------------------------------------
    def create(
        self,
        scope: Scope,
        vpc: Document,
        name: str,
        description: str,
        tags: list[Tag],
        *,
        default: bool = False,
    ) -> Document:
        if not default:
            if name == DEFAULT_NAME:
                raise invalid_value("Cannot use reserved security group name: default")
            if name.lower().startswith("sg-"):
                raise invalid_value("Group names may not be in the format sg-*.")
            if not name or len(name) > 255:
                raise invalid_value("Group name must be 1 to 255 characters long.")
            if len(description) > 255:
                raise invalid_value("Group description can be up to 255 characters long.")
        if self.by_name(scope, vpc["VpcId"], name) is not None:
            raise duplicate_group(name, vpc["VpcId"])
        group_id = new_id("sg")
        doc: Document = {
            "GroupId": group_id,
            "GroupName": name,
            "Description": description,
            "VpcId": vpc["VpcId"],
            "OwnerId": scope.account,
            "SecurityGroupArn": arn(scope, "security-group", group_id),
        }
        with self.store.transaction():
            self.records.put(scope, group_id, doc, vpc_id=vpc["VpcId"], group_name=name)
            self.tags.replace(scope, group_id, tags)
            everywhere = {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
            self.authorize(scope, doc, True, [everywhere], [])
            if default:
                itself = {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": group_id}]}
                self.authorize(scope, doc, False, [itself], [])
        return doc

    def require(self, scope: Scope, group_id: str) -> Document:
        return self.records.require(scope, group_id)

    def by_name(self, scope: Scope, vpc_id: str, name: str) -> Document | None:
        found = self.records.all(scope, vpc_id=vpc_id, group_name=name)
        return found[0] if found else None

    def default_group(self, scope: Scope, vpc_id: str) -> Document | None:
        return self.by_name(scope, vpc_id, DEFAULT_NAME)

    def in_vpc(self, scope: Scope, vpc_id: str) -> list[Document]:
        return self.records.all(scope, vpc_id=vpc_id)

    def resolve(self, scope: Scope, group_id: str | None, group_name: str | None) -> Document:
        """A group by id, or by name within the default VPC."""
        if group_id:
            return self.require(scope, group_id)
        if not group_name:
            raise error("MissingParameter", "The request must contain the parameter groupName or groupId")
        default_vpc = self.vpcs.default_vpc(scope)
        found = self.by_name(scope, default_vpc["VpcId"], group_name) if default_vpc else None
        if found is None:
            raise group_not_in_default_vpc(group_name, default_vpc["VpcId"] if default_vpc else None)
        return found

    def rules_of(self, scope: Scope, group_id: str) -> list[Document]:
        """The group's rules in the order they were authorized."""
        return sorted(self.rules.all(scope, group_id=group_id), key=lambda r: r.get("_order", 0))

    def view(self, scope: Scope, doc: Document) -> Document:
        out = public(doc)
        rules = self.rules_of(scope, doc["GroupId"])
        out["IpPermissions"] = rule_lib.to_permissions([r for r in rules if not r["IsEgress"]])
        out["IpPermissionsEgress"] = rule_lib.to_permissions([r for r in rules if r["IsEgress"]])
        return self.tags.attach(out, "GroupId")

    def describe(
        self,
        scope: Scope,
        ids: list[str] | None,
        names: list[str] | None,
        filters: list[dict[str, Any]] | None,
    ) -> list[Document]:
        docs = self.records.lookup(scope, ids, "GroupId")
        if names:
            named = [self.resolve(scope, None, name) for name in dict.fromkeys(names)]
            docs = named if not ids else [d for d in docs if d["GroupName"] in names]
        return select([self.view(scope, d) for d in docs], filters, GROUP_FILTERS)

    def referenced(self, scope: Scope, group_id: str) -> bool:
        """Whether a rule of another group names this group as its peer."""
        return any(r["GroupId"] != group_id for r in self.rules.all(scope, referenced_group_id=group_id))

    def remove(self, scope: Scope, doc: Document) -> None:
        group_id = doc["GroupId"]
        if doc["GroupName"] == DEFAULT_NAME:
            raise error(
                "CannotDelete",
                f'the specified group: "{group_id}" name: "default" cannot be deleted by a user',
            )
        if self.referenced(scope, group_id):
            raise dependent_object(group_id)
        self.purge(scope, group_id)

    def purge(self, scope: Scope, group_id: str) -> None:
        """Deletes the group, its rules and tags without any check (VPC deletion)."""
        with self.store.transaction():
            for rule in self.rules.all(scope, group_id=group_id):
                self.rules.delete(rule["SecurityGroupRuleId"])
                self.tags.drop(rule["SecurityGroupRuleId"])
            self.records.delete(group_id)
            self.tags.drop(group_id)
        self.changed()

    # -- rules --------------------------------------------------------------------------------
    def _expand(
        self, scope: Scope, group: Document, egress: bool, permissions: list[Document]
    ) -> list[Document]:
        def resolve(group_id: str | None, group_name: str | None) -> str:
            if group_id:
                return str(self.require(scope, group_id)["GroupId"])
            found = self.by_name(scope, group["VpcId"], group_name or "")
            if found is None:
                raise not_found("security-group", group_name or "")
            return str(found["GroupId"])

        expanded = []
        for permission in permissions:
            for rule in rule_lib.expand(permission, scope.account, resolve):
                if "PrefixListId" in rule and not prefix_list_exists(scope.region, rule["PrefixListId"]):
                    raise not_found("prefix-list", rule["PrefixListId"])
                expanded.append({**rule, "IsEgress": egress, "GroupId": group["GroupId"]})
        return expanded

    def authorize(
        self, scope: Scope, group: Document, egress: bool, permissions: list[Document], tags: list[Tag]
    ) -> list[Document]:
        """Adds rules; any rule that exists already (or twice in the request) is a Duplicate."""
        wanted = self._expand(scope, group, egress, permissions)
        existing = {rule_lib.identity(r) for r in self.rules.all(scope, group_id=group["GroupId"])}
        order = time.time_ns()
        created: list[Document] = []
        for rule in wanted:
            key = rule_lib.identity(rule)
            if key in existing:
                raise duplicate_permission(rule_lib.rule_text(rule))
            existing.add(key)
            rule_id = new_id("sgr")
            created.append(
                {
                    "SecurityGroupRuleId": rule_id,
                    "GroupOwnerId": scope.account,
                    "SecurityGroupRuleArn": arn(scope, "security-group-rule", rule_id),
                    **rule,
                    "_order": order + len(created),
                }
            )
        with self.store.transaction():
            for rule in created:
                referenced = rule.get("ReferencedGroupInfo", {}).get("GroupId", "")
                self.rules.put(
                    scope,
                    rule["SecurityGroupRuleId"],
                    rule,
                    group_id=group["GroupId"],
                    referenced_group_id=referenced,
                )
                self.tags.replace(scope, rule["SecurityGroupRuleId"], tags)
        self.changed()
        return [self.tags.attach(public(r), "SecurityGroupRuleId") for r in created]

    def revoke(
        self,
        scope: Scope,
        group: Document,
        egress: bool,
        permissions: list[Document],
        rule_ids: list[str] | None,
    ) -> tuple[list[Document], list[Document]]:
        """Removes matching rules: (revoked rules, permissions that matched nothing)."""
        current = [r for r in self.rules_of(scope, group["GroupId"]) if r["IsEgress"] == egress]
        by_identity = {rule_lib.identity(r): r for r in current}
        by_id = {r["SecurityGroupRuleId"]: r for r in current}
        doomed: dict[str, Document] = {}
        unknown: list[Document] = []
        for rule_id in rule_ids or []:
            if rule_id not in by_id:
                raise not_found("security-group-rule", rule_id)
            doomed[rule_id] = by_id[rule_id]
        for rule in self._expand(scope, group, egress, permissions) if permissions else []:
            match = by_identity.get(rule_lib.identity(rule))
            if match is None:
                unknown.append(rule_lib.unknown_permission(rule))
            else:
                doomed[match["SecurityGroupRuleId"]] = match
        if not doomed:
            raise permission_not_found()
        with self.store.transaction():
            for rule_id in doomed:
                self.rules.delete(rule_id)
                self.tags.drop(rule_id)
        self.changed()
        return [rule_lib.revoked_view(r) for r in doomed.values()], unknown

    def describe_rules(
        self, scope: Scope, rule_ids: list[str] | None, filters: list[dict[str, Any]] | None
    ) -> list[Document]:
        docs = self.rules.lookup(scope, rule_ids, "SecurityGroupRuleId")
        docs.sort(key=lambda r: (r["GroupId"], r.get("_order", 0)))
        views = [self.tags.attach(public(r), "SecurityGroupRuleId") for r in docs]
        return select(views, filters, RULE_FILTERS)
