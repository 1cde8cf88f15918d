"""Staging labels as pure moves over the version map."""

from __future__ import annotations

from typing import Any

from skiff.services.secretsmanager.stages import (
    deprecated_oldest_first,
    holder,
    move_stages,
    newest_first,
    remove_stage,
    version_ids_to_stages,
)


def versions(*stages: list[str]) -> dict[str, dict[str, Any]]:
    return {f"v{i}": {"Stages": list(s), "Seq": i} for i, s in enumerate(stages, start=1)}


def test_current_moves_and_previous_follows_the_old_current() -> None:
    vs = versions(["AWSPREVIOUS"], ["AWSCURRENT"], [])
    move_stages(vs, "v3", ["AWSCURRENT"])
    assert vs == versions([], ["AWSPREVIOUS"], ["AWSCURRENT"])


def test_rolling_back_to_previous_swaps_the_two() -> None:
    vs = versions(["AWSPREVIOUS"], ["AWSCURRENT"])
    move_stages(vs, "v1", ["AWSCURRENT"])
    assert vs == versions(["AWSCURRENT"], ["AWSPREVIOUS"])


def test_custom_stage_moves_alone() -> None:
    vs = versions(["AWSCURRENT", "blue"], [])
    move_stages(vs, "v2", ["blue"])
    assert vs == versions(["AWSCURRENT"], ["blue"])


def test_moving_to_the_holder_changes_nothing() -> None:
    vs = versions(["AWSPREVIOUS"], ["AWSCURRENT"])
    move_stages(vs, "v2", ["AWSCURRENT", "AWSCURRENT"])
    assert vs == versions(["AWSPREVIOUS"], ["AWSCURRENT"])


def test_first_current_has_no_previous() -> None:
    vs = versions([])
    move_stages(vs, "v1", ["AWSCURRENT"])
    assert vs == versions(["AWSCURRENT"])
    assert holder(vs, "AWSPREVIOUS") is None


def test_views_and_order() -> None:
    vs = versions([], ["AWSPREVIOUS", "x"], ["AWSCURRENT"], [])
    remove_stage(vs, "v2", "x")
    remove_stage(vs, "v2", "absent")
    assert version_ids_to_stages(vs) == {"v3": ["AWSCURRENT"], "v2": ["AWSPREVIOUS"]}
    assert newest_first(vs, include_deprecated=False) == ["v3", "v2"]
    assert newest_first(vs, include_deprecated=True) == ["v4", "v3", "v2", "v1"]
    assert deprecated_oldest_first(vs) == ["v1", "v4"]
