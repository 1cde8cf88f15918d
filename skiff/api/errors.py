"""AWS-shaped errors.

Every failure a client may see is an `AwsError`: a wire code (the modelled exception's shape
name, or a generic code such as `ValidationException`), a message, an HTTP status and whether
the sender is at fault. Protocol serializers turn it into the reply each protocol expects.
"""

from __future__ import annotations

from typing import Any


class AwsError(Exception):
    """An error reply. `code` is the exception shape name (or generic code) of the service."""

    code: str = "ClientException"
    status: int = 400
    sender_fault: bool = True

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        fields: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        # Extra members of the modelled exception shape (e.g. S3's BucketName).
        self.fields: dict[str, Any] = fields or {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code}: {self.message})"


def service_error(code: str, message: str, status: int = 400) -> AwsError:
    """A modelled exception of a service, by its shape name."""
    return AwsError(message, code=code, status=status)


class SerializationError(AwsError):
    """The body could not be read as the protocol's format, or a value has the wrong type."""

    code = "SerializationException"


class ValidationError(AwsError):
    """Input broke a constraint of the operation's input shape."""

    code = "ValidationException"


class UnknownOperationError(AwsError):
    code = "UnknownOperationException"


class MissingActionError(AwsError):
    code = "MissingAction"


class InvalidActionError(AwsError):
    code = "InvalidAction"


class NotImplementedOperationError(AwsError):
    """A modelled operation skiff does not serve yet: a client error, never a 5xx."""

    code = "UnsupportedOperation"


class RequestTooLargeError(AwsError):
    code = "RequestEntityTooLarge"
    status = 413


class InternalFailure(AwsError):
    """An unexpected fault inside skiff. The traceback goes to the log, never the reply."""

    code = "InternalFailure"
    status = 500
    sender_fault = False
