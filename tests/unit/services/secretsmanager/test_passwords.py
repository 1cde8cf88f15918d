"""GetRandomPassword's options."""

from __future__ import annotations

import string
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skiff.api.errors import AwsError
from skiff.services.secretsmanager.passwords import PUNCTUATION, random_password


def test_defaults_are_32_chars_of_every_class() -> None:
    for _ in range(20):
        password = random_password({})
        assert len(password) == 32 and " " not in password
        for chars in (string.ascii_lowercase, string.ascii_uppercase, string.digits, PUNCTUATION):
            assert any(c in chars for c in password)


@given(
    length=st.integers(min_value=4, max_value=64),
    flags=st.fixed_dictionaries(
        {
            "ExcludeNumbers": st.booleans(),
            "ExcludePunctuation": st.booleans(),
            "ExcludeUppercase": st.booleans(),
            "ExcludeLowercase": st.booleans(),
            "IncludeSpace": st.booleans(),
        }
    ),
    excluded=st.text(alphabet=string.printable, max_size=20),
)
def test_options_are_honoured(length: int, flags: dict[str, bool], excluded: str) -> None:
    params: dict[str, Any] = {"PasswordLength": length, "ExcludeCharacters": excluded, **flags}
    classes = {
        "ExcludeLowercase": string.ascii_lowercase,
        "ExcludeUppercase": string.ascii_uppercase,
        "ExcludeNumbers": string.digits,
        "ExcludePunctuation": PUNCTUATION,
    }
    wanted = [set(chars) - set(excluded) for option, chars in classes.items() if not flags[option]]
    wanted = [chars for chars in wanted if chars]
    pool = set().union(*wanted) | ({" "} if flags["IncludeSpace"] and " " not in excluded else set())
    if not pool:
        with pytest.raises(AwsError):
            random_password(params)
        return
    password = random_password(params)
    assert len(password) == length
    assert set(password) <= pool
    for chars in wanted:
        assert set(password) & chars


def test_too_short_for_the_required_types() -> None:
    with pytest.raises(AwsError) as info:
        random_password({"PasswordLength": 3})
    assert info.value.code == "InvalidParameterException"
    assert info.value.message == "Password length is too short based on the required types."
    assert len(random_password({"PasswordLength": 3, "RequireEachIncludedType": False})) == 3


def test_space_only_when_asked() -> None:
    only_space = {
        "ExcludeNumbers": True,
        "ExcludePunctuation": True,
        "ExcludeUppercase": True,
        "ExcludeLowercase": True,
        "IncludeSpace": True,
        "PasswordLength": 5,
    }
    assert random_password(only_space) == "     "
