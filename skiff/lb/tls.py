"""ELBv2 security policies (SslPolicy) as HAProxy bind settings: TLS versions and ciphers.

The policies' contents are `skiff/state/ssl_policies.py`'s, the same lists DescribeSSLPolicies
shows: the lowest and highest protocol give `ssl-min-ver` / `ssl-max-ver` (none when TLS 1.3 is
allowed, HAProxy's highest), OpenSSL's names of the TLS 1.2-and-below suites give `ciphers`, the
`TLS_*` suites `ciphersuites`. Listeners accept only policies that exist; an unknown name reads
as the default policy.
"""

from __future__ import annotations

from dataclasses import dataclass

from skiff.state import ssl_policies

# ELB's protocol names in order, and HAProxy's spelling of each
_VERSIONS = {"TLSv1": "TLSv1.0", "TLSv1.1": "TLSv1.1", "TLSv1.2": "TLSv1.2", "TLSv1.3": "TLSv1.3"}


@dataclass(frozen=True)
class TlsSettings:
    min_version: str  # HAProxy's ssl-min-ver: TLSv1.0 .. TLSv1.3
    max_version: str | None
    ciphers: str | None  # TLS <= 1.2
    ciphersuites: str | None  # TLS 1.3


def settings_for(policy: str | None) -> TlsSettings:
    name = policy if policy and ssl_policies.exists(policy) else ssl_policies.DEFAULT_POLICY
    order = list(_VERSIONS)
    protocols = sorted(ssl_policies.protocols_of(name), key=order.index)
    ciphers = ssl_policies.ciphers_of(name)
    legacy = [c for c in ciphers if not c.startswith("TLS_")]
    modern = [c for c in ciphers if c.startswith("TLS_")]
    return TlsSettings(
        min_version=_VERSIONS[protocols[0]],
        max_version=None if protocols[-1] == "TLSv1.3" else _VERSIONS[protocols[-1]],
        ciphers=":".join(legacy) or None,
        ciphersuites=":".join(modern) or None,
    )
