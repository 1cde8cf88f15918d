"""ELBv2 records: load balancers, target groups, listeners, rules, registered targets, tags.

The ELBv2 API (services/elbv2) writes them; the data path (skiff/lb: HAProxy) and the ECS target
registration read them, and the data path writes back each balancer's state and each target's
health. Every record is a document stored under its ARN (targets under `target_key`); the AWS
output shape's members are kept as AWS names them, what only skiff needs sits under `_skiff`.

Load balancer (`elb_load_balancers`): the LoadBalancer shape — LoadBalancerArn, LoadBalancerName,
  DNSName (`<name>-<number>.<region>.elb.amazonaws.com`, `internal-` in front for an internal one;
  the data path writes it into /etc/hosts, pointing at `address`), CanonicalHostedZoneId,
  CreatedTime, Scheme (internet-facing|internal), VpcId, State {Code: provisioning|active|
  active_impaired|failed, Reason?}, Type (application|network), AvailabilityZones [{ZoneName,
  SubnetId, LoadBalancerAddresses}], SecurityGroups [sg ids] (ALBs; NLBs may have none),
  IpAddressType (ipv4|dualstack). `_skiff`: account, region, address (one IPv4 address in
  127.77.0.0/16, allocated once by `balancer_addresses.allocate` and kept for the balancer's life), attributes
  {AWS key: string value}.
Target group (`elb_target_groups`): the TargetGroup shape minus LoadBalancerArns (derived:
  `balancers_of_target_group`) — TargetGroupArn, TargetGroupName, Protocol, Port, VpcId,
  TargetType (ip), HealthCheckProtocol, HealthCheckPort ("traffic-port" or a number as a string),
  HealthCheckEnabled, HealthCheckIntervalSeconds, HealthCheckTimeoutSeconds,
  HealthyThresholdCount, UnhealthyThresholdCount, HealthCheckPath (HTTP/HTTPS checks),
  Matcher {HttpCode: "200" | "200,302" | "200-299"}, ProtocolVersion (HTTP1 for HTTP/HTTPS),
  IpAddressType. `_skiff`: account, region, attributes {AWS key: string value}: read them with
  `target_group_attribute` (defaults filled in: deregistration_delay.timeout_seconds 300,
  stickiness.enabled false, stickiness.type lb_cookie, stickiness.lb_cookie.duration_seconds 86400,
  load_balancing.algorithm.type round_robin, slow_start.duration_seconds 0, ...).
Listener (`elb_listeners`): the Listener shape — ListenerArn, LoadBalancerArn, Port, Protocol
  (HTTP|HTTPS|TCP|TLS|UDP|TCP_UDP), Certificates [{CertificateArn}] (the default one, HTTPS/TLS),
  SslPolicy, AlpnPolicy, DefaultActions [Action]. `_skiff`: account, region, certificates (every
  certificate ARN the listener holds, the default first: AddListenerCertificates adds to it),
  attributes.
  An Action: {Type: forward|redirect|fixed-response, Order?, TargetGroupArn? | ForwardConfig
  {TargetGroups [{TargetGroupArn, Weight}], TargetGroupStickinessConfig {Enabled,
  DurationSeconds}}, RedirectConfig {Protocol, Port, Host, Path, Query, StatusCode: HTTP_301|
  HTTP_302}, FixedResponseConfig {StatusCode, ContentType?, MessageBody?}}. `forward_groups`
  gives a forward action's (target group ARN, weight) pairs whichever form it was written in.
Rule (`elb_rules`): the Rule shape — RuleArn, Priority ("1".."50000", or "default"), Conditions
  [{Field: path-pattern|host-header|http-header|http-request-method|query-string|source-ip,
  Values?, PathPatternConfig {Values}, HostHeaderConfig {Values}, HttpHeaderConfig
  {HttpHeaderName, Values}, HttpRequestMethodConfig {Values}, QueryStringConfig {Values [{Key?,
  Value}]}, SourceIpConfig {Values}}], Actions [Action], IsDefault. `_skiff`: listener (its ARN),
  account, region. Every listener has exactly one default rule (no conditions, the listener's
  DefaultActions); `rules_of` lists a listener's rules lowest priority first, the default last.
Target (`elb_targets`, key `<target group ARN>|<id>|<port>`): {target_group, id (an IPv4
  address), port, zone (AvailabilityZone or ""), state: registered|draining, registered_at,
  draining_until (a datetime while draining, else None), health {state, reason, description}}.
  The API writes `initial`/`Elb.RegistrationInProgress` at registration; the data path writes
  what its health checks see (`set_health`: initial, healthy, unhealthy with the reason codes of
  `HEALTH_DESCRIPTIONS`). Draining targets are gone once `draining_until` passes
  (`expire_drained`).
Tags (`elb_tags`): {Tags [{Key, Value}]} under the tagged resource's ARN.

Every write except health bumps a generation number (`touch`), so the data path re-renders only
when something changed.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from typing import Any

from skiff.state.scope import Scope
from skiff.store.base import Document, Store

LOAD_BALANCERS = "elb_load_balancers"
TARGET_GROUPS = "elb_target_groups"
LISTENERS = "elb_listeners"
RULES = "elb_rules"
TARGETS = "elb_targets"
TAGS = "elb_tags"
META = "elb_meta"
INTERNAL = "_skiff"
GENERATION_KEY = "generation"

DEFAULT_PRIORITY = 50001  # the `priority` column of a listener's default rule: it sorts last
HOSTED_ZONE_IDS = {"application": "Z35SXDOTRQ7X7K", "network": "Z26RNL4JYFTOTI"}

LB_STATES = ("provisioning", "active", "active_impaired", "failed")
TARGET_STATES = ("initial", "healthy", "unhealthy", "unhealthy.draining", "unused", "draining", "unavailable")
HEALTH_DESCRIPTIONS = {
    "Elb.RegistrationInProgress": "Target registration is in progress",
    "Elb.InitialHealthChecking": "Initial health checks in progress",
    "Target.ResponseCodeMismatch": "Health checks failed with these codes: [{code}]",
    "Target.Timeout": "Request timed out",
    "Target.FailedHealthChecks": "Health checks failed",
    "Target.NotRegistered": "Target is not registered to the target group",
    "Target.NotInUse": "Target group is not configured to receive traffic from the load balancer",
    "Target.DeregistrationInProgress": "Target deregistration is in progress",
    "Target.InvalidState": "Target is in the stopped or terminated state",
    "Target.IpUnusable": "The IP address cannot be used as a target, as it is in use by a load balancer",
    "Target.HealthCheckDisabled": "Health checks are disabled",
    "Elb.InternalError": "Health checks failed due to an internal error",
}

LOAD_BALANCER_ATTRIBUTES = {
    "application": {
        "access_logs.s3.enabled": "false",
        "access_logs.s3.bucket": "",
        "access_logs.s3.prefix": "",
        "deletion_protection.enabled": "false",
        "idle_timeout.timeout_seconds": "60",
        "routing.http.desync_mitigation_mode": "defensive",
        "routing.http.drop_invalid_header_fields.enabled": "false",
        "routing.http.preserve_host_header.enabled": "false",
        "routing.http.x_amzn_tls_version_and_cipher_suite.enabled": "false",
        "routing.http.xff_client_port.enabled": "false",
        "routing.http.xff_header_processing.mode": "append",
        "routing.http2.enabled": "true",
        "waf.fail_open.enabled": "false",
        "client_keep_alive.seconds": "3600",
        "connection_logs.s3.enabled": "false",
        "connection_logs.s3.bucket": "",
        "connection_logs.s3.prefix": "",
        "zonal_shift.config.enabled": "false",
        "health_check_logs.s3.enabled": "false",
        "health_check_logs.s3.bucket": "",
        "health_check_logs.s3.prefix": "",
        "load_balancing.cross_zone.enabled": "true",
        "routing.http.x_amzn_tls_kx.enabled": "false",
        "ipv6.deny_all_igw_traffic": "false",
    },
    "network": {
        "access_logs.s3.enabled": "false",
        "access_logs.s3.bucket": "",
        "access_logs.s3.prefix": "",
        "deletion_protection.enabled": "false",
        "load_balancing.cross_zone.enabled": "false",
        "dns_record.client_routing_policy": "any_availability_zone",
        "zonal_shift.config.enabled": "false",
        "ipv6.deny_all_igw_traffic": "false",
        "secondary_ips.auto_assigned.per_subnet": "0",
    },
}

_COMMON_TG_ATTRIBUTES = {
    "deregistration_delay.timeout_seconds": "300",
    "stickiness.enabled": "false",
    "target_group_health.dns_failover.minimum_healthy_targets.count": "1",
    "target_group_health.dns_failover.minimum_healthy_targets.percentage": "off",
    "target_group_health.unhealthy_state_routing.minimum_healthy_targets.count": "1",
    "target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage": "off",
}
TARGET_GROUP_ATTRIBUTES = {
    "application": {
        **_COMMON_TG_ATTRIBUTES,
        "stickiness.type": "lb_cookie",
        "stickiness.lb_cookie.duration_seconds": "86400",
        "stickiness.app_cookie.cookie_name": "",
        "stickiness.app_cookie.duration_seconds": "86400",
        "load_balancing.algorithm.type": "round_robin",
        "load_balancing.algorithm.anomaly_mitigation": "off",
        "load_balancing.cross_zone.enabled": "use_load_balancer_configuration",
        "slow_start.duration_seconds": "0",
    },
    "network": {
        **_COMMON_TG_ATTRIBUTES,
        "stickiness.type": "source_ip",
        "deregistration_delay.connection_termination.enabled": "false",
        "preserve_client_ip.enabled": "true",
        "proxy_protocol_v2.enabled": "false",
        "load_balancing.cross_zone.enabled": "use_load_balancer_configuration",
        "target_health_state.unhealthy.connection_termination.enabled": "true",
        "target_health_state.unhealthy.draining_interval_seconds": "0",
    },
}
APPLICATION_PROTOCOLS = ("HTTP", "HTTPS")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_id() -> str:
    """The 16 hex digits ending every ELBv2 ARN."""
    return secrets.token_hex(8)


# -- names and ARNs ---------------------------------------------------------------------------------
def _prefix(scope: Scope) -> str:
    return f"arn:aws:elasticloadbalancing:{scope.region}:{scope.account}"


def type_segment(lb_type: str) -> str:
    return {"application": "app", "network": "net", "gateway": "gwy"}.get(lb_type, "app")


def load_balancer_arn(scope: Scope, lb_type: str, name: str, lb_id: str) -> str:
    return f"{_prefix(scope)}:loadbalancer/{type_segment(lb_type)}/{name}/{lb_id}"


def target_group_arn(scope: Scope, name: str, tg_id: str) -> str:
    return f"{_prefix(scope)}:targetgroup/{name}/{tg_id}"


def listener_arn(lb_arn: str, listener_id: str) -> str:
    return lb_arn.replace(":loadbalancer/", ":listener/", 1) + f"/{listener_id}"


def rule_arn(listener: str, rule_id: str) -> str:
    return listener.replace(":listener/", ":listener-rule/", 1) + f"/{rule_id}"


def dns_name(name: str, scheme: str, region: str, number: int) -> str:
    """The balancer's DNS name, as AWS forms it; `internal-` in front for an internal balancer."""
    base = f"{name}-{number}.{region}.elb.amazonaws.com".lower()
    return f"internal-{base}" if scheme == "internal" else base


