"""The CloudWatch Logs errors skiff raises, by modelled shape name, with AWS's texts."""

from __future__ import annotations

from skiff.api.errors import AwsError


def invalid_parameter(message: str) -> AwsError:
    return AwsError(message, code="InvalidParameterException")


def group_not_found() -> AwsError:
    return AwsError("The specified log group does not exist.", code="ResourceNotFoundException")


def stream_not_found() -> AwsError:
    return AwsError("The specified log stream does not exist.", code="ResourceNotFoundException")


def group_exists() -> AwsError:
    return AwsError("The specified log group already exists", code="ResourceAlreadyExistsException")


def stream_exists() -> AwsError:
    return AwsError("The specified log stream already exists", code="ResourceAlreadyExistsException")


def bad_token() -> AwsError:
    return invalid_parameter("The specified nextToken is invalid.")


def too_many_tags() -> AwsError:
    return AwsError("A resource can have no more than 50 tags.", code="TooManyTagsException")


def deletion_protected(name: str) -> AwsError:
    return AwsError(
        f"Log group {name} has deletion protection enabled and cannot be deleted.",
        code="OperationAbortedException",
    )


def resource_not_found() -> AwsError:
    return AwsError("The specified resource does not exist.", code="ResourceNotFoundException")
