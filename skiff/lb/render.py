"""haproxy.cfg from a `DataPlane`: one frontend per (balancer address, listener port), one backend
per target group in use.

Listener rules become HTTP request rules evaluated in priority order: conditions are named ACLs
(values of one condition OR'ed, conditions AND'ed), a forward sets the chosen backend in
`txn.tg` (weighted forwards draw from one random number per request), fixed-response is
`http-request return`, redirect is `http-request redirect`; the first matching rule wins, the
listener's default actions run last. Target groups' health checks are HAProxy's own (`check`
with the group's path, port, interval, timeout, thresholds and matcher codes); stickiness is
HAProxy's cookie `AWSALB`; slow start is `slowstart`. `server_args` is shared with the runtime
API's `add server`, so a server added at runtime is the same as one read from the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from skiff.lb.model import LEAST_OUTSTANDING, Backend, DataPlane, Frontend, HealthCheck, Server

RANDOM_RANGE = 1_000_000
ROUTED = "routed"  # ACL: a rule already chose a backend
FAIL_OPEN = ".open"  # suffix of a target's backup twin (fail_open_servers)


def quote(text: str) -> str:
    """A single-quoted HAProxy word (no escapes, no variables inside); `'` is spelled `'\\''`."""
    return "'" + text.replace("'", "'\\''") + "'"


def wildcard_regex(pattern: str) -> str:
    """ELBv2's wildcards (`*` any run, `?` one character) as an anchored PCRE; `'` as \\x27."""
    out = []
    for char in pattern:
        if char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        elif char == "'":
            out.append("\\x27")
        elif char.isalnum() or char in "-_/~":
            out.append(char)
        else:
            out.append("\\" + char if char.isprintable() and char != " " else f"\\x{ord(char):02x}")
    return "^" + "".join(out) + "$"


def status_codes(matcher: str) -> list[int]:
    """Matcher.HttpCode ("200", "200,202", "200-299") as the codes it accepts."""
    codes: set[int] = set()
    for part in matcher.split(","):
        part = part.strip()
        if "-" in part:
            low, _, high = part.partition("-")
            if low.strip().isdigit() and high.strip().isdigit():
                codes.update(range(int(low), int(high) + 1))
        elif part.isdigit():
            codes.add(int(part))
    return sorted(codes) or [200]


def _values(condition: dict[str, Any], config_key: str) -> list[Any]:
    config = condition.get(config_key) or {}
    values = config.get("Values") if isinstance(config, dict) else None
    return list(values if values else condition.get("Values") or [])


def condition_acls(name: str, condition: dict[str, Any]) -> list[str]:
    """ACL lines (all named `name`, so OR'ed) for one rule condition."""
    field = condition.get("Field")
    lines: list[str] = []
    if field == "path-pattern":
        patterns = " ".join(quote(wildcard_regex(v)) for v in _values(condition, "PathPatternConfig"))
        lines.append(f"acl {name} path -m reg {patterns}")
    elif field == "host-header":
        patterns = " ".join(quote(wildcard_regex(v)) for v in _values(condition, "HostHeaderConfig"))
        lines.append(f"acl {name} req.hdr(host),field(1,:) -m reg -i {patterns}")
    elif field == "http-header":
        config = condition.get("HttpHeaderConfig") or {}
        header = re.sub(r"[^A-Za-z0-9!#$%&*+.^_`|~-]", "", str(config.get("HttpHeaderName", "")))
        patterns = " ".join(quote(wildcard_regex(v)) for v in config.get("Values") or [])
        lines.append(f"acl {name} req.hdr({header}) -m reg -i {patterns}")
    elif field == "http-request-method":
        methods = " ".join(quote(v) for v in _values(condition, "HttpRequestMethodConfig"))
        lines.append(f"acl {name} method -m str {methods}")
    elif field == "source-ip":
        sources = " ".join(quote(v) for v in _values(condition, "SourceIpConfig"))
        lines.append(f"acl {name} src {sources}")
    elif field == "query-string":
        for pair in (condition.get("QueryStringConfig") or {}).get("Values") or []:
            value = wildcard_regex(str(pair.get("Value", "")))[1:-1]
            key = pair.get("Key")
            if key:
                safe_key = re.sub(r"[^A-Za-z0-9._~-]", "", str(key))
                lines.append(f"acl {name} urlp({safe_key}) -m reg -i {quote('^' + value + '$')}")
            else:
                lines.append(f"acl {name} query -m reg -i {quote('(^|&)([^&=]*=)?' + value + '(&|$)')}")
    if not lines:  # an unknown field matches nothing rather than everything
        lines.append(f"acl {name} always_false")
    return lines


def terminal_action(actions: Iterable[dict[str, Any]]) -> dict[str, Any] | None:
    """The action that answers (authenticate-* actions before it are not supported here)."""
    chosen = None
    for action in sorted(actions, key=lambda a: int(a.get("Order") or 0)):
        if action.get("Type") in ("forward", "fixed-response", "redirect"):
            chosen = action
    return chosen


