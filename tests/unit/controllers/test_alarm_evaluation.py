"""Alarm evaluation over real stored datapoints with a fixed clock: M of N, treatMissingData,
AWS's reason texts and data, metric math alarms, the shortened cadence, listeners every period."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from skiff.controllers.alarm_evaluation import AlarmEvaluator
from skiff.state import alarms, metrics
from skiff.state.alarms import Alarm, AlarmEvent, MetricQuery
from skiff.state.metrics import Datum, MetricKey, Stats
from skiff.store import SqliteStore

ACC, REG = "000000000000", "us-east-1"
T0 = dt.datetime(2026, 12, 2, 18, 40, tzinfo=dt.UTC)
DIMS = [{"Name": "ClusterName", "Value": "c"}, {"Name": "ServiceName", "Value": "s"}]
KEY = MetricKey.of(ACC, REG, "AWS/ECS", "CPUUtilization", DIMS)


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    return SqliteStore(tmp_path / "e.db")


def put(store: SqliteStore, minute: int, *values: float, key: MetricKey = KEY) -> None:
    at = T0 + dt.timedelta(minutes=minute)
    metrics.put_data(
        store,
        [(key, Datum(at + dt.timedelta(seconds=i), Stats.of_values([v]))) for i, v in enumerate(values)],
        now=at,
    )


def cpu_alarm(store: SqliteStore, **kw: object) -> Alarm:
    values: dict[str, object] = dict(
        comparison_operator="GreaterThanThreshold",
        evaluation_periods=1,
        threshold=50.0,
        namespace="AWS/ECS",
        metric_name="CPUUtilization",
        statistic="Average",
        period=60,
        dimensions=DIMS,
        alarm_actions=["arn:aws:autoscaling:us-east-1:000000000000:scalingPolicy:x"],
    )
    values.update(kw)
    return alarms.put_alarm(store, Alarm(ACC, REG, "cpu", **values), now=T0)  # type: ignore[arg-type]


def at(minute: int, second: int = 1) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minute, seconds=second)


def test_threshold_crossed_with_aws_texts_and_back(store: SqliteStore) -> None:
    evaluator = AlarmEvaluator(store)
    alarm = cpu_alarm(store)
    put(store, 0, 80.0, 86.4)
    event = evaluator.evaluate(alarm, at(1))
    assert (event.previous_state, event.state, event.changed) == ("INSUFFICIENT_DATA", "ALARM", True)
    stored = alarms.load_alarm(store, ACC, REG, "cpu")
    assert stored is not None
    assert stored.state_reason == (
        "Threshold Crossed: 1 datapoint [83.2 (02/12/26 18:40:00)] was greater than the threshold (50.0)."
    )
    data = json.loads(stored.state_reason_data or "")
    assert data["recentDatapoints"] == [83.2] and data["threshold"] == 50.0 and data["statistic"] == "Average"
    assert data["evaluatedDatapoints"] == [{"timestamp": "2026-12-02T18:40:00.000+0000", "value": 83.2}]
    put(store, 1, 10.0)
    event = evaluator.evaluate(stored, at(2))
    assert event.state == "OK" and event.changed
    stored = alarms.load_alarm(store, ACC, REG, "cpu")
    assert stored is not None and stored.state_reason == (
        "Threshold Crossed: 1 datapoint [10.0 (02/12/26 18:41:00)] was not greater than the threshold (50.0)."
    )
    kinds = [h["HistorySummary"] for h in alarms.history_of(store, ACC, REG, name="cpu")]
    assert kinds[:2] == ["Alarm updated from ALARM to OK", "Alarm updated from INSUFFICIENT_DATA to ALARM"]


def test_m_out_of_n_and_missing_data_treatments(store: SqliteStore) -> None:
    evaluator = AlarmEvaluator(store)
    put(store, 0, 90.0)
    put(store, 2, 95.0)
    # minutes 0 and 2 breach, minute 1 has no data; evaluated at 18:43 over 18:40..18:42
    cases = {
        ("missing", 2): "ALARM",
        ("missing", 3): "OK",
        ("breaching", 3): "ALARM",
        ("notBreaching", 3): "OK",
        ("ignore", 3): "OK",
    }
    for (treat, m), expected in cases.items():
        alarm = cpu_alarm(store, evaluation_periods=3, datapoints_to_alarm=m, treat_missing_data=treat)
        event = evaluator.evaluate(alarm, at(3))
        assert event.state == expected, (treat, m)
        alarms.delete_alarm(store, ACC, REG, "cpu")
    alarm = cpu_alarm(store, evaluation_periods=3, datapoints_to_alarm=2)
    evaluator.evaluate(alarm, at(3))
    stored = alarms.load_alarm(store, ACC, REG, "cpu")
    assert stored is not None and stored.state_reason == (
        "Threshold Crossed: 2 out of the last 3 datapoints "
        "[95.0 (02/12/26 18:42:00), 90.0 (02/12/26 18:40:00)] were greater than the threshold (50.0) "
        "(minimum 2 datapoints for OK -> ALARM transition)."
    )


def test_no_data_at_all(store: SqliteStore) -> None:
    evaluator = AlarmEvaluator(store)
    for treat, state in (
        ("missing", "INSUFFICIENT_DATA"),
        ("notBreaching", "OK"),
        ("breaching", "ALARM"),
        ("ignore", "INSUFFICIENT_DATA"),
    ):
        alarm = cpu_alarm(store, treat_missing_data=treat, evaluation_periods=2)
        assert evaluator.evaluate(alarm, at(30)).state == state, treat
        alarms.delete_alarm(store, ACC, REG, "cpu")
    alarm = cpu_alarm(store, evaluation_periods=2)
    evaluator.evaluate(alarm, at(30))
    stored = alarms.load_alarm(store, ACC, REG, "cpu")  # no change: the creation's reason stays
    assert stored is not None and stored.state_reason == "Unchecked: Initial alarm creation"
    alarms.set_state(store, stored, "OK", "x")
    evaluator.evaluate(stored, at(31))
    stored = alarms.load_alarm(store, ACC, REG, "cpu")
    assert stored is not None and stored.state_reason == "Insufficient Data: 2 datapoints were unknown."


def test_metric_math_alarm(store: SqliteStore) -> None:
    other = MetricKey.of(ACC, REG, "App", "Errors")
    total = MetricKey.of(ACC, REG, "App", "Requests")
    put(store, 0, 30.0, key=other)
    put(store, 0, 100.0, key=total)
    alarm = cpu_alarm(
        store,
        namespace=None,
        metric_name=None,
        statistic=None,
        period=None,
        dimensions=[],
        threshold=10.0,
        metrics=[
            MetricQuery("e", namespace="App", metric_name="Errors", period=60, stat="Sum"),
            MetricQuery("r", namespace="App", metric_name="Requests", period=60, stat="Sum"),
            MetricQuery("rate", expression="100 * e / r", return_data=True),
        ],
    )
    event = AlarmEvaluator(store).evaluate(alarm, at(1))
    assert event.state == "ALARM" and "[30.0 (02/12/26 18:40:00)]" in event.alarm.state_reason


def test_shortened_cadence_and_listeners_every_period(store: SqliteStore) -> None:
    clock = [at(0, 0)]
    evaluator = AlarmEvaluator(store, metrics_period=5, clock=lambda: clock[0])
    assert evaluator.effective(60) == 5 and evaluator.effective(300) == 25 and evaluator.tick == 5.0
    heard: list[AlarmEvent] = []
    alarms.subscribe(store, heard.append)
    cpu_alarm(store, evaluation_periods=2)
    for second in range(0, 20):
        metrics.put_data(
            store,
            [(KEY, Datum(at(0, second), Stats.of_values([99.0]), storage_resolution=1))],
            now=at(0, second),
        )
    states = []
    for second in (1, 3, 6, 11, 16, 21):
        clock[0] = at(0, second)
        evaluator.evaluate_due()
        stored = alarms.load_alarm(store, ACC, REG, "cpu")
        assert stored is not None
        states.append(stored.state_value)
    # first pass (never evaluated) and one per 5 s boundary after: 18:40:01, :06, :11, :16, :21;
    # at :06 only [:00, :05) has data (1 of 2 breaching: OK), from :11 both windows breach
    assert len(heard) == 5
    assert states == ["INSUFFICIENT_DATA", "INSUFFICIENT_DATA", "OK", "ALARM", "ALARM", "ALARM"]
    assert [e.changed for e in heard] == [False, True, True, False, False]
    assert heard[2].actions == ["arn:aws:autoscaling:us-east-1:000000000000:scalingPolicy:x"]
    assert all(e.state == "ALARM" for e in heard[2:])