def scope_of(doc: Document) -> Scope:
    internal = doc[INTERNAL]
    return Scope(str(internal["account"]), str(internal["region"]))


def kind_of(lb_arn: str) -> str:
    """application|network from a load balancer (or listener, rule) ARN."""
    segment = lb_arn.split(":", 5)[-1].split("/")[1] if "/" in lb_arn else "app"
    return {"app": "application", "net": "network", "gwy": "gateway"}.get(segment, "application")


# -- generation -------------------------------------------------------------------------------------
def touch(store: Store) -> int:
    """Record that balancer records changed; returns the new generation."""
    value = store.next_number("elb-generation")
    store.put(META, GENERATION_KEY, {"value": value})
    return value


def generation(store: Store) -> int:
    doc = store.get(META, GENERATION_KEY)
    return int(doc["value"]) if doc else 0


# -- load balancers ---------------------------------------------------------------------------------
def save_load_balancer(store: Store, doc: Document) -> None:
    internal = doc[INTERNAL]
    store.put(
        LOAD_BALANCERS,
        doc["LoadBalancerArn"],
        doc,
        account=internal["account"],
        region=internal["region"],
        name=doc["LoadBalancerName"].lower(),
        address=str(internal.get("address") or ""),
    )
    touch(store)


def load_load_balancer(store: Store, arn: str) -> Document | None:
    return store.get(LOAD_BALANCERS, arn)


