"""Versioned schema migrations. Version N is `MIGRATIONS[N - 1]`; never edit a shipped one.

`PRAGMA user_version` holds the applied version. A new schema change is a new entry at the end,
with a fixture test in tests/unit/store that opens a database of every older version.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "initial: counters, ECS clusters, task definitions, tags, account settings",
        """
        CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
        CREATE TABLE clusters (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
            name TEXT NOT NULL, status TEXT NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX clusters_by_name ON clusters (account, region, name);
        CREATE TABLE task_definitions (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
            family TEXT NOT NULL, revision INTEGER NOT NULL, status TEXT NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX task_definitions_by_family ON task_definitions (account, region, family, revision);
        CREATE TABLE tags (pk TEXT PRIMARY KEY, doc TEXT NOT NULL);
        CREATE TABLE account_settings (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
            principal TEXT NOT NULL, name TEXT NOT NULL, doc TEXT NOT NULL);
        """,
    ),
    Migration(
        2,
        "ECS tasks",
        """
        CREATE TABLE tasks (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, cluster TEXT NOT NULL,
            family TEXT NOT NULL, last_status TEXT NOT NULL, desired_status TEXT NOT NULL,
            started_by TEXT NOT NULL, grp TEXT NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX tasks_by_cluster ON tasks (cluster, desired_status);
        CREATE INDEX tasks_by_status ON tasks (last_status);
        """,
    ),
)

LATEST_VERSION = MIGRATIONS[-1].version
