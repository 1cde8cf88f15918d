"""What HAProxy should serve, independent of how it is stored: the data plane's desired state.

`plan.py` builds a `DataPlane` from the balancer records in `skiff/state/`; `render.py` turns it
into haproxy.cfg; `dataplane.py` applies it (a reload when the structure changes, runtime API
commands when only servers do). Conditions and actions keep ELBv2's own shapes (dicts with
`Field`/`Type` and their `...Config` members), so nothing is lost between the API and HAProxy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ROUND_ROBIN = "round_robin"
LEAST_OUTSTANDING = "least_outstanding_requests"


@dataclass(frozen=True)
class HealthCheck:
    protocol: str = "HTTP"  # HTTP, HTTPS, TCP
    port: str = "traffic-port"  # or a port number as text
    path: str = "/"
    interval: int = 30
    timeout: int = 5
    healthy: int = 5
    unhealthy: int = 2
    matcher: str = "200"  # ELBv2 Matcher.HttpCode: "200", "200,202", "200-299"
    enabled: bool = True


@dataclass(frozen=True)
class Server:
    """One registered target: its address, port and what HAProxy should do with it."""

    name: str  # unique in its backend, stable for the target (e.g. t-172-31-0-5-8080)
    address: str
    port: int
    weight: int = 1  # HAProxy weight (1..256)
    draining: bool = False  # deregistered: no new requests, running ones finish
    fail_open: bool = False  # past its initial phase: gets requests when no target is healthy


@dataclass(frozen=True)
class Backend:
    """A target group as HAProxy sees it."""

    name: str  # haproxy backend name, derived from the target group id
    arn: str
    protocol: str = "HTTP"  # HTTP, HTTPS, TCP
    algorithm: str = ROUND_ROBIN
    health: HealthCheck = field(default_factory=HealthCheck)
    sticky_seconds: int | None = None  # lb_cookie stickiness duration, None when off
    slow_start: int = 0  # seconds
    servers: tuple[Server, ...] = ()
    source: str | None = None  # address connections and checks leave from (the balancer's twin)


@dataclass(frozen=True)
class Rule:
    priority: int
    conditions: tuple[dict[str, Any], ...]
    actions: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class Frontend:
    """One listener on one balancer address."""

    name: str
    address: str
    port: int
    protocol: str  # HTTP, HTTPS, TCP
    default_actions: tuple[dict[str, Any], ...]
    rules: tuple[Rule, ...] = ()
    certificate: str | None = None  # path of a PEM holding certificate chain and key (HTTPS)
    ciphers: str | None = None  # OpenSSL cipher list (TLS <= 1.2)
    ciphersuites: str | None = None  # TLS 1.3 suites
    min_tls: str = "TLSv1.2"
    max_tls: str | None = None
    balancer_arn: str = ""
    task_address: str | None = None  # the balancer's task-facing twin (169.254.A.B), bound as well


@dataclass(frozen=True)
class DataPlane:
    frontends: tuple[Frontend, ...] = ()
    backends: tuple[Backend, ...] = ()

    def backend(self, arn: str) -> Backend | None:
        for backend in self.backends:
            if backend.arn == arn:
                return backend
        return None

    def without_servers(self) -> DataPlane:
        """The structure alone: what needs a reload when it changes."""
        return DataPlane(
            self.frontends,
            tuple(
                Backend(b.name, b.arn, b.protocol, b.algorithm, b.health, b.sticky_seconds, b.slow_start)
                for b in self.backends
            ),
        )


def server_name(address: str, port: int) -> str:
    return f"t-{address.replace('.', '-').replace(':', '-')}-{port}"


def backend_name(target_group_arn: str) -> str:
    """`tg-<name>-<id>` from arn:...:targetgroup/<name>/<id>."""
    tail = target_group_arn.rsplit(":", 1)[-1]
    parts = tail.split("/")
    if len(parts) >= 3:
        return f"tg-{parts[1]}-{parts[2]}"
    return "tg-" + "".join(c if c.isalnum() or c in "-_" else "-" for c in tail)