def load_balancer_named(store: Store, scope: Scope, name: str) -> Document | None:
    found = store.find(
        LOAD_BALANCERS, {"account": scope.account, "region": scope.region, "name": name.lower()}
    )
    return found[0] if found else None


def load_balancers(store: Store, scope: Scope | None = None) -> list[Document]:
    """Balancers of one account and region (every balancer without `scope`), by ARN."""
    where = {"account": scope.account, "region": scope.region} if scope else None
    return store.find(LOAD_BALANCERS, where)


def delete_load_balancer(store: Store, arn: str) -> bool:
    """Delete the balancer with its listeners, their rules and the tags of all of them."""
    with store.transaction():
        for listener in listeners_of(store, arn):
            delete_listener(store, listener["ListenerArn"])
        store.delete(TAGS, arn)
        gone = store.delete(LOAD_BALANCERS, arn)
        touch(store)
    return gone


def address_of(doc: Document) -> str:
    return str(doc[INTERNAL].get("address") or "")


def set_load_balancer_state(store: Store, arn: str, code: str, reason: str | None = None) -> bool:
    """Move a balancer's State (the data path: `active` once HAProxy serves it). False if gone."""
    with store.transaction():
        doc = load_load_balancer(store, arn)
        if doc is None:
            return False
        state: dict[str, str] = {"Code": code}
        if reason:
            state["Reason"] = reason
        if doc.get("State") == state:
            return True
        doc["State"] = state
        save_load_balancer(store, doc)
    return True


