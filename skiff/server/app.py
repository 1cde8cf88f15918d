"""Assembles the skiff server: store, providers, agent, gateway, and the listening sockets.

The API listens on `SKIFF_HOST:SKIFF_PORT`; where the host allows it, skiff also listens on
169.254.170.2 (the task metadata/credentials endpoint, and the API for SDKs inside tasks).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from skiff.agent.engine import Agent
from skiff.agent.metadata.agent_state import RunnerMetadataState
from skiff.agent.metadata.ratelimit import RateLimiter
from skiff.agent.metadata.server import MetadataEndpoint
from skiff.agent.metadata.stats import StatsSampler
from skiff.agent.task_dns import TaskDns
from skiff.api.gateway import MAX_BODY_BYTES, Gateway
from skiff.config import Config
from skiff.console.access import Gatekeeper
from skiff.console.backend import ConsoleBackend
from skiff.console.internal import InternalEndpoints, StatusBoard
from skiff.console.reset import Phase, ResetHooks
from skiff.console.web import Console
from skiff.controllers.autoscaling import AutoScalingController
from skiff.controllers.discovery_registration import DiscoveryRegistration
from skiff.controllers.logs_retention import LogRetention
from skiff.controllers.service_scheduler import ServiceScheduler
from skiff.controllers.task_retention import StoppedTaskRetention
from skiff.dns.cloudmap import CloudMapSource
from skiff.lb.dns_source import BalancerNames
from skiff.net.hosts import HostsFile
from skiff.net.linklocal import ADDRESS, LinkLocalRedirects
from skiff.security.sealing import Sealer
from skiff.server.providers import (
    build_authorizer,
    build_providers,
    connect_agent,
    credentials_source,
    registry_checker,
    state_reset_hooks,
)
from skiff.server.wiring import (
    connect_load_balancing,
    connect_metrics,
    connect_registry,
    connect_security_groups,
    connect_status,
)
from skiff.services.application_autoscaling.provider import ApplicationAutoScalingProvider
from skiff.services.ecs.config_sources import ServiceConfigSources
from skiff.services.ecs.provider import EcsProvider
from skiff.services.elbv2.ecs_links import load_balancer_checker
from skiff.services.elbv2.provider import Elbv2Provider
from skiff.services.iam.provider import IamProvider
from skiff.services.servicediscovery.ecs_links import namespace_resolver
from skiff.services.servicediscovery.provider import ServiceDiscoveryProvider
from skiff.store import SqliteStore, Store

log = logging.getLogger("skiff")


@dataclass
class Server:
    """The parts `serve` starts: the API app, the metadata app and the agent."""

    api: web.Application
    metadata: web.Application
    agent: Agent
    resets: ResetHooks


def build(config: Config, store: Store | None = None) -> Server:
    config.data_dir.mkdir(parents=True, exist_ok=True)
    store = store or SqliteStore(config.database_path)
    providers = build_providers(store, Sealer.for_data_dir(config.data_dir), config.data_dir)
    linklocal = LinkLocalRedirects(config.metadata_port, config.port)
    instance = config.instance_id()
    # service discovery: the resolver tasks use answers Cloud Map's zones, forwards the rest
    cloudmap = CloudMapSource(store)
    # load balancing: balancers' names answer tasks with their task-facing addresses
    balancer_names = BalancerNames(store)
    dns = TaskDns([cloudmap, balancer_names], instance, port=config.dns_port)
    agent = Agent(
        store, cleanup_seconds=config.task_cleanup_seconds, linklocal=linklocal, instance=instance, dns=dns
    )
    connect_agent(providers, agent)
    gateway = Gateway(providers, config.account_id, config.default_region)
    iam = providers["iam"]
    assert isinstance(iam, IamProvider)
    gateway.authorizer = authorizer = build_authorizer(providers, config)
    assert isinstance(agent.env.config_sources, ServiceConfigSources)
    agent.env.config_sources.role_allows = authorizer.role_allows
    gateway.task_address = ADDRESS
    api = web.Application(client_max_size=MAX_BODY_BYTES)
    gate = Gatekeeper(authorizer, config.host, config.default_region)
    board = StatusBoard({"endpoint": config.endpoint, "data_dir": str(config.data_dir),
                         "account": config.account_id, "region": config.default_region})  # fmt: skip
    task_credentials = credentials_source(providers)
    metadata = MetadataEndpoint(
        RunnerMetadataState(agent.runners),
        StatsSampler(agent.docker),
        task_credentials,
        RateLimiter(rate=config.metadata_rate),
    ).app()
    resets = state_reset_hooks(store, providers, agent, cloudmap)
    resets.add("metadata: task credentials", Phase.CACHES, task_credentials.forget_all)
    resets.add("dns: load balancer names", Phase.CACHES, balancer_names.forget)

    ecs = providers["ecs"]
    assert isinstance(ecs, EcsProvider)
    scheduler = ServiceScheduler(store, ecs.services, ecs.tasks)
    # auto scaling: alarms and schedules change services' desired counts
    autoscaling = providers["application-autoscaling"]
    assert isinstance(autoscaling, ApplicationAutoScalingProvider)
    scaler = AutoScalingController(store, autoscaling.capacity, config.metrics_period_seconds)
    retention = StoppedTaskRetention(ecs.tasks, iam.credentials, config.stopped_task_retention_seconds)
    # service discovery: ECS services' tasks in their Cloud Map registries, out before they stop
    discovery = providers["servicediscovery"]
    assert isinstance(discovery, ServiceDiscoveryProvider)
    registration = DiscoveryRegistration(store, ecs.services, discovery.instances)
    agent.env.stop_gates.append(registration)
    ecs.services.check_registries = registry_checker(discovery)
    ecs.clusters.service_connect_namespace = namespace_resolver(discovery.namespaces)
    # logs: retention policies applied by a periodic sweep
    log_retention = LogRetention(store, config.logs_retention_seconds)

    def start_controllers() -> None:
        scheduler.start()
        scaler.start()
        registration.start()
        retention.start(interval=min(60.0, max(0.5, config.stopped_task_retention_seconds / 4)))
        log_retention.start()

    async def stop_controllers() -> None:
        await retention.stop()
        await log_retention.stop()
        await scaler.stop()
        await scheduler.stop()
        await registration.stop()

    async def start_agent(_: web.Application) -> None:
        await agent.start()
        start_controllers()

    async def stop_agent(_: web.Application) -> None:
        await stop_controllers()
        await agent.stop()
        store.close()

    resets.add("controllers: stop", Phase.QUIESCE, stop_controllers)
    resets.add("controllers: start", Phase.RESUME, start_controllers)
    api.on_startup.append(start_agent)
    api.on_cleanup.append(stop_agent)
    connect_load_balancing(config, store, scheduler, ecs, agent, api, resets, board)
    elbv2 = providers["elbv2"]
    assert isinstance(elbv2, Elbv2Provider)
    # the data path marks a new balancer active once HAProxy serves it (at once with SKIFF_LB=off)
    elbv2.load_balancers.activate = lambda _store, _arn: None
    # two servers on one host never share a balancer address (their HAProxys would share the port)
    elbv2.load_balancers.addresses_elsewhere = HostsFile(config.instance_id()).others_addresses
    ecs.services.check_load_balancers = load_balancer_checker(elbv2.target_groups)
    connect_registry(config, store, providers, agent, api, resets, board)
    connect_security_groups(config, store, providers, api, resets)
    connect_metrics(config, store, providers, agent, api, resets)
    connect_status(board, agent, dns)
    InternalEndpoints(gate, resets, board).add_routes(api)
    # the web console: the same providers, in-process, with the caller's identity
    backend = ConsoleBackend(providers, authorizer, config.default_region)
    console = Console(gate, backend, config.metrics_period_seconds)
    console.add_routes(api)
    board.add("console", console.status)
    api.router.add_route("*", "/{tail:.*}", gateway.handle)  # last: every other path is an AWS API
    return Server(api, metadata, agent, resets)


def build_app(config: Config, store: Store | None = None) -> web.Application:
    return build(config, store).api


SLOW_STARTUP_STEP_SECONDS = 5.0
StartupStep = Callable[[web.Application], Awaitable[object]]


def time_startup_steps(app: web.Application) -> None:
    """Each start-up step says when it is slow, and again when it ends: a server that does not
    come up names the step it waits in (adopting tasks after a crash, HAProxy, the registry...)."""

    def timed(step: StartupStep) -> StartupStep:
        name = getattr(step, "__qualname__", repr(step)).replace(".<locals>", "")

        async def run(application: web.Application) -> None:
            began = time.monotonic()
            running = asyncio.ensure_future(step(application))
            try:
                done, _ = await asyncio.wait({running}, timeout=SLOW_STARTUP_STEP_SECONDS)
            except asyncio.CancelledError:  # asyncio.wait leaves the step running: stop it too
                running.cancel()
                raise
            if not done:
                log.warning("start-up: %s is still running after %g s", name, SLOW_STARTUP_STEP_SECONDS)
                await running
                log.warning("start-up: %s took %.1f s", name, time.monotonic() - began)
            running.result()

        return run

    app.on_startup[:] = [timed(step) for step in app.on_startup]


async def serve(config: Config, on_ready: Callable[[Config], None] | None = None) -> None:
    """Run until SIGINT/SIGTERM."""
    server = build(config)
    time_startup_steps(server.api)
    # bodies as sent: signatures cover the compressed bytes; the gateway inflates what the model allows
    api = web.AppRunner(server.api, access_log=None, handle_signals=False, auto_decompress=False)
    await api.setup()
    await web.TCPSite(api, config.host, config.port, reuse_address=True).start()
    metadata = web.AppRunner(server.metadata, access_log=None, handle_signals=False)
    await metadata.setup()
    if server.agent.env.linklocal is not None:
        try:
            await web.TCPSite(metadata, ADDRESS, config.metadata_port, reuse_address=True).start()
            if config.host not in ("0.0.0.0", ADDRESS):
                await web.TCPSite(api, ADDRESS, config.port, reuse_address=True).start()
        except OSError as exc:
            log.warning("tasks will not reach %s: %s", ADDRESS, exc)
    if on_ready is not None:
        on_ready(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await metadata.cleanup()
        await api.cleanup()
