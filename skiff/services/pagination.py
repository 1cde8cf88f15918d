"""Opaque `nextToken` values for list operations.

A token records the sort key of the last item returned. Tokens are base64url JSON; a token that
does not decode is a client error raised by the caller with its service's exception.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")


class BadToken(ValueError):
    """The token was not one skiff issued."""


def encode_token(position: Any) -> str:
    raw = json.dumps({"after": position}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_token(token: str) -> Any:
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (binascii.Error, ValueError, UnicodeError) as exc:
        raise BadToken(token) from exc
    if not isinstance(data, dict) or "after" not in data:
        raise BadToken(token)
    return data["after"]


def paginate(
    items: Sequence[T],
    key: Callable[[T], Any],
    max_results: int,
    next_token: str | None,
    *,
    descending: bool = False,
) -> tuple[list[T], str | None]:
    """The page of `items` (sorted by `key`, descending if so) after the token, and the next token."""
    start = 0
    if next_token:
        after = decode_token(next_token)
        if isinstance(after, list):
            after = tuple(after)
        start = len(items)
        for index, item in enumerate(items):
            position = key(item)
            if _after(position, after, descending):
                start = index
                break
    page = list(items[start : start + max_results])
    more = start + max_results < len(items)
    token = encode_token(_jsonable(key(page[-1]))) if more and page else None
    return page, token


def _after(position: Any, after: Any, descending: bool) -> bool:
    try:
        return bool(position < after) if descending else bool(position > after)
    except TypeError as exc:
        raise BadToken(str(after)) from exc


def _jsonable(position: Any) -> Any:
    return list(position) if isinstance(position, tuple) else position
