"""The registry's configuration: storage in the data dir, deletes on, a unix socket, relative URLs."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from skiff.registry.supervisor import RegistryError, RegistrySupervisor, render_config


def test_config_names_storage_socket_and_deletes(tmp_path: Path) -> None:
    text = render_config(tmp_path / "st", tmp_path / "r.sock", 'se"cret')
    assert f'rootdirectory: "{tmp_path / "st"}"' in text
    assert "  delete:\n    enabled: true" in text
    assert "  net: unix" in text and f'addr: "{tmp_path / "r.sock"}"' in text
    assert 'secret: "se\\"cret"' in text and "relativeurls: true" in text


def test_a_missing_binary_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="docker-registry package"):
        asyncio.run(RegistrySupervisor(tmp_path, binary=str(tmp_path / "nope")).start())
    supervisor = RegistrySupervisor(tmp_path)
    supervisor.pid_path.parent.mkdir(parents=True)
    supervisor.pid_path.write_text("1\n")  # pid 1 is not our registry: never adopted, never killed
    assert supervisor._recorded_pid() is None
