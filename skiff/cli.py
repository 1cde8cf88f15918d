"""The `skiff` command line: `skiff server` runs the endpoint; the commands that look at and steer
what runs (status, ps, services, logs, events, wait, top, exec, reset) live in skiff/commands/."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from skiff import __version__
from skiff.commands import events, logs, reset, services, status, tasks, top
from skiff.config import Config
from skiff.server import serve

app = typer.Typer(help="skiff: a self-hosted, AWS-compatible Fargate.", no_args_is_help=True)
console = Console()


def _announce(config: Config) -> None:
    console.print(f"[bold green]skiff {__version__}[/] is serving AWS APIs on [bold]{config.endpoint}[/]")
    console.print(
        f"state: {config.data_dir}   account: {config.account_id}   region: {config.default_region}"
    )
    console.print("Point the aws CLI or an SDK at it:")
    console.print(f"  [bold]export AWS_ENDPOINT_URL={config.endpoint}[/]")
    console.print(
        f"  [bold]export AWS_ACCESS_KEY_ID={config.root_access_key_id} "
        f"AWS_SECRET_ACCESS_KEY={config.root_secret_access_key}[/]   (the account root's keys)"
    )
    if not config.auth:
        console.print("  [yellow]SKIFF_AUTH=off: signatures are not verified and any key acts as the root[/]")
    console.print("  aws ecs list-clusters")
    # service discovery: DiscoverInstances' `data-` host prefix cannot go in front of an IP address
    console.print(
        "  [bold]export AWS_DISABLE_HOST_PREFIX_INJECTION=true[/]"
        "  (for aws servicediscovery discover-instances)"
    )


@app.command()
def server(
    host: Annotated[str | None, typer.Option(help="Address to listen on (SKIFF_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (SKIFF_PORT).")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="State directory (SKIFF_DATA_DIR).")] = None,
    log_level: Annotated[str, typer.Option(help="Log level.")] = "INFO",
) -> None:
    """Run the skiff server in the foreground."""
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = Config.from_env(host=host, port=port, data_dir=data_dir)
    asyncio.run(serve(config, on_ready=_announce))


@app.command()
def version() -> None:
    """Print the version."""
    console.print(__version__)


for group in (status, tasks, services, logs, events, top, reset):
    group.register(app)


def main() -> None:
    app()