def load_balancer_attribute(doc: Document, key: str) -> str:
    defaults = LOAD_BALANCER_ATTRIBUTES.get(doc.get("Type", "application"), {})
    return str(doc[INTERNAL].get("attributes", {}).get(key, defaults.get(key, "")))


def load_balancer_attributes(doc: Document) -> dict[str, str]:
    defaults = LOAD_BALANCER_ATTRIBUTES.get(doc.get("Type", "application"), {})
    return {**defaults, **doc[INTERNAL].get("attributes", {})}


# -- target groups ----------------------------------------------------------------------------------
def save_target_group(store: Store, doc: Document) -> None:
    internal = doc[INTERNAL]
    store.put(
        TARGET_GROUPS,
        doc["TargetGroupArn"],
        doc,
        account=internal["account"],
        region=internal["region"],
        name=doc["TargetGroupName"].lower(),
    )
    touch(store)


def load_target_group(store: Store, arn: str) -> Document | None:
    return store.get(TARGET_GROUPS, arn)


def target_group_named(store: Store, scope: Scope, name: str) -> Document | None:
    found = store.find(
        TARGET_GROUPS, {"account": scope.account, "region": scope.region, "name": name.lower()}
    )
    return found[0] if found else None


def target_groups(store: Store, scope: Scope | None = None) -> list[Document]:
    where = {"account": scope.account, "region": scope.region} if scope else None
    return store.find(TARGET_GROUPS, where)


def delete_target_group(store: Store, arn: str) -> bool:
    with store.transaction():
        for target in targets_of(store, arn):
            store.delete(TARGETS, target_key(arn, target["id"], int(target["port"])))
        store.delete(TAGS, arn)
        gone = store.delete(TARGET_GROUPS, arn)
        touch(store)
    return gone


def target_group_kind(doc: Document) -> str:
    """application (HTTP/HTTPS groups) or network (TCP, TLS, UDP, TCP_UDP groups)."""
    return "application" if doc.get("Protocol", "HTTP") in APPLICATION_PROTOCOLS else "network"


def target_group_attributes(doc: Document) -> dict[str, str]:
    defaults = TARGET_GROUP_ATTRIBUTES[target_group_kind(doc)]
    return {**defaults, **doc[INTERNAL].get("attributes", {})}


