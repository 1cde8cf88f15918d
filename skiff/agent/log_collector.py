"""The awslogs collector: each container whose logConfiguration names the awslogs driver has its
Docker log stream (stdout and stderr, with Docker's timestamps) followed and stored as CloudWatch
Logs events through skiff/state/logs.py.

Before a container starts, `prepare` makes its stream (and its group, with
`awslogs-create-group=true`); a missing group fails the container as on Fargate. A follower
reads the lines in order and a writer stores them in batches: every batch is one transaction
together with the container's cursor (the timestamp of the last line stored and how many lines
carried exactly that timestamp). After a restart a follower resumes from its cursor (Docker's
`since`, then the lines at the cursor's timestamp it already has are skipped), so no line is
lost or stored twice, even after `kill -9`.

`mode=blocking` stops reading while `max-buffer-size` bytes wait to be stored; `non-blocking`
(the default) drops lines instead, as Docker's ring buffer does. Either way the container itself
never blocks: Docker's own log file sits between it and the collector.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from skiff.agent.awslogs import (
    AwsLogsConfig,
    Event,
    Joiner,
    Line,
    OptionError,
    config_for,
    split_line,
    uses_awslogs,
)
from skiff.runtime.docker import DockerClient, DockerError
from skiff.state import logs as records
from skiff.state.scope import Scope
from skiff.store.base import Store

if TYPE_CHECKING:
    from skiff.agent.runner import TaskRunner

log = logging.getLogger("skiff.agent.logs")

DRIVER_FAILED = "CannotStartContainerError: Error response from daemon: failed to initialize logging driver: "
FLUSH_DELAY = 0.05  # seconds a writer waits after the first new line, to batch what follows
IDLE_FLUSH = 1.0  # a multi-line event still open after this long without a new line is stored
MAX_BATCH = 5_000  # events per transaction
RECHECK = 5.0  # seconds between checks that the stream still exists


def missing_group_reason() -> str:
    return (
        f"{DRIVER_FAILED}failed to create Cloudwatch log stream: ResourceNotFoundException: "
        f"The specified log group does not exist. status code: 400, request id: {uuid.uuid4()}"
    )


@dataclass
class _Follower:
    container_id: str
    scope: Scope
    config: AwsLogsConfig
    pending: list[Event] = field(default_factory=list)
    pending_bytes: int = 0
    dropped: int = 0
    stream: records.Stream | None = None
    checked: float = 0.0
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    room: asyncio.Event = field(default_factory=asyncio.Event)
    finished: bool = False
    last_line: float = field(default_factory=time.monotonic)
    joiner: Joiner = field(default_factory=lambda: Joiner(None))


class LogCollector:
    def __init__(self, docker: DockerClient, store: Store) -> None:
        self.docker = docker
        self.store = store
        self._tasks: dict[str, asyncio.Task[None]] = {}

    # -- what the runner calls --------------------------------------------------------------------
    def _config(self, runner: TaskRunner, name: str) -> AwsLogsConfig | None:
        container = next((c for c in runner.internal["containers"] if c["name"] == name), None)
        if container is None or not uses_awslogs(container):
            return None
        return config_for(
            container, runner.task_id, runner.internal["region"], runner.states[name].container_id
        )

    def prepare(self, runner: TaskRunner, name: str) -> str | None:
        """Make the container's log stream before it starts; the failure reason, if any."""
        try:
            config = self._config(runner, name)
        except OptionError as exc:
            return f"{DRIVER_FAILED}{exc}"
        if config is None:
            return None
        scope = Scope(runner.internal["account"], config.region)
        stream = records.ensure_stream(self.store, scope, config.group, config.stream, config.create_group)
        return None if stream is not None else missing_group_reason()

    def follow(self, runner: TaskRunner, name: str) -> None:
        """Collect a started container's output (again, after a restart, from its cursor)."""
        container_id = runner.states[name].container_id
        if not container_id:
            return
        running = self._tasks.get(container_id)
        if running is not None and not running.done():
            return
        try:
            config = self._config(runner, name)
        except OptionError as exc:
            log.warning("task %s container %s: awslogs options refused: %s", runner.task_id, name, exc)
            return
        if config is None:
            return
        follower = _Follower(container_id, Scope(runner.internal["account"], config.region), config)
        follower.joiner = Joiner(config.first_line)
        task = asyncio.get_running_loop().create_task(
            self._run(follower), name=f"awslogs-{container_id[:12]}"
        )
        self._tasks[container_id] = task
        task.add_done_callback(functools.partial(self._forget, container_id))

    def _forget(self, container_id: str, task: asyncio.Task[None]) -> None:
        if self._tasks.get(container_id) is task:
            del self._tasks[container_id]

    async def drain(self, runner: TaskRunner, timeout: float = 30.0) -> None:
        """Wait until the stopped containers' last lines are stored."""
        tasks = [self._tasks[s.container_id] for s in runner.states.values() if s.container_id in self._tasks]
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)

    async def stop(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    # -- following --------------------------------------------------------------------------------
    async def _run(self, follower: _Follower) -> None:
        writer = asyncio.get_running_loop().create_task(self._write(follower))
        try:
            await self._read(follower)
        except asyncio.CancelledError:
            writer.cancel()  # what was not stored is read again from the cursor next time
            with contextlib.suppress(asyncio.CancelledError):
                await writer
            raise
        except Exception:
            log.exception("awslogs for %s failed", follower.container_id[:12])
        follower.finished = True
        follower.wake.set()
        await writer

    async def _read(self, follower: _Follower) -> None:
        cursor = records.get_cursor(self.store, follower.container_id)
        last_ns = int(cursor["ns"]) if cursor else -1
        same = int(cursor["count"]) if cursor else 0
        joiner = follower.joiner
        blocking = follower.config.mode == "blocking"
        keep_empty = follower.config.first_line is not None
        follow = True
        while True:
            skip_ns, skip = last_ns, same
            since = (last_ns - 1_000) / 1e9 if last_ns >= 0 else None
            try:
                async for batch in self.docker.container_log_batches(
                    follower.container_id, follow=follow, since=since, timestamps=True
                ):
                    follower.last_line = time.monotonic()
                    for _stream, raw in batch:
                        ns, text = split_line(raw)
                        if ns < skip_ns or (ns == skip_ns and skip > 0):
                            if ns == skip_ns:
                                skip -= 1
                            continue
                        if ns == last_ns:
                            same += 1
                        else:
                            last_ns, same = ns, 1
                        if not text and keep_empty is False:
                            continue  # the driver sends no empty events
                        event = joiner.feed(Line(ns, text, same))
                        if event is not None:
                            await self._queue(follower, event, blocking)
            except DockerError as exc:
                log.warning("awslogs for %s: %s", follower.container_id[:12], exc)
                break
            if not follow:
                break  # the stopped container's log was read to its end
            info = await self._inspect(follower.container_id)
            if info is None:
                break
            if not (info.get("State") or {}).get("Running"):
                follow = False  # Docker ends a follow at the exit, not always at the log's end
        last = joiner.flush()
        if last is not None:
            await self._queue(follower, last, False)

    async def _queue(self, follower: _Follower, event: Event, blocking: bool) -> None:
        size = len(event.message) + 26
        if follower.pending_bytes + size > follower.config.max_buffer_size and follower.pending:
            if not blocking:
                follower.dropped += 1
                return
            follower.room.clear()
            follower.wake.set()
            await follower.room.wait()
        follower.pending.append(event)
        follower.pending_bytes += size
        follower.wake.set()

    async def _write(self, follower: _Follower) -> None:
        while True:
            if not follower.pending and not follower.finished:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(follower.wake.wait(), IDLE_FLUSH)
                follower.wake.clear()
                if not follower.pending:
                    self._idle(follower)
                    continue
                await asyncio.sleep(FLUSH_DELAY)
            if follower.pending:
                batch = follower.pending[:MAX_BATCH]
                del follower.pending[:MAX_BATCH]
                follower.pending_bytes = sum(len(e.message) + 26 for e in follower.pending)
                self._store(follower, batch)
                follower.room.set()
            elif follower.finished:
                return

    def _idle(self, follower: _Follower) -> None:
        """Store a multi-line event whose container has gone quiet."""
        joiner = follower.joiner
        if joiner.pending and time.monotonic() - follower.last_line >= IDLE_FLUSH:
            event = joiner.flush()
            if event is not None:
                follower.pending.append(event)

    def _store(self, follower: _Follower, batch: list[Event]) -> None:
        config = follower.config
        now = time.monotonic()
        if follower.stream is None or now - follower.checked > RECHECK:
            follower.stream = records.ensure_stream(
                self.store, follower.scope, config.group, config.stream, config.create_group
            )
            follower.checked = now
        last = batch[-1].last
        cursor = (follower.container_id, {"ns": last.ns, "count": last.count})
        if follower.stream is None:  # the group went away: the driver loses these lines
            records.put_cursor(self.store, *cursor)
            log.warning("awslogs group %s is gone: %d lines lost", config.group, len(batch))
            return
        if follower.dropped:
            log.warning(
                "awslogs %s: %d lines dropped (non-blocking buffer full)", config.stream, follower.dropped
            )
            follower.dropped = 0
        records.append(self.store, follower.stream, [(e.ts_ms, e.message) for e in batch], cursor=cursor)

    async def _inspect(self, container_id: str) -> dict[str, Any] | None:
        try:
            return await self.docker.inspect_container(container_id)
        except DockerError:
            return None
