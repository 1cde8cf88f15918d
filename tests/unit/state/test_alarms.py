"""Alarm records: create/update keeps state, state changes with history and events, listeners,
lookups by state and metric, deletion, ARNs, and history retention."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from skiff.state import alarms
from skiff.state.alarms import Alarm, AlarmEvent, MetricQuery
from skiff.store import SqliteStore

T0 = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
ACC, REG = "000000000000", "us-east-1"


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    return SqliteStore(tmp_path / "a.db")


def cpu_alarm(name: str = "cpu-high", **kw: object) -> Alarm:
    values: dict[str, object] = dict(
        comparison_operator="GreaterThanThreshold",
        evaluation_periods=3,
        threshold=50.0,
        namespace="AWS/ECS",
        metric_name="CPUUtilization",
        statistic="Average",
        period=60,
        dimensions=[{"Name": "ClusterName", "Value": "c"}],
        alarm_actions=["arn:aws:autoscaling:policy"],
        ok_actions=["arn:ok"],
    )
    values.update(kw)
    return Alarm(ACC, REG, name, **values)  # type: ignore[arg-type]


def test_new_alarms_start_unchecked_and_updates_keep_the_state(store: SqliteStore) -> None:
    stored = alarms.put_alarm(store, cpu_alarm(), now=T0)
    assert stored.arn == "arn:aws:cloudwatch:us-east-1:000000000000:alarm:cpu-high"
    loaded = alarms.load_alarm(store, ACC, REG, "cpu-high")
    assert loaded is not None and loaded == stored
    assert (loaded.state_value, loaded.state_reason) == (
        "INSUFFICIENT_DATA",
        "Unchecked: Initial alarm creation",
    )
    alarms.set_state(store, loaded, "ALARM", "Threshold Crossed: ...", '{"version":"1.0"}', T0)
    alarms.put_alarm(store, cpu_alarm(threshold=70.0, tags={"a": "b"}), now=T0 + dt.timedelta(minutes=1))
    updated = alarms.load_alarm(store, ACC, REG, "cpu-high")
    assert updated is not None and (updated.state_value, updated.threshold) == ("ALARM", 70.0)
    assert updated.state_transitioned == T0 and updated.configuration_updated == T0 + dt.timedelta(minutes=1)
    assert updated.last_evaluated is None
    items = alarms.history_of(store, ACC, REG, name="cpu-high")
    assert [i["HistoryItemType"] for i in items] == [
        "ConfigurationUpdate",
        "StateUpdate",
        "ConfigurationUpdate",
    ]
    assert items[1]["HistorySummary"] == "Alarm updated from INSUFFICIENT_DATA to ALARM"
    data = json.loads(items[1]["HistoryData"])
    assert (
        data["oldState"] == {"stateValue": "INSUFFICIENT_DATA"} and data["newState"]["stateValue"] == "ALARM"
    )


def test_listeners_hear_every_evaluation_and_which_ones_changed(store: SqliteStore) -> None:
    heard: list[AlarmEvent] = []
    unsubscribe = alarms.subscribe(store, heard.append)
    alarms.subscribe(store, lambda e: 1 / 0)  # a failing listener is logged, never breaks the others
    alarm = alarms.put_alarm(store, cpu_alarm(), now=T0)
    alarms.set_state(store, alarm, "ALARM", "r1", None, T0)
    alarms.set_state(store, alarm, "ALARM", "r2", None, T0 + dt.timedelta(minutes=1))
    alarms.set_state(store, alarm, "OK", "r3", None, T0 + dt.timedelta(minutes=2))
    assert [(e.previous_state, e.state, e.changed) for e in heard] == [
        ("INSUFFICIENT_DATA", "ALARM", True),
        ("ALARM", "ALARM", False),
        ("ALARM", "OK", True),
    ]
    assert [e.actions for e in heard] == [["arn:aws:autoscaling:policy"], [], ["arn:ok"]]
    stored = alarms.load_alarm(store, ACC, REG, "cpu-high")
    assert stored is not None and stored.state_reason == "r3"  # r2 kept ALARM: reason of the transition
    assert stored.last_evaluated == T0 + dt.timedelta(minutes=2)
    unsubscribe()
    alarms.set_state(store, stored, "ALARM", "r4", None, T0)
    assert len(heard) == 3
    other = SqliteStore(":memory:")
    alarms.set_state(other, alarms.put_alarm(other, cpu_alarm()), "ALARM", "x")
    assert len(heard) == 3


def test_disabled_actions_and_set_alarm_state(store: SqliteStore) -> None:
    alarm = alarms.put_alarm(store, cpu_alarm(actions_enabled=False), now=T0)
    event = alarms.set_state(store, alarm, "ALARM", "testing", None, T0, evaluated=False)
    assert event.changed and event.actions == []
    stored = alarms.load_alarm(store, ACC, REG, "cpu-high")
    assert stored is not None and stored.last_evaluated is None and stored.state_reason == "testing"


def test_lookups_by_state_and_metric_and_deletion(store: SqliteStore) -> None:
    for name in ("b", "a", "c"):
        alarms.put_alarm(store, cpu_alarm(name), now=T0)
    math = cpu_alarm(
        "math",
        namespace=None,
        metric_name=None,
        statistic=None,
        period=None,
        metrics=[
            MetricQuery("m1", namespace="AWS/ECS", metric_name="CPUUtilization", period=30, stat="Average"),
            MetricQuery("e1", expression="m1*2", return_data=True),
        ],
    )
    alarms.put_alarm(store, math, now=T0)
    loaded_math = alarms.load_alarm(store, ACC, REG, "math")
    assert loaded_math is not None and loaded_math.metrics[1].expression == "m1*2"
    assert loaded_math.evaluation_period == 30 and cpu_alarm().evaluation_period == 60
    a = alarms.load_alarm(store, ACC, REG, "a")
    assert a is not None
    alarms.set_state(store, a, "ALARM", "x")
    assert [x.name for x in alarms.alarms_of(store, ACC, REG)] == ["a", "b", "c", "math"]
    assert [x.name for x in alarms.alarms_of(store, ACC, REG, state="ALARM")] == ["a"]
    assert [x.name for x in alarms.alarms_in_state(store, "INSUFFICIENT_DATA")] == ["b", "c", "math"]
    assert [x.name for x in alarms.alarms_of(store, ACC, REG, metric="AWS/ECS|CPUUtilization")] == [
        "a",
        "b",
        "c",
    ]
    assert alarms.delete_alarm(store, ACC, REG, "b") and not alarms.delete_alarm(store, ACC, REG, "b")
    assert len(alarms.all_alarms(store)) == 3
    assert alarms.history_of(store, ACC, REG, name="b")[0]["HistorySummary"] == 'Alarm "b" deleted'


def test_arns_and_history_retention(store: SqliteStore) -> None:
    assert alarms.parse_alarm_arn("arn:aws:cloudwatch:eu-west-1:123456789012:alarm:x:y") == (
        "123456789012",
        "eu-west-1",
        "x:y",
    )
    assert alarms.parse_alarm_arn("arn:aws:sns:eu-west-1:123456789012:topic") is None
    alarm = alarms.put_alarm(store, cpu_alarm(), now=T0)
    alarms.set_state(store, alarm, "ALARM", "x", None, T0 + dt.timedelta(days=20))
    assert alarms.prune_history(store, now=T0 + dt.timedelta(days=40)) == 1
    assert [i["HistoryItemType"] for i in alarms.history_of(store, ACC, REG)] == ["StateUpdate"]
    assert alarms.history_of(store, ACC, REG, item_type="ConfigurationUpdate") == []
