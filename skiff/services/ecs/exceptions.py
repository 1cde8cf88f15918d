"""The ECS exceptions skiff raises, named as in the ECS model, with AWS's own texts."""

from __future__ import annotations

from skiff.api.errors import AwsError


def client_error(message: str) -> AwsError:
    return AwsError(message, code="ClientException")


def invalid_parameter(message: str) -> AwsError:
    return AwsError(message, code="InvalidParameterException")


def cluster_not_found() -> AwsError:
    return AwsError("Cluster not found.", code="ClusterNotFoundException")


def cluster_contains_services() -> AwsError:
    return AwsError(
        "The Cluster cannot be deleted while Services are active.",
        code="ClusterContainsServicesException",
    )


def cluster_contains_tasks() -> AwsError:
    return AwsError(
        "The Cluster cannot be deleted while Tasks are active.",
        code="ClusterContainsTasksException",
    )


def resource_not_found(message: str) -> AwsError:
    return AwsError(message, code="ResourceNotFoundException")


def invalid_token() -> AwsError:
    return invalid_parameter("Invalid token")
