"""Where the registry is found: its address, its names, its certificate, and docker's trust in it.

The front listens on :443 of an address of its own from 127.78.0.0/16 (picked once per data dir
from the instance id, kept in `registry/address`). The ECR host names in use
(`<account>.dkr.ecr.<region>.amazonaws.com`) resolve to it through /etc/hosts (section `ecr`),
its certificate (from skiff's local CA) names exactly those hosts, and docker trusts the CA per
host through `/etc/docker/certs.d/<host>/skiff-<instance>.crt` (docker reads every `*.crt` there
as a CA, on each connection: no daemon restart). `withdraw` takes all of it back.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
import ssl
from pathlib import Path

from skiff.net.hosts import HostsFile
from skiff.security.ca import LocalCA

RANGE = ipaddress.ip_network("127.78.0.0/16")
PORT = 443
CERTS_DIR = Path("/etc/docker/certs.d")
SECTION = "ecr"


def _free(address: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((address, port))
        except OSError:
            return False
    return True


class RegistryPublishing:
    def __init__(
        self,
        data_dir: Path,
        instance: str,
        ca: LocalCA,
        hosts_file: HostsFile | None = None,
        certs_dir: Path = CERTS_DIR,
        port: int = PORT,
    ) -> None:
        self.directory = data_dir / "registry"
        self.instance = instance
        self.ca = ca
        self.hosts_file = hosts_file or HostsFile(instance)
        self.certs_dir = certs_dir
        self.port = port
        self.hosts: set[str] = set()
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.minimum_version = ssl.TLSVersion.TLSv1_2

    # -- the address ----------------------------------------------------------------------------
    def address(self) -> str:
        path = self.directory / "address"
        with contextlib.suppress(OSError, ValueError):
            kept = path.read_text().strip()
            if ipaddress.ip_address(kept) in RANGE:
                return kept
        seed = int(self.instance[:4], 16) if self.instance[:4].isalnum() else 0
        slots = 254 * 254
        for step in range(slots):
            slot = (seed + step) % slots
            candidate = f"127.78.{1 + slot // 254}.{1 + slot % 254}"
            if _free(candidate, self.port):
                self.directory.mkdir(parents=True, exist_ok=True)
                path.write_text(candidate + "\n")
                return candidate
        raise OSError("no free address for the registry in 127.78.0.0/16")

    # -- names, certificate, trust --------------------------------------------------------------
    def publish(self, hosts: set[str]) -> None:
        """Serve exactly `hosts`: certificate, /etc/hosts and docker's trust all follow."""
        if not hosts:
            return
        self._issue(sorted(hosts))
        address = self.address()
        self.hosts_file.set_section(SECTION, dict.fromkeys(sorted(hosts), address))
        for host in sorted(hosts):
            directory = self.certs_dir / host
            directory.mkdir(parents=True, exist_ok=True)
            target = directory / self.trust_file_name
            temporary = directory / f".{self.trust_file_name}.tmp"
            temporary.write_bytes(self.ca.certificate_pem)
            os.replace(temporary, target)
        for gone in self.hosts - hosts:
            self._untrust(gone)
        self.hosts = set(hosts)

    @property
    def trust_file_name(self) -> str:
        return f"skiff-{self.instance}.crt"

    def _issue(self, hosts: list[str]) -> None:
        issued = self.ca.issue(hosts)
        tls = self.directory / "tls"
        tls.mkdir(parents=True, exist_ok=True)
        os.chmod(tls, 0o700)
        cert, key = tls / "cert.pem", tls / "key.pem"
        cert.write_bytes(issued.certificate_pem + issued.chain_pem)
        fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(issued.private_key_pem)
        self.context.load_cert_chain(str(cert), str(key))  # new connections get the new certificate

    def _untrust(self, host: str) -> None:
        directory = self.certs_dir / host
        with contextlib.suppress(FileNotFoundError):
            (directory / self.trust_file_name).unlink()
        with contextlib.suppress(OSError):
            directory.rmdir()  # only when nothing else is there

    def withdraw(self) -> None:
        """Names and trust gone (the registry stopped for good, or a reset)."""
        self.hosts_file.set_section(SECTION, {})
        known = set(self.hosts)
        if self.certs_dir.is_dir():
            known |= {p.parent.name for p in self.certs_dir.glob(f"*/{self.trust_file_name}")}
        for host in known:
            self._untrust(host)
        self.hosts = set()
