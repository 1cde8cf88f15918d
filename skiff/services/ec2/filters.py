"""EC2 `Filters`: Name/Values pairs with `*` and `?` wildcards, ANDed across names.

A resource matches a filter when any of its values for that name matches any of the filter's
values (OR within a filter); all filters must match (AND between filters). Matching is
case-sensitive and whole-value; `\\*`, `\\?` and `\\\\` match the literal characters. Every
resource type lists the names it understands; `tag:<key>`, `tag-key` and `tag-value` work on
all of them. An unknown name is `InvalidParameterValue: The filter 'x' is invalid`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Any

from skiff.services.ec2.exceptions import invalid_filter
from skiff.store.base import Document

# filter name -> the values a resource has for it
Extractor = Callable[[Document], Iterable[Any]]
FilterSpec = dict[str, Extractor]


@lru_cache(maxsize=1024)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    """The regex of an EC2 filter value: `*` any run, `?` one character, backslash escapes."""
    parts: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern) and pattern[index + 1] in "*?\\":
            parts.append(re.escape(pattern[index + 1]))
            index += 2
            continue
        parts.append(".*" if char == "*" else "." if char == "?" else re.escape(char))
        index += 1
    return re.compile("".join(parts), re.DOTALL)


def text(value: Any) -> str:
    """A resource value as filters see it: booleans are `true`/`false`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def value_matches(values: Iterable[Any], patterns: Sequence[str]) -> bool:
    compiled = [compile_pattern(p) for p in patterns]
    return any(p.fullmatch(text(v)) for v in values if v is not None for p in compiled)


def field(*path: str) -> Extractor:
    """Values at a path of nested members; lists along the way are fanned out."""

    def extract(doc: Document) -> list[Any]:
        current: list[Any] = [doc]
        for key in path:
            found: list[Any] = []
            for item in current:
                value = item.get(key) if isinstance(item, dict) else None
                if isinstance(value, list):
                    found.extend(value)
                elif value is not None:
                    found.append(value)
            current = found
        return current

    return extract


def _tag_extractor(name: str, tags_key: str) -> Extractor | None:
    if name.startswith("tag:"):
        key = name[4:]
        return lambda doc: [t.get("Value", "") for t in doc.get(tags_key) or [] if t.get("Key") == key]
    if name == "tag-key":
        return lambda doc: [t.get("Key") for t in doc.get(tags_key) or []]
    if name == "tag-value":
        return lambda doc: [t.get("Value", "") for t in doc.get(tags_key) or []]
    return None


Compiled = list[tuple[Extractor, list[str]]]


def compile_filters(
    filters: list[dict[str, Any]] | None, spec: FilterSpec, *, tags_key: str | None = "Tags"
) -> Compiled:
    """Checks every name against `spec` (and the tag filters) before any resource is read."""
    compiled: Compiled = []
    for item in filters or []:
        name = str(item.get("Name", ""))
        extractor = spec.get(name)
        if extractor is None and tags_key is not None:
            extractor = _tag_extractor(name, tags_key)
        if extractor is None:
            raise invalid_filter(name)
        compiled.append((extractor, [str(v) for v in item.get("Values") or []]))
    return compiled


def matches(doc: Document, compiled: Compiled) -> bool:
    return all(value_matches(extract(doc), patterns) for extract, patterns in compiled)


def select(
    docs: Iterable[Document],
    filters: list[dict[str, Any]] | None,
    spec: FilterSpec,
    *,
    tags_key: str | None = "Tags",
) -> list[Document]:
    """The documents that pass every filter."""
    compiled = compile_filters(filters, spec, tags_key=tags_key)
    return [doc for doc in docs if matches(doc, compiled)]
