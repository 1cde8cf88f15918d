"""The errors a signature check or a policy decision answers with, as AWS writes them per protocol.

JSON (and CBOR) services say `UnrecognizedClientException`, `InvalidSignatureException`,
`ExpiredTokenException`, `AccessDeniedException`; query services (IAM, STS, ELBv2) say
`InvalidClientTokenId`, `SignatureDoesNotMatch`, `ExpiredToken`, `AccessDenied`; EC2 says
`AuthFailure`, `RequestExpired`, `UnauthorizedOperation`; S3 has its own codes and texts.
"""

from __future__ import annotations

import datetime as dt

from skiff.api.errors import AwsError

SIGNATURE_TEXT = (
    "The request signature we calculated does not match the signature you provided. Check your AWS "
    "Secret Access Key and signing method. Consult the service documentation for details."
)
S3_SIGNATURE_TEXT = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your key and signing method."
)
INVALID_TOKEN_TEXT = "The security token included in the request is invalid."
EXPIRED_TOKEN_TEXT = "The security token included in the request is expired"
SKEW_MINUTES = 15
S3 = "rest-xml"
QUERY_LIKE = ("query", "ec2")


def _fmt(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def unknown_key(protocol: str) -> AwsError:
    if protocol == S3:
        return AwsError(
            "The AWS Access Key Id you provided does not exist in our records.",
            code="InvalidAccessKeyId",
            status=403,
        )
    if protocol == "ec2":
        return AwsError(
            "AWS was not able to validate the provided access credentials", code="AuthFailure", status=401
        )
    if protocol in QUERY_LIKE:
        return AwsError(INVALID_TOKEN_TEXT, code="InvalidClientTokenId", status=403)
    return AwsError(INVALID_TOKEN_TEXT, code="UnrecognizedClientException", status=400)


def invalid_token(protocol: str) -> AwsError:
    """A session token that does not belong to the temporary key it came with."""
    if protocol == S3:
        return AwsError(
            "The provided token is malformed or otherwise invalid.", code="InvalidToken", status=400
        )
    return unknown_key(protocol)


def bad_signature(protocol: str) -> AwsError:
    if protocol == S3:
        return AwsError(S3_SIGNATURE_TEXT, code="SignatureDoesNotMatch", status=403)
    if protocol in QUERY_LIKE:
        return AwsError(SIGNATURE_TEXT, code="SignatureDoesNotMatch", status=403)
    return AwsError(SIGNATURE_TEXT, code="InvalidSignatureException", status=400)


def expired_token(protocol: str) -> AwsError:
    if protocol == S3:
        return AwsError("The provided token has expired.", code="ExpiredToken", status=400)
    if protocol in QUERY_LIKE:
        return AwsError(EXPIRED_TOKEN_TEXT, code="ExpiredToken", status=403)
    return AwsError(EXPIRED_TOKEN_TEXT, code="ExpiredTokenException", status=400)


def skewed(protocol: str, signed_at: dt.datetime, now: dt.datetime) -> AwsError:
    """The request's time is more than 15 minutes from the server's."""
    if protocol == S3:
        return AwsError(
            "The difference between the request time and the current time is too large.",
            code="RequestTimeTooSkewed",
            status=403,
            fields={
                "RequestTime": _fmt(signed_at),
                "ServerTime": _fmt(now),
                "MaxAllowedSkewMilliseconds": "900000",
            },
        )
    if protocol == "ec2":
        return AwsError("Request has expired.", code="RequestExpired", status=400)
    window = dt.timedelta(minutes=SKEW_MINUTES)
    if signed_at < now:
        message = (
            f"Signature expired: {_fmt(signed_at)} is now earlier than {_fmt(now - window)} "
            f"({_fmt(now)} - {SKEW_MINUTES} min.)"
        )
    else:
        message = (
            f"Signature not yet current: {_fmt(signed_at)} is still later than {_fmt(now + window)} "
            f"({_fmt(now)} + {SKEW_MINUTES} min.)"
        )
    if protocol == "query":
        return AwsError(message, code="SignatureDoesNotMatch", status=403)
    return AwsError(message, code="InvalidSignatureException", status=400)


def presign_expired(protocol: str, expired_at: dt.datetime, now: dt.datetime) -> AwsError:
    if protocol == S3:
        return AwsError(
            "Request has expired",
            code="AccessDenied",
            status=403,
            fields={"X-Amz-Expires": None, "Expires": _fmt(expired_at), "ServerTime": _fmt(now)},
        )
    if protocol in QUERY_LIKE:
        return AwsError("Request has expired.", code="RequestExpired", status=400)
    return AwsError(
        f"Signature expired: {_fmt(expired_at)} is now earlier than {_fmt(now)}",
        code="InvalidSignatureException",
        status=400,
    )


def malformed(protocol: str, detail: str, *, presigned: bool) -> AwsError:
    if protocol == S3:
        if presigned:
            return AwsError(detail, code="AuthorizationQueryParametersError", status=400)
        return AwsError(
            f"The authorization header is malformed; {detail}",
            code="AuthorizationHeaderMalformed",
            status=400,
        )
    if protocol in QUERY_LIKE:
        return AwsError(detail, code="IncompleteSignature", status=400)
    return AwsError(detail, code="IncompleteSignatureException", status=400)


def missing_authentication(protocol: str) -> AwsError:
    if protocol == S3:
        return AwsError("Access Denied", code="AccessDenied", status=403)
    if protocol in QUERY_LIKE:
        return AwsError(
            "Request is missing Authentication Token", code="MissingAuthenticationToken", status=403
        )
    return AwsError("Missing Authentication Token", code="MissingAuthenticationTokenException", status=400)


def access_denied(protocol: str, message: str) -> AwsError:
    if protocol == S3:
        return AwsError(message, code="AccessDenied", status=403)
    if protocol == "ec2":
        return AwsError(
            f"You are not authorized to perform this operation. {message}",
            code="UnauthorizedOperation",
            status=403,
        )
    if protocol == "query":
        return AwsError(message, code="AccessDenied", status=403)
    return AwsError(message, code="AccessDeniedException", status=400)
