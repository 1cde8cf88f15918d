"""The ACM errors skiff raises, by modelled shape name, with ACM's texts."""

from __future__ import annotations

from skiff.api.errors import AwsError


def not_found(arn: str) -> AwsError:
    return AwsError(f"Could not find certificate {arn}.", code="ResourceNotFoundException")


def invalid_arn(arn: str) -> AwsError:
    return AwsError(f"String '{arn}' is not a valid ARN.", code="InvalidArnException")


def in_use(arn: str, account: str) -> AwsError:
    return AwsError(f"Certificate {arn} in account {account} is in use.", code="ResourceInUseException")


def validation(message: str) -> AwsError:
    return AwsError(message, code="ValidationException")


def invalid_parameter(message: str) -> AwsError:
    return AwsError(message, code="InvalidParameterException")


def invalid_domain(message: str) -> AwsError:
    return AwsError(message, code="InvalidDomainValidationOptionsException")


def invalid_tag(message: str) -> AwsError:
    return AwsError(message, code="InvalidTagException")


def too_many_tags() -> AwsError:
    return AwsError("A certificate can have at most 50 tags.", code="TooManyTagsException")


def invalid_args(message: str) -> AwsError:
    return AwsError(message, code="InvalidArgsException")


def invalid_state(message: str) -> AwsError:
    return AwsError(message, code="InvalidStateException")
