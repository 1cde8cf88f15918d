"""Metric math: parsing, precedence, series alignment, arrays and METRICS(), aggregates, FILL,
RATE/DIFF, IF, and the errors AWS reports for malformed expressions."""

from __future__ import annotations

import pytest

from skiff.services.cloudwatch import metric_math
from skiff.services.cloudwatch.metric_math import Context, MathError, Series

A = Series({0.0: 1.0, 60.0: 2.0, 120.0: 3.0}, "A", 60, "a")
B = Series({0.0: 10.0, 60.0: 20.0}, "B", 60, "b")


def run(expression: str) -> metric_math.Value:
    ctx = Context({"a": A, "b": B}, ["a", "b"], [0.0, 60.0, 120.0, 180.0], 60)
    return metric_math.evaluate(metric_math.parse(expression), ctx)


def points(value: metric_math.Value) -> dict[float, float]:
    assert isinstance(value, Series)
    return value.points


def test_arithmetic_precedence_and_alignment() -> None:
    assert run("1 + 2 * 3") == 7.0 and run("(1 + 2) * 3") == 9.0 and run("-2 ^ 2") == -4.0
    assert run("2 ^ 3 ^ 2") == 512.0 and run("10 / 4") == 2.5
    assert points(run("a + b")) == {0.0: 11.0, 60.0: 22.0}  # only timestamps both have
    assert points(run("a * 100")) == {0.0: 100.0, 60.0: 200.0, 120.0: 300.0}
    assert points(run("b / (a - 1)")) == {60.0: 20.0}  # division by zero drops the point
    assert points(run("a > 1")) == {0.0: 0.0, 60.0: 1.0, 120.0: 1.0}
    assert points(run("a > 1 AND b > 15")) == {0.0: 0.0, 60.0: 1.0}


def test_arrays_aggregates_and_functions() -> None:
    assert points(run("SUM(METRICS())")) == {0.0: 11.0, 60.0: 22.0, 120.0: 3.0}
    assert points(run("AVG([a, b])")) == {0.0: 5.5, 60.0: 11.0, 120.0: 3.0}
    assert points(run('MAX(METRICS("b"))')) == {0.0: 10.0, 60.0: 20.0}
    assert run("MAX(a)") == 3.0 and run("SUM(b)") == 30.0 and run("MIN(a)") == 1.0
    assert run("PERIOD(a)") == 60.0
    assert points(run("FILL(b, 0)")) == {0.0: 10.0, 60.0: 20.0, 120.0: 0.0, 180.0: 0.0}
    assert points(run("FILL(b, REPEAT)"))[180.0] == 20.0
    assert points(run("RATE(a)")) == {60.0: 1 / 60, 120.0: 1 / 60}
    assert points(run("DIFF(a)")) == {60.0: 1.0, 120.0: 1.0}
    assert points(run("RUNNING_SUM(a)")) == {0.0: 1.0, 60.0: 3.0, 120.0: 6.0}
    assert points(run("ABS(-1 * a)")) == points(run("a"))
    assert points(run("IF(a > 1, a, 0)")) == {0.0: 0.0, 60.0: 2.0, 120.0: 3.0}
    array = run("METRICS() * 2")
    assert isinstance(array, list) and [s.points[0.0] for s in array] == [2.0, 20.0]


@pytest.mark.parametrize(
    ("expression", "text"),
    [
        ("a +", "ends too early"),
        ("a $ b", "unexpected character"),
        ("nope", "Unrecognized metric"),
        ("FOO(a)", "Unsupported function"),
        ("(a", "ends too early"),
        ("", "empty"),
        ("SUM(a, b)", "one argument"),
    ],
)
def test_errors(expression: str, text: str) -> None:
    with pytest.raises(MathError, match=text):
        run(expression)


def test_references_and_results() -> None:
    assert metric_math.references(metric_math.parse("SUM(METRICS()) / m1 + FILL(m2, 0)")) == {
        "METRICS()",
        "m1",
        "m2",
    }
    ctx = Context({}, [], [0.0, 60.0], 60)
    (scalar,) = metric_math.as_results(5.0, "five", ctx)
    assert scalar.points == {0.0: 5.0, 60.0: 5.0} and scalar.label == "five"
