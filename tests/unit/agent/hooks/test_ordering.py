"""Start and stop ordering rules, without Docker."""

from __future__ import annotations

import pytest

from skiff.agent.hooks.create import creation_order
from skiff.agent.hooks.start import condition_state
from skiff.agent.hooks.stop import stop_waves
from skiff.agent.runner import ContainerState


def state(**kwargs: object) -> ContainerState:
    return ContainerState(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("condition", "dependency", "verdict"),
    [
        ("START", state(), "wait"),
        ("START", state(started=True, status="RUNNING"), "met"),
        ("START", state(started=True, status="STOPPED", exit_code=1), "met"),
        ("COMPLETE", state(started=True, status="RUNNING"), "wait"),
        ("COMPLETE", state(started=True, status="STOPPED", exit_code=7), "met"),
        ("SUCCESS", state(started=True, status="STOPPED", exit_code=0), "met"),
        ("SUCCESS", state(started=True, status="STOPPED", exit_code=2), "failed"),
        ("SUCCESS", state(started=True, status="RUNNING"), "wait"),
        ("HEALTHY", state(started=True, status="RUNNING", health="UNKNOWN"), "wait"),
        ("HEALTHY", state(started=True, status="RUNNING", health="HEALTHY"), "met"),
        ("HEALTHY", state(started=True, status="RUNNING", health="UNHEALTHY"), "failed"),
        ("HEALTHY", state(started=True, status="STOPPED"), "failed"),
    ],
)
def test_dependency_conditions(condition: str, dependency: ContainerState, verdict: str) -> None:
    assert condition_state(condition, dependency) == verdict


def test_dependents_stop_before_their_dependencies() -> None:
    deps = {"app": {"db", "cache"}, "db": set(), "cache": {"db"}, "sidecar": set()}
    waves = stop_waves(deps, {"app", "db", "cache", "sidecar"})
    assert waves == [["app", "sidecar"], ["cache"], ["db"]]


def test_stopped_containers_do_not_hold_others_back() -> None:
    assert stop_waves({"app": {"db"}, "db": set()}, {"db"}) == [["db"]]


def test_cycles_still_stop_everything() -> None:
    waves = stop_waves({"a": {"b"}, "b": {"a"}}, {"a", "b"})
    assert sorted(name for wave in waves for name in wave) == ["a", "b"]


def test_volume_sources_are_created_first() -> None:
    containers = [
        {"name": "reader", "volumesFrom": [{"sourceContainer": "writer"}]},
        {"name": "writer"},
        {"name": "other"},
    ]
    assert [c["name"] for c in creation_order(containers)] == ["writer", "reader", "other"]