def target_group_attribute(doc: Document, key: str) -> str:
    return target_group_attributes(doc).get(key, "")


def deregistration_delay(doc: Document) -> int:
    """deregistration_delay.timeout_seconds of a target group, in seconds."""
    return int(target_group_attribute(doc, "deregistration_delay.timeout_seconds") or 300)


def traffic_port(target_group: Document, target: Document) -> int:
    """The port a target receives traffic on: its own, else the group's."""
    return int(target.get("port") or target_group.get("Port") or 0)


def health_check_port(target_group: Document, target: Document) -> int:
    port = str(target_group.get("HealthCheckPort") or "traffic-port")
    return traffic_port(target_group, target) if port == "traffic-port" else int(port)


# -- listeners and rules ----------------------------------------------------------------------------
def save_listener(store: Store, doc: Document) -> None:
    store.put(LISTENERS, doc["ListenerArn"], doc, load_balancer=doc["LoadBalancerArn"], port=int(doc["Port"]))
    touch(store)


def load_listener(store: Store, arn: str) -> Document | None:
    return store.get(LISTENERS, arn)


def listeners_of(store: Store, lb_arn: str) -> list[Document]:
    """A balancer's listeners by port."""
    return store.find(LISTENERS, {"load_balancer": lb_arn}, order_by=("port",))


def all_listeners(store: Store) -> list[Document]:
    return store.find(LISTENERS, order_by=("load_balancer", "port"))


def listener_certificates(doc: Document) -> list[str]:
    """Every certificate ARN the listener holds, the default one first."""
    default = [c["CertificateArn"] for c in doc.get("Certificates") or [] if c.get("CertificateArn")]
    extra = [arn for arn in doc.get(INTERNAL, {}).get("certificates", []) if arn not in default]
    return default + extra


def delete_listener(store: Store, arn: str) -> bool:
    with store.transaction():
        for rule in rules_of(store, arn):
            store.delete(RULES, rule["RuleArn"])
            store.delete(TAGS, rule["RuleArn"])
        store.delete(TAGS, arn)
        gone = store.delete(LISTENERS, arn)
        touch(store)
    return gone


def priority_column(rule: Document) -> int:
    return DEFAULT_PRIORITY if rule.get("IsDefault") else int(rule["Priority"])


def save_rule(store: Store, doc: Document) -> None:
    store.put(RULES, doc["RuleArn"], doc, listener=doc[INTERNAL]["listener"], priority=priority_column(doc))
    touch(store)


def load_rule(store: Store, arn: str) -> Document | None:
    return store.get(RULES, arn)


def rules_of(store: Store, listener: str) -> list[Document]:
    """A listener's rules in evaluation order: lowest priority first, the default rule last."""
    return store.find(RULES, {"listener": listener}, order_by=("priority",))


def delete_rule(store: Store, arn: str) -> bool:
    with store.transaction():
        store.delete(TAGS, arn)
        gone = store.delete(RULES, arn)
        touch(store)
    return gone


def forward_groups(action: Document) -> list[tuple[str, int]]:
    """(target group ARN, weight) of a forward action, in either of its forms; [] for others."""
    if action.get("Type") != "forward":
        return []
    config = action.get("ForwardConfig") or {}
    groups = [(str(g["TargetGroupArn"]), int(g.get("Weight", 1))) for g in config.get("TargetGroups") or []]
    if not groups and action.get("TargetGroupArn"):
        groups = [(str(action["TargetGroupArn"]), 1)]
    return groups


def actions_of_listener(store: Store, listener: Document) -> list[Document]:
    """Every action of a listener: its default actions and those of its rules."""
    actions = list(listener.get("DefaultActions") or [])
    for rule in rules_of(store, listener["ListenerArn"]):
        if not rule.get("IsDefault"):
            actions += rule.get("Actions") or []
    return actions


def balancers_of_target_group(store: Store, tg_arn: str) -> list[str]:
    """ARNs of the balancers with a listener or rule forwarding to the group (LoadBalancerArns)."""
    found: list[str] = []
    for listener in all_listeners(store):
        lb = listener["LoadBalancerArn"]
        if lb in found:
            continue
        for action in actions_of_listener(store, listener):
            if any(arn == tg_arn for arn, _ in forward_groups(action)):
                found.append(lb)
                break
    return found


