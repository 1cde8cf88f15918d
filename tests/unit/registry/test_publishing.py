"""Publishing the registry: one address per data dir, names in the hosts file, docker's trust."""

from __future__ import annotations

import ipaddress
import ssl
from pathlib import Path

from skiff.net.hosts import HostsFile
from skiff.registry.publishing import RANGE, RegistryPublishing
from skiff.security.ca import LocalCA

HOST = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
OTHER = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"


def make(tmp_path: Path) -> tuple[RegistryPublishing, HostsFile, Path]:
    hosts = HostsFile("abcd0123", tmp_path / "hosts")
    (tmp_path / "hosts").write_text("127.0.0.1 localhost\n")
    certs = tmp_path / "certs.d"
    data = tmp_path / "data"
    return (
        RegistryPublishing(data, "abcd0123", LocalCA.for_data_dir(data), hosts, certs, port=0),
        hosts,
        certs,
    )


def test_hosts_resolve_to_the_kept_address_and_trust_the_ca(tmp_path: Path) -> None:
    publishing, hosts, certs = make(tmp_path)
    address = publishing.address()
    assert ipaddress.ip_address(address) in RANGE and publishing.address() == address
    publishing.publish({HOST, OTHER})
    assert hosts.section("ecr") == {HOST: address, OTHER: address}
    trusted = certs / HOST / "skiff-abcd0123.crt"
    assert trusted.read_bytes() == publishing.ca.certificate_pem
    client = ssl.create_default_context(cafile=str(publishing.ca.certificate_path))
    assert client.verify_mode == ssl.CERT_REQUIRED  # the issued chain loads into the server context
    assert (tmp_path / "data" / "registry" / "tls" / "key.pem").stat().st_mode & 0o777 == 0o600
    publishing.publish({HOST})
    assert not (certs / OTHER).exists() and hosts.section("ecr") == {HOST: address}


def test_withdraw_leaves_other_files_alone(tmp_path: Path) -> None:
    publishing, hosts, certs = make(tmp_path)
    publishing.publish({HOST})
    (certs / HOST / "ca.crt").write_text("someone else's")
    publishing.withdraw()
    assert hosts.section("ecr") == {}
    assert [p.name for p in (certs / HOST).iterdir()] == ["ca.crt"]
    assert (tmp_path / "hosts").read_text() == "127.0.0.1 localhost\n"
