"""Constraint checks of parsed input against the operation's input shape.

Protocols have already read the wire format into Python values of the right kinds; this module
checks what the model says beyond types: required members, enum values, string length, list and
map sizes, number ranges and patterns. The reply matches AWS's own text:
`2 validation errors detected: Value null at 'cluster' failed to satisfy constraint: ...`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from botocore.model import Shape

from skiff.api.errors import SerializationError, ValidationError

MAX_REPORTED = 10


@lru_cache(maxsize=4096)
def _compiled(pattern: str) -> re.Pattern[str] | None:
    """Model patterns are Java regexes; most compile in Python. Those that don't are skipped."""
    translated = pattern.replace(r"\p{L}", "a-zA-Z\u00c0-\uffff").replace(r"\p{Z}", " ")
    translated = translated.replace(r"\p{N}", "0-9").replace(r"\p{Alnum}", "a-zA-Z0-9")
    try:
        return re.compile(translated, re.DOTALL)
    except re.error:
        return None


def _quote(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, list):
        text = "[" + ", ".join(str(item) for item in value) + "]"  # as Java prints a list
    else:
        text = value if isinstance(value, str) else str(value)
    if len(text) > 100:
        text = text[:100] + "..."
    return f"'{text}'"


HIDDEN = object()  # stands for the value of a member the model marks `sensitive`


class _Report:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, value: Any, where: str, constraint: str) -> None:
        shown = "" if value is HIDDEN else f" {_quote(value)}"  # sensitive members are never echoed
        self.problems.append(f"Value{shown} at '{where}' failed to satisfy constraint: {constraint}")


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def _check(shape: Shape, value: Any, where: str, report: _Report, depth: int) -> None:
    if depth > 64:
        raise SerializationError("The request is nested too deeply.")
    kind = shape.type_name
    meta = shape.metadata
    shown = HIDDEN if meta.get("sensitive") else value
    if kind == "structure":
        if not isinstance(value, dict):
            return
        for name in shape.required_members:
            if value.get(name) is None:
                report.add(None, _join(where, name), "Member must not be null")
        for name, member in shape.members.items():
            item = value.get(name)
            if item is not None:
                _check(member, item, _join(where, name), report, depth + 1)
    elif kind == "list":
        if not isinstance(value, list):
            return
        _check_size(len(value), meta, shown, where, report, "length")
        for index, item in enumerate(value):
            path = f"{where}.{index + 1}.member"
            if item is None:
                report.add(None, path, "Member must not be null")
                continue
            _check(shape.member, item, path, report, depth + 1)
    elif kind == "map":
        if not isinstance(value, dict):
            return
        _check_size(len(value), meta, shown, where, report, "length")
        for key, item in value.items():
            _check(shape.key, key, f"{where}.key", report, depth + 1)
            if item is None:
                report.add(None, f"{where}.{key}", "Member must not be null")
            else:
                _check(shape.value, item, f"{where}.{key}", report, depth + 1)
    elif kind == "string":
        if not isinstance(value, str):
            return
        enum = shape.enum
        if enum and value not in enum:
            report.add(shown, where, "Member must satisfy enum value set: [" + ", ".join(enum) + "]")
            return
        _check_size(len(value), meta, shown, where, report, "length")
        pattern = meta.get("pattern")
        if pattern:
            compiled = _compiled(pattern)
            if compiled is not None and compiled.fullmatch(value) is None:
                report.add(shown, where, f"Member must satisfy regular expression pattern: {pattern}")
    elif kind in ("integer", "long", "float", "double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return
        if "min" in meta and value < meta["min"]:
            report.add(shown, where, f"Member must have value greater than or equal to {meta['min']}")
        if "max" in meta and value > meta["max"]:
            report.add(shown, where, f"Member must have value less than or equal to {meta['max']}")
    elif kind == "blob" and isinstance(value, (bytes, bytearray)):
        _check_size(len(value), meta, "<binary>", where, report, "length")


def _check_size(size: int, meta: dict[str, Any], value: Any, where: str, report: _Report, word: str) -> None:
    if "min" in meta and size < meta["min"]:
        report.add(value, where, f"Member must have {word} greater than or equal to {meta['min']}")
    if "max" in meta and size > meta["max"]:
        report.add(value, where, f"Member must have {word} less than or equal to {meta['max']}")


def _join(where: str, name: str) -> str:
    name = _lower_first(name)
    return f"{where}.{name}" if where else name


def validate_input(shape: Shape | None, params: dict[str, Any], *, code: str = "ValidationException") -> None:
    """Raise a ValidationError (with `code`) listing every broken constraint, as AWS does."""
    if shape is None:
        return
    report = _Report()
    _check(shape, params, "", report, 0)
    if not report.problems:
        return
    count = len(report.problems)
    noun = "error" if count == 1 else "errors"
    shown = "; ".join(report.problems[:MAX_REPORTED])
    raise ValidationError(f"{count} validation {noun} detected: {shown}", code=code)
