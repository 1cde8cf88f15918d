"""Scalable targets through boto3: register, re-register (update), describe with filters and
pages, deregister (its policies and scheduled actions go with it), tags, and AWS's errors."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.api.application_autoscaling.conftest import DIMENSION, target_args


def error_of(call: Any, **params: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(**params)
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


def test_register_describe_update_deregister(aas: Any, resource_id: str) -> None:
    arn = aas.register_scalable_target(**target_args(resource_id), MinCapacity=0, MaxCapacity=4)[
        "ScalableTargetARN"
    ]
    assert arn.startswith("arn:aws:application-autoscaling:eu-north-1:000000000000:scalable-target/")
    (target,) = aas.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[resource_id])[
        "ScalableTargets"
    ]
    assert (target["MinCapacity"], target["MaxCapacity"], target["ScalableTargetARN"]) == (0, 4, arn)
    assert target["RoleARN"].endswith(
        "role/aws-service-role/ecs.application-autoscaling.amazonaws.com/"
        "AWSServiceRoleForApplicationAutoScaling_ECSService"
    )
    assert target["SuspendedState"] == {
        "DynamicScalingInSuspended": False,
        "DynamicScalingOutSuspended": False,
        "ScheduledScalingSuspended": False,
    }
    # re-registering updates only what is given, and keeps the ARN
    again = aas.register_scalable_target(
        **target_args(resource_id), MaxCapacity=6, SuspendedState={"DynamicScalingInSuspended": True}
    )
    assert again["ScalableTargetARN"] == arn
    (target,) = aas.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[resource_id])[
        "ScalableTargets"
    ]
    assert (target["MinCapacity"], target["MaxCapacity"]) == (0, 6)
    assert target["SuspendedState"]["DynamicScalingInSuspended"] is True
    aas.deregister_scalable_target(**target_args(resource_id))
    assert (
        aas.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[resource_id])["ScalableTargets"]
        == []
    )
    code, message = error_of(aas.deregister_scalable_target, **target_args(resource_id))
    assert code == "ObjectNotFoundException"
    assert message == (
        f"No scalable target registered for service namespace: ecs, resource ID: {resource_id}, "
        f"scalable dimension: {DIMENSION}"
    )


def test_register_errors(aas: Any, resource_id: str) -> None:
    code, message = error_of(
        aas.register_scalable_target, **target_args("service/nowhere/nothing"), MinCapacity=1, MaxCapacity=2
    )
    assert (code, message) == ("ValidationException", "ECS service doesn't exist: service/nowhere/nothing")
    code, message = error_of(
        aas.register_scalable_target, **target_args(resource_id), MinCapacity=3, MaxCapacity=2
    )
    assert (code, message) == (
        "ValidationException",
        "Minimum capacity cannot be greater than maximum capacity",
    )
    code, _ = error_of(aas.register_scalable_target, **target_args(resource_id), MinCapacity=1)
    assert code == "ValidationException"
    code, message = error_of(
        aas.register_scalable_target,
        ServiceNamespace="ecs",
        ResourceId=resource_id,
        ScalableDimension="dynamodb:table:ReadCapacityUnits",
        MinCapacity=1,
        MaxCapacity=2,
    )
    assert (code, message) == (
        "ValidationException",
        "Unsupported service namespace, resource type or scalable dimension",
    )
    code, _ = error_of(
        aas.register_scalable_target,
        ServiceNamespace="dynamodb",
        ResourceId="table/t",
        ScalableDimension="dynamodb:table:ReadCapacityUnits",
        MinCapacity=1,
        MaxCapacity=2,
    )
    assert code == "ValidationException"
    code, message = error_of(aas.describe_scalable_targets, ServiceNamespace="ecs", MaxResults=51)
    assert code == "ValidationException" and "less than or equal to 50" in message
    code, _ = error_of(aas.describe_scalable_targets, ServiceNamespace="ecs", NextToken="garbage!")
    assert code == "InvalidNextTokenException"


def test_describe_pages(aas: Any, regional_ecs: Any, client_factory: Any) -> None:
    from tests.api.application_autoscaling.conftest import make_service

    ids = sorted(make_service(regional_ecs, client_factory, "aas-pages") for _ in range(3))
    for rid in ids:
        aas.register_scalable_target(**target_args(rid), MinCapacity=0, MaxCapacity=1)
    seen: list[str] = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"ServiceNamespace": "ecs", "ResourceIds": ids, "MaxResults": 2}
        if token:
            kwargs["NextToken"] = token
        reply = aas.describe_scalable_targets(**kwargs)
        seen += [t["ResourceId"] for t in reply["ScalableTargets"]]
        token = reply.get("NextToken")
        if not token:
            break
    assert seen == ids


def test_tags(aas: Any, resource_id: str, client_factory: Any) -> None:
    arn = aas.register_scalable_target(
        **target_args(resource_id), MinCapacity=0, MaxCapacity=2, Tags={"team": "web"}
    )["ScalableTargetARN"]
    assert aas.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"team": "web"}
    aas.tag_resource(ResourceARN=arn, Tags={"env": "test"})
    aas.untag_resource(ResourceARN=arn, TagKeys=["team"])
    assert aas.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"env": "test"}
    missing = arn[:-4] + "ffff" if not arn.endswith("ffff") else arn[:-4] + "eeee"
    with pytest.raises(ClientError) as caught:
        aas.list_tags_for_resource(ResourceARN=missing)
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert caught.value.response["ResourceName"] == missing
    # an existing key takes the new value; another region (or account) does not see the target
    aas.tag_resource(ResourceARN=arn, Tags={"env": "prod"})
    assert aas.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"env": "prod"}
    elsewhere = client_factory("application-autoscaling", region="eu-west-3")
    for call, extra in (
        (elsewhere.list_tags_for_resource, {}),
        (elsewhere.tag_resource, {"Tags": {"x": "y"}}),
        (elsewhere.untag_resource, {"TagKeys": ["env"]}),
    ):
        code, _ = error_of(call, ResourceARN=arn, **extra)
        assert code == "ResourceNotFoundException"
    assert aas.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"env": "prod"}
