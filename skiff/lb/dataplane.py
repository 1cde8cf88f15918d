"""Applies a `DataPlane` to the running HAProxy with the least disturbance.

A change of structure (listeners, rules, target groups' settings) is checked, installed and
loaded by a seamless reload. A change of servers only (targets registered, deregistered,
draining, leaving their initial phase) goes through the runtime API: `add server`, `set server
... weight`, `del server`; the file is rewritten too, so a later reload or restart starts from the
same servers. A server's weight is 0 while it drains and while it is in its initial phase (see
health.py), so HAProxy sends it no new requests then.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from pathlib import Path

from skiff.lb.health import Health, classify, initial_over
from skiff.lb.model import Backend, DataPlane, Server
from skiff.lb.render import fail_open_servers, render, server_args
from skiff.lb.runtime import CommandError
from skiff.lb.supervisor import Supervisor

log = logging.getLogger("skiff.lb")

STRUCTURE_FILE = "structure.cfg"


class DataPath:
    def __init__(self, supervisor: Supervisor) -> None:
        self.supervisor = supervisor
        self.structure: str | None = None
        self.added: dict[tuple[str, str], float] = {}  # servers skiff added: when (monotonic)
        self.settled: set[tuple[str, str]] = set()  # servers past their initial phase
        self.rows: dict[tuple[str, str], dict[str, str]] = {}  # the last `show stat` server rows
        self.reloads = 0

    @property
    def _structure_path(self) -> Path:
        return self.supervisor.directory / STRUCTURE_FILE

    async def start(self, plane: DataPlane) -> None:
        """Adopt the HAProxy a previous skiff left (its servers count as settled), or start one."""
        self.supervisor.prepare()
        if await self.supervisor.adopt():
            try:
                self.structure = self._structure_path.read_text()
            except OSError:
                self.structure = None
            await self.poll()
            self.settled.update(self.rows)
        else:
            full = render(self.effective(plane), self.supervisor.directory)
            await self.supervisor.check(full)
            self.supervisor.install(full)
            await self.supervisor.start()
            self._remember_structure(plane)
            self._note_new(plane, set())
        await self.apply(plane)

    def _remember_structure(self, plane: DataPlane) -> None:
        self.structure = render(plane.without_servers(), self.supervisor.directory)
        self._structure_path.write_text(self.structure)

    def _note_new(self, plane: DataPlane, live: set[tuple[str, str]]) -> None:
        moment = time.monotonic()
        for backend in plane.backends:
            for server in backend.servers:
                key = (backend.name, server.name)
                if key not in live and key not in self.added and key not in self.settled:
                    self.added[key] = moment

    def elapsed(self, key: tuple[str, str]) -> float | None:
        if key in self.settled or key not in self.added:
            return None
        return time.monotonic() - self.added[key]

    def effective(self, plane: DataPlane) -> DataPlane:
        """The plane with weight 0 for servers draining or still in their initial phase."""
        backends = []
        for backend in plane.backends:
            servers = []
            for server in backend.servers:
                key = (backend.name, server.name)
                row = self.rows.get(key)
                settled = key in self.settled or (
                    row is not None and initial_over(row, backend.health, self.elapsed(key))
                )
                if settled:
                    self.settled.add(key)
                    self.added.pop(key, None)
                if not settled and key not in self.settled:
                    server = dataclasses.replace(server, weight=0)
                # fail-open (render.fail_open_servers): targets that are healthy or unhealthy,
                # not those still initial
                marked_down = row is not None and int(row.get("chkdown") or 0) > 0
                if key in self.settled or marked_down:
                    server = dataclasses.replace(server, fail_open=True)
                servers.append(server)
            backends.append(dataclasses.replace(backend, servers=tuple(servers)))
        return DataPlane(plane.frontends, tuple(backends))

    async def apply(self, plane: DataPlane) -> None:
        structure = render(plane.without_servers(), self.supervisor.directory)
        if structure != self.structure:
            self._note_new(plane, set(self.rows))
            full = render(self.effective(plane), self.supervisor.directory)
            await self.supervisor.check(full)
            self.supervisor.install(full)
            await self.supervisor.reload()
            self.reloads += 1
            self._remember_structure(plane)
            log.info(
                "HAProxy reloaded (%d frontends, %d backends)", len(plane.frontends), len(plane.backends)
            )
        await self.poll()
        self._note_new(plane, set())
        effective = self.effective(plane)
        if await self._sync_servers(effective):
            self.supervisor.install(render(effective, self.supervisor.directory))

    async def _sync_servers(self, plane: DataPlane) -> bool:
        live = {
            (row["be_name"], row["srv_name"]): row for row in await self.supervisor.runtime.servers_state()
        }
        changed = False
        wanted: dict[tuple[str, str], tuple[Backend, Server]] = {
            (b.name, s.name): (b, s) for b in plane.backends for s in b.servers
        }
        twins = {(b.name, name): args for b in plane.backends for name, args in fail_open_servers(b)}
        for key, (backend, server) in wanted.items():
            row = live.get(key)
            weight = 0 if server.draining else server.weight
            try:
                if row is None:
                    await self.supervisor.runtime.add_server(
                        backend.name, server.name, server_args(backend, server), backend.health.enabled
                    )
                    changed = True
                elif int(row.get("srv_uweight") or -1) != weight:
                    await self.supervisor.runtime.set_weight(backend.name, server.name, weight)
                    changed = True
            except CommandError as exc:
                log.warning("HAProxy: %s", exc)
        for key, args in twins.items():
            if key not in live:
                try:
                    await self.supervisor.runtime.add_server(*key, args, False)
                    changed = True
                except CommandError as exc:
                    log.warning("HAProxy: %s", exc)
        backends = {b.name for b in plane.backends}
        for key in live:
            if key not in wanted and key not in twins and key[0] in backends:
                try:
                    await self.supervisor.runtime.del_server(*key)
                    changed = True
                except CommandError as exc:
                    log.warning("HAProxy: %s", exc)
                self.added.pop(key, None)
                self.settled.discard(key)
        return changed

    async def poll(self) -> dict[tuple[str, str], dict[str, str]]:
        """Refresh the server rows of `show stat`."""
        rows = await self.supervisor.runtime.stat()
        self.rows = {
            (row["pxname"], row["svname"]): row
            for row in rows
            if row.get("svname") not in ("FRONTEND", "BACKEND")
        }
        return self.rows

    def health(self, backend: Backend, server: Server) -> Health:
        key = (backend.name, server.name)
        return classify(self.rows.get(key), backend.health, self.elapsed(key))
