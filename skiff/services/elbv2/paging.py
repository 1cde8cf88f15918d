"""Marker/PageSize pagination of the ELBv2 Describe* calls.

A marker is the opaque position after the last item returned (skiff's base64url token of the
item's index); a marker skiff did not issue is a ValidationError, as on ELB.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from skiff.services.elbv2.exceptions import validation
from skiff.services.pagination import BadToken, decode_token, encode_token

T = TypeVar("T")
DEFAULT_PAGE_SIZE = 400


def page(items: Sequence[T], params: dict[str, Any]) -> tuple[list[T], str | None]:
    """The page of `items` the request asks for, and the NextMarker (None on the last page)."""
    size = int(params.get("PageSize") or DEFAULT_PAGE_SIZE)
    start = 0
    marker = params.get("Marker")
    if marker:
        try:
            start = int(decode_token(str(marker)))
        except (BadToken, TypeError, ValueError):
            raise validation("Invalid value for the parameter Marker") from None
        if start < 0:
            raise validation("Invalid value for the parameter Marker")
    chunk = list(items[start : start + size])
    end = start + size
    return chunk, encode_token(end) if end < len(items) else None


def paged(member: str, items: Sequence[Any], params: dict[str, Any]) -> dict[str, Any]:
    chunk, marker = page(items, params)
    out: dict[str, Any] = {member: chunk}
    if marker:
        out["NextMarker"] = marker
    return out
