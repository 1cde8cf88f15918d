"""ELBv2 security policies (SslPolicy) as HAProxy bind settings: TLS versions and ciphers.

The cipher lists are OpenSSL's names for the suites each AWS policy offers; policies not in the
table are read by the pattern of their names (`TLS13-1-3`: TLS 1.3 only, `TLS13-1-2`: 1.2 and
1.3, `TLS-1-2`: 1.2, `TLS-1-1`: 1.1 and up), with the 2016-08 list for TLS 1.2 and below.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_POLICY = "ELBSecurityPolicy-2016-08"

TLS13_SUITES = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
_2016_08 = ":".join(
    [
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
)
_TLS12_ONLY = ":".join(
    [
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES128-SHA256",
        "ECDHE-RSA-AES128-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-AES256-SHA384",
        "ECDHE-RSA-AES256-SHA384",
        "AES128-GCM-SHA256",
        "AES128-SHA256",
        "AES256-GCM-SHA384",
        "AES256-SHA256",
    ]
)
_FS = ":".join(
    [
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES128-SHA256",
        "ECDHE-RSA-AES128-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-AES256-SHA384",
        "ECDHE-RSA-AES256-SHA384",
    ]
)


@dataclass(frozen=True)
class TlsSettings:
    min_version: str  # HAProxy's ssl-min-ver: TLSv1.0 .. TLSv1.3
    max_version: str | None
    ciphers: str | None  # TLS <= 1.2
    ciphersuites: str | None  # TLS 1.3


POLICIES = {
    "ELBSecurityPolicy-2016-08": TlsSettings("TLSv1.0", "TLSv1.2", _2016_08, None),
    "ELBSecurityPolicy-TLS-1-1-2017-01": TlsSettings("TLSv1.1", "TLSv1.2", _2016_08, None),
    "ELBSecurityPolicy-TLS-1-2-2017-01": TlsSettings("TLSv1.2", "TLSv1.2", _TLS12_ONLY, None),
    "ELBSecurityPolicy-TLS-1-2-Ext-2018-06": TlsSettings("TLSv1.2", "TLSv1.2", _2016_08, None),
    "ELBSecurityPolicy-FS-1-2-Res-2020-10": TlsSettings("TLSv1.2", "TLSv1.2", _FS, None),
    "ELBSecurityPolicy-TLS13-1-2-2021-06": TlsSettings("TLSv1.2", None, _TLS12_ONLY, TLS13_SUITES),
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06": TlsSettings("TLSv1.2", None, _FS, TLS13_SUITES),
    "ELBSecurityPolicy-TLS13-1-3-2021-06": TlsSettings("TLSv1.3", None, None, TLS13_SUITES),
}


def settings_for(policy: str | None) -> TlsSettings:
    name = policy or DEFAULT_POLICY
    if name in POLICIES:
        return POLICIES[name]
    if "TLS13-1-3" in name:
        return POLICIES["ELBSecurityPolicy-TLS13-1-3-2021-06"]
    if "TLS13" in name:
        return POLICIES["ELBSecurityPolicy-TLS13-1-2-2021-06"]
    if "1-2" in name:
        return POLICIES["ELBSecurityPolicy-TLS-1-2-2017-01"]
    if "1-1" in name:
        return POLICIES["ELBSecurityPolicy-TLS-1-1-2017-01"]
    return POLICIES[DEFAULT_POLICY]
