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
from pathlib import Path
from typing import Any

from aiohttp import web

from skiff.agent.engine import Agent
from skiff.agent.metadata.agent_state import RunnerMetadataState
from skiff.agent.metadata.credentials import TaskCredentials
from skiff.agent.metadata.ratelimit import RateLimiter
from skiff.agent.metadata.server import MetadataEndpoint
from skiff.agent.metadata.stats import StatsSampler
from skiff.agent.stats import StatsCollector
from skiff.agent.task_dns import TaskDns
from skiff.api.errors import AwsError
from skiff.api.gateway import MAX_BODY_BYTES, Gateway
from skiff.api.provider import Provider
from skiff.auth.authorizer import Authorizer, RootKeys
from skiff.auth.simulation import Simulator
from skiff.config import Config
from skiff.console.access import Gatekeeper
from skiff.console.backend import ConsoleBackend
from skiff.console.internal import InternalEndpoints, StatusBoard
from skiff.console.reset import Phase, ResetHooks
from skiff.console.web import Console
from skiff.controllers.alarm_evaluation import AlarmEvaluator
from skiff.controllers.autoscaling import AutoScalingController
from skiff.controllers.discovery_registration import DiscoveryRegistration
from skiff.controllers.ecr_lifecycle import LifecycleController
from skiff.controllers.logs_retention import LogRetention
from skiff.controllers.metric_retention import MetricRetention
from skiff.controllers.security_groups import SecurityGroupEnforcement
from skiff.controllers.service_scheduler import ServiceScheduler
from skiff.controllers.target_registration import TargetRegistration
from skiff.controllers.task_retention import StoppedTaskRetention
from skiff.dns.cloudmap import CloudMapSource
from skiff.lb.dns_source import BalancerNames
from skiff.lb.manager import LoadBalancing
from skiff.lb.metrics import BalancerMetrics
from skiff.lb.supervisor import haproxy_version
from skiff.net.firewall import Firewall
from skiff.net.hosts import HostsFile
from skiff.net.linklocal import ADDRESS, LinkLocalRedirects
from skiff.net.sg_render import render as render_policy
from skiff.registry.manager import Registry
from skiff.registry.publishing import RegistryPublishing
from skiff.registry.supervisor import RegistrySupervisor
from skiff.runtime.docker import DockerClient
from skiff.security.ca import LocalCA
from skiff.security.registry_tokens import RegistryTokens
from skiff.security.sealing import Sealer
from skiff.services.acm.provider import AcmProvider
from skiff.services.application_autoscaling.capacity import EcsCapacity
from skiff.services.application_autoscaling.provider import ApplicationAutoScalingProvider
from skiff.services.cloudwatch.provider import CloudWatchProvider
from skiff.services.ec2.provider import Ec2Provider
from skiff.services.ec2.reachability import RegistryReachability
from skiff.services.ecr.logins import TaskRegistryAccess
from skiff.services.ecr.provider import EcrProvider
from skiff.services.ecs.config_sources import ServiceConfigSources
from skiff.services.ecs.enis import NetworkInterfaceRecorder
from skiff.services.ecs.provider import EcsProvider
from skiff.services.elbv2.ecs_links import load_balancer_checker
from skiff.services.elbv2.provider import Elbv2Provider
from skiff.services.iam.changes import changes_of
from skiff.services.iam.directory import IamDirectory
from skiff.services.iam.provider import IamProvider
from skiff.services.logs.provider import LogsProvider
from skiff.services.resource_policies import ServiceResolver, ServiceResourcePolicies
from skiff.services.route53.provider import Route53Provider
from skiff.services.s3.provider import S3Provider
from skiff.services.secretsmanager.provider import SecretsManagerProvider
from skiff.services.servicediscovery.ecs_links import namespace_resolver
from skiff.services.servicediscovery.provider import ServiceDiscoveryProvider
from skiff.services.ssm.provider import SsmProvider
from skiff.services.sts.provider import StsProvider
from skiff.state import balancers as balancer_records
from skiff.state import certificates as certificate_records
from skiff.state import discovery as discovery_records
from skiff.state import ecr as ecr_records
from skiff.state.firewall import Policy
from skiff.state.scope import Scope
from skiff.store import SqliteStore, Store

