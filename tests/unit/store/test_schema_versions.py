"""One fixture per schema version: a database written at version N opens and migrates to latest
with its data intact. Add a fixture file vN.sql with every new migration: the rows version N adds."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from skiff.store import SqliteStore
from skiff.store.migrations import LATEST_VERSION, MIGRATIONS

FIXTURES = Path(__file__).parent / "fixtures"


def build_fixture(version: int, path: Path) -> None:
    """A database at `version`, grown as a real one grows: each migration up to `version`, then
    the rows that version wrote (fixture vN.sql holds only what version N adds)."""
    conn = sqlite3.connect(path)
    for migration in sorted(MIGRATIONS, key=lambda m: m.version):
        if migration.version <= version:
            conn.executescript(migration.sql)
            conn.executescript((FIXTURES / f"v{migration.version}.sql").read_text())
    conn.execute(f"PRAGMA user_version = {version}")
    conn.commit()
    conn.close()


@pytest.mark.parametrize("version", sorted(m.version for m in MIGRATIONS))
def test_every_schema_version_migrates_with_its_data(tmp_path: Path, version: int) -> None:
    assert (FIXTURES / f"v{version}.sql").exists(), f"add tests/unit/store/fixtures/v{version}.sql"
    path = tmp_path / f"v{version}.db"
    build_fixture(version, path)
    store = SqliteStore(path)
    assert store.version == LATEST_VERSION
    cluster = store.get("clusters", "arn:aws:ecs:us-east-1:000000000000:cluster/fixture")
    assert cluster is not None and cluster["clusterName"] == "fixture"
    revisions = store.find("task_definitions", {"family": "fixture"}, order_by=("revision",))
    assert [d["revision"] for d in revisions] == [1, 2]
    assert store.next_number("task-definition|000000000000|us-east-1|fixture") == 3
    if version >= 2:
        task = store.get(
            "tasks", "arn:aws:ecs:us-east-1:000000000000:task/fixture/0123456789abcdef0123456789abcdef"
        )
        assert task is not None and task["lastStatus"] == "STOPPED"
    if version >= 9:
        oldest = store.find("tasks", {"last_status": "STOPPED", "stopped_at": "2026-01-02T03:04:05+00:00"})
        assert [t["taskArn"].rsplit("/", 1)[-1] for t in oldest] == ["fedcba9876543210fedcba9876543210"]
    if version >= 12:
        from skiff.state.discovery import generation, zones

        (zone,) = zones(store)
        assert (zone.name, zone.vpc, [r.values[0].text for r in zone.records]) == (
            "local.",
            "vpc-fixture",
            ["172.31.0.9"],
        )
        assert generation(store) == 1
    if version >= 13:
        repository = "arn:aws:ecr:us-east-1:000000000000:repository/fixture/app"
        assert store.find("ecr_repositories", {"name": "fixture/app"})[0]["imageTagMutability"] == "IMMUTABLE"
        assert [i["imageTags"] for i in store.find("ecr_images", {"repository": repository})] == [["0.1"]]
    if version >= 17:
        from skiff.state import balancers

        (lb,) = balancers.load_balancers(store)
        assert balancers.address_of(lb) == "127.77.0.1"
        (tg,) = balancers.target_groups(store)
        assert balancers.deregistration_delay(tg) == 5
        assert [t["health"]["state"] for t in balancers.targets_of(store, tg["TargetGroupArn"])] == [
            "healthy"
        ]
    if version >= 19:
        from skiff.state import logs as log_records
        from skiff.state.scope import Scope

        group = log_records.get_group(store, Scope("000000000000", "us-east-1"), "/ecs/fixture")
        assert group is not None and group["retentionInDays"] == 7
        (stream,) = log_records.list_streams(store, log_records.gid_of(group))
        events = log_records.read_stream(store, stream.sid)
        assert [e.message for e in events] == ["first", "again"]
        cursor = log_records.get_cursor(store, "fixture-container")
        assert cursor == {"ts": "2023-11-14T22:13:20.002000000Z", "count": 1}
    if version >= 20:
        import datetime as dt

        from skiff.state import alarms, metrics

        key = metrics.MetricKey.of("000000000000", "us-east-1", "Fixture", "Load")
        start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        (point,) = metrics.query(store, key, start, start + dt.timedelta(hours=1), 3600)
        assert (point.stats.count, point.stats.maximum, point.unit) == (2, 50.0, "Percent")
        alarm = alarms.load_alarm(store, "000000000000", "us-east-1", "fixture-high")
        assert alarm is not None and (alarm.state_value, alarm.threshold) == ("OK", 80.0)
        assert [h["HistorySummary"] for h in alarms.history_of(store, "000000000000", "us-east-1")] == [
            'Alarm "fixture-high" created'
        ]
    if version >= 22:
        from skiff.state import autoscaling

        (target,) = autoscaling.targets_of(store, "000000000000", "us-east-1", "ecs")
        assert (target["MinCapacity"], target["MaxCapacity"]) == (1, 4)
        (policy,) = autoscaling.policies_of(store, "000000000000", "us-east-1", "ecs", "service/fixture/web")
        assert policy["StepScalingPolicyConfiguration"]["StepAdjustments"][0]["ScalingAdjustment"] == 2
        (action,) = autoscaling.scheduled_of(store, "000000000000", "us-east-1", "ecs")
        assert action["Schedule"] == "cron(0 2 * * ? *)"
        (activity,) = autoscaling.activities_of(store, "000000000000", "us-east-1", "ecs")
        assert activity["Description"] == "Setting desired count to 3."


def test_version_9_records_when_earlier_stopped_tasks_stopped(tmp_path: Path) -> None:
    path = tmp_path / "v8.db"
    build_fixture(8, path)
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO tasks (pk, account, region, cluster, family, last_status, desired_status, started_by,"
        " grp, doc) VALUES ('t1', 'a', 'r', 'c', 'f', 'STOPPED', 'STOPPED', '', '',"
        ' \'{"lastStatus":"STOPPED","stoppedAt":{"$dt":"2026-03-04T05:06:07+00:00"}}\')'
    )
    conn.commit()
    conn.close()
    store = SqliteStore(path)
    rows = store.find("tasks", {"stopped_at": "2026-03-04T05:06:07+00:00"})
    assert [r["stoppedAt"].isoformat() for r in rows] == ["2026-03-04T05:06:07+00:00"]
    # the v2 fixture's task never recorded a stop time: it sorts first, so it ages out first
    first = store.find("tasks", {"last_status": "STOPPED"}, order_by=("stopped_at",), limit=1)
    assert first[0]["taskArn"].endswith("0123456789abcdef0123456789abcdef")


def test_migrations_are_numbered_in_the_order_they_were_added() -> None:
    """A database at version N applies only versions above N: an entry numbered below one before
    it would be skipped on every existing database, so numbers only grow along the tuple."""
    versions = [m.version for m in MIGRATIONS]
    assert versions == sorted(set(versions)), versions
