"""The Secrets Manager errors skiff raises, by modelled shape name, with AWS's own texts.

No message ever carries a secret value.
"""

from __future__ import annotations

from skiff.api.errors import AwsError

NOT_FOUND = "Secrets Manager can't find the specified secret."
MARKED_FOR_DELETION = "You can't perform this operation on the secret because it was marked for deletion."


def secret_not_found() -> AwsError:
    return AwsError(NOT_FOUND, code="ResourceNotFoundException")


def stage_not_found(stage: str) -> AwsError:
    return AwsError(
        f"Secrets Manager can't find the specified secret value for staging label: {stage}",
        code="ResourceNotFoundException",
    )


def version_not_found(version_id: str) -> AwsError:
    return AwsError(
        f"Secrets Manager can't find the specified secret value for VersionId: {version_id}",
        code="ResourceNotFoundException",
    )


def secret_exists(name: str) -> AwsError:
    return AwsError(
        f"The operation failed because the secret {name} already exists.", code="ResourceExistsException"
    )


def version_exists() -> AwsError:
    return AwsError(
        "You can't modify an existing version, you can only create a new version.",
        code="ResourceExistsException",
    )


def invalid_parameter(message: str) -> AwsError:
    return AwsError(message, code="InvalidParameterException")


def invalid_request(message: str) -> AwsError:
    return AwsError(message, code="InvalidRequestException")


def marked_for_deletion() -> AwsError:
    return invalid_request(MARKED_FOR_DELETION)


def invalid_next_token() -> AwsError:
    return AwsError("The NextToken value is invalid.", code="InvalidNextTokenException")
