"""`skiff status`: the engine and each part it runs (Docker, HAProxy, the registry, the tasks'
DNS resolver), up or not, with versions, the data dir and the endpoint — from `GET /_skiff/status`
(no AWS API reports them). Exit 1 when the engine does not answer; a part that is down is shown,
not an error (HAProxy, for one, starts with the first load balancer)."""

from __future__ import annotations

from typing import Any

import typer

from skiff.commands.common import Endpoint, Engine, Json, guarded, out, print_json
from skiff.commands.formatting import DASH, table

DETAIL_KEYS = ("address", "tasks", "pid", "balancers", "note", "error")


def part_rows(reply: dict[str, Any]) -> list[list[str]]:
    """One row per part: name, up, version, details (key=value)."""
    engine = reply.get("engine", {})
    rows = [
        [
            "engine",
            "up" if engine.get("up") else "down",
            str(engine.get("version") or DASH),
            f"endpoint={engine.get('endpoint', DASH)} data_dir={engine.get('data_dir', DASH)}",
        ]
    ]
    for name, part in sorted((reply.get("parts") or {}).items()):
        details = " ".join(f"{k}={part[k]}" for k in DETAIL_KEYS if part.get(k) not in (None, ""))
        up = "up" if part.get("up") else ("off" if part.get("enabled") is False else "down")
        rows.append([name, up, str(part.get("version") or DASH), details])
    return rows


def register(app: typer.Typer) -> None:
    @app.command()
    @guarded
    def status(endpoint: Endpoint = None, json: Json = False) -> None:
        """The engine and its parts (Docker, HAProxy, registry, DNS): up or not, versions."""
        engine = Engine.connect(endpoint)
        reply = engine.internal("GET", "/_skiff/status", timeout=30)
        if json:
            print_json(reply)
            return
        about = reply.get("engine", {})
        out.print(
            f"skiff {about.get('version', DASH)} at {engine.endpoint} "
            f"(account {about.get('account', DASH)}, region {about.get('region', DASH)})"
        )
        out.print(table(["PART", "STATE", "VERSION", "DETAILS"], part_rows(reply)))
