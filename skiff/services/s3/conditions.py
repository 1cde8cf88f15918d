"""HTTP conditions on objects: byte ranges and If-Match / If-None-Match / If-(Un)Modified-Since.

Ranges follow S3: one `bytes=a-b`, `bytes=a-` or `bytes=-n` range; an end past the object is cut
to its last byte; a start past it (or a zero suffix) is 416 InvalidRange; anything else (several
ranges, other units, a > b) is ignored and the whole object returned. Preconditions follow
RFC 7232's order as S3 documents it: If-Match, else If-Unmodified-Since (412); then
If-None-Match, else If-Modified-Since (304 for reads, 412 for copy sources). Times compare at
whole seconds, the precision of HTTP dates.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from skiff.services.s3.exceptions import S3Error, not_modified, precondition_failed, s3_error

_RANGE = re.compile(r"\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*")


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The inclusive (start, end) a Range header selects, or None for the whole object."""
    if not header:
        return None
    found = _RANGE.fullmatch(header)
    if found is None:
        return None
    first, last = found.group(1), found.group(2)
    if not first and not last:
        return None
    if not first:
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise invalid_range(header, size)
        return max(size - suffix, 0), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None
    if start >= size:
        raise invalid_range(header, size)
    return start, min(end, size - 1)


def invalid_range(header: str, size: int) -> S3Error:
    return s3_error(
        "InvalidRange",
        "The requested range is not satisfiable",
        416,
        RangeRequested=header,
        ActualObjectSize=size,
    )


def etag_matches(header: str, etag: str) -> bool:
    """Whether an If-Match / If-None-Match list names `etag` (or is `*`)."""
    bare = etag.strip('"')
    for item in header.split(","):
        item = item.strip()
        if item.startswith("W/"):
            item = item[2:]
        if item == "*" or item.strip('"') == bare:
            return True
    return False


def _seconds(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.replace(microsecond=0)


def check_preconditions(
    doc: Mapping[str, Any],
    *,
    if_match: str | None,
    if_none_match: str | None,
    if_modified_since: dt.datetime | None,
    if_unmodified_since: dt.datetime | None,
    copy_source: bool = False,
) -> None:
    """Raise 412 PreconditionFailed or 304 NotModified (412 for a copy source) as S3 does."""
    etag = str(doc["ETag"])
    modified = _seconds(doc["LastModified"])
    if if_match is not None:
        if not etag_matches(if_match, etag):
            raise precondition_failed("If-Match")
    elif if_unmodified_since is not None and modified > _seconds(if_unmodified_since):
        raise precondition_failed("If-Unmodified-Since")
    if if_none_match is not None:
        if etag_matches(if_none_match, etag):
            raise precondition_failed("If-None-Match") if copy_source else not_modified()
    elif if_modified_since is not None and modified <= _seconds(if_modified_since):
        raise precondition_failed("If-Modified-Since") if copy_source else not_modified()


def check_write_conditions(existing: Mapping[str, Any] | None, params: Mapping[str, Any], key: str) -> None:
    """Conditional writes: `If-None-Match: *` (only if absent) and `If-Match: <etag>`."""
    if_none_match = params.get("IfNoneMatch")
    if if_none_match is not None:
        if if_none_match.strip() != "*":
            raise s3_error(
                "NotImplemented",
                "A header you provided implies functionality that is not implemented",
                400,
                Header="If-None-Match",
            )
        if existing is not None:
            raise precondition_failed("If-None-Match")
    if_match = params.get("IfMatch")
    if if_match is not None:
        if existing is None:
            raise s3_error("NoSuchKey", "The specified key does not exist.", 404, Key=key)
        if not etag_matches(if_match, str(existing["ETag"])):
            raise precondition_failed("If-Match")
