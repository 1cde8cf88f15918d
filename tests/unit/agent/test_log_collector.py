"""The awslogs collector against a fake Docker log API on a real SQLite store: a follow that
Docker ends at the container's exit before the log's end is read to the end, a restart resumes
from the stored cursor (lines sharing a timestamp neither lost nor repeated), multi-line events
join (the last stored at the end), blocking mode keeps every line while non-blocking drops what
does not fit, and a missing group or a refused option fails the container with the driver's text."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from skiff.agent.log_collector import DRIVER_FAILED, LogCollector
from skiff.state import logs as records
from skiff.state.scope import Scope
from skiff.store import SqliteStore

SCOPE = Scope("000000000000", "us-east-1")
BASE_NS = 1_790_000_000_000_000_000  # 2026-09-21, a whole second


def stamp(ns: int) -> bytes:
    """Docker's RFC 3339 nano timestamp: the fraction's trailing zeros cut, none at all if zero."""
    text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ns // 1_000_000_000))
    fraction = f"{ns % 1_000_000_000:09d}".rstrip("0")
    return f"{text}{'.' + fraction if fraction else ''}Z".encode()


class FakeDocker:
    """Serves `lines` ((ns, text)) as Docker's log endpoint would; a follow ends after `follow_cut`
    lines, as Docker ends it when the container dies, wherever its reader is."""

    def __init__(self, lines: list[tuple[int, str]], *, follow_cut: int | None = None) -> None:
        self.lines = lines
        self.follow_cut = follow_cut
        self.running = False
        self.calls: list[tuple[bool, float | None]] = []

    async def container_log_batches(
        self, container_id: str, *, follow: bool, since: float | None = None, timestamps: bool = True
    ) -> AsyncIterator[list[tuple[str, bytes]]]:
        """Lines in batches of three, as chunks of Docker's body cut them (anywhere)."""
        self.calls.append((follow, since))
        chosen = [(ns, text) for ns, text in self.lines if since is None or ns / 1e9 >= since]
        if follow and self.follow_cut is not None:
            chosen = chosen[: self.follow_cut]
        for at in range(0, len(chosen), 3):
            yield [("stdout", stamp(ns) + b" " + text.encode()) for ns, text in chosen[at : at + 3]]

    async def inspect_container(self, container_id: str) -> dict[str, Any]:
        return {"Id": container_id, "State": {"Running": self.running}}


def runner(**options: str) -> Any:
    log_configuration = {
        "logDriver": "awslogs",
        "options": {"awslogs-group": "/g", "awslogs-stream-prefix": "ecs", **options},
    }
    return SimpleNamespace(
        task_id="task1",
        internal={
            "containers": [{"name": "app", "logConfiguration": log_configuration}],
            "region": "us-east-1",
            "account": "000000000000",
        },
        states={"app": SimpleNamespace(container_id="c1")},
    )


def collect(store: SqliteStore, docker: FakeDocker, task: Any) -> str | None:
    """Prepare and follow the container until its stopped log is stored; the prepare failure."""

    async def scenario() -> str | None:
        collector = LogCollector(docker, store)  # type: ignore[arg-type]
        reason = collector.prepare(task, "app")
        if reason is None:
            collector.follow(task, "app")
            await collector.drain(task, timeout=10)
        await collector.stop()
        return reason

    return asyncio.run(scenario())


def messages(store: SqliteStore) -> list[str]:
    group = records.get_group(store, SCOPE, "/g")
    assert group is not None
    stream = records.get_stream(store, records.gid_of(group), "ecs/app/task1")
    assert stream is not None
    return [e.message for e in records.read_stream(store, stream.sid, limit=100_000)]


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    store = SqliteStore(tmp_path / "s.db")
    records.create_group(store, SCOPE, "/g")
    return store


def test_a_follow_docker_ends_at_the_exit_is_read_to_the_log_end(store: SqliteStore) -> None:
    lines = [(BASE_NS + i * 1000, f"line {i}") for i in range(1, 11)]
    docker = FakeDocker(lines, follow_cut=3)
    assert collect(store, docker, runner()) is None
    assert messages(store) == [f"line {i}" for i in range(1, 11)]
    assert [follow for follow, _ in docker.calls] == [True, False]  # once more, without follow
    since = docker.calls[1][1]
    cursor = lines[2][0] / 1e9  # the last line stored, less Docker's precision
    assert since is not None and cursor - 2e-6 < since < cursor


