"""Staging labels on a secret's versions, as pure functions over the version map.

The map is `{version id: {"Stages": [...], "CreatedDate": ..., "Seq": n}}`. A label is on at most
one version. When AWSCURRENT moves to another version, AWSPREVIOUS moves to the version it left.
Versions without labels are deprecated.
"""

from __future__ import annotations

from typing import Any

CURRENT = "AWSCURRENT"
PREVIOUS = "AWSPREVIOUS"

Versions = dict[str, dict[str, Any]]


def holder(versions: Versions, stage: str) -> str | None:
    """The version that carries `stage`, if any."""
    for version_id, entry in versions.items():
        if stage in entry["Stages"]:
            return version_id
    return None


def move_stages(versions: Versions, version_id: str, stages: list[str]) -> None:
    """Attach each of `stages` to `version_id`, taking it from whichever version has it."""
    for stage in dict.fromkeys(stages):
        owner = holder(versions, stage)
        if owner == version_id:
            continue
        if owner is not None:
            versions[owner]["Stages"].remove(stage)
        versions[version_id]["Stages"].append(stage)
        if stage == CURRENT and owner is not None:
            move_stages(versions, owner, [PREVIOUS])


def remove_stage(versions: Versions, version_id: str, stage: str) -> None:
    if stage in versions[version_id]["Stages"]:
        versions[version_id]["Stages"].remove(stage)


def version_ids_to_stages(versions: Versions) -> dict[str, list[str]]:
    """Versions that carry labels, as DescribeSecret's VersionIdsToStages."""
    return {vid: list(entry["Stages"]) for vid, entry in _newest_first(versions) if entry["Stages"]}


def newest_first(versions: Versions, *, include_deprecated: bool) -> list[str]:
    return [vid for vid, entry in _newest_first(versions) if include_deprecated or entry["Stages"]]


def deprecated_oldest_first(versions: Versions) -> list[str]:
    return [vid for vid, entry in reversed(_newest_first(versions)) if not entry["Stages"]]


def _newest_first(versions: Versions) -> list[tuple[str, dict[str, Any]]]:
    return sorted(versions.items(), key=lambda item: int(item[1].get("Seq", 0)), reverse=True)
