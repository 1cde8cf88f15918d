"""Sealing secret values at rest."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from skiff.security.sealing import Sealer, SealingError, load_or_create_key


def test_key_file_is_private_and_stable(tmp_path: Path) -> None:
    key = load_or_create_key(tmp_path)
    assert stat.S_IMODE((tmp_path / "secrets.key").stat().st_mode) == 0o600
    assert load_or_create_key(tmp_path) == key


def test_round_trip_and_no_plaintext(tmp_path: Path) -> None:
    sealer = Sealer.for_data_dir(tmp_path)
    sealed = sealer.seal(b"hunter2-very-secret", "secret-a")
    assert "hunter2" not in sealed
    assert sealer.open(sealed, "secret-a") == b"hunter2-very-secret"
    assert sealer.seal(b"same", "c") != sealer.seal(b"same", "c")  # fresh nonces


def test_wrong_context_or_key_does_not_open(tmp_path: Path) -> None:
    sealer = Sealer.for_data_dir(tmp_path / "a")
    sealed = sealer.seal(b"x", "secret-a")
    with pytest.raises(SealingError):
        sealer.open(sealed, "secret-b")
    with pytest.raises(SealingError):
        Sealer.for_data_dir(tmp_path / "b").open(sealed, "secret-a")
