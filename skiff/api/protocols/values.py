"""Value conversions shared by the protocols: timestamps, blobs, numbers from text."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import math
from email.utils import format_datetime, parsedate_to_datetime

from skiff.api.errors import SerializationError


def parse_timestamp(value: object, where: str) -> dt.datetime:
    """Epoch seconds (number or numeric text), ISO 8601, or RFC 822 text -> aware UTC datetime."""
    if isinstance(value, bool):
        raise SerializationError(f"Expected a timestamp at '{where}'.")
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise SerializationError(f"Expected a timestamp at '{where}'.")
        try:
            return dt.datetime.fromtimestamp(value, dt.UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise SerializationError(f"Timestamp out of range at '{where}'.") from exc
    if isinstance(value, str):
        text = value.strip()
        try:
            return parse_timestamp(float(text), where)
        except (ValueError, SerializationError):
            pass
        try:
            parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            try:
                parsed = parsedate_to_datetime(text)
            except (TypeError, ValueError, IndexError) as exc:
                raise SerializationError(f"Invalid timestamp '{value}' at '{where}'.") from exc
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
        return parsed.astimezone(dt.UTC)
    raise SerializationError(f"Expected a timestamp at '{where}'.")


def epoch_seconds(value: dt.datetime) -> float | int:
    stamp = value.timestamp()
    return int(stamp) if stamp == int(stamp) else round(stamp, 3)


def iso8601(value: dt.datetime) -> str:
    value = value.astimezone(dt.UTC)
    if value.microsecond:
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc822(value: dt.datetime) -> str:
    return format_datetime(value.astimezone(dt.UTC), usegmt=True)


def decode_base64(value: object, where: str) -> bytes:
    if not isinstance(value, str):
        raise SerializationError(f"Expected base64 text at '{where}'.")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SerializationError(f"Invalid base64 at '{where}'.") from exc


def encode_base64(value: bytes | str) -> str:
    raw = value.encode() if isinstance(value, str) else value
    return base64.b64encode(raw).decode("ascii")


def parse_int_text(text: str, where: str) -> int:
    try:
        return int(text.strip())
    except ValueError as exc:
        raise SerializationError(f"Value '{text}' at '{where}' is not an integer.") from exc


def parse_float_text(text: str, where: str) -> float:
    try:
        value = float(text.strip())
    except ValueError as exc:
        raise SerializationError(f"Value '{text}' at '{where}' is not a number.") from exc
    return value


def parse_bool_text(text: str, where: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    raise SerializationError(f"Value '{text}' at '{where}' is not a boolean.")
