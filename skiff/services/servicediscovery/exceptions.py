"""The Cloud Map errors skiff raises, by modelled shape name."""

from __future__ import annotations

from skiff.api.errors import AwsError


def invalid_input(message: str) -> AwsError:
    return AwsError(message, code="InvalidInput")


def namespace_not_found(namespace_id: str) -> AwsError:
    return AwsError(f"Namespace not found: {namespace_id}", code="NamespaceNotFound", status=404)


def service_not_found(service_id: str) -> AwsError:
    return AwsError(f"Service not found: {service_id}", code="ServiceNotFound", status=404)


def instance_not_found(instance_id: str) -> AwsError:
    return AwsError(f"Instance not found: {instance_id}", code="InstanceNotFound", status=404)


def operation_not_found(operation_id: str) -> AwsError:
    return AwsError(f"Operation not found: {operation_id}", code="OperationNotFound", status=404)


def resource_not_found(arn: str) -> AwsError:
    return AwsError(f"Resource not found: {arn}", code="ResourceNotFoundException", status=404)


def resource_in_use(message: str) -> AwsError:
    return AwsError(message, code="ResourceInUse", status=409)


def custom_health_not_found(service_id: str) -> AwsError:
    return AwsError(
        f"The service {service_id} has no custom health check (HealthCheckCustomConfig).",
        code="CustomHealthNotFound",
        status=404,
    )


def namespace_exists(name: str, namespace_id: str, creator_request_id: str | None) -> AwsError:
    return AwsError(
        f"Namespace with name {name} already exists.",
        code="NamespaceAlreadyExists",
        fields={"NamespaceId": namespace_id, "CreatorRequestId": creator_request_id},
    )


def service_exists(name: str, service_id: str, arn: str, creator_request_id: str | None) -> AwsError:
    return AwsError(
        f"Service with name {name} already exists.",
        code="ServiceAlreadyExists",
        fields={"ServiceId": service_id, "ServiceArn": arn, "CreatorRequestId": creator_request_id},
    )


def too_many_tags(arn: str) -> AwsError:
    return AwsError(
        "The resource can have at most 50 tags.", code="TooManyTagsException", fields={"ResourceName": arn}
    )


def limit_exceeded(message: str) -> AwsError:
    return AwsError(message, code="ResourceLimitExceeded")


def bad_token() -> AwsError:
    return invalid_input("The NextToken is not valid.")
