"""skiff's blocks in a hosts file: replaced whole, per server and section; other lines untouched."""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import pytest

from skiff.net.hosts import HostsFile

ORIGINAL = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n# a comment\n10.0.0.5\tdb.internal\n"


@pytest.fixture
def hosts(tmp_path: Path) -> Path:
    path = tmp_path / "hosts"
    path.write_text(ORIGINAL)
    return path


def test_sections_are_replaced_whole_and_the_rest_is_kept(hosts: Path) -> None:
    one, two = HostsFile("aaaa", hosts), HostsFile("bbbb", hosts)
    one.set_section("elb", {"my-lb-1.us-east-1.elb.amazonaws.com": "127.77.0.2"})
    two.set_section("elb", {"other-2.us-east-1.elb.amazonaws.com": "127.77.0.3"})
    one.set_section("ecr", {"000000000000.dkr.ecr.us-east-1.amazonaws.com": "127.78.0.1"})
    one.set_section("elb", {"my-lb-1.us-east-1.elb.amazonaws.com": "127.77.0.9", "b.example": "127.77.0.4"})
    assert one.section("elb") == {
        "my-lb-1.us-east-1.elb.amazonaws.com": "127.77.0.9",
        "b.example": "127.77.0.4",
    }
    assert two.section("elb") == {"other-2.us-east-1.elb.amazonaws.com": "127.77.0.3"}
    assert one.section("ecr") == {"000000000000.dkr.ecr.us-east-1.amazonaws.com": "127.78.0.1"}
    assert hosts.read_text().startswith(ORIGINAL)
    one.set_section("elb", {})
    assert one.section("elb") == {}
    one.remove_all()
    two.remove_all()
    assert hosts.read_text() == ORIGINAL


def test_names_are_checked(hosts: Path) -> None:
    with pytest.raises(ValueError):
        HostsFile("aaaa", hosts).set_section("elb", {"bad name\n127.0.0.1 evil": "127.0.0.1"})
    assert hosts.read_text() == ORIGINAL


def test_concurrent_writers_lose_nothing(hosts: Path) -> None:
    def write(i: int) -> None:
        HostsFile(f"srv{i}", hosts).set_section("elb", {f"lb{i}.example": f"127.77.1.{i}"})

    threads = [threading.Thread(target=write, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for i in range(16):
        assert HostsFile(f"srv{i}", hosts).section("elb") == {f"lb{i}.example": f"127.77.1.{i}"}


def test_the_resolver_reads_the_real_file() -> None:
    """On the machine itself: a name set in /etc/hosts resolves through getaddrinfo."""
    path = Path("/etc/hosts")
    if not os.access(path, os.W_OK):
        pytest.skip("/etc/hosts is not writable here")
    hosts = HostsFile("unit-test", path)
    try:
        hosts.set_section("probe", {"skiff-probe.elb.amazonaws.com": "127.77.255.254"})
        assert socket.gethostbyname("skiff-probe.elb.amazonaws.com") == "127.77.255.254"
    finally:
        hosts.set_section("probe", {})
    assert "skiff-probe" not in path.read_text()


def test_others_addresses_are_those_of_other_servers_blocks(tmp_path: Path) -> None:
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 localhost\n127.77.0.9 not-skiffs.example\n")
    one, two = HostsFile("one", hosts), HostsFile("two", hosts)
    one.set_section("elb", {"a.example": "127.77.0.1"})
    two.set_section("elb", {"b.example": "127.77.0.2", "c.example": "127.77.0.3"})
    two.set_section("ecr", {"reg.example": "127.0.0.1"})
    assert one.others_addresses() == {"127.77.0.2", "127.77.0.3", "127.0.0.1"}
    assert two.others_addresses() == {"127.77.0.1"}
    assert HostsFile("three", hosts).others_addresses() == {
        "127.77.0.1",
        "127.77.0.2",
        "127.77.0.3",
        "127.0.0.1",
    }