def forward_targets(action: dict[str, Any]) -> list[tuple[str, int]]:
    """(target group ARN, weight) of a forward action."""
    groups = (action.get("ForwardConfig") or {}).get("TargetGroups") or []
    if groups:
        return [
            (str(g["TargetGroupArn"]), int(g.get("Weight", 1))) for g in groups if g.get("TargetGroupArn")
        ]
    if action.get("TargetGroupArn"):
        return [(str(action["TargetGroupArn"]), 1)]
    return []


def _redirect_location(frontend: Frontend, config: dict[str, Any], with_query: bool) -> str:
    protocol = str(config.get("Protocol") or "#{protocol}")
    protocol = frontend.protocol.lower() if protocol == "#{protocol}" else protocol.lower()
    port = str(config.get("Port") or "#{port}")
    port = str(frontend.port) if port == "#{port}" else port
    host = str(config.get("Host") or "#{host}").replace("#{host}", "%[req.hdr(host),field(1,:)]")
    path = str(config.get("Path") or "/#{path}").replace("#{path}", "%[path,regsub(^/,)]")
    query = str(config.get("Query") or "#{query}").replace("#{query}", "%[query]")
    default_port = {"http": "80", "https": "443"}.get(protocol)
    location = f"{protocol}://{host}" + ("" if port == default_port else f":{port}") + path
    if with_query and query:
        location += "?" + query
    return location


def action_lines(frontend: Frontend, action: dict[str, Any], acls: str, plane: DataPlane) -> list[str]:
    guard = f"!{ROUTED}" + (f" {acls}" if acls else "")
    kind = action.get("Type")
    if kind == "fixed-response":
        config = action.get("FixedResponseConfig") or {}
        line = f"http-request return status {int(config.get('StatusCode', 503))}"
        if config.get("MessageBody"):
            content_type = str(config.get("ContentType") or "text/plain")
            line += f" content-type {quote(content_type)} string {quote(str(config['MessageBody']))}"
        return [f"{line} if {guard}"]
    if kind == "redirect":
        config = action.get("RedirectConfig") or {}
        code = 302 if config.get("StatusCode") == "HTTP_302" else 301
        with_query = quote(_redirect_location(frontend, config, True))
        without = quote(_redirect_location(frontend, config, False))
        return [
            f"http-request redirect location {with_query} code {code} if {guard} has_query",
            f"http-request redirect location {without} code {code} if {guard}",
        ]
    targets = [(plane.backend(arn), weight) for arn, weight in forward_targets(action)]
    live = [(b.name, w) for b, w in targets if b is not None and w > 0]
    if not live:
        return [f"http-request return status 503 if {guard}"]
    if len(live) == 1:
        return [f"http-request set-var(txn.tg) str({live[0][0]}) if {guard}"]
    total = sum(w for _, w in live)
    lines, cumulative = [], 0
    for index, (name, weight) in enumerate(live):
        cumulative += weight
        bound = RANDOM_RANGE if index == len(live) - 1 else RANDOM_RANGE * cumulative // total
        lines.append(
            f"http-request set-var(txn.tg) str({name}) if {guard} {{ var(txn.rnd) -m int lt {bound} }}"
        )
    return lines


def bind_line(frontend: Frontend, address: str) -> str:
    bind = f"bind {address}:{frontend.port}"
    if frontend.protocol in ("HTTPS", "TLS") and frontend.certificate:
        bind += f" ssl crt {quote(frontend.certificate)} ssl-min-ver {frontend.min_tls}"
        if frontend.max_tls:
            bind += f" ssl-max-ver {frontend.max_tls}"
        if frontend.ciphers:
            bind += f" ciphers {quote(frontend.ciphers)}"
        if frontend.ciphersuites:
            bind += f" ciphersuites {quote(frontend.ciphersuites)}"
        if frontend.protocol == "HTTPS":
            bind += " alpn http/1.1"
    return bind


def render_frontend(frontend: Frontend, plane: DataPlane) -> list[str]:
    lines = [f"frontend {frontend.name}"]
    for address in (frontend.address, frontend.task_address):
        if address:
            lines.append(f"  {bind_line(frontend, address)}")
    if frontend.protocol in ("TCP", "TLS", "UDP", "TCP_UDP"):
        action = terminal_action(frontend.default_actions)
        targets = forward_targets(action) if action else []
        backend = plane.backend(targets[0][0]) if targets else None
        lines += ["  mode tcp"]
        if backend is not None:
            lines.append(f"  default_backend {backend.name}")
        return lines
    proto = frontend.protocol.lower()
    lines += [
        "  mode http",
        "  option forwardfor",
        f"  http-request set-header X-Forwarded-Proto {proto}",
        f"  http-request set-header X-Forwarded-Port {frontend.port}",
        f"  http-request set-var(txn.rnd) rand({RANDOM_RANGE})",
        f"  acl {ROUTED} var(txn.tg) -m found",
        "  acl has_query query -m len gt 0",
    ]
    for rule in sorted(frontend.rules, key=lambda r: r.priority):
        action = terminal_action(rule.actions)
        if action is None:
            continue
        names = []
        for index, condition in enumerate(rule.conditions):
            name = f"r{rule.priority}c{index}"
            lines += [f"  {line}" for line in condition_acls(name, condition)]
            names.append(name)
        lines += [f"  {line}" for line in action_lines(frontend, action, " ".join(names), plane)]
    default = terminal_action(frontend.default_actions)
    if default is not None:
        lines += [f"  {line}" for line in action_lines(frontend, default, "", plane)]
    lines.append(f"  use_backend %[var(txn.tg)] if {ROUTED}")
    return lines


