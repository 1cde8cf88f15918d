"""The providers of every AWS service on one store, how they reach each other and the agent,
the authorizer over them, and what a state reset runs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from skiff.agent.engine import Agent
from skiff.agent.metadata.credentials import TaskCredentials
from skiff.api.errors import AwsError
from skiff.api.provider import Provider
from skiff.auth.authorizer import Authorizer, RootKeys
from skiff.auth.simulation import Simulator
from skiff.config import Config
from skiff.console.reset import Phase, ResetHooks
from skiff.dns.cloudmap import CloudMapSource
from skiff.security.registry_tokens import RegistryTokens
from skiff.security.sealing import Sealer
from skiff.services.acm.provider import AcmProvider
from skiff.services.application_autoscaling.capacity import EcsCapacity
from skiff.services.application_autoscaling.provider import ApplicationAutoScalingProvider
from skiff.services.cloudwatch.provider import CloudWatchProvider
from skiff.services.ec2.provider import Ec2Provider
from skiff.services.ecr.provider import EcrProvider
from skiff.services.ecs.config_sources import ServiceConfigSources
from skiff.services.ecs.enis import NetworkInterfaceRecorder
from skiff.services.ecs.provider import EcsProvider
from skiff.services.elbv2.provider import Elbv2Provider
from skiff.services.iam.changes import changes_of
from skiff.services.iam.directory import IamDirectory
from skiff.services.iam.provider import IamProvider
from skiff.services.logs.provider import LogsProvider
from skiff.services.resource_policies import ServiceResolver, ServiceResourcePolicies
from skiff.services.route53.provider import Route53Provider
from skiff.services.s3.provider import S3Provider
from skiff.services.secretsmanager.provider import SecretsManagerProvider
from skiff.services.servicediscovery.provider import ServiceDiscoveryProvider
from skiff.services.ssm.provider import SsmProvider
from skiff.services.sts.provider import StsProvider
from skiff.state import balancers as balancer_records
from skiff.state import discovery as discovery_records
from skiff.state.scope import Scope
from skiff.store import Store


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