def test_a_restart_resumes_from_the_cursor_without_gap_or_duplicate(store: SqliteStore) -> None:
    # lines 4, 5 and 6 carry one timestamp: the cut falls between them
    ns = [BASE_NS + i * 1000 for i in (1, 2, 3, 4, 4, 4, 7, 8)]
    lines = [(n, f"line {i}") for i, n in enumerate(ns, 1)]
    collect(store, FakeDocker(lines[:5]), runner())  # the server is killed after line 5
    assert messages(store) == [f"line {i}" for i in range(1, 6)]
    assert records.get_cursor(store, "c1") == {"ns": ns[4], "count": 2}
    again = FakeDocker(lines)  # after the restart Docker has the whole log
    collect(store, again, runner())
    assert messages(store) == [f"line {i}" for i in range(1, 9)]
    assert again.calls[0][1] is not None and again.calls[0][1] < ns[3] / 1e9  # since just before


def test_multiline_events_join_and_the_last_is_stored_at_the_end(store: SqliteStore) -> None:
    texts = ["INFO start", "  at one", "  at two", "INFO next", "  tail"]
    lines = [(BASE_NS + i * 1000, t) for i, t in enumerate(texts)]
    collect(store, FakeDocker(lines), runner(**{"awslogs-multiline-pattern": "^INFO"}))
    assert messages(store) == ["INFO start\n  at one\n  at two", "INFO next\n  tail"]


def test_datetime_format_starts_events(store: SqliteStore) -> None:
    texts = ["[2026-12-02 10:00:00] boom", "Traceback", "[2026-12-02 10:00:01] ok"]
    lines = [(BASE_NS + i * 1000, t) for i, t in enumerate(texts)]
    collect(store, FakeDocker(lines), runner(**{"awslogs-datetime-format": r"\[%Y-%m-%d %H:%M:%S\]"}))
    assert messages(store) == ["[2026-12-02 10:00:00] boom\nTraceback", "[2026-12-02 10:00:01] ok"]


def test_empty_lines_are_not_events(store: SqliteStore) -> None:
    lines = [(BASE_NS + 1000, "a"), (BASE_NS + 2000, ""), (BASE_NS + 3000, "b")]
    collect(store, FakeDocker(lines), runner())
    assert messages(store) == ["a", "b"]


def test_blocking_keeps_every_line_non_blocking_drops_what_does_not_fit(tmp_path: Path) -> None:
    lines = [(BASE_NS + i * 1000, f"line {i:04d}") for i in range(1, 501)]
    blocking = SqliteStore(tmp_path / "b.db")
    records.create_group(blocking, SCOPE, "/g")
    collect(blocking, FakeDocker(lines), runner(mode="blocking", **{"max-buffer-size": "200"}))
    assert messages(blocking) == [text for _, text in lines]

    dropping = SqliteStore(tmp_path / "n.db")
    records.create_group(dropping, SCOPE, "/g")
    collect(dropping, FakeDocker(lines), runner(mode="non-blocking", **{"max-buffer-size": "200"}))
    kept = messages(dropping)
    assert 0 < len(kept) < len(lines)
    assert kept == sorted(kept) and len(set(kept)) == len(kept)  # still in order, each once


def test_a_missing_group_fails_the_container_and_create_group_makes_it(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db")
    lines = [(BASE_NS + 1000, "hello")]
    reason = collect(store, FakeDocker(lines), runner())
    assert reason is not None and reason.startswith(DRIVER_FAILED)
    assert "ResourceNotFoundException: The specified log group does not exist. status code: 400" in reason
    assert records.get_group(store, SCOPE, "/g") is None
    assert collect(store, FakeDocker(lines), runner(**{"awslogs-create-group": "true"})) is None
    assert messages(store) == ["hello"]


def test_refused_options_fail_the_container_with_dockers_text(store: SqliteStore) -> None:
    reason = collect(store, FakeDocker([]), runner(mode="sometimes"))
    assert reason == f"{DRIVER_FAILED}logger: no log driver mode named 'sometimes'"
