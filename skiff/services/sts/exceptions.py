"""The STS errors skiff raises, with STS's codes and texts.

`AccessDenied`, `ExpiredToken` and `ValidationError` are not modelled exception shapes; they
travel as they are. Modelled ones use their shape names (`PackedPolicyTooLargeException` ->
`PackedPolicyTooLarge`).
"""

from __future__ import annotations

from skiff.api.errors import AwsError


def access_denied(caller_arn: str, action: str, resource: str) -> AwsError:
    return AwsError(
        f"User: {caller_arn} is not authorized to perform: {action} on resource: {resource}",
        code="AccessDenied",
        status=403,
    )


def expired_token() -> AwsError:
    return AwsError("The security token included in the request is expired", code="ExpiredToken", status=403)


def validation_error(message: str) -> AwsError:
    return AwsError(message, code="ValidationError")


def packed_policy_too_large(percent: int) -> AwsError:
    return AwsError(
        f"Packed policy consumes {percent}% of allotted space, please use smaller policy.",
        code="PackedPolicyTooLargeException",
    )
