"""ECS clusters through real boto3: create, describe, list (pagination), delete."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_create_cluster_returns_an_active_cluster(ecs: Any) -> None:
    name = unique("c")
    cluster = ecs.create_cluster(clusterName=name, tags=[{"key": "Environment", "value": "Demo"}])["cluster"]
    assert cluster["clusterName"] == name
    assert cluster["clusterArn"] == f"arn:aws:ecs:us-east-1:000000000000:cluster/{name}"
    assert cluster["status"] == "ACTIVE"
    assert cluster["runningTasksCount"] == 0
    assert cluster["tags"] == [{"key": "Environment", "value": "Demo"}]


def test_create_cluster_is_idempotent(ecs: Any) -> None:
    name = unique("idem")
    first = ecs.create_cluster(clusterName=name)["cluster"]
    second = ecs.create_cluster(clusterName=name)["cluster"]
    assert first["clusterArn"] == second["clusterArn"]
    assert ecs.list_clusters()["clusterArns"].count(first["clusterArn"]) == 1


def test_create_cluster_without_name_makes_default(ecs: Any) -> None:
    cluster = ecs.create_cluster()["cluster"]
    assert cluster["clusterName"] == "default"


def test_invalid_cluster_name_is_rejected(ecs: Any) -> None:
    with pytest.raises(ClientError) as info:
        ecs.create_cluster(clusterName="bad name!")
    assert info.value.response["Error"]["Code"] == "InvalidParameterException"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_describe_clusters_reports_missing_ones(ecs: Any) -> None:
    name = unique("d")
    ecs.create_cluster(clusterName=name)
    reply = ecs.describe_clusters(clusters=[name, "nope-" + name])
    assert [c["clusterName"] for c in reply["clusters"]] == [name]
    assert reply["failures"] == [
        {"arn": f"arn:aws:ecs:us-east-1:000000000000:cluster/nope-{name}", "reason": "MISSING"}
    ]


def test_describe_clusters_by_arn_with_tags(ecs: Any) -> None:
    arn = ecs.create_cluster(clusterName=unique("t"), tags=[{"key": "a", "value": "1"}])["cluster"][
        "clusterArn"
    ]
    plain = ecs.describe_clusters(clusters=[arn])["clusters"][0]
    assert "tags" not in plain
    tagged = ecs.describe_clusters(clusters=[arn], include=["TAGS"])["clusters"][0]
    assert tagged["tags"] == [{"key": "a", "value": "1"}]


def test_list_clusters_paginates(client_factory: Any) -> None:
    ecs = client_factory("ecs", region="eu-west-3")
    names = [unique("p") for _ in range(5)]
    for name in names:
        ecs.create_cluster(clusterName=name)
    seen: list[str] = []
    kwargs: dict[str, Any] = {"maxResults": 2}
    pages = 0
    while True:
        reply = ecs.list_clusters(**kwargs)
        assert len(reply["clusterArns"]) <= 2
        seen.extend(reply["clusterArns"])
        pages += 1
        if "nextToken" not in reply:
            break
        kwargs["nextToken"] = reply["nextToken"]
    assert pages >= 3
    assert len(seen) == len(set(seen))
    assert set(names) <= {arn.rsplit("/", 1)[1] for arn in seen}
    assert all(":eu-west-3:" in arn for arn in seen)


def test_clusters_are_scoped_by_region(client_factory: Any) -> None:
    name = unique("r")
    client_factory("ecs", region="ap-south-1").create_cluster(clusterName=name)
    other = client_factory("ecs", region="sa-east-1").describe_clusters(clusters=[name])
    assert other["clusters"] == []


def test_list_clusters_rejects_a_bad_token(ecs: Any) -> None:
    with pytest.raises(ClientError) as info:
        ecs.list_clusters(nextToken="not-a-token!!")
    assert info.value.response["Error"]["Code"] == "InvalidParameterException"


def test_delete_cluster(ecs: Any) -> None:
    name = unique("del")
    arn = ecs.create_cluster(clusterName=name)["cluster"]["clusterArn"]
    deleted = ecs.delete_cluster(cluster=name)["cluster"]
    assert deleted["status"] == "INACTIVE"
    assert arn not in ecs.list_clusters()["clusterArns"]
    assert ecs.describe_clusters(clusters=[arn])["clusters"][0]["status"] == "INACTIVE"
    with pytest.raises(ClientError) as info:
        ecs.delete_cluster(cluster=name)
    assert info.value.response["Error"]["Code"] == "ClusterNotFoundException"
    assert info.value.response["Error"]["Message"] == "Cluster not found."
    again = ecs.create_cluster(clusterName=name)["cluster"]
    assert again["status"] == "ACTIVE"


def test_cluster_tagging(ecs: Any) -> None:
    arn = ecs.create_cluster(clusterName=unique("tag"))["cluster"]["clusterArn"]
    ecs.tag_resource(resourceArn=arn, tags=[{"key": "k1", "value": "v1"}, {"key": "k2", "value": "v2"}])
    ecs.untag_resource(resourceArn=arn, tagKeys=["k1"])
    assert ecs.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "k2", "value": "v2"}]
    with pytest.raises(ClientError) as info:
        ecs.tag_resource(resourceArn=arn, tags=[{"key": "aws:x", "value": "1"}])
    assert info.value.response["Error"]["Code"] == "InvalidParameterException"
    with pytest.raises(ClientError) as info:
        ecs.list_tags_for_resource(resourceArn="arn:aws:ecs:us-east-1:000000000000:cluster/absent-xyz")
    assert info.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as info:
        ecs.list_tags_for_resource(resourceArn="not-an-arn")
    assert info.value.response["Error"]["Code"] == "InvalidParameterException"


def test_account_settings(ecs: Any) -> None:
    setting = ecs.put_account_setting_default(name="serviceLongArnFormat", value="enabled")["setting"]
    assert setting["name"] == "serviceLongArnFormat"
    assert setting["value"] == "enabled"
    ecs.put_account_setting(name="containerInsights", value="enabled")
    mine = ecs.list_account_settings(name="containerInsights")["settings"]
    assert [(s["name"], s["value"]) for s in mine] == [("containerInsights", "enabled")]
    effective = {
        s["name"]: s["value"]
        for s in ecs.list_account_settings(effectiveSettings=True, maxResults=10)["settings"]
    }
    assert effective["containerInsights"] == "enabled"
    with pytest.raises(ClientError) as info:
        ecs.put_account_setting_default(name="serviceLongArnFormat", value="sometimes")
    assert info.value.response["Error"]["Code"] == "InvalidParameterException"
