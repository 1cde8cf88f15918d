"""The S3 errors skiff raises, with S3's codes, statuses, texts and extra error-body fields.

Most of S3's error codes are not modelled as shapes (or are modelled without a status), so every
error names its HTTP status itself. Errors other parts of skiff catch by type (the ECS task
runtime reads environment files through `ObjectBackend.get_object_bytes`) are classes:
`BucketNotFound`, `ObjectNotFound` and `BodyCorrupted`; the rest are built by functions.
"""

from __future__ import annotations

from typing import Any

from skiff.api.errors import AwsError


class S3Error(AwsError):
    """Any S3 error reply."""


class BucketNotFound(S3Error):
    """The bucket does not exist (or is not this account's)."""

    def __init__(self, bucket: str) -> None:
        super().__init__(
            "The specified bucket does not exist",
            code="NoSuchBucket",
            status=404,
            fields={"BucketName": bucket},
        )
        self.bucket = bucket


class ObjectNotFound(S3Error):
    """The bucket exists but holds no object under the key."""

    def __init__(self, bucket: str, key: str) -> None:
        super().__init__(
            "The specified key does not exist.", code="NoSuchKey", status=404, fields={"Key": key}
        )
        self.bucket = bucket
        self.key = key


class BodyCorrupted(S3Error):
    """An object's bytes on disk no longer match the digests recorded when it was written.

    A server fault, not the client's: the reply is S3's 500 `InternalError`; the details go to
    the log, never into the reply."""

    sender_fault = False

    def __init__(self, detail: str) -> None:
        super().__init__(
            "We encountered an internal error. Please try again.", code="InternalError", status=500
        )
        self.detail = detail


def s3_error(code: str, message: str, status: int = 400, **fields: Any) -> S3Error:
    return S3Error(message, code=code, status=status, fields=fields)


def no_such_upload(upload_id: str) -> S3Error:
    return s3_error(
        "NoSuchUpload",
        "The specified upload does not exist. The upload ID may be invalid, or the upload may have "
        "been aborted or completed.",
        404,
        UploadId=upload_id,
    )


def invalid_argument(message: str, name: str | None = None, value: Any = None) -> S3Error:
    fields: dict[str, Any] = {}
    if name is not None:
        fields = {"ArgumentName": name, "ArgumentValue": value}
    return s3_error("InvalidArgument", message, 400, **fields)


def invalid_request(message: str) -> S3Error:
    return s3_error("InvalidRequest", message)


def malformed_xml() -> S3Error:
    return s3_error(
        "MalformedXML",
        "The XML you provided was not well-formed or did not validate against our published schema",
    )


def precondition_failed(condition: str) -> S3Error:
    return s3_error(
        "PreconditionFailed",
        "At least one of the pre-conditions you specified did not hold",
        412,
        Condition=condition,
    )


def not_modified() -> S3Error:
    return s3_error("NotModified", "Not Modified", 304)


def access_denied() -> S3Error:
    return s3_error("AccessDenied", "Access Denied", 403)