log = logging.getLogger("skiff")


def build_providers(store: Store, sealer: Sealer, data_dir: Path) -> dict[str, Provider]:
    """Every service skiff serves. `sealer` encrypts secret values at rest."""
    ecs = EcsProvider(store)
    ec2 = Ec2Provider(store)
    providers: list[Provider] = [
        ecs,
        ec2,
        IamProvider(store, sealer),
        StsProvider(store, sealer),
        S3Provider(store, data_dir),
        SecretsManagerProvider(store, sealer),
        SsmProvider(store, sealer),
        EcrProvider(store, RegistryTokens.for_data_dir(data_dir)),
        # service discovery
        ServiceDiscoveryProvider(store),
        Route53Provider(store),
        # load balancing
        Elbv2Provider(store, ec2.backend),
        AcmProvider(store, sealer, data_dir),
        # logs
        LogsProvider(store),
        # auto scaling: ECS services' desired count, changed through UpdateService's path
        ApplicationAutoScalingProvider(store, EcsCapacity(ecs.services)),
        # metrics and alarms
        CloudWatchProvider(store),
    ]
    connect_discovery(providers)
    return {p.service: p for p in providers}


def connect_discovery(providers: list[Provider]) -> None:
    """Cloud Map checks the VPC of a private DNS namespace against EC2."""
    by_name = {p.service: p for p in providers}
    discovery, ec2 = by_name.get("servicediscovery"), by_name.get("ec2")
    if isinstance(discovery, ServiceDiscoveryProvider) and isinstance(ec2, Ec2Provider):
        backend = ec2.backend

        def vpc_exists(scope: Scope, vpc_id: str) -> bool:
            backend.ensure_default_network(scope)
            return backend.vpcs.records.get(scope, vpc_id) is not None

        discovery.namespaces.vpc_exists = vpc_exists


def connect_agent(providers: dict[str, Provider], agent: Agent) -> None:
    """The ECS task backend launches through the agent and finds subnets through EC2."""
    ecs = providers["ecs"]
    assert isinstance(ecs, EcsProvider)
    ecs.tasks.launcher = agent
    ec2 = providers.get("ec2")
    if isinstance(ec2, Ec2Provider):
        ecs.tasks.subnets = ec2
        agent.env.on_eni = NetworkInterfaceRecorder(ec2.backend)
    s3, secrets, ssm = providers["s3"], providers["secretsmanager"], providers["ssm"]
    assert isinstance(s3, S3Provider) and isinstance(secrets, SecretsManagerProvider)
    assert isinstance(ssm, SsmProvider)
    agent.env.config_sources = ServiceConfigSources(
        s3.objects.get_object_bytes,
        secrets.backend.resolve,
        ssm.backend.resolve,
        ServiceResolver.secret_arn_in(secrets.backend.records),
    )


def build_authorizer(providers: dict[str, Provider], config: Config) -> Authorizer:
    """Who may do what: signatures checked against the root pair, users' keys and issued
    credentials; policies of IAM; resource policies of S3, Secrets Manager and IAM roles."""
    iam, s3, secrets = providers["iam"], providers["s3"], providers["secretsmanager"]
    assert isinstance(iam, IamProvider) and isinstance(s3, S3Provider)
    assert isinstance(secrets, SecretsManagerProvider)
    directory = IamDirectory(iam.backend)
    authorizer = Authorizer(
        directory,
        config.account_id,
        RootKeys(config.root_access_key_id, config.root_secret_access_key),
        verify=config.auth,
        resource_policies=ServiceResourcePolicies(iam.roles, s3.buckets, secrets.backend.records),
        resolver=ServiceResolver(directory, secrets.backend.records),
    )
    iam.simulator = Simulator(authorizer, directory.principal_of)
    return authorizer


