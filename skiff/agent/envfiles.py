"""ECS `environmentFiles`: parsing and precedence, exactly as Fargate applies them.

A line whose first character is `#` is a comment; only lines with `=` count, split at the first
`=`; a line with an empty name is skipped; nothing is trimmed and quotes are kept. Within one file
a later line wins; across files the FIRST file that defines a name wins; the container
definition's `environment` wins over every file.
"""

from __future__ import annotations

from collections.abc import Iterable


def parse_env_file(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for raw in text.split("\n"):  # lines end at \n only (a trailing \r is dropped), as the agent reads them
        line = raw[:-1] if raw.endswith("\r") else raw
        if line.startswith("#") or "=" not in line:
            continue
        name, value = line.split("=", 1)
        if not name:
            continue
        values[name] = value
    return values


def merge_env_files(files: Iterable[dict[str, str]]) -> dict[str, str]:
    """The first file that defines a name wins."""
    merged: dict[str, str] = {}
    for values in files:
        for name, value in values.items():
            merged.setdefault(name, value)
    return merged


def parse_s3_arn(arn: str) -> tuple[str, str] | None:
    """`arn:aws:s3:::bucket/key.env` -> (bucket, key); None when it is not an S3 object ARN."""
    prefix = "arn:aws:s3:::"
    if not arn.startswith(prefix) or "/" not in arn[len(prefix) :]:
        return None
    bucket, key = arn[len(prefix) :].split("/", 1)
    return (bucket, key) if bucket and key else None