# -- targets ----------------------------------------------------------------------------------------
def target_key(tg_arn: str, target_id: str, port: int) -> str:
    return f"{tg_arn}|{target_id}|{port}"


def save_target(store: Store, doc: Document, *, bump: bool = True) -> None:
    key = target_key(doc["target_group"], doc["id"], int(doc["port"]))
    store.put(TARGETS, key, doc, target_group=doc["target_group"])
    if bump:
        touch(store)


def load_target(store: Store, tg_arn: str, target_id: str, port: int) -> Document | None:
    return store.get(TARGETS, target_key(tg_arn, target_id, port))


def targets_of(store: Store, tg_arn: str) -> list[Document]:
    return store.find(TARGETS, {"target_group": tg_arn})


def new_target(
    tg_arn: str, target_id: str, port: int, zone: str = "", at: dt.datetime | None = None
) -> Document:
    """A freshly registered target: initial, registration in progress."""
    return {
        "target_group": tg_arn,
        "id": target_id,
        "port": int(port),
        "zone": zone,
        "state": "registered",
        "registered_at": at or now(),
        "draining_until": None,
        "health": health("initial", "Elb.RegistrationInProgress"),
    }


def health(state: str, reason: str | None = None, code: str | None = None) -> dict[str, Any]:
    """A `health` value: the state, and the reason code with AWS's description (`code`: the
    HTTP status a failed check got, for Target.ResponseCodeMismatch)."""
    out: dict[str, Any] = {"state": state, "reason": reason, "description": None}
    if reason:
        out["description"] = HEALTH_DESCRIPTIONS.get(reason, "").format(code=code or "")
    return out


def update_target(
    store: Store,
    tg_arn: str,
    target_id: str,
    port: int,
    change: Callable[[Document], None],
    *,
    bump: bool = True,
) -> Document | None:
    """Read, change and save one target atomically; None when it is not registered."""
    with store.transaction():
        doc = load_target(store, tg_arn, target_id, port)
        if doc is None:
            return None
        change(doc)
        save_target(store, doc, bump=bump)
        return doc


def set_health(
    store: Store,
    tg_arn: str,
    target_id: str,
    port: int,
    state: str,
    reason: str | None = None,
    code: str | None = None,
) -> Document | None:
    """Record what the health checks see (the data path); leaves draining targets draining."""

    def change(doc: Document) -> None:
        doc["health"] = health(state, reason, code)

    return update_target(store, tg_arn, target_id, port, change, bump=False)


def start_draining(
    store: Store, tg_arn: str, target_id: str, port: int, until: dt.datetime
) -> Document | None:
    def change(doc: Document) -> None:
        if doc["state"] != "draining":
            doc["state"] = "draining"
            doc["draining_until"] = until

    return update_target(store, tg_arn, target_id, port, change)


def remove_target(store: Store, tg_arn: str, target_id: str, port: int) -> bool:
    with store.transaction():
        gone = store.delete(TARGETS, target_key(tg_arn, target_id, port))
        if gone:
            touch(store)
    return gone


def expire_drained(store: Store, at: dt.datetime | None = None, tg_arn: str | None = None) -> list[Document]:
    """Remove draining targets whose deregistration delay has passed; returns them."""
    moment = at or now()
    gone: list[Document] = []
    with store.transaction():
        where = {"target_group": tg_arn} if tg_arn else None
        for _, doc in store.scan(TARGETS, where):
            until = doc.get("draining_until")
            if doc.get("state") == "draining" and isinstance(until, dt.datetime) and until <= moment:
                store.delete(TARGETS, target_key(doc["target_group"], doc["id"], int(doc["port"])))
                gone.append(doc)
        if gone:
            touch(store)
    return gone


# -- tags -------------------------------------------------------------------------------------------
def tags_of(store: Store, arn: str) -> list[dict[str, str]]:
    doc = store.get(TAGS, arn)
    return list(doc["Tags"]) if doc else []


def save_tags(store: Store, arn: str, tags: list[dict[str, str]]) -> None:
    if tags:
        store.put(TAGS, arn, {"Tags": tags})
    else:
        store.delete(TAGS, arn)