def registry_checker(discovery: ServiceDiscoveryProvider) -> Callable[[Scope, list[dict[str, Any]]], None]:
    """ECS refuses serviceRegistries that name no Cloud Map service (one registry per service)."""

    def check(scope: Scope, registries: list[dict[str, Any]]) -> None:
        if len(registries) > 1:
            raise AwsError(
                "Multiple service registries for each service isn't supported.",
                code="InvalidParameterException",
            )
        for registry in registries:
            arn = str(registry.get("registryArn", ""))
            service = discovery.services.find(scope, arn) if ":service/" in arn else None
            if service is None or service.get("Arn") != arn:
                raise AwsError(f"Service registry {arn} was not found.", code="InvalidParameterException")
            types = {r["Type"] for r in (service.get("DnsConfig") or {}).get("DnsRecords") or []}
            has_port = registry.get("port") is not None or registry.get("containerName")
            if "SRV" in types and not has_port:
                raise AwsError(
                    "When specifying 'SRV' DNS record type, you must specify port or containerName "
                    "and containerPort.",
                    code="InvalidParameterException",
                )

    return check


def credentials_source(providers: dict[str, Provider]) -> TaskCredentials:
    iam = providers["iam"]
    assert isinstance(iam, IamProvider)
    return TaskCredentials(iam.credentials)  # its narrow CredentialIssuer: issue_for_task


@dataclass
class Server:
    """The parts `serve` starts: the API app, the metadata app and the agent."""

    api: web.Application
    metadata: web.Application
    agent: Agent
    resets: ResetHooks


# generation numbers that readers compare with what they cached: they must never repeat
KEPT_COUNTERS = ("sd-generation", "elb-generation")


def state_reset_hooks(
    store: Store, providers: dict[str, Provider], agent: Agent, cloudmap: CloudMapSource
) -> ResetHooks:
    """The state reset (POST /_skiff/reset): what runs goes, then the store, then the caches.
    A subsystem with state of its own adds its hooks here (or where it is wired)."""
    hooks = ResetHooks()
    hooks.add("agent: tasks and their containers", Phase.RUNTIME, agent.reset)

    # Cloud Map's generation keeps counting: readers compare it to what they cached
    def wipe() -> None:
        store.wipe(keep_counters=KEPT_COUNTERS)

    def new_generations() -> None:
        discovery_records.touch(store)
        balancer_records.touch(store)

    hooks.add("store: every collection", Phase.STATE, wipe)
    s3 = providers["s3"]
    assert isinstance(s3, S3Provider)
    hooks.add("s3: object bodies", Phase.STATE, s3.bodies.remove_all)
    hooks.add("iam: cached keys and policies", Phase.CACHES, changes_of(store).bump)
    ec2 = providers["ec2"]
    assert isinstance(ec2, Ec2Provider)
    hooks.add("ec2: default networks", Phase.CACHES, ec2.backend.forget_defaults)
    hooks.add("dns: Cloud Map zones", Phase.CACHES, cloudmap.forget)
    hooks.add("dns and elb: generations", Phase.CACHES, new_generations)
    return hooks


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


def connect_status(board: StatusBoard, agent: Agent, dns: TaskDns) -> None:
    """`skiff status`: Docker, the tasks' resolver (the registry adds itself in connect_registry)."""

    async def docker() -> dict[str, Any]:
        up = await agent.docker.ping()
        version = (await agent.docker.version()).get("Version") if up else None
        return {"up": up, "version": version, "tasks": len(agent.runners)}

    def resolver() -> dict[str, Any]:
        port = dns.server.port if agent.env.dns is not None else None
        return {"up": agent.env.dns is not None, "address": f"{ADDRESS}:{port}" if port else None}

    board.add("docker", docker)
    board.add("dns", resolver)


