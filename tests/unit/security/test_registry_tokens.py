"""Registry login tokens: accepted until they expire, bound to their registry, unforgeable."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

import pytest

from skiff.security.registry_tokens import LIFETIME, RegistryTokens, TokenError, basic_password


def test_a_token_verifies_with_its_claims_until_it_expires(tmp_path: Path) -> None:
    tokens = RegistryTokens.for_data_dir(tmp_path)
    now = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    token, expires = tokens.issue("123456789012", "eu-west-1", "arn:aws:iam::123456789012:root", now)
    assert expires == now + LIFETIME
    claims = RegistryTokens.for_data_dir(tmp_path).verify(token, now + dt.timedelta(hours=11))  # key kept
    assert (claims.account, claims.region, claims.principal) == (
        "123456789012",
        "eu-west-1",
        "arn:aws:iam::123456789012:root",
    )
    with pytest.raises(TokenError) as expired:
        tokens.verify(token, now + dt.timedelta(hours=12))
    assert expired.value.expired
    assert (tmp_path / "registry" / "token.key").stat().st_mode & 0o777 == 0o600


def test_tokens_of_another_key_or_altered_ones_are_refused(tmp_path: Path) -> None:
    token, _ = RegistryTokens(b"k" * 32).issue("123456789012", "us-east-1", "p")
    with pytest.raises(TokenError):
        RegistryTokens(b"x" * 32).verify(token)
    prefix, payload, mac = token.split(".")
    forged = base64.urlsafe_b64encode(b'{"a":"999999999999","r":"us-east-1","p":"p","e":9999999999}')
    for bad in ("", "nonsense", f"{prefix}.{forged.decode().rstrip('=')}.{mac}", f"{prefix}.{payload}.x"):
        with pytest.raises(TokenError) as refused:
            RegistryTokens(b"k" * 32).verify(bad)
        assert not refused.value.expired


def test_basic_password_takes_only_the_aws_user() -> None:
    header = "Basic " + base64.b64encode(b"AWS:skf1.a.b").decode()
    assert basic_password(header) == "skf1.a.b"
    assert basic_password("Basic " + base64.b64encode(b"bob:pw").decode()) is None
    assert basic_password("Bearer x") is None
    assert basic_password("Basic !!!") is None
