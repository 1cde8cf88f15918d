"""The IAM errors skiff raises, by modelled shape name, with IAM's own texts.

The query protocol writes each shape name as IAM's wire code and status
(`NoSuchEntityException` -> `NoSuchEntity`, 404).
"""

from __future__ import annotations

from skiff.api.errors import AwsError


def no_such_entity(message: str) -> AwsError:
    return AwsError(message, code="NoSuchEntityException")


def role_not_found(name: str) -> AwsError:
    return no_such_entity(f"The role with name {name} cannot be found.")


def role_policy_not_found(name: str) -> AwsError:
    return no_such_entity(f"The role policy with name {name} cannot be found.")


def policy_not_found(arn: str) -> AwsError:
    return no_such_entity(f"Policy {arn} was not found.")


def policy_not_attachable(arn: str) -> AwsError:
    return no_such_entity(f"Policy {arn} does not exist or is not attachable.")


def policy_version_not_found(arn: str, version_id: str) -> AwsError:
    return no_such_entity(f"Policy {arn} version {version_id} does not exist or is not attachable.")


def already_exists(message: str) -> AwsError:
    return AwsError(message, code="EntityAlreadyExistsException")


def malformed_policy(message: str) -> AwsError:
    return AwsError(message, code="MalformedPolicyDocumentException")


def invalid_input(message: str) -> AwsError:
    return AwsError(message, code="InvalidInputException")


def invalid_arn(arn: str) -> AwsError:
    return invalid_input(f"ARN {arn} is not valid.")


def invalid_marker() -> AwsError:
    return invalid_input("Invalid Marker.")


def limit_exceeded(message: str) -> AwsError:
    return AwsError(message, code="LimitExceededException")


def quota(name: str, value: int) -> AwsError:
    return limit_exceeded(f"Cannot exceed quota for {name}: {value}")


def delete_conflict(message: str) -> AwsError:
    return AwsError(message, code="DeleteConflictException")


def access_denied(message: str) -> AwsError:
    """Not modelled by IAM; the wire code is `AccessDenied`, 403."""
    return AwsError(message, code="AccessDenied", status=403)


def user_not_found(name: str) -> AwsError:
    return no_such_entity(f"The user with name {name} cannot be found.")


def group_not_found(name: str) -> AwsError:
    return no_such_entity(f"The group with name {name} cannot be found.")


def access_key_not_found(key_id: str) -> AwsError:
    return no_such_entity(f"The Access Key with id {key_id} cannot be found.")


def entity_policy_not_found(kind: str, name: str) -> AwsError:
    return no_such_entity(f"The {kind} policy with name {name} cannot be found.")
