"""A statement's `Condition` block against the request context.

Operators: String*, Numeric*, Date*, Bool, BinaryEquals, IpAddress/NotIpAddress, Arn*, Null,
each with `...IfExists`, and the `ForAnyValue:` / `ForAllValues:` set prefixes. Within a block
every operator must hold, within an operator every key, and a key holds when any policy value
matches (negated operators: when none does). Keys are case-insensitive; the context maps
lower-case keys to lists of values. An unknown operator never holds.
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from skiff.auth.patterns import matches, substitute

Context = Mapping[str, Sequence[str]]
Compare = Callable[[str, str], bool]


def _number(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _date(text: str) -> dt.datetime | None:
    text = text.strip()
    try:
        if text.replace(".", "", 1).isdigit():
            return dt.datetime.fromtimestamp(float(text), dt.UTC)
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _numeric(test: Callable[[float, float], bool]) -> Compare:
    def compare(value: str, wanted: str) -> bool:
        a, b = _number(value), _number(wanted)
        return a is not None and b is not None and test(a, b)

    return compare


def _dated(test: Callable[[dt.datetime, dt.datetime], bool]) -> Compare:
    def compare(value: str, wanted: str) -> bool:
        a, b = _date(value), _date(wanted)
        return a is not None and b is not None and test(a, b)

    return compare


def _ip(value: str, wanted: str) -> bool:
    try:
        return ipaddress.ip_address(value.strip()) in ipaddress.ip_network(wanted.strip(), strict=False)
    except ValueError:
        return False


def _binary(value: str, wanted: str) -> bool:
    try:
        return base64.b64decode(value) == base64.b64decode(wanted)
    except ValueError:
        return False


# operator -> (comparison, negated)
OPERATORS: dict[str, tuple[Compare, bool]] = {
    "StringEquals": (lambda v, w: v == w, False),
    "StringNotEquals": (lambda v, w: v == w, True),
    "StringEqualsIgnoreCase": (lambda v, w: v.lower() == w.lower(), False),
    "StringNotEqualsIgnoreCase": (lambda v, w: v.lower() == w.lower(), True),
    "StringLike": (lambda v, w: matches(w, v), False),
    "StringNotLike": (lambda v, w: matches(w, v), True),
    "NumericEquals": (_numeric(lambda a, b: a == b), False),
    "NumericNotEquals": (_numeric(lambda a, b: a == b), True),
    "NumericLessThan": (_numeric(lambda a, b: a < b), False),
    "NumericLessThanEquals": (_numeric(lambda a, b: a <= b), False),
    "NumericGreaterThan": (_numeric(lambda a, b: a > b), False),
    "NumericGreaterThanEquals": (_numeric(lambda a, b: a >= b), False),
    "DateEquals": (_dated(lambda a, b: a == b), False),
    "DateNotEquals": (_dated(lambda a, b: a == b), True),
    "DateLessThan": (_dated(lambda a, b: a < b), False),
    "DateLessThanEquals": (_dated(lambda a, b: a <= b), False),
    "DateGreaterThan": (_dated(lambda a, b: a > b), False),
    "DateGreaterThanEquals": (_dated(lambda a, b: a >= b), False),
    "Bool": (lambda v, w: v.lower() == w.lower(), False),
    "BinaryEquals": (_binary, False),
    "IpAddress": (_ip, False),
    "NotIpAddress": (_ip, True),
    "ArnEquals": (lambda v, w: matches(w, v), False),
    "ArnLike": (lambda v, w: matches(w, v), False),
    "ArnNotEquals": (lambda v, w: matches(w, v), True),
    "ArnNotLike": (lambda v, w: matches(w, v), True),
}


def _values(raw: Any) -> list[str]:
    items = raw if isinstance(raw, list) else [raw]
    out = []
    for item in items:
        if isinstance(item, bool):
            out.append("true" if item else "false")
        elif isinstance(item, (str, int, float)):
            out.append(str(item))
    return out


def _key_holds(operator: str, key: str, raw: Any, context: Context) -> bool:
    set_mode = ""
    if ":" in operator and operator.split(":", 1)[0] in ("ForAnyValue", "ForAllValues"):
        set_mode, operator = operator.split(":", 1)
    if_exists = operator.endswith("IfExists") and operator != "IfExists"
    if if_exists:
        operator = operator[: -len("IfExists")]
    present = context.get(key.lower())
    if operator == "Null":
        wanted = [v.lower() for v in _values(raw)]
        absent = not present
        return any((w == "true") == absent for w in wanted)
    entry = OPERATORS.get(operator)
    if entry is None:
        return False
    compare, negated = entry
    wanted = [w for w in (substitute(v, context) for v in _values(raw)) if w is not None]
    if not present:
        if set_mode == "ForAllValues" or if_exists:
            return True
        return negated and set_mode != "ForAnyValue"

    def one(value: str) -> bool:
        hit = any(compare(value, w) for w in wanted)
        return not hit if negated else hit

    if set_mode == "ForAllValues":
        return all(one(value) for value in present)
    if set_mode == "ForAnyValue":
        return any(one(value) for value in present)
    if negated:
        return all(one(value) for value in present)
    return any(one(value) for value in present)


def holds(block: Any, context: Context) -> bool:
    """Whether a statement's Condition block holds for the request."""
    if not block:
        return True
    if not isinstance(block, dict):
        return False
    for operator, keys in block.items():
        if not isinstance(keys, dict):
            return False
        for key, raw in keys.items():
            if not _key_holds(str(operator), str(key), raw, context):
                return False
    return True
