"""The subsystems with processes or loops of their own wired into the API app: load balancing
(HAProxy), the registry, security group enforcement, metrics, and the status board's parts.
Each is started after the agent and stopped before it, and has its state reset hooks.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from skiff.agent.engine import Agent
from skiff.agent.stats import StatsCollector
from skiff.agent.task_dns import TaskDns
from skiff.api.provider import Provider
from skiff.config import Config
from skiff.console.internal import StatusBoard
from skiff.console.reset import Phase, ResetHooks
from skiff.controllers.alarm_evaluation import AlarmEvaluator
from skiff.controllers.ecr_lifecycle import LifecycleController
from skiff.controllers.metric_retention import MetricRetention
from skiff.controllers.security_groups import SecurityGroupEnforcement
from skiff.controllers.service_scheduler import ServiceScheduler
from skiff.controllers.target_registration import TargetRegistration
from skiff.lb.manager import LoadBalancing
from skiff.lb.metrics import BalancerMetrics
from skiff.lb.supervisor import haproxy_version
from skiff.net.firewall import Firewall
from skiff.net.hosts import HostsFile
from skiff.net.linklocal import ADDRESS
from skiff.net.sg_render import render as render_policy
from skiff.registry.manager import Registry
from skiff.registry.publishing import RegistryPublishing
from skiff.registry.supervisor import RegistrySupervisor
from skiff.runtime.docker import DockerClient
from skiff.security.ca import LocalCA
from skiff.security.sealing import Sealer
from skiff.services.cloudwatch.provider import CloudWatchProvider
from skiff.services.ec2.provider import Ec2Provider
from skiff.services.ec2.reachability import RegistryReachability
from skiff.services.ecr.logins import TaskRegistryAccess
from skiff.services.ecr.provider import EcrProvider
from skiff.services.ecs.provider import EcsProvider
from skiff.state import balancers as balancer_records
from skiff.state import certificates as certificate_records
from skiff.state import ecr as ecr_records
from skiff.state.firewall import Policy
from skiff.store import Store

log = logging.getLogger("skiff")


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
