"""ELB security policies: the TLS protocols and ciphers an HTTPS or TLS listener's SslPolicy allows.

DescribeSSLPolicies lists them; the data path turns a listener's policy into HAProxy's
`ssl-min-ver`/`ssl-max-ver`, `ciphers` (OpenSSL names, TLS 1.2 and below) and `ciphersuites`
(TLS 1.3) with `ciphers_of` / `protocols_of`. A subset of AWS's policies, with AWS's contents.
"""

from __future__ import annotations

from typing import Any

DEFAULT_POLICY = "ELBSecurityPolicy-2016-08"

_TLS13 = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"]
_ECDHE_GCM = [
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
]
_ECDHE_SHA2 = [
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES128-SHA256",
    "ECDHE-RSA-AES128-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-AES256-SHA384",
    "ECDHE-RSA-AES256-SHA384",
]
_RSA_SHA2 = ["AES128-GCM-SHA256", "AES128-SHA256", "AES256-GCM-SHA384", "AES256-SHA256"]
_LEGACY = [
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES128-SHA256",
    "ECDHE-RSA-AES128-SHA256",
    "ECDHE-ECDSA-AES128-SHA",
    "ECDHE-RSA-AES128-SHA",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-AES256-SHA384",
    "ECDHE-RSA-AES256-SHA384",
    "ECDHE-RSA-AES256-SHA",
    "ECDHE-ECDSA-AES256-SHA",
    "AES128-GCM-SHA256",
    "AES128-SHA256",
    "AES128-SHA",
    "AES256-GCM-SHA384",
    "AES256-SHA256",
    "AES256-SHA",
]

# name -> (protocols, ciphers in priority order)
POLICIES: dict[str, tuple[list[str], list[str]]] = {
    "ELBSecurityPolicy-TLS13-1-2-2021-06": (["TLSv1.2", "TLSv1.3"], _TLS13 + _ECDHE_SHA2),
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06": (["TLSv1.2", "TLSv1.3"], _TLS13 + _ECDHE_GCM),
    "ELBSecurityPolicy-TLS13-1-3-2021-06": (["TLSv1.3"], list(_TLS13)),
    "ELBSecurityPolicy-TLS-1-2-2017-01": (["TLSv1.2"], _ECDHE_SHA2 + _RSA_SHA2),
    "ELBSecurityPolicy-TLS-1-2-Ext-2018-06": (
        ["TLSv1.2"],
        [*_LEGACY[:12], *_RSA_SHA2, "AES128-SHA", "AES256-SHA"],
    ),
    "ELBSecurityPolicy-FS-1-2-Res-2020-10": (["TLSv1.2"], list(_ECDHE_GCM)),
    "ELBSecurityPolicy-2016-08": (["TLSv1", "TLSv1.1", "TLSv1.2"], list(_LEGACY)),
    "ELBSecurityPolicy-TLS-1-1-2017-01": (["TLSv1.1", "TLSv1.2"], list(_LEGACY)),
    "ELBSecurityPolicy-2015-05": (["TLSv1", "TLSv1.1", "TLSv1.2"], list(_LEGACY)),
}


def exists(name: str) -> bool:
    return name in POLICIES


def protocols_of(name: str) -> list[str]:
    return list(POLICIES.get(name, POLICIES[DEFAULT_POLICY])[0])


def ciphers_of(name: str) -> list[str]:
    return list(POLICIES.get(name, POLICIES[DEFAULT_POLICY])[1])


def describe(name: str) -> dict[str, Any]:
    """The SslPolicy shape of one policy."""
    protocols, ciphers = POLICIES[name]
    return {
        "SslProtocols": list(protocols),
        "Ciphers": [{"Name": c, "Priority": i + 1} for i, c in enumerate(ciphers)],
        "Name": name,
        "SupportedLoadBalancerTypes": ["application", "network"],
    }