def check_args(health: HealthCheck) -> str:
    if not health.enabled:
        return ""
    args = f"check inter {health.interval}s rise {health.healthy} fall {health.unhealthy}"
    if health.port != "traffic-port" and str(health.port).isdigit():
        args += f" port {health.port}"
    if health.protocol == "HTTPS":
        args += " check-ssl verify none"
    return args


def server_args(backend: Backend, server: Server) -> str:
    """Everything after `server <name>`: used in the file and by `add server` alike."""
    args = f"{server.address}:{server.port} weight {0 if server.draining else server.weight}"
    if backend.protocol == "HTTPS":
        args += " ssl verify none"
    check = check_args(backend.health)
    if check:
        args += " " + check
    if backend.slow_start:
        args += f" slowstart {backend.slow_start}s"
    return args


def render_backend(backend: Backend) -> list[str]:
    lines = [
        f"backend {backend.name}",
        f"  mode {'tcp' if backend.protocol in ('TCP', 'TLS', 'UDP', 'TCP_UDP') else 'http'}",
        f"  balance {'leastconn' if backend.algorithm == LEAST_OUTSTANDING else 'roundrobin'}",
        f"  timeout check {backend.health.timeout}s",
    ]
    if backend.source:  # security groups tell balancers apart by it (skiff/net/sg_render.py)
        lines.append(f"  source {backend.source}")
    health = backend.health
    if health.enabled and health.protocol in ("HTTP", "HTTPS"):
        codes = "|".join(str(c) for c in status_codes(health.matcher))
        lines += [
            f"  option httpchk GET {quote(health.path or '/')}",
            f"  http-check expect rstatus {quote('^(' + codes + ')$')}",
        ]
    if backend.sticky_seconds is not None:
        lines += [
            f"  cookie AWSALB insert indirect nocache dynamic maxlife {backend.sticky_seconds}s",
            f"  dynamic-cookie-key {quote(backend.arn)}",
        ]
    lines += [f"  server {server.name} {server_args(backend, server)}" for server in backend.servers]
    twins = fail_open_servers(backend)
    if twins:
        lines.append("  option allbackups")
        lines += [f"  server {name} {args}" for name, args in twins]
    return lines


def fail_open_servers(backend: Backend) -> list[tuple[str, str]]:
    """(name, args) of the backup twins that make a target group fail open, as ELB does when all
    its targets are unhealthy: each target past its initial phase and not draining has an
    unchecked backup twin, which HAProxy uses only while no checked server is usable. A twin
    has its own cookie, so a sticky client never lands on it while its target's checks fail."""
    if not backend.health.enabled:
        return []
    twins = []
    for server in backend.servers:
        if server.fail_open and not server.draining:
            args = f"{server.address}:{server.port} weight {max(1, server.weight)} backup"
            if backend.protocol == "HTTPS":
                args += " ssl verify none"
            if backend.sticky_seconds is not None:
                args += f" cookie {server.name}{FAIL_OPEN}"
            twins.append((server.name + FAIL_OPEN, args))
    return twins


def render(plane: DataPlane, directory: Path) -> str:
    """The whole configuration; `directory` holds the sockets and the server state file."""
    lines = [
        "# written by skiff (skiff/lb/render.py); changes are overwritten",
        "global",
        "  master-worker",
        f"  stats socket {quote(str(directory / 'admin.sock'))} mode 600 level admin expose-fd listeners",
        f"  server-state-file {quote(str(directory / 'servers.state'))}",
        "  tune.ssl.default-dh-param 2048",
        "defaults",
        "  mode http",
        "  timeout connect 5s",
        "  timeout client 60s",
        "  timeout server 60s",
        "  timeout http-keep-alive 60s",
        "  timeout http-request 60s",
        "  load-server-state-from-file global",
        "  option dontlognull",
        "  option http-no-delay",  # no Nagle/delayed-ACK stalls with small replies (measured: bench_lb)
    ]
    for frontend in plane.frontends:
        lines += render_frontend(frontend, plane)
    for backend in plane.backends:
        lines += render_backend(backend)
    if not plane.frontends:  # haproxy needs something to run: a listener nobody reaches
        lines += ["frontend idle", f"  bind {quote('unix@' + str(directory / 'idle.sock'))}", "  mode tcp"]
    return "\n".join(lines) + "\n"
