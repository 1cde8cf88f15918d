"""IAM's list pagination: `Marker` and `MaxItems` in, `IsTruncated` and `Marker` out.

Markers are skiff's opaque tokens (the sort key of the last item returned); one that does not
decode is `InvalidInput`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from skiff.services.iam.exceptions import invalid_marker
from skiff.services.pagination import BadToken, paginate

T = TypeVar("T")
DEFAULT_MAX_ITEMS = 100


def page(
    items: Sequence[T], key: Callable[[T], Any], marker: str | None, max_items: int | None
) -> tuple[list[T], dict[str, Any]]:
    """The page after `marker` and the `IsTruncated`/`Marker` members of the reply."""
    try:
        found, token = paginate(items, key, max_items or DEFAULT_MAX_ITEMS, marker)
    except BadToken as exc:
        raise invalid_marker() from exc
    extra: dict[str, Any] = {"IsTruncated": token is not None}
    if token is not None:
        extra["Marker"] = token
    return found, extra
