"""Assembles the skiff server: store, providers, gateway, and the aiohttp application."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable

from aiohttp import web

from skiff.agent.engine import Agent
from skiff.api.gateway import MAX_BODY_BYTES, Gateway
from skiff.api.provider import Provider
from skiff.config import Config
from skiff.services.ec2.provider import Ec2Provider
from skiff.services.ecs.enis import NetworkInterfaceRecorder
from skiff.services.ecs.provider import EcsProvider
from skiff.store import SqliteStore, Store

log = logging.getLogger("skiff")


def build_providers(store: Store) -> dict[str, Provider]:
    providers: list[Provider] = [EcsProvider(store), Ec2Provider(store)]
    return {p.service: p for p in providers}


def connect_agent(providers: dict[str, Provider], agent: Agent) -> None:
    """The ECS task backend launches through the agent and finds subnets through EC2."""
    ecs = providers["ecs"]
    assert isinstance(ecs, EcsProvider)
    ecs.tasks.launcher = agent
    ec2 = providers.get("ec2")
    if isinstance(ec2, Ec2Provider):
        ecs.tasks.subnets = ec2
        agent.env.on_eni = NetworkInterfaceRecorder(ec2.backend)


def build_app(config: Config, store: Store | None = None) -> web.Application:
    config.data_dir.mkdir(parents=True, exist_ok=True)
    store = store or SqliteStore(config.database_path)
    providers = build_providers(store)
    agent = Agent(store, cleanup_seconds=config.task_cleanup_seconds)
    connect_agent(providers, agent)
    gateway = Gateway(providers, config.account_id, config.default_region)
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app.router.add_route("*", "/{tail:.*}", gateway.handle)

    async def start_agent(_: web.Application) -> None:
        await agent.start()

    async def stop_agent(_: web.Application) -> None:
        await agent.stop()
        store.close()

    app.on_startup.append(start_agent)
    app.on_cleanup.append(stop_agent)
    return app


async def serve(config: Config, on_ready: Callable[[Config], None] | None = None) -> None:
    """Run until SIGINT/SIGTERM."""
    app = build_app(config)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, config.host, config.port, reuse_address=True)
    await site.start()
    if on_ready is not None:
        on_ready(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
