"""Property tests of the secrets `valueFrom` rules (shared/reference §4)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skiff.agent.secret_refs import ParameterRef, SecretsManagerRef, ValueFromError, parse_value_from

BASE = "arn:aws:secretsmanager:us-east-1:000000000000:secret:"
FIELD = st.text(
    alphabet=st.characters(codec="ascii", categories=("L", "N"), include_characters="-_/"), max_size=8
)
NAME = FIELD.filter(bool)


@given(NAME, FIELD, FIELD, FIELD)
def test_five_part_form(name: str, key: str, stage: str, version: str) -> None:
    text = f"{BASE}{name}:{key}:{stage}:{version}"
    if stage and version:
        with pytest.raises(ValueFromError):
            parse_value_from(text)
        return
    ref = parse_value_from(text)
    assert ref == SecretsManagerRef(BASE + name, key or None, stage or None, version or None)


@given(NAME)
def test_two_part_form(name: str) -> None:
    assert parse_value_from(BASE + name) == SecretsManagerRef(BASE + name, None, None, None)


@given(NAME, st.integers(min_value=1, max_value=2).flatmap(lambda n: st.lists(FIELD, min_size=n, max_size=n)))
def test_other_part_counts_are_invalid(name: str, extra: list[str]) -> None:
    with pytest.raises(ValueFromError):
        parse_value_from(BASE + name + ":" + ":".join(extra))


def test_the_reference_examples() -> None:
    assert parse_value_from(BASE + "db:KEY::").json_key == "KEY"  # type: ignore[union-attr]
    assert parse_value_from(BASE + "db::AWSPREVIOUS:").version_stage == "AWSPREVIOUS"  # type: ignore[union-attr]
    assert parse_value_from(BASE + "db:::v-1").version_id == "v-1"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "text", ["/prod/db/password", "plain", "arn:aws:ssm:us-east-1:000000000000:parameter/a/b"]
)
def test_everything_else_is_a_parameter(text: str) -> None:
    assert parse_value_from(text) == ParameterRef(text)
