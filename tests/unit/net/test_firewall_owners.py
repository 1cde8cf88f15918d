"""skiff/net/firewall_owners.py: a tag is abandoned only when no one holds its lock and its owner
has been silent for the grace period; a missing lock file counts as abandoned."""

from __future__ import annotations

import os
import time
from pathlib import Path

from skiff.net.firewall_owners import Ownership


def test_a_held_lock_is_not_abandoned_and_a_released_one_is_after_the_grace(tmp_path: Path) -> None:
    owner, other = Ownership("aaaa1111", tmp_path), Ownership("bbbb2222", tmp_path)
    assert owner.claim() and owner.claim()  # idempotent
    with other.abandoned("aaaa1111", grace=0) as gone:
        assert not gone
    owner.release()
    with other.abandoned("aaaa1111", grace=60) as gone:
        assert not gone  # just released: it may be starting again
    past = time.time() - 120
    os.utime(tmp_path / "aaaa1111.lock", (past, past))
    with other.abandoned("aaaa1111", grace=60) as gone:
        assert gone
    assert not (tmp_path / "aaaa1111.lock").exists()  # forgotten once swept


def test_no_lock_file_is_abandoned_and_ones_own_tag_never(tmp_path: Path) -> None:
    owner = Ownership("aaaa1111", tmp_path)
    with owner.abandoned("cccc3333") as gone:
        assert gone
    with owner.abandoned("aaaa1111", grace=0) as gone:
        assert not gone


def test_the_heartbeat_keeps_a_dead_owner_in_grace(tmp_path: Path) -> None:
    owner, other = Ownership("aaaa1111", tmp_path), Ownership("bbbb2222", tmp_path)
    owner.heartbeat()
    past = time.time() - 120
    os.utime(tmp_path / "aaaa1111.lock", (past, past))
    owner.heartbeat()
    owner.release()
    with other.abandoned("aaaa1111", grace=60) as gone:
        assert not gone


def test_a_second_process_of_the_same_tag_cannot_claim(tmp_path: Path) -> None:
    first, second = Ownership("aaaa1111", tmp_path), Ownership("aaaa1111", tmp_path)
    assert first.claim()
    assert not second.claim()
    first.release()
    assert second.claim()


def test_an_unwritable_directory_is_no_claim(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("")
    assert not Ownership("aaaa1111", blocked / "locks").claim()


def test_known_tags_are_the_lock_files(tmp_path: Path) -> None:
    assert Ownership("aaaa1111", tmp_path / "absent").known_tags() == []
    Ownership("aaaa1111", tmp_path).claim()
    Ownership("bbbb2222", tmp_path).heartbeat()
    assert Ownership("cccc3333", tmp_path).known_tags() == ["aaaa1111", "bbbb2222"]
