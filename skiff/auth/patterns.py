"""IAM's wildcard matching (`*` any run, `?` one character) and policy variables (`${aws:username}`).

`${*}`, `${?}` and `${$}` give the characters themselves; in a resource they then act as
wildcards again (a simplification: AWS matches them literally).

Actions match case-insensitively, resources and ARN conditions case-sensitively. Compiled
patterns are cached, as the same policies are read on every request.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_SPECIAL = {"*": "*", "?": "?", "$": "$"}


@lru_cache(maxsize=4096)
def _compile(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    parts = []
    for char in pattern:
        if char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def matches(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """Whether `value` matches the IAM wildcard `pattern`."""
    if pattern == "*":
        return True
    if "*" not in pattern and "?" not in pattern:
        return pattern.lower() == value.lower() if ignore_case else pattern == value
    return _compile(pattern, ignore_case).fullmatch(value) is not None


def substitute(text: str, context: Mapping[str, Sequence[str]]) -> str | None:
    """`text` with its `${key}` variables replaced from the request context; None when a variable
    names a key the request does not have (the statement then matches nothing)."""
    if "${" not in text:
        return text
    missing = False

    def replace(match: re.Match[str]) -> str:
        nonlocal missing
        name = match.group(1)
        if name in _SPECIAL:
            return _SPECIAL[name]
        key, _, default = name.partition(",")
        values = context.get(key.strip().lower())
        if values and len(values) == 1:
            return values[0]
        if default:
            return default.strip().strip("'")
        missing = True
        return ""

    replaced = _VARIABLE.sub(replace, text)
    return None if missing else replaced
