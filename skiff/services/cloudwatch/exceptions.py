"""The CloudWatch errors skiff raises, by wire code (the model's error codes)."""

from __future__ import annotations

from skiff.api.errors import AwsError


def invalid_value(message: str) -> AwsError:
    return AwsError(message, code="InvalidParameterValue")


def bad_value(value: object, member: str) -> AwsError:
    """AWS's usual text for a value a member may not hold."""
    return invalid_value(f"The value {value} for parameter {member} is invalid.")


def combination(message: str) -> AwsError:
    return AwsError(message, code="InvalidParameterCombination")


def missing(message: str) -> AwsError:
    return AwsError(message, code="MissingParameter")


def validation(message: str) -> AwsError:
    return AwsError(message, code="ValidationError")


def not_found(message: str) -> AwsError:
    return AwsError(message, code="ResourceNotFound", status=404)


def resource_not_found(message: str) -> AwsError:
    return AwsError(message, code="ResourceNotFoundException", status=404)


def invalid_format(message: str) -> AwsError:
    return AwsError(message, code="InvalidFormat")


def bad_token() -> AwsError:
    return AwsError("The service cannot process the NextToken.", code="InvalidNextToken")


def limit_exceeded(message: str) -> AwsError:
    return AwsError(message, code="LimitExceeded")
