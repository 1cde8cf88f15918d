"""Hypothesis strategies that build values for any botocore shape.

Used by the protocol round-trip tests (values botocore serializes and skiff parses back, or
skiff serializes and botocore parses back) and by the fuzz tests (valid and corrupted input).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from botocore.model import Shape
from hypothesis import strategies as st

MAX_DEPTH = 5
TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
    max_size=12,
)
TIMESTAMPS = st.datetimes(
    min_value=dt.datetime(2001, 1, 1), max_value=dt.datetime(2035, 1, 1), timezones=st.just(dt.UTC)
).map(lambda t: t.replace(microsecond=0))


def _bounded_text(shape: Shape) -> st.SearchStrategy[str]:
    meta = shape.metadata
    low = int(meta.get("min", 0))
    high = max(low, min(int(meta.get("max", low + 12)), low + 12))
    return st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
        min_size=low,
        max_size=high,
    )


def values_for(shape: Shape, depth: int = 0, *, respect_limits: bool = True) -> st.SearchStrategy[Any]:
    """Values of `shape` as a botocore client accepts them on input."""
    kind = shape.type_name
    meta = shape.metadata
    if kind == "structure":
        if depth >= MAX_DEPTH:
            if shape.metadata.get("union") and shape.members:
                # A union needs exactly one member set, even where recursion stops.
                name, member = next(iter(shape.members.items()))
                empty: dict[str, Any] = {"structure": {}, "list": [], "map": {}}
                if member.type_name in empty:
                    return st.just({name: empty[member.type_name]})
                return st.fixed_dictionaries({name: values_for(member, depth, respect_limits=respect_limits)})
            return st.just({})
        required = set(shape.required_members)
        members = {
            name: values_for(member, depth + 1, respect_limits=respect_limits)
            for name, member in shape.members.items()
            if not member.metadata.get("eventstream") and member.type_name != "document"
        }
        req = {k: v for k, v in members.items() if k in required}
        opt = {k: v for k, v in members.items() if k not in required}
        if shape.metadata.get("union"):
            if not opt:
                return st.just({})
            return st.one_of(*[st.fixed_dictionaries({k: v}) for k, v in opt.items()])
        return st.fixed_dictionaries(req, optional=opt)
    if kind == "list":
        low = int(meta.get("min", 0)) if respect_limits else 0
        if depth >= MAX_DEPTH:
            return st.just([])
        return st.lists(
            values_for(shape.member, depth + 1, respect_limits=respect_limits),
            min_size=low,
            max_size=max(low, 3),
        )
    if kind == "map":
        if depth >= MAX_DEPTH:
            return st.just({})
        return st.dictionaries(
            values_for(shape.key, depth + 1, respect_limits=respect_limits),
            values_for(shape.value, depth + 1, respect_limits=respect_limits),
            max_size=3,
        )
    if kind == "string":
        if shape.enum:
            return st.sampled_from(list(shape.enum))
        return _bounded_text(shape) if respect_limits else TEXT
    if kind in ("integer", "long"):
        bits = 31 if kind == "integer" else 53
        low = int(meta.get("min", -(2**bits))) if respect_limits else -(2**bits)
        high = int(meta.get("max", 2**bits - 1)) if respect_limits else 2**bits - 1
        return st.integers(min_value=low, max_value=max(low, high))
    if kind in ("float", "double"):
        return st.floats(allow_nan=False, allow_infinity=False, width=32).map(float)
    if kind == "boolean":
        return st.booleans()
    if kind == "blob":
        return st.binary(max_size=16)
    if kind == "timestamp":
        return TIMESTAMPS
    return st.none()


def corrupt(value: Any) -> st.SearchStrategy[Any]:
    """Values of the wrong type or out of shape, to mix into otherwise valid input."""
    wrong = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.text(max_size=5),
        st.lists(st.integers(), max_size=2),
        st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    )
    if isinstance(value, dict) and value:
        keys = sorted(value)
        return st.builds(
            lambda k, v: {**value, k: v},
            st.sampled_from(keys),
            wrong,
        )
    return wrong
