"""The data plane the balancer records ask for (skiff/state/balancers.py → skiff/lb/model.py).

Every balancer's listeners become frontends on the balancer's own address (127.77.0.0/16), its
rules in priority order, the default rule last; every target group some listener of it forwards
to becomes a backend with the group's health check and attributes (algorithm, lb_cookie
stickiness, slow start) and its registered targets as servers (draining ones at weight 0).
HTTPS listeners get their certificate as a PEM file (certificate, chain, key) written 0600 under
`<data dir>/lb/certs/`, named by a digest of its content, and the SslPolicy's TLS settings.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
import os
from collections.abc import Callable
from pathlib import Path

from skiff.lb.model import (
    Backend,
    DataPlane,
    Frontend,
    HealthCheck,
    Rule,
    Server,
    backend_name,
    server_name,
)
from skiff.lb.task_access import task_address
from skiff.lb.tls import settings_for
from skiff.state import balancers as records
from skiff.store.base import Document, Store

log = logging.getLogger("skiff.lb")

PemSource = Callable[[str], bytes | None]  # certificate ARN -> PEM bundle (None: unknown)


def health_check(group: Document) -> HealthCheck:
    protocol = str(group.get("HealthCheckProtocol") or group.get("Protocol") or "HTTP")
    return HealthCheck(
        protocol=protocol,
        port=str(group.get("HealthCheckPort") or "traffic-port"),
        path=str(group.get("HealthCheckPath") or "/"),
        interval=int(group.get("HealthCheckIntervalSeconds") or 30),
        timeout=int(group.get("HealthCheckTimeoutSeconds") or 5),
        healthy=int(group.get("HealthyThresholdCount") or 5),
        unhealthy=int(group.get("UnhealthyThresholdCount") or 2),
        matcher=str((group.get("Matcher") or {}).get("HttpCode") or "200"),
        enabled=group.get("HealthCheckEnabled", True) is not False,
    )


def backend_for(store: Store, group: Document) -> Backend:
    attributes = records.target_group_attributes(group)
    sticky = (
        attributes.get("stickiness.enabled") == "true" and attributes.get("stickiness.type") == "lb_cookie"
    )
    servers = []
    for target in sorted(
        records.targets_of(store, group["TargetGroupArn"]), key=lambda t: (t["id"], t["port"])
    ):
        port = records.traffic_port(group, target)
        servers.append(
            Server(
                server_name(str(target["id"]), port),
                str(target["id"]),
                port,
                draining=target.get("state") == "draining",
            )
        )
    return Backend(
        name=backend_name(group["TargetGroupArn"]),
        arn=group["TargetGroupArn"],
        protocol=str(group.get("Protocol") or "HTTP"),
        algorithm=attributes.get("load_balancing.algorithm.type", "round_robin"),
        health=health_check(group),
        sticky_seconds=int(attributes.get("stickiness.lb_cookie.duration_seconds") or 86400)
        if sticky
        else None,
        slow_start=int(attributes.get("slow_start.duration_seconds") or 0),
        servers=tuple(servers),
    )


class CertificateFiles:
    """PEM files of the certificates HTTPS listeners serve, named by content digest."""

    def __init__(self, directory: Path, source: PemSource | None) -> None:
        self.directory = directory
        self.source = source

    def path_for(self, arn: str) -> str | None:
        if self.source is None:
            return None
        try:
            pem = self.source(arn)
        except Exception as exc:  # a key that does not open: the listener serves no TLS
            log.warning("certificate %s: %s", arn, exc)
            return None
        if not pem:
            return None
        self.directory.mkdir(parents=True, exist_ok=True)
        os.chmod(self.directory, 0o700)
        path = self.directory / f"{hashlib.sha256(pem).hexdigest()[:24]}.pem"
        if not path.exists():
            temporary = path.with_suffix(".tmp")
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(pem)
            os.replace(temporary, path)
        return str(path)

    def prune(self, keep: set[str]) -> None:
        for path in self.directory.glob("*.pem") if self.directory.exists() else []:
            if str(path) not in keep:
                with contextlib.suppress(OSError):
                    path.unlink()


def _source_of(store: Store, group_arn: str, owners: dict[str, str | None]) -> str | None:
    for balancer_arn in records.balancers_of_target_group(store, group_arn):
        if owners.get(balancer_arn):
            return owners[balancer_arn]
    return None


def build_plan(store: Store, certificates: CertificateFiles, task_facing: bool = False) -> DataPlane:
    frontends: list[Frontend] = []
    used: dict[str, Document] = {}
    groups = {g["TargetGroupArn"]: g for g in records.target_groups(store)}
    for balancer in records.load_balancers(store):
        address = records.address_of(balancer)
        if not address:
            continue
        for listener in records.listeners_of(store, balancer["LoadBalancerArn"]):
            rules: list[Rule] = []
            for rule in records.rules_of(store, listener["ListenerArn"]):
                if rule.get("IsDefault"):
                    continue
                rules.append(
                    Rule(
                        int(rule["Priority"]),
                        tuple(rule.get("Conditions") or ()),
                        tuple(rule.get("Actions") or ()),
                    )
                )
            for action in records.actions_of_listener(store, listener):
                for arn, _weight in records.forward_groups(action):
                    if arn in groups:
                        used[arn] = groups[arn]
            certificate = None
            tls = settings_for(listener.get("SslPolicy"))
            if listener.get("Protocol") in ("HTTPS", "TLS"):
                arns = records.listener_certificates(listener)
                certificate = certificates.path_for(arns[0]) if arns else None
                if certificate is None:
                    log.warning("listener %s has no usable certificate: not served", listener["ListenerArn"])
                    continue
            frontends.append(
                Frontend(
                    name="l-" + listener["ListenerArn"].rsplit("/", 1)[-1],
                    address=address,
                    port=int(listener["Port"]),
                    protocol=str(listener.get("Protocol") or "HTTP"),
                    default_actions=tuple(listener.get("DefaultActions") or ()),
                    rules=tuple(rules),
                    certificate=certificate,
                    ciphers=tls.ciphers,
                    ciphersuites=tls.ciphersuites,
                    min_tls=tls.min_version,
                    max_tls=tls.max_version,
                    balancer_arn=balancer["LoadBalancerArn"],
                    task_address=task_address(address) if task_facing else None,
                )
            )
    backends = tuple(backend_for(store, group) for _arn, group in sorted(used.items()))
    if task_facing:  # connections leave from the balancer's twin: security groups tell balancers apart
        owners = {f.balancer_arn: f.task_address for f in frontends}
        backends = tuple(
            dataclasses.replace(backend, source=_source_of(store, backend.arn, owners))
            for backend in backends
        )
    certificates.prune({f.certificate for f in frontends if f.certificate})
    return DataPlane(tuple(frontends), backends)
