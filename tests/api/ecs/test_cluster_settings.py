"""ECS cluster settings through real boto3 and the aws CLI: UpdateClusterSettings, UpdateCluster
(settings, configuration, Service Connect defaults) and the containerInsights account setting as
the default of new clusters. Each test acts in a region of its own: account settings are
per region, and other tests set them in us-east-1."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import CliResult


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def insights(cluster: dict[str, Any]) -> str | None:
    return next((s["value"] for s in cluster.get("settings", []) if s["name"] == "containerInsights"), None)


def test_update_cluster_settings_turns_on_enhanced(client_factory: Any) -> None:
    ecs = client_factory("ecs", region="eu-north-1")
    name = unique("cs")
    created = ecs.create_cluster(clusterName=name)["cluster"]
    assert created["settings"] == [{"name": "containerInsights", "value": "disabled"}]
    updated = ecs.update_cluster_settings(
        cluster=name, settings=[{"name": "containerInsights", "value": "enhanced"}]
    )["cluster"]
    assert updated["clusterName"] == name
    assert updated["status"] == "ACTIVE"
    assert updated["settings"] == [{"name": "containerInsights", "value": "enhanced"}]
    assert updated["tags"] == [] and updated["statistics"] == []
    described = ecs.describe_clusters(clusters=[created["clusterArn"]], include=["SETTINGS"])["clusters"][0]
    assert described["settings"] == [{"name": "containerInsights", "value": "enhanced"}]
    plain = ecs.describe_clusters(clusters=[name])["clusters"][0]
    assert "settings" not in plain  # only with include=SETTINGS, as in ECS


def test_update_cluster_settings_errors(client_factory: Any) -> None:
    ecs = client_factory("ecs", region="eu-north-1")
    name = unique("cserr")
    ecs.create_cluster(clusterName=name)
    with pytest.raises(ClientError) as info:
        ecs.update_cluster_settings(cluster=name, settings=[{"name": "containerInsights", "value": "on"}])
    assert info.value.response["Error"] == {
        "Code": "InvalidParameterException",
        "Message": "Invalid setting 'value'",
    }
    with pytest.raises(ClientError) as info:
        ecs.update_cluster_settings(cluster=name, settings=[{"name": "containerInsights"}])
    assert info.value.response["Error"]["Code"] == "InvalidParameterException"
    with pytest.raises(ClientError) as info:
        ecs.update_cluster_settings(cluster=name, settings=[{"name": "bogus", "value": "enabled"}])
    # the model's enum: refused by the gateway's input validation, as for every ECS enum
    assert (
        "Member must satisfy enum value set: [containerInsights]" in info.value.response["Error"]["Message"]
    )
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    for missing in ("absent-" + name, f"arn:aws:ecs:eu-north-1:000000000000:cluster/absent-{name}"):
        with pytest.raises(ClientError) as info:
            ecs.update_cluster_settings(
                cluster=missing, settings=[{"name": "containerInsights", "value": "enabled"}]
            )
        assert info.value.response["Error"] == {
            "Code": "ClusterNotFoundException",
            "Message": "Cluster not found.",
        }
    ecs.delete_cluster(cluster=name)
    with pytest.raises(ClientError) as info:  # an INACTIVE cluster is not found either
        ecs.update_cluster_settings(
            cluster=name, settings=[{"name": "containerInsights", "value": "enabled"}]
        )
    assert info.value.response["Error"]["Code"] == "ClusterNotFoundException"
    # nothing was changed by the refused calls
    assert insights(ecs.describe_clusters(clusters=[name], include=["SETTINGS"])["clusters"][0]) == "disabled"


def test_update_cluster_sets_configuration_and_service_connect(client_factory: Any) -> None:
    ecs = client_factory("ecs", region="eu-north-1")
    cloudmap = client_factory("servicediscovery", region="eu-north-1")
    name = unique("uc")
    ecs.create_cluster(clusterName=name, settings=[{"name": "containerInsights", "value": "enabled"}])
    configuration = {
        "executeCommandConfiguration": {
            "logging": "OVERRIDE",
            "logConfiguration": {"cloudWatchLogGroupName": "/exec", "cloudWatchEncryptionEnabled": False},
        }
    }
    space = unique("ns")
    updated = ecs.update_cluster(
        cluster=name, configuration=configuration, serviceConnectDefaults={"namespace": space}
    )["cluster"]
    assert updated["configuration"] == configuration
    # a new name becomes an HTTP namespace in Cloud Map; the cluster keeps its ARN
    (created,) = [n for n in cloudmap.list_namespaces()["Namespaces"] if n["Name"] == space]
    assert created["Type"] == "HTTP"
    assert updated["serviceConnectDefaults"] == {"namespace": created["Arn"]}
    assert updated["settings"] == [{"name": "containerInsights", "value": "enabled"}]  # untouched
    updated = ecs.update_cluster(cluster=name, settings=[{"name": "containerInsights", "value": "disabled"}])[
        "cluster"
    ]
    assert updated["settings"] == [{"name": "containerInsights", "value": "disabled"}]
    assert updated["configuration"] == configuration  # untouched by a settings-only update
    described = ecs.describe_clusters(clusters=[name], include=["CONFIGURATIONS"])["clusters"][0]
    assert described["configuration"] == configuration
    assert described["serviceConnectDefaults"] == {"namespace": created["Arn"]}
    # the same name again, or the ARN, is the same namespace; another cluster can share it
    again = ecs.create_cluster(
        clusterName=unique("uc2"), serviceConnectDefaults={"namespace": created["Arn"]}
    )
    assert again["cluster"]["serviceConnectDefaults"] == {"namespace": created["Arn"]}
    ecs.update_cluster(cluster=name, serviceConnectDefaults={"namespace": space})
    assert len([n for n in cloudmap.list_namespaces()["Namespaces"] if n["Name"] == space]) == 1
    cleared = ecs.update_cluster(cluster=name, serviceConnectDefaults={"namespace": ""})["cluster"]
    assert "serviceConnectDefaults" not in cleared
    absent = created["Arn"].rsplit("/", 1)[0] + "/ns-doesnotexist1234"
    with pytest.raises(ClientError) as info:
        ecs.update_cluster(cluster=name, serviceConnectDefaults={"namespace": absent})
    assert info.value.response["Error"]["Code"] == "NamespaceNotFoundException"
    with pytest.raises(ClientError) as info:
        ecs.update_cluster(cluster=name, serviceConnectDefaults={"namespace": "a/b"})
    assert info.value.response["Error"]["Code"] == "InvalidParameterException"
    with pytest.raises(ClientError) as info:
        ecs.update_cluster(
            cluster="absent-" + name, settings=[{"name": "containerInsights", "value": "enabled"}]
        )
    assert info.value.response["Error"]["Code"] == "ClusterNotFoundException"
    with pytest.raises(ClientError) as info:
        ecs.update_cluster(cluster=name, settings=[{"name": "containerInsights", "value": "ENHANCED"}])
    assert info.value.response["Error"]["Message"] == "Invalid setting 'value'"


def test_account_setting_is_the_default_of_new_clusters(client_factory: Any) -> None:
    ecs = client_factory("ecs", region="ca-west-1")
    assert insights(ecs.create_cluster(clusterName=unique("acct"))["cluster"]) == "disabled"
    ecs.put_account_setting_default(name="containerInsights", value="enabled")
    assert insights(ecs.create_cluster(clusterName=unique("acct"))["cluster"]) == "enabled"
    ecs.put_account_setting(name="containerInsights", value="enhanced")  # the caller's own wins
    made = ecs.create_cluster(clusterName=unique("acct"))["cluster"]
    assert made["settings"] == [{"name": "containerInsights", "value": "enhanced"}]
    explicit = ecs.create_cluster(
        clusterName=unique("acct"), settings=[{"name": "containerInsights", "value": "disabled"}]
    )["cluster"]
    assert insights(explicit) == "disabled"  # a value given at creation overrides the account's
    ecs.delete_account_setting(name="containerInsights")
    assert insights(ecs.create_cluster(clusterName=unique("acct"))["cluster"]) == "enabled"
    # existing clusters keep what they were created with
    assert insights(
        ecs.describe_clusters(clusters=[made["clusterArn"]], include=["SETTINGS"])["clusters"][0]
    ) == ("enhanced")
    ecs.put_account_setting_default(name="containerInsights", value="disabled")


def test_update_cluster_settings_with_the_aws_cli(aws: Callable[..., CliResult], client_factory: Any) -> None:
    name = unique("cli")
    client_factory("ecs").create_cluster(clusterName=name)
    out = aws(
        "ecs",
        "update-cluster-settings",
        "--cluster",
        name,
        "--settings",
        "name=containerInsights,value=enhanced",
    )
    assert json.loads(out.stdout)["cluster"]["settings"] == [
        {"name": "containerInsights", "value": "enhanced"}
    ]
    bad = aws(
        "ecs",
        "update-cluster",
        "--cluster",
        name,
        "--settings",
        "name=containerInsights,value=maybe",
        check=False,
    )
    assert bad.returncode != 0
    assert "InvalidParameterException" in bad.stderr and "Invalid setting 'value'" in bad.stderr