def connect_metrics(
    config: Config,
    store: Store,
    providers: dict[str, Provider],
    agent: Agent,
    api: web.Application,
    resets: ResetHooks,
) -> None:
    """CloudWatch: the running tasks' metrics collected from Docker's stats every period, alarms
    evaluated every period, retention and downsampling of datapoints; with a shortened period
    (SKIFF_METRICS_PERIOD_SECONDS) datapoints are kept per second too."""
    cloudwatch = providers["cloudwatch"]
    assert isinstance(cloudwatch, CloudWatchProvider)
    cloudwatch.data.fine_storage = config.metrics_period_seconds < 60
    evaluator = AlarmEvaluator(store, metrics_period=config.metrics_period_seconds)
    retention = MetricRetention(store)
    collector = StatsCollector(
        store,
        DockerClient(agent.docker.socket_path),  # its own connections: never queued behind the agent's
        lambda: [runner.doc for runner in list(agent.runners.values())],
        period=config.metrics_period_seconds,
    )

    async def stop_loops() -> None:
        await collector.stop()
        await evaluator.stop()
        await retention.stop()

    def start_loops() -> None:
        collector.start()
        evaluator.start()
        retention.start()

    async def start_metrics(_: web.Application) -> None:
        start_loops()

    async def stop_metrics(_: web.Application) -> None:
        await stop_loops()

    resets.add("cloudwatch: collector, alarm evaluation and retention stop", Phase.QUIESCE, stop_loops)
    resets.add("cloudwatch: collector's samples", Phase.CACHES, collector.forget)
    resets.add("cloudwatch: collector, alarm evaluation and retention start", Phase.RESUME, start_loops)
    api.on_startup.append(start_metrics)
    api.on_cleanup.insert(0, stop_metrics)


def connect_load_balancing(
    config: Config,
    store: Store,
    scheduler: ServiceScheduler,
    ecs: EcsProvider,
    agent: Agent,
    api: web.Application,
    resets: ResetHooks,
    board: StatusBoard,
) -> None:
    """ELBv2's data path on HAProxy, and ECS services' tasks as targets (out before they stop)."""
    sealer = Sealer.for_data_dir(config.data_dir)
    balancing = LoadBalancing(
        store,
        config.data_dir,
        pem_source=lambda arn: certificate_records.pem_bundle(store, sealer, arn),
        hosts=HostsFile(config.instance_id()),
        serve=config.lb,
        instance=config.instance_id(),
    )
    targets = TargetRegistration(store, ecs.services, ecs.tasks)
    scheduler.target_health = targets.targets_healthy
    agent.env.stop_gates.append(targets)
    # AWS/ApplicationELB metrics from HAProxy's counters, every metrics period
    balancer_metrics = BalancerMetrics(store, balancing, config.metrics_period_seconds)

    async def start(_: web.Application) -> None:
        await balancing.start()
        targets.start()
        balancer_metrics.start()

    async def quiesce() -> None:
        await balancer_metrics.stop()
        await targets.stop()
        await balancing.stop()  # HAProxy keeps serving; the next start adopts it

    async def stop(_: web.Application) -> None:
        await quiesce()

    async def resume() -> None:
        await balancing.start()
        targets.start()
        balancer_metrics.start()

    # a reset stops HAProxy for good and withdraws the balancers' names; the next balancer starts it
    version: list[str] = []

    async def haproxy_status() -> dict[str, Any]:
        if not config.lb:
            return {"up": False, "enabled": False}
        if not version:
            version.append(await haproxy_version(balancing.supervisor.binary))
        pid = balancing.supervisor.recorded_pid()
        balancers = len(balancer_records.load_balancers(store))
        note = None if pid or balancers else "starts with the first load balancer"
        return {"up": pid is not None, "version": version[0] or None, "pid": pid, "balancers": balancers,
                "note": note}  # fmt: skip

    board.add("haproxy", haproxy_status)
    resets.add("elb: data path and target registration stop", Phase.QUIESCE, quiesce)
    resets.add("elb: HAProxy and balancer names", Phase.RUNTIME, balancing.reset)
    resets.add("elb: data path and target registration start", Phase.RESUME, resume)
    api.on_startup.append(start)
    api.on_cleanup.insert(0, stop)


