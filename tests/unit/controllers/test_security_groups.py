"""skiff/controllers/security_groups.py: EC2's records (groups, rules, ENIs, route tables) and the
live tasks resolved to the `Policy` the firewall enforces, over a real EC2 backend on SQLite."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from skiff.controllers.security_groups import SecurityGroupEnforcement, build_policy
from skiff.services.ec2.backend import Ec2Backend
from skiff.services.ec2.prefix_lists import prefix_lists
from skiff.services.ec2.zones import zone_named
from skiff.state.firewall import Policy
from skiff.state.scope import Scope
from skiff.state.tasks import INTERNAL, save_task
from skiff.store import SqliteStore
from skiff.store.base import Document

SCOPE = Scope("000000000000", "us-east-1")


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    return SqliteStore(tmp_path / "state.db")


@pytest.fixture
def ec2(store: SqliteStore) -> Ec2Backend:
    backend = Ec2Backend(store)
    backend.ensure_default_network(SCOPE)
    return backend


def run_task(
    store: SqliteStore, ec2: Ec2Backend, subnet: Document, groups: list[str] | None, *, public: bool = True
) -> Document:
    """A RUNNING task's record with an ENI in `subnet`, as the agent leaves it."""
    eni = ec2.interfaces.record(
        SCOPE, {"SubnetId": subnet["SubnetId"], **({"Groups": groups} if groups else {})}
    )
    n = len(list(store.scan("tasks")))
    task: dict[str, Any] = {
        "taskArn": f"arn:aws:ecs:us-east-1:000000000000:task/c/t{n}",
        "clusterArn": "arn:aws:ecs:us-east-1:000000000000:cluster/c",
        "lastStatus": "RUNNING",
        "desiredStatus": "RUNNING",
        INTERNAL: {
            "account": SCOPE.account,
            "region": SCOPE.region,
            "definition": {"family": "app"},
            "eni": {"id": eni["NetworkInterfaceId"], "ip": eni["PrivateIpAddress"]},
            "network": {"subnet": subnet, "assign_public_ip": "ENABLED" if public else "DISABLED"},
        },
    }
    save_task(store, task)
    return eni


def default_subnet(ec2: Ec2Backend) -> Document:
    subnet = ec2.subnet(SCOPE, ec2.default_subnet_ids(SCOPE)[0])
    assert subnet is not None
    return subnet


def new_group(ec2: Ec2Backend, name: str) -> Document:
    vpc = ec2.ensure_default_vpc(SCOPE)
    assert vpc is not None
    return ec2.groups.create(SCOPE, vpc, name, name, [])


def ingress(ec2: Ec2Backend, group: Document, permission: Document) -> None:
    ec2.groups.authorize(SCOPE, group, False, [permission], [])


def test_the_default_group_lets_in_its_own_members_only(store: SqliteStore, ec2: Ec2Backend) -> None:
    subnet = default_subnet(ec2)
    first, second = run_task(store, ec2, subnet, None), run_task(store, ec2, subnet, None)
    policy = build_policy(store, ec2, balancers=False)
    assert [i.ip for i in policy.interfaces] == sorted(
        [first["PrivateIpAddress"], second["PrivateIpAddress"]]
    )
    (group,) = policy.groups
    assert group.group_id == first["Groups"][0]["GroupId"]
    (rule,) = group.ingress
    assert rule.protocol == "-1" and set(rule.peers) == {
        first["PrivateIpAddress"],
        second["PrivateIpAddress"],
    }
    (out,) = group.egress
    assert out.peers == ("0.0.0.0/0",)
    assert not any(i.private for i in policy.interfaces)  # the default subnet routes to its gateway


