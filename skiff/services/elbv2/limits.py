"""DescribeAccountLimits and DescribeSSLPolicies: the quotas skiff enforces and its TLS policies."""

from __future__ import annotations

from typing import Any

from skiff.services.elbv2 import exceptions as err
from skiff.services.elbv2.listeners import MAX_CERTIFICATES, MAX_LISTENERS
from skiff.services.elbv2.load_balancers import MAX_LOAD_BALANCERS
from skiff.services.elbv2.paging import paged
from skiff.services.elbv2.rules import MAX_RULES
from skiff.services.elbv2.target_groups import MAX_TARGET_GROUPS
from skiff.services.elbv2.targets import MAX_TARGETS
from skiff.state import ssl_policies

LIMITS = {
    "application-load-balancers": MAX_LOAD_BALANCERS,
    "condition-values-per-alb-rule": 5,
    "condition-wildcards-per-alb-rule": 5,
    "gateway-load-balancers": 0,
    "listeners-per-application-load-balancer": MAX_LISTENERS,
    "listeners-per-network-load-balancer": MAX_LISTENERS,
    "network-load-balancers": MAX_LOAD_BALANCERS,
    "rules-per-application-load-balancer": MAX_RULES,
    "target-groups": MAX_TARGET_GROUPS,
    "target-groups-per-action-on-application-load-balancer": 5,
    "target-groups-per-action-on-network-load-balancer": 1,
    "target-groups-per-application-load-balancer": 100,
    "targets-per-application-load-balancer": MAX_TARGETS,
    "targets-per-availability-zone-per-network-load-balancer": 500,
    "targets-per-network-load-balancer": MAX_TARGETS,
    "certificates-per-application-load-balancer": MAX_CERTIFICATES,
    "certificates-per-network-load-balancer": MAX_CERTIFICATES,
}


def account_limits(params: dict[str, Any]) -> dict[str, Any]:
    items = [{"Name": name, "Max": str(value)} for name, value in LIMITS.items()]
    return paged("Limits", items, params)


def ssl_policy_list(params: dict[str, Any]) -> dict[str, Any]:
    names = [str(n) for n in params.get("Names") or []]
    for name in names:
        if not ssl_policies.exists(name):
            raise err.ssl_policy_not_found(name)
    chosen = names or list(ssl_policies.POLICIES)
    return paged("SslPolicies", [ssl_policies.describe(n) for n in dict.fromkeys(chosen)], params)