def connect_security_groups(
    config: Config, store: Store, providers: dict[str, Provider], api: web.Application, resets: ResetHooks
) -> None:
    """Security groups enforced on tasks' ENIs and balancers' addresses (iptables chains tagged
    with this server's instance id; they stay while skiff is stopped, the next start rebuilds them
    from state and sweeps the stale ones; a reset withdraws them)."""
    ec2 = providers["ec2"]
    assert isinstance(ec2, Ec2Provider)
    tag = config.instance_id()[:8]
    firewall = Firewall(tag)

    async def apply(policy: Policy) -> bool:
        return await firewall.apply(render_policy(policy, tag))

    enforcement = SecurityGroupEnforcement(store, ec2.backend, apply, balancers=config.lb)
    ec2.backend.on_change.append(enforcement.wake)

    async def start(_: web.Application) -> None:
        enforcement.start()

    async def stop(_: web.Application) -> None:
        await enforcement.stop()  # the rules stay: running tasks stay guarded

    resets.add("security groups: enforcement stop", Phase.QUIESCE, enforcement.stop)
    resets.add("security groups: chains", Phase.RUNTIME, firewall.withdraw)
    resets.add("security groups: enforcement start", Phase.RESUME, enforcement.start)
    api.on_startup.append(start)
    api.on_cleanup.insert(0, stop)


def connect_registry(
    config: Config,
    store: Store,
    providers: dict[str, Provider],
    agent: Agent,
    api: web.Application,
    resets: ResetHooks,
    board: StatusBoard,
) -> None:
    """ECR: the registry and its front (unless switched off), task pulls, lifecycle policies."""
    ecr, ec2 = providers["ecr"], providers["ec2"]
    assert isinstance(ecr, EcrProvider) and isinstance(ec2, Ec2Provider)
    agent.env.registry_access = TaskRegistryAccess(ecr.tokens, RegistryReachability(ec2.backend))
    agent.env.registry_wait = config.pull_no_path_seconds
    lifecycle = LifecycleController(ecr, config.ecr_lifecycle_seconds)
    instance = config.instance_id()
    registry = (
        Registry(config.data_dir, instance, store, ecr.tokens, collect_after=config.registry_gc_seconds)
        if config.registry
        else None
    )

    async def start_registry(_: web.Application) -> None:
        if registry is None:
            leftover = RegistrySupervisor(config.data_dir)
            if leftover.pid_path.exists():  # switched off since the last run: stop what it left
                leftover.stop()
                RegistryPublishing(
                    config.data_dir, instance, LocalCA.for_data_dir(config.data_dir)
                ).withdraw()
        else:
            hosts = {ecr_records.registry_host(config.account_id, config.default_region)}
            for _pk, repository in store.scan(ecr_records.REPOSITORIES):
                region = repository["repositoryArn"].split(":")[3]
                hosts.add(ecr_records.registry_host(repository["registryId"], region))
            try:
                await registry.start(hosts)
                ecr.repositories.registry = registry
            except Exception as exc:
                log.error("the ECR registry did not start: %s", exc)
        lifecycle.start()

    async def stop_registry(_: web.Application) -> None:
        await lifecycle.stop()
        if registry is not None:
            await registry.stop()

    async def reset_registry() -> None:
        if registry is not None and ecr.repositories.registry is registry:
            await registry.reset()

    def registry_status() -> dict[str, Any]:
        if registry is None:
            return {"up": False, "enabled": False}
        running = ecr.repositories.registry is registry
        return {"up": running, "enabled": True, "address": registry.publishing.address() if running else None}

    resets.add("ecr: lifecycle policies stop", Phase.QUIESCE, lifecycle.stop)
    resets.add("ecr: registry images", Phase.CACHES, reset_registry)
    resets.add("ecr: lifecycle policies start", Phase.RESUME, lifecycle.start)
    board.add("registry", registry_status)

    api.on_startup.append(start_registry)
    api.on_cleanup.insert(0, stop_registry)


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
            done, _ = await asyncio.wait({running}, timeout=SLOW_STARTUP_STEP_SECONDS)
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
