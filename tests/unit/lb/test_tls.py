"""SslPolicy -> HAProxy bind settings, from the same lists DescribeSSLPolicies shows."""

from __future__ import annotations

import pytest

from skiff.lb.tls import settings_for
from skiff.state import ssl_policies


def test_the_default_policy_allows_tls_1_0_to_1_2_without_tls13_suites() -> None:
    tls = settings_for(None)
    assert (tls.min_version, tls.max_version, tls.ciphersuites) == ("TLSv1.0", "TLSv1.2", None)
    assert tls.ciphers is not None
    assert tls.ciphers.split(":") == ssl_policies.ciphers_of("ELBSecurityPolicy-2016-08")


def test_a_tls13_policy_has_no_maximum_and_splits_its_suites() -> None:
    tls = settings_for("ELBSecurityPolicy-TLS13-1-2-2021-06")
    assert (tls.min_version, tls.max_version) == ("TLSv1.2", None)
    assert tls.ciphersuites is not None and all(s.startswith("TLS_") for s in tls.ciphersuites.split(":"))
    assert tls.ciphers is not None and not any(s.startswith("TLS_") for s in tls.ciphers.split(":"))


def test_tls13_only_has_no_legacy_ciphers() -> None:
    tls = settings_for("ELBSecurityPolicy-TLS13-1-3-2021-06")
    assert (tls.min_version, tls.max_version, tls.ciphers) == ("TLSv1.3", None, None)


@pytest.mark.parametrize("name", sorted(ssl_policies.POLICIES))
def test_every_policy_has_settings_haproxy_reads(name: str) -> None:
    tls = settings_for(name)
    assert tls.min_version in ("TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3")
    assert tls.ciphers or tls.ciphersuites


def test_an_unknown_name_reads_as_the_default() -> None:
    assert settings_for("ELBSecurityPolicy-Nope") == settings_for(ssl_policies.DEFAULT_POLICY)
