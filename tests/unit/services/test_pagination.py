"""Opaque tokens: pages cover every item once, in order, both directions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skiff.services.pagination import BadToken, decode_token, encode_token, paginate


@given(st.lists(st.integers(), unique=True), st.integers(min_value=1, max_value=7), st.booleans())
def test_pages_cover_everything_once(items: list[int], size: int, descending: bool) -> None:
    ordered = sorted(items, reverse=descending)
    seen: list[int] = []
    token = None
    while True:
        page, token = paginate(ordered, lambda x: x, size, token, descending=descending)
        assert len(page) <= size
        seen.extend(page)
        if token is None:
            break
    assert seen == ordered


def test_tuple_keys_survive_tokens() -> None:
    items = [("a", 1), ("a", 2), ("b", 1)]
    page, token = paginate(items, lambda x: x, 2, None)
    assert page == items[:2]
    assert paginate(items, lambda x: x, 2, token) == ([("b", 1)], None)


@pytest.mark.parametrize("token", ["!!", "e30", "bm90LWpzb24"])
def test_bad_tokens(token: str) -> None:
    with pytest.raises(BadToken):
        decode_token(token)


def test_round_trip() -> None:
    assert decode_token(encode_token(["x", 3])) == ["x", 3]
