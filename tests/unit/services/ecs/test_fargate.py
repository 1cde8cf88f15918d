"""Fargate rules and unit conversion, without HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from skiff.api.errors import AwsError
from skiff.services.ecs.fargate import FARGATE_MEMORY, fargate_problem, normalize_cpu, normalize_memory


@pytest.mark.parametrize(
    ("text", "units"),
    [("256", "256"), ("1 vCPU", "1024"), ("0.25 vcpu", "256"), (".5vCPU", "512"), (" 2 VCPU ", "2048")],
)
def test_cpu_units(text: str, units: str) -> None:
    assert normalize_cpu(text) == units


@pytest.mark.parametrize(
    ("text", "mib"), [("512", "512"), ("1GB", "1024"), ("1 GB", "1024"), ("0.5 gb", "512")]
)
def test_memory_units(text: str, mib: str) -> None:
    assert normalize_memory(text) == mib


@pytest.mark.parametrize("text", ["", "abc", "1.3 vCPU", "-1", "0"])
def test_bad_cpu(text: str) -> None:
    with pytest.raises(AwsError) as info:
        normalize_cpu(text)
    assert (info.value.code, info.value.message) == (
        "InvalidParameterException",
        "Invalid 'cpu' setting for task.",
    )


def definition(cpu: int, memory: int) -> dict[str, Any]:
    return {"networkMode": "awsvpc", "cpu": str(cpu), "memory": str(memory), "containerDefinitions": []}


def test_every_documented_pair_is_accepted_and_neighbours_are_not() -> None:
    accepted = 0
    for cpu, sizes in FARGATE_MEMORY.items():
        for memory in range(256, 131072 + 1, 256):
            problem = fargate_problem(definition(cpu, memory))
            if memory in sizes:
                assert problem is None, (cpu, memory)
                accepted += 1
            else:
                assert problem == "No Fargate configuration exists for given values.", (cpu, memory)
    assert accepted == 3 + 4 + 7 + 13 + 23 + 12 + 12
    assert fargate_problem(definition(128, 512)) == "No Fargate configuration exists for given values."
