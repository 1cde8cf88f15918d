"""Task cgroups on a fake cgroup v1 tree."""

from __future__ import annotations

from pathlib import Path

from skiff.agent.cgroups import TaskCgroups


def fake_root(tmp_path: Path) -> Path:
    (tmp_path / "memory").mkdir()
    (tmp_path / "memory" / "memory.limit_in_bytes").write_text("9223372036854771712")
    (tmp_path / "cpu").mkdir()
    return tmp_path


def test_limits_are_written(tmp_path: Path) -> None:
    cgroups = TaskCgroups(root=fake_root(tmp_path))
    assert cgroups.create("t1", cpu_units=512, memory_mib=1024) == "/skiff/t1"
    assert (tmp_path / "memory/skiff/t1/memory.limit_in_bytes").read_text() == str(1024 * 1024 * 1024)
    assert (tmp_path / "cpu/skiff/t1/cpu.cfs_quota_us").read_text() == "50000"
    assert (tmp_path / "cpu/skiff/t1/cpu.cfs_period_us").read_text() == "100000"


def test_oom_detection(tmp_path: Path) -> None:
    cgroups = TaskCgroups(root=fake_root(tmp_path))
    cgroups.create("t2", None, 512)
    memory = tmp_path / "memory/skiff/t2"
    (memory / "memory.oom_control").write_text("oom_kill_disable 0\nunder_oom 0\noom_kill 0\n")
    (memory / "memory.failcnt").write_text("0")
    (memory / "memory.max_usage_in_bytes").write_text("1000")
    assert cgroups.oom_killed("t2") is False
    (memory / "memory.failcnt").write_text("146")
    (memory / "memory.max_usage_in_bytes").write_text(str(512 * 1024 * 1024))
    assert cgroups.oom_killed("t2") is True
    (memory / "memory.failcnt").write_text("0")
    (memory / "memory.oom_control").write_text("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n")
    assert cgroups.oom_killed("t2") is True
    assert cgroups.oom_killed("missing") is False


def test_unavailable_without_v1_hierarchies(tmp_path: Path) -> None:
    assert TaskCgroups(root=tmp_path).create("t3", 256, 512) is None
