"""`skiff reset`: back to a fresh engine (every resource gone, containers and balancers stopped),
after a confirmation (`--yes` skips it), through `POST /_skiff/reset`."""

from __future__ import annotations

from typing import Annotated

import typer

from skiff.commands.common import CommandError, Endpoint, Engine, Json, err, guarded, out, print_json


def register(app: typer.Typer) -> None:
    @app.command()
    @guarded
    def reset(
        yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for a confirmation.")] = False,
        endpoint: Endpoint = None,
        json: Json = False,
    ) -> None:
        """Wipe skiff's state: every resource of every service, its tasks' containers and balancers."""
        engine = Engine.connect(endpoint)
        question = (
            f"Reset skiff at {engine.endpoint}? Every cluster, task, service, balancer, log and metric "
            "goes, and running containers are stopped."
        )
        if not yes and not typer.confirm(question, default=False, err=True):
            err.print("not reset")
            raise typer.Exit(1)
        reply = engine.internal("POST", "/_skiff/reset")
        if json:
            print_json(reply)
        failed = reply.get("failed") or {}
        if failed:
            raise CommandError("reset incomplete: " + "; ".join(f"{k}: {v}" for k, v in failed.items()))
        if not json:
            out.print(
                f"skiff at {engine.endpoint} reset in {reply.get('seconds', 0):.2f} s "
                f"({len(reply.get('hooks') or [])} steps)"
            )
