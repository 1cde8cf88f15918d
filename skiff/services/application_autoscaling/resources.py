"""What a (namespace, resource id, dimension) triple names, with AWS's errors, and the ARNs of
targets, policies and scheduled actions.

Only `ecs` / `service/<cluster>/<service>` / `ecs:service:DesiredCount` is a resource skiff has;
the other namespaces' triples are read as the model allows and refused as AWS refuses a resource
it does not know.
"""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass

from skiff.api.errors import AwsError
from skiff.state.autoscaling import ECS_DIMENSION
from skiff.state.scope import Scope

ECS_RESOURCE = re.compile(r"^service/([^/]+)/([^/]+)$")
ECS_ROLE = (
    "arn:aws:iam::{account}:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/"
    "AWSServiceRoleForApplicationAutoScaling_ECSService"
)


def validation(message: str) -> AwsError:
    return AwsError(message, code="ValidationException")


def not_found(message: str) -> AwsError:
    return AwsError(message, code="ObjectNotFoundException")


def unsupported() -> AwsError:
    return validation("Unsupported service namespace, resource type or scalable dimension")


@dataclass(frozen=True)
class Resource:
    """An ECS service as a scalable resource."""

    namespace: str
    resource_id: str
    dimension: str
    cluster: str
    service: str

    def no_target(self) -> AwsError:
        return not_found(
            f"No scalable target registered for service namespace: {self.namespace}, resource ID: "
            f"{self.resource_id}, scalable dimension: {self.dimension}"
        )

    @property
    def arn_part(self) -> str:
        """`resource/ecs/service/c/s` as policy and scheduled action ARNs carry it."""
        return f"resource/{self.namespace}/{self.resource_id}"


def resource_of(namespace: str, resource_id: str, dimension: str) -> Resource:
    """The resource a request names, or AWS's ValidationException."""
    if namespace != "ecs" or dimension != ECS_DIMENSION:
        raise unsupported()
    match = ECS_RESOURCE.match(resource_id)
    if match is None:
        raise unsupported()
    return Resource(namespace, resource_id, dimension, match.group(1), match.group(2))


def check_dimension_filter(namespace: str, dimension: str | None) -> None:
    """A Describe* filter's ScalableDimension must belong to the namespace."""
    if dimension is not None and dimension.split(":", 1)[0] != namespace:
        raise unsupported()


def target_arn(scope: Scope) -> str:
    suffix = secrets.token_hex(18)  # 36 hex digits, as AWS's
    return f"arn:aws:application-autoscaling:{scope.region}:{scope.account}:scalable-target/{suffix}"


def policy_arn(scope: Scope, resource: Resource, name: str) -> str:
    return (
        f"arn:aws:autoscaling:{scope.region}:{scope.account}:scalingPolicy:{uuid.uuid4()}:"
        f"{resource.arn_part}:policyName/{name}"
    )


def policy_of_action(action: str) -> str:
    """The policy ARN an alarm action names: AWS's target tracking alarms name it with a
    `:createdBy/<uuid>` suffix, users' step alarms without."""
    return action.split(":createdBy/", 1)[0]


def scheduled_arn(scope: Scope, resource: Resource, name: str) -> str:
    return (
        f"arn:aws:autoscaling:{scope.region}:{scope.account}:scheduledAction:{uuid.uuid4()}:"
        f"{resource.arn_part}:scheduledActionName/{name}"
    )


def default_role(scope: Scope) -> str:
    return ECS_ROLE.format(account=scope.account)