def test_rules_by_cidr_source_group_and_prefix_list(store: SqliteStore, ec2: Ec2Backend) -> None:
    app, web = new_group(ec2, "app"), new_group(ec2, "web")
    subnet = default_subnet(ec2)
    client = run_task(store, ec2, subnet, [web["GroupId"]])
    run_task(store, ec2, subnet, [app["GroupId"]])
    ingress(
        ec2,
        app,
        {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "IpRanges": [{"CidrIp": "10.1.0.0/16"}]},
    )
    ingress(ec2, app, {"IpProtocol": "tcp", "FromPort": 9000, "ToPort": 9100,
                       "UserIdGroupPairs": [{"GroupId": web["GroupId"]}]})  # fmt: skip
    s3 = next(p for p in prefix_lists(SCOPE.region) if p["PrefixListName"].endswith(".s3"))
    to_s3 = {
        "IpProtocol": "tcp",
        "FromPort": 443,
        "ToPort": 443,
        "PrefixListIds": [{"PrefixListId": s3["PrefixListId"]}],
    }
    ec2.groups.authorize(SCOPE, app, True, [to_s3], [])
    policy = build_policy(store, ec2, balancers=False)
    group = next(g for g in policy.groups if g.group_id == app["GroupId"])
    by_port = {(p.from_port, p.to_port): p for p in group.ingress}
    assert by_port[(8080, 8080)].peers == ("10.1.0.0/16",)
    assert by_port[(9000, 9100)].peers == (client["PrivateIpAddress"],)
    listed = next(p for p in group.egress if p.from_port == 443)
    assert listed.peers == tuple(s3["Cidrs"]) and listed.peers


def test_a_subnet_without_a_way_out_confines_its_tasks(store: SqliteStore, ec2: Ec2Backend) -> None:
    vpc = ec2.ensure_default_vpc(SCOPE)
    assert vpc is not None
    subnet = ec2.subnets.create(SCOPE, vpc, "172.31.250.0/24", zone_named(SCOPE.region), [])
    table = ec2.route_tables.create(SCOPE, vpc, [])
    ec2.route_tables.associate(SCOPE, table["RouteTableId"], subnet, None)
    run_task(store, ec2, subnet, None, public=False)
    public_subnet = default_subnet(ec2)
    run_task(store, ec2, public_subnet, None, public=False)  # no public IP: no way out either
    run_task(store, ec2, public_subnet, None, public=True)
    policy = build_policy(store, ec2, balancers=False)
    confined = {i.ip.startswith("172.31.250."): i for i in policy.interfaces if i.private}
    assert confined[True].reachable == (vpc["CidrBlock"],)
    assert sum(i.private for i in policy.interfaces) == 2


def test_an_eni_naming_a_deleted_group_gets_no_rules_from_it(store: SqliteStore, ec2: Ec2Backend) -> None:
    gone = new_group(ec2, "gone")
    run_task(store, ec2, default_subnet(ec2), [gone["GroupId"]])
    ec2.groups.remove(SCOPE, gone)  # as a purge would (DeleteSecurityGroup refuses while in use)
    policy = build_policy(store, ec2, balancers=False)
    (eni,) = policy.interfaces
    assert eni.groups == (gone["GroupId"],) and policy.groups == ()


def test_the_enforcement_hands_each_pass_to_apply_and_wakes_on_change(
    store: SqliteStore, ec2: Ec2Backend
) -> None:
    applied: list[Policy] = []

    async def apply(policy: Policy) -> bool:
        applied.append(policy)
        return True

    async def run() -> None:
        enforcement = SecurityGroupEnforcement(store, ec2, apply, balancers=False)
        ec2.on_change.append(enforcement.wake)
        enforcement.start()
        await asyncio.sleep(0.1)
        assert applied and applied[-1].empty()
        run_task(store, ec2, default_subnet(ec2), None)  # records an ENI: EC2 says it changed
        for _ in range(40):
            if not applied[-1].empty():
                break
            await asyncio.sleep(0.01)
        await enforcement.stop()
        assert not applied[-1].empty()  # woken at once, not after the next second

    asyncio.run(run())
